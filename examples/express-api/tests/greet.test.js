const test = require('node:test');
const assert = require('node:assert');
const { greet } = require('../lib/greet');
test('greets', () => assert.strictEqual(greet('x'), 'Hello, x!'));
