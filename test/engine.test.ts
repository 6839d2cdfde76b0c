import { describe, expect, it } from 'vitest';
import { runPipeline } from '../src/engine/engine.js';
import type { Transform } from '../src/engine/types.js';

/** A transform that moves `RUN b` above `RUN a` (remove + insert) and reports a line inside the block it moved. */
const mover = (reportLine: number): Transform => ({
  id: 'mover',
  summary: 'moves a block',
  docs: { what: '', why: '', changes: { moved: '' }, holdsBack: {} },
  apply({ doc }) {
    const a = doc.instructions.find((i) => i.text === 'RUN a')!;
    const b = doc.instructions.find((i) => i.text === 'RUN b')!;
    return {
      edits: [
        { start: a.blockStart, end: a.blockStart, text: doc.text.slice(b.blockStart, b.blockEnd) },
        { start: b.blockStart, end: b.blockEnd, text: '' },
      ],
      changes: [{ code: 'moved', line: reportLine, message: 'moved' }],
    };
  },
});

const reported = (text: string, line: number) => runPipeline(text, [mover(line)], () => ({}), {}).changes[0].line;

describe('runPipeline: reported lines follow the text they point at', () => {
  const text = 'FROM node:22\nRUN a\nRUN x\n# why b\nRUN b\nCMD ["node", "s.js"]\n';

  it('a line inside a moved block points at the block in its new place', () => {
    // RUN b (line 5) and its comment (line 4) now sit at lines 3 and 2.
    expect(reported(text, 5)).toBe(3);
    expect(reported(text, 4)).toBe(2);
  });

  it('a line outside the moved block keeps pointing at its own text', () => {
    expect(reported(text, 3)).toBe(5); // RUN x, after the inserted block
    expect(reported(text, 6)).toBe(6); // CMD
  });
});
