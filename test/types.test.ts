/**
 * The type-level tests (test/types/*.ts, compiled with test/types/tsconfig.json): a transform
 * defined with defineTransform cannot return a code its docs do not declare. Each line after a
 * `@ts-expect-error` there must fail to compile and the rest must compile; with the directives taken
 * out, the errors must be on exactly those lines and name the code the directive quotes, so that
 * none of them passes for another reason (a typo, a missing import).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..');
const CONFIG = path.join(ROOT, 'test', 'types', 'tsconfig.json');
const DIRECTIVE = /^\s*\/\/ @ts-expect-error\b(.*)$/;

interface Located {
  file: string;
  line: number;
  message: string;
}

/** Compile the type tests, each file's text through `rewrite`; the diagnostics, with file and 1-based line. */
function compile(rewrite: (text: string) => string = (t) => t): Located[] {
  const parsed = ts.getParsedCommandLineOfConfigFile(CONFIG, undefined, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    },
  });
  if (!parsed) throw new Error(`cannot read ${CONFIG}`);
  const testFiles = new Set(parsed.fileNames.map((f) => path.resolve(f)));
  const host = ts.createCompilerHost(parsed.options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, language, ...rest) =>
    testFiles.has(path.resolve(name))
      ? ts.createSourceFile(name, rewrite(fs.readFileSync(name, 'utf8')), language)
      : getSourceFile(name, language, ...rest);
  const program = ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options, host });
  return ts.getPreEmitDiagnostics(program).map((d) => ({
    file: d.file ? path.relative(ROOT, d.file.fileName) : '',
    line: d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line + 1 : 0,
    message: ts.flattenDiagnosticMessageText(d.messageText, '\n'),
  }));
}

/** Each `@ts-expect-error` of the type tests: the line it stands for, and the codes it quotes. */
function expectedErrors(): { file: string; line: number; codes: string[] }[] {
  const dir = path.join(ROOT, 'test', 'types');
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.ts'))
    .flatMap((f) =>
      fs
        .readFileSync(path.join(dir, f), 'utf8')
        .split(/\r?\n/)
        .flatMap((text, i) => {
          const m = DIRECTIVE.exec(text);
          return m ? [{ file: `test/types/${f}`, line: i + 2, codes: m[1].match(/"[^"]+"/g) ?? [] }] : [];
        }),
    );
}

describe('defineTransform: a code a transform does not declare does not compile', () => {
  const expected = expectedErrors();

  it('the type tests hold cases that must not compile', () => {
    expect(expected.length).toBeGreaterThanOrEqual(8);
  });

  it('compiles: every line marked @ts-expect-error fails, everything else compiles', () => {
    expect(compile().map((d) => `${d.file}:${d.line}: ${d.message}`)).toEqual([]);
  }, 120_000);

  it('without the directives, the errors are on exactly those lines, each naming its undeclared code', () => {
    const errors = compile((text) =>
      text
        .split('\n')
        .map((l) => (DIRECTIVE.test(l) ? l.replace('@ts-expect-error', '(expected error)') : l))
        .join('\n'),
    );
    expect(errors.map((e) => `${e.file}:${e.line}`)).toEqual(expected.map((e) => `${e.file}:${e.line}`));
    for (const [i, e] of expected.entries())
      for (const code of e.codes) expect(errors[i].message, `${e.file}:${e.line}`).toContain(code);
  }, 120_000);
});
