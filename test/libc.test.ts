/**
 * A native module compiled in the build stage runs only on the libc it was compiled for (glibc on
 * Debian, musl on Alpine): wherever the tool splits a Dockerfile, the runtime stage builds on the
 * very image the build stage does.
 */
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDockerfile } from '../src/dockerfile/parse.js';
import { rootImage } from '../src/node/commands.js';
import { listCases, readOptional } from './fixture-harness.js';

describe('build and runtime stages share a base image (and so a libc)', () => {
  const split = listCases().filter((c) => {
    const input = readOptional(path.join(c.dir, 'Dockerfile'));
    const expected = readOptional(path.join(c.dir, 'Dockerfile.expected'));
    return input && expected && parseDockerfile(input).stages.length === 1 && parseDockerfile(expected).stages.length > 1;
  });

  it('has split cases to look at, Alpine and Debian ones among them', () => {
    const images = split.map((c) => parseDockerfile(readOptional(path.join(c.dir, 'Dockerfile'))!).stages[0].image);
    expect(images.some((i) => /alpine/.test(i))).toBe(true);
    expect(images.some((i) => /slim|bookworm|^node:\d+$/.test(i))).toBe(true);
  });

  for (const c of split) {
    it(`${c.group}/${c.name}`, () => {
      const input = parseDockerfile(readOptional(path.join(c.dir, 'Dockerfile'))!);
      const out = parseDockerfile(readOptional(path.join(c.dir, 'Dockerfile.expected'))!);
      const final = out.stages[out.stages.length - 1];
      expect(rootImage(out, final)).toBe(input.stages[0].resolvedImage);
    });
  }
});
