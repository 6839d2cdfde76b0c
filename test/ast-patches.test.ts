/**
 * The dockerfile-ast speed-ups are installed only on the version they were written for, and change
 * no result (a parse, and what dockerfile-utils finds in it): checked in a fresh process, where
 * nothing has patched dockerfile-ast yet.
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const dist = (f: string) => pathToFileURL(path.resolve(import.meta.dirname, '..', 'dist', 'src', f)).href;

// The lint guard resolves every variable: ENV and ARG before and after their use, redefined,
// several on one line, in stages built FROM others, in FROM lines from the initial ARGs.
const VARS = [
  'ARG BASE=node:22\nARG TAG\nFROM ${BASE}-${TAG:-slim} AS build\nARG TAG\nENV A=1 B=$A A=2\nRUN echo $A $B $C ${TAG:+x}\n' +
    'ENV C=$A\nFROM build\nCOPY $C /$D\nARG D=d\nWORKDIR /app/$D\nENV D\nLABEL x=${D:?y} z=${E}\n',
  'FROM node:22\nENV X=1\nENV X=2 Y=$X\nARG Z\nARG Z=3\nUSER ${Z}\nRUN echo $X$Y$Z \\\n  $W\nARG W=w\nEXPOSE $W\n',
  'ARG P=1\nFROM node:22 AS a\nEXPOSE $P $Q\nARG P\nARG Q=x\nEXPOSE $P $Q\nENV Q=2 R=$Q\nEXPOSE $Q $R\nFROM a\nEXPOSE $Q $R $P\n',
];

const script = `
  import { createRequire } from 'node:module';
  import { DockerfileParser } from 'dockerfile-ast';
  import { validate } from 'dockerfile-utils';
  import { installAstPatches, PATCHED_VERSION, astVersion } from ${JSON.stringify(dist('dockerfile/ast-patches.js'))};
  const require = createRequire(${JSON.stringify(pathToFileURL(path.resolve(import.meta.dirname, '..', 'package.json')).href)});
  const proto = require('dockerfile-ast/lib/instruction.js').Instruction.prototype;
  const text = 'FROM node:22 AS build\\nWORKDIR /app\\nRUN npm ci \\\\\\n  --omit=dev\\nCOPY --chown=node:node . .\\nRUN <<EOF\\necho hi\\nEOF\\nCMD ["node", "server.js"]\\n';
  const shape = () => DockerfileParser.parse(text).getInstructions().map((i) => [i.getKeyword(), i.getRawArguments().map((a) => a.getValue())]);
  const before = JSON.stringify(shape());
  const vars = ${JSON.stringify(VARS)};
  const resolved = (t) =>
    DockerfileParser.parse(t).getInstructions().flatMap((i) => i.getVariables().map((v) => [v.getName(), v.isDefined(), v.isBuildVariable()]));
  const lint = () => JSON.stringify(vars.map((t) => [validate(t), resolved(t)]));
  const lintBefore = lint();
  const original = proto.getRawArguments;
  const other = installAstPatches('0.7.2');
  const untouched = proto.getRawArguments === original;
  const mine = installAstPatches();
  const patched = proto.getRawArguments !== original;
  console.log(JSON.stringify({ other, untouched, mine, patched, installed: astVersion(), pinned: PATCHED_VERSION, same: JSON.stringify(shape()) === before, sameLint: lint() === lintBefore }));
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
      sameLint: true,
    });
  });
});
