/**
 * The dockerfile-ast speed-ups are installed only on the version they were written for, and change
 * no result: checked in a fresh process, where nothing has patched dockerfile-ast yet.
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const dist = (f: string) => pathToFileURL(path.resolve(import.meta.dirname, '..', 'dist', 'src', f)).href;

const script = `
  import { createRequire } from 'node:module';
  import { DockerfileParser } from 'dockerfile-ast';
  import { installAstPatches, PATCHED_VERSION, astVersion } from ${JSON.stringify(dist('dockerfile/ast-patches.js'))};
  const require = createRequire(${JSON.stringify(pathToFileURL(path.resolve(import.meta.dirname, '..', 'package.json')).href)});
  const proto = require('dockerfile-ast/lib/instruction.js').Instruction.prototype;
  const text = 'FROM node:22 AS build\\nWORKDIR /app\\nRUN npm ci \\\\\\n  --omit=dev\\nCOPY --chown=node:node . .\\nRUN <<EOF\\necho hi\\nEOF\\nCMD ["node", "server.js"]\\n';
  const shape = () => DockerfileParser.parse(text).getInstructions().map((i) => [i.getKeyword(), i.getRawArguments().map((a) => a.getValue())]);
  const before = JSON.stringify(shape());
  const original = proto.getRawArguments;
  const other = installAstPatches('0.7.2');
  const untouched = proto.getRawArguments === original;
  const mine = installAstPatches();
  const patched = proto.getRawArguments !== original;
  console.log(JSON.stringify({ other, untouched, mine, patched, installed: astVersion(), pinned: PATCHED_VERSION, same: JSON.stringify(shape()) === before }));
`;

describe('dockerfile-ast patches', () => {
  it('leave another version untouched, patch the pinned one, and change no parse result', () => {
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8',
      cwd: path.resolve(import.meta.dirname, '..'),
    });
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual({
      other: false,
      untouched: true,
      mine: true,
      patched: true,
      installed: '0.7.1',
      pinned: '0.7.1',
      same: true,
    });
  });
});
