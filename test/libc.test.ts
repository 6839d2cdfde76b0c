/**
 * A native module compiled in the build stage runs only on the libc it was compiled for (glibc on
 * Debian, musl on Alpine): wherever the tool splits a Dockerfile, the runtime stage builds on the
 * very image the build stage does, or (runtime-base) on the slim variant of that full Debian node
 * image: the same Node.js version and Debian release, so the same glibc.
 */
import { describe, expect, it } from 'vitest';
import { parseDockerfile } from '../src/dockerfile/parse.js';
import { rootImage } from '../src/model/commands/classify.js';
import { parseNodeTag, slimTag } from '../src/model/image/base-images.js';
import { CASES } from './case-harness.js';

describe('build and runtime stages share a base image (and so a libc)', () => {
  const split = CASES.filter(
    (c) =>
      c.case.output !== undefined &&
      parseDockerfile(c.input).stages.length === 1 &&
      parseDockerfile(c.expected).stages.length > 1,
  );

  it('has split cases to look at, Alpine and Debian ones among them', () => {
    const images = split.map((c) => parseDockerfile(c.input).stages[0].image);
    expect(images.some((i) => /alpine/.test(i))).toBe(true);
    expect(images.some((i) => /slim|bookworm|^node:\d+$/.test(i))).toBe(true);
  });

  for (const c of split) {
    it(c.id, () => {
      const input = parseDockerfile(c.input);
      const out = parseDockerfile(c.expected);
      const final = out.stages[out.stages.length - 1];
      const build = input.stages[0].resolvedImage;
      expect([build, slimOf(build)]).toContain(rootImage(out, final));
    });
  }
});

/** node:22 -> node:22-slim, node:20-bookworm -> node:20-bookworm-slim; null for any other image. */
function slimOf(image: string): string | null {
  const m = /^((?:[^/]+\/)*node):?(.*)$/.exec(image);
  const tag = m ? parseNodeTag(m[2] || 'latest') : null;
  return m && tag && !tag.variant ? `${m[1]}:${slimTag(tag)}` : null;
}
