/**
 * `--format sarif`: SARIF 2.1.0 for code scanning and review tools. One result per change (level
 * `note`) and per warning (level `warning`), rule id `<transform>/<code>`, the rules described from
 * the transforms' own docs. A migrated file's first change result carries the whole migration as a
 * fix: per file of its patch, the runs of removed and added lines as line/column replacements of
 * the original text. Files that failed or were skipped are tool notifications.
 *
 * Locations point into the files as they are on disk after the run: the original Dockerfile (the
 * reported line of the migrated one carried back through the patch), or with --write the migrated
 * one, and then there is no fix (it is applied).
 */
import { pathToFileURL } from 'node:url';
import type { Transform } from '../engine/types.js';
import type { FileReport, Mode } from './report.js';
import { originalLine, parsePatch, replacements } from './patch.js';

const BASE = '%SRCROOT%';
/** GitHub code scanning cuts rule descriptions here. */
const MAX_DESCRIPTION = 1024;

/** What reports findings besides the transforms. */
const OTHER_SOURCES: Record<string, string> = {
  context:
    'Reported while reading the build context (package.json, lockfiles, tsconfig.json, ignore files) or checking the migrated Dockerfile.',
  compose: 'Reported from a docker-compose file at the top of the build context that builds this Dockerfile.',
};

interface RuleDoc {
  id: string;
  level: 'note' | 'warning';
  text: string;
  source: string;
  what?: string;
  why?: string;
}

const plain = (s: string) => s.replace(/`/g, '');
const cut = (s: string) => (s.length > MAX_DESCRIPTION ? `${s.slice(0, MAX_DESCRIPTION - 1)}…` : s);

/** Every documented rule, in the order the transforms run. */
function catalogue(
  transforms: readonly Transform[],
  extra: Record<string, Readonly<Record<string, string>>>,
): Map<string, RuleDoc> {
  const rules = new Map<string, RuleDoc>();
  for (const t of transforms) {
    for (const [code, text] of Object.entries(t.docs.changes))
      rules.set(`${t.id}/${code}`, {
        id: `${t.id}/${code}`,
        level: 'note',
        text,
        source: t.id,
        what: t.docs.what,
        why: t.docs.why,
      });
    for (const [code, text] of Object.entries(t.docs.holdsBack))
      rules.set(`${t.id}/${code}`, {
        id: `${t.id}/${code}`,
        level: 'warning',
        text,
        source: t.id,
        what: t.docs.what,
        why: t.docs.why,
      });
  }
  for (const [source, codes] of Object.entries(extra))
    for (const [code, text] of Object.entries(codes))
      rules.set(`${source}/${code}`, { id: `${source}/${code}`, level: 'warning', text, source });
  return rules;
}

function rule(doc: RuleDoc) {
  const about = doc.what ? `${doc.source}: ${doc.what}` : (OTHER_SOURCES[doc.source] ?? `Reported by ${doc.source}.`);
  const why = doc.why ? `\n\nWhy: ${doc.why}` : '';
  return {
    id: doc.id,
    name: doc.id,
    shortDescription: { text: cut(plain(doc.text)) },
    fullDescription: { text: cut(plain(about)) },
    help: { text: plain(`${doc.text}\n\n${about}${why}`), markdown: `**${doc.id}**: ${doc.text}\n\n${about}${why}` },
    defaultConfiguration: { level: doc.level },
    properties: { tags: ['dockerfile', doc.source] },
  };
}

/** A relative path as a URI reference (each segment percent-encoded). */
function uri(p: string): string {
  return p
    .split('/')
    .map((seg) => (seg === '.' || seg === '..' ? seg : encodeURIComponent(seg)))
    .join('/');
}

const artifact = (p: string) => ({ uri: uri(p), uriBaseId: BASE });

export interface SarifMeta {
  version: string;
  mode: Mode;
  /** The directory the report's paths are relative to. */
  cwd: string;
  transforms: readonly Transform[];
  /** Codes reported outside the transforms, by source (`compose`): their meaning. */
  otherCodes?: Record<string, Readonly<Record<string, string>>>;
}

export function sarifReport(reports: FileReport[], meta: SarifMeta): string {
  const docs = catalogue(meta.transforms, meta.otherCodes ?? {});
  const used = new Map<string, number>();
  const rules: ReturnType<typeof rule>[] = [];
  const ruleIndex = (id: string, level: 'note' | 'warning') => {
    let i = used.get(id);
    if (i === undefined) {
      const source = id.slice(0, id.indexOf('/'));
      rules.push(rule(docs.get(id) ?? { id, level, text: id.slice(source.length + 1), source }));
      used.set(id, (i = rules.length - 1));
    }
    return i;
  };
  const results: object[] = [];
  const notifications: object[] = [];
  for (const r of reports) {
    if (r.status === 'error' || r.status === 'skipped') {
      notifications.push({
        level: r.status === 'error' ? 'error' : 'note',
        message: { text: `${r.status}: ${r.reason ?? r.status}` },
        descriptor: { id: r.code ?? r.status },
        locations: [{ physicalLocation: { artifactLocation: artifact(r.path) } }],
      });
    }
    const patches = meta.mode === 'write' ? [] : parsePatch(r.diff);
    const own = patches.find((p) => p.path === r.path);
    const region = (line: number | undefined) => ({ startLine: line === undefined ? 1 : own ? originalLine(own, line) : line });
    let fixed = false;
    for (const c of r.changes) {
      const id = `${c.transform}/${c.code}`;
      const result: Record<string, unknown> = {
        ruleId: id,
        ruleIndex: ruleIndex(id, 'note'),
        level: 'note',
        message: { text: c.message },
        locations: [{ physicalLocation: { artifactLocation: artifact(r.path), region: region(c.line) } }],
      };
      if (!fixed && patches.length) {
        fixed = true;
        result.fixes = [
          {
            description: { text: `Apply the migration of ${r.path}` },
            artifactChanges: patches.map((p) => ({
              artifactLocation: artifact(p.path),
              replacements: replacements(p).map((rep) => ({
                deletedRegion: {
                  startLine: rep.startLine,
                  startColumn: rep.startColumn,
                  endLine: rep.endLine,
                  endColumn: rep.endColumn,
                },
                insertedContent: { text: rep.text },
              })),
            })),
          },
        ];
      }
      results.push(result);
    }
    for (const w of r.warnings) {
      const id = `${w.transform}/${w.code}`;
      results.push({
        ruleId: id,
        ruleIndex: ruleIndex(id, 'warning'),
        level: 'warning',
        message: { text: w.message },
        locations: [{ physicalLocation: { artifactLocation: artifact(r.path), region: region(w.line) } }],
      });
    }
  }
  const root = pathToFileURL(meta.cwd).href.replace(/\/?$/, '/');
  const log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'dockerfile-migrate',
            version: meta.version,
            ...(/^\d+\.\d+\.\d+/.test(meta.version) ? { semanticVersion: meta.version } : {}),
            rules,
          },
        },
        originalUriBaseIds: { [BASE]: { uri: root } },
        columnKind: 'utf16CodeUnits',
        invocations: [
          {
            executionSuccessful: !reports.some((r) => r.status === 'error'),
            ...(notifications.length ? { toolExecutionNotifications: notifications } : {}),
          },
        ],
        results,
      },
    ],
  };
  return JSON.stringify(log, null, 2) + '\n';
}
