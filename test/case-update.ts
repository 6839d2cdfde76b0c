/**
 * `UPDATE_FIXTURES=1`: writes what the tool now gives into a cases file's `output`, `ignore` and
 * `codes`, in place: every other byte of the file (the inputs, the contexts, comments, the order)
 * stays, then Prettier formats the file as `npm run format` would.
 */
import * as fs from 'node:fs';
import * as prettier from 'prettier';
import ts from 'typescript';

export interface Expectations {
  output?: string;
  ignore?: string;
  codes: string[];
}

const UPDATED = ['output', 'ignore', 'codes'] as const;
/** Where a missing property goes: after the last of these the case has. */
const AFTER: Record<(typeof UPDATED)[number], string[]> = {
  output: ['dockerfile', 'options', 'context', 'name'],
  ignore: ['output', 'dockerfile', 'options', 'context', 'name'],
  codes: ['ignore', 'output', 'dockerfile', 'options', 'context', 'name'],
};

/** A string as a cases file writes it: a template literal over several lines, else a quoted string. */
export function stringLiteral(s: string): string {
  const escape = (ch: string): string | null => {
    if (ch === '\\') return '\\\\';
    if (ch === '\r') return '\\r';
    if (ch === '\t') return '\\t';
    const cp = ch.codePointAt(0)!;
    const invisible = cp < 0x20 || cp === 0x7f || cp === 0xa0 || cp === 0xfeff || cp === 0x2028 || cp === 0x2029;
    if (invisible || (cp >= 0xd800 && cp <= 0xdfff))
      return cp <= 0xff ? `\\x${cp.toString(16).padStart(2, '0')}` : `\\u${cp.toString(16).padStart(4, '0')}`;
    return null;
  };
  const chars = [...s];
  if (!s.includes('\n')) return `'${chars.map((ch) => (ch === "'" ? "\\'" : (escape(ch) ?? ch))).join('')}'`;
  let out = '`';
  chars.forEach((ch, i) => {
    if (ch === '\n') out += ch;
    else if (ch === '`') out += '\\`';
    else if (ch === '$' && chars[i + 1] === '{') out += '\\$';
    else out += escape(ch) ?? ch;
  });
  return out + '`';
}

function valueText(key: (typeof UPDATED)[number], e: Expectations): string | undefined {
  if (key === 'codes') return `[${e.codes.map(stringLiteral).join(', ')}]`;
  const v = e[key];
  return v === undefined ? undefined : stringLiteral(v);
}

/** Rewrites the expectations of the named cases in `file`; returns whether the file changed. */
export async function updateCasesFile(file: string, wanted: ReadonlyMap<string, Expectations>): Promise<boolean> {
  const text = fs.readFileSync(file, 'utf8');
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  let list: ts.ArrayLiteralExpression | undefined;
  for (const st of sf.statements) {
    if (!ts.isExportAssignment(st)) continue;
    let e: ts.Expression = st.expression;
    while (ts.isSatisfiesExpression(e) || ts.isAsExpression(e) || ts.isParenthesizedExpression(e)) e = e.expression;
    if (ts.isArrayLiteralExpression(e)) list = e;
  }
  if (!list) throw new Error(`${file}: no \`export default [...]\` to update`);

  const edits: { start: number; end: number; text: string; order: number }[] = [];
  for (const el of list.elements) {
    if (!ts.isObjectLiteralExpression(el)) continue;
    const props = new Map<string, ts.PropertyAssignment>();
    for (const p of el.properties)
      if (ts.isPropertyAssignment(p) && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name))) props.set(p.name.text, p);
    const nameInit = props.get('name')?.initializer;
    if (!nameInit || !ts.isStringLiteralLike(nameInit)) continue;
    const want = wanted.get(nameInit.text);
    if (!want) continue;
    for (const key of UPDATED) {
      const value = valueText(key, want);
      const prop = props.get(key);
      if (prop && value !== undefined) {
        if (prop.initializer.getText(sf) !== value)
          edits.push({ start: prop.initializer.getStart(sf), end: prop.initializer.getEnd(), text: value, order: edits.length });
      } else if (prop) {
        // Remove the property with its comma and the line it stood on.
        let end = prop.getEnd();
        if (text[end] === ',') end++;
        edits.push({ start: prop.getFullStart(), end, text: '', order: edits.length });
      } else if (value !== undefined) {
        const anchor = AFTER[key].map((k) => props.get(k)).find((p) => p !== undefined);
        if (!anchor) throw new Error(`${file}: case ${nameInit.text} has no property to put ${key} after`);
        edits.push({ start: anchor.getEnd(), end: anchor.getEnd(), text: `,\n${key}: ${value}`, order: edits.length });
      }
    }
  }
  if (!edits.length) return false;
  let out = text;
  // From the end, so earlier offsets hold; two insertions at one place land in the order made.
  for (const e of edits.sort((a, b) => b.start - a.start || b.order - a.order))
    out = out.slice(0, e.start) + e.text + out.slice(e.end);
  const options = (await prettier.resolveConfig(file)) ?? {};
  out = await prettier.format(out, { ...options, filepath: file });
  if (out === text) return false;
  fs.writeFileSync(file, out);
  return true;
}
