/**
 * developmentImageReason(): which Node.js Dockerfiles only set up a development environment and
 * are left as they are (migrate() reports them as skipped with the code).
 */
import { describe, expect, it } from 'vitest';
import { parseDockerfile } from '../src/dockerfile/parse.js';
import { projectFor, migrate } from '../src/migrate.js';
import { ImageModel } from '../src/model/image/model.js';

const PKG = JSON.stringify({
  name: 'a',
  version: '1.0.0',
  scripts: { dev: 'nodemon server.js', start: 'node server.js' },
  devDependencies: { nodemon: '^3.1.0' },
});
const context = { 'package.json': PKG, 'server.js': 'console.log(1)\n' };
const reason = (dockerfile: string) => migrate({ dockerfile, context });

describe('bind-mount-dev', () => {
  const dev = [
    ['FROM + WORKDIR + CMD', 'FROM node:22\nWORKDIR /app\nCMD ["npm", "run", "dev"]\n'],
    [
      'system setup, a global tool, ENV, EXPOSE',
      'FROM node:22-bookworm\nRUN apt-get update && apt-get install -y git && rm -rf /var/lib/apt/lists/*\nRUN npm install -g nodemon\nENV PORT=3000\nWORKDIR /usr/src/app\nEXPOSE 3000\nCMD nodemon server.js\n',
    ],
    [
      'an entrypoint script copied in',
      'FROM node:22-alpine\nCOPY docker-entrypoint.sh /usr/local/bin/\nWORKDIR /app\nENTRYPOINT ["docker-entrypoint.sh"]\nCMD ["npm", "run", "dev"]\n',
    ],
  ];
  for (const [name, text] of dev) {
    it(`${name}: skipped with code bind-mount-dev, nothing changed`, () => {
      const res = reason(text);
      expect(res).toMatchObject({ status: 'skipped', code: 'bind-mount-dev', output: text, diff: '', changes: [] });
      expect(res.reason).toMatch(/^nothing copies the app into the image/);
    });
  }

  const production = [
    ['the sources copied', 'FROM node:22\nWORKDIR /app\nCOPY . .\nCMD ["node", "server.js"]\n'],
    ['one source file copied', 'FROM node:22\nWORKDIR /app\nCOPY server.js .\nCMD ["node", "server.js"]\n'],
    [
      'the app cloned',
      'FROM node:22\nWORKDIR /app\nRUN git clone https://example.invalid/app.git . && npm ci\nCMD ["npm", "start"]\n',
    ],
    ['an install of the dependencies', 'FROM node:22\nWORKDIR /app\nRUN npm install\nCMD ["npm", "start"]\n'],
    ['a remote ADD', 'FROM node:22\nWORKDIR /app\nADD https://example.invalid/app.tar.gz /app/\nCMD ["npm", "start"]\n'],
    ['a RUN it cannot read', 'FROM node:22\nWORKDIR /app\nRUN ["sh", "-c", "fetch-app /app"]\nCMD ["npm", "start"]\n'],
    ['an onbuild base image', 'FROM node:8-onbuild\nEXPOSE 3000\n'],
  ];
  for (const [name, text] of production) {
    it(`${name}: not a development image`, () => {
      const doc = parseDockerfile(text);
      expect(new ImageModel(doc, projectFor(context)).developmentImage()).toBeNull();
      expect(reason(text).code).not.toBe('bind-mount-dev');
    });
  }
});
