/**
 * npm-ci: installs that follow the lockfile exactly.
 * `npm install` becomes `npm ci` when the lockfile is in the image at that point and in sync with
 * package.json (npm ci refuses a stale one);
 * `--only=production`/`--production` become `--omit=dev` (npm 7+); yarn, pnpm and bun installs
 * get their frozen-lockfile flag. Flags that shaped the lockfile (--legacy-peer-deps) stay.
 */
import { lineNo } from '../src/dockerfile/query.js';
import { baseImageInfo, classifyRun, pnpmReadsLockfile, rootImage, usableLockfile } from '../src/model/commands/classify.js';
import type { Edit, Finding } from '../src/engine/types.js';
import type { Transform } from '../src/model/image/model.js';

const ID = 'npm-ci';
const PROD_FLAG = /^--(only=prod(uction)?|production(=true)?)$/;

export const npmCi: Transform = {
  id: ID,
  summary: 'npm install becomes npm ci (yarn/pnpm/bun: frozen lockfile) and --production becomes --omit=dev',
  docs: {
    what: '`npm install` → `npm ci` when an in-sync lockfile is in the image at that point; `--only=production`/`--production` → `--omit=dev`; yarn 1 gets `--frozen-lockfile`, yarn 2+ `--immutable`, pnpm and bun `--frozen-lockfile`; flags that shaped the lockfile stay',
    why: 'the image gets exactly the versions the lockfile pins, and a stale lockfile fails the build instead of drifting',
    changes: {
      'npm-ci': '`npm install` became `npm ci`',
      'omit-dev': '--production/--only=production became --omit=dev',
      'frozen-lockfile': 'a yarn/pnpm/bun install got its frozen-lockfile flag',
    },
    holdsBack: {
      'no-lockfile': 'kept the install: no usable lockfile at that point',
      'old-npm': 'kept the old flag: the image ships npm 6',
      'lockfile-mismatch': 'kept the install: the lockfile belongs to another package manager',
      'pnpm-version-unpinned':
        "left pnpm install without --frozen-lockfile: the pnpm version is unknown or does not read the lockfile's format",
      'lockfile-out-of-sync': 'kept `npm install`: package-lock.json does not match package.json, and npm ci would fail',
    },
  },
  apply({ doc, facts }) {
    const edits: Edit[] = [];
    const changes: Finding[] = [];
    const warnings: Finding[] = [];
    for (const stage of doc.stages) {
      const base = baseImageInfo(rootImage(doc, stage));
      const oldNpm = base.nodeMajor !== null && base.nodeMajor < 15;
      for (const ins of stage.instructions) {
        if (ins.keyword !== 'RUN') continue;
        const line = lineNo(doc, ins);
        for (const c of classifyRun(doc, ins).commands) {
          if (c.kind !== 'install' || !c.manager) continue;
          const sub = c.sub !== undefined ? c.words[c.sub] : undefined;
          const lock = usableLockfile(doc, stage, ins, facts);
          if (c.manager === 'npm') {
            const isCi = sub && ['ci', 'clean-install', 'install-clean', 'ic'].includes(sub.value);
            if (sub && !isCi) {
              const sync = lock.file && lock.file === facts.lockfile ? facts.lockfileSync : null;
              if (sync && !sync.inSync) {
                warnings.push({
                  code: 'lockfile-out-of-sync',
                  line,
                  message: `kept \`npm ${sub.value}\`: npm ci would fail, ${lock.file} is out of sync with package.json: ${sync.why}`,
                });
              } else if (lock.file && /^(package-lock\.json|npm-shrinkwrap\.json)$/.test(lock.file)) {
                edits.push({ start: sub.start, end: sub.end, text: 'ci' });
                changes.push({
                  code: 'npm-ci',
                  line,
                  message: `\`npm ${sub.value}\` → \`npm ci\`: installs exactly what ${lock.file} pins and fails if it is out of date`,
                });
              } else {
                warnings.push({
                  code: 'no-lockfile',
                  line,
                  message: `kept \`npm ${sub.value}\`: npm ci needs package-lock.json or npm-shrinkwrap.json, and ${lock.file ? `the lockfile is ${lock.file}` : lock.why}`,
                });
              }
            }
            for (let i = 0; i < c.words.length; i++) {
              const w = c.words[i];
              const next = c.words[i + 1];
              let end = -1;
              if (PROD_FLAG.test(w.value)) end = w.end;
              else if (w.value === '--only' && next && /^prod(uction)?$/.test(next.value)) end = next.end;
              if (end < 0) continue;
              if (oldNpm) {
                warnings.push({
                  code: 'old-npm',
                  line,
                  message: `kept \`${doc.text.slice(w.start, end)}\`: ${stage.image} ships npm 6, which does not know --omit=dev`,
                });
                continue;
              }
              edits.push({ start: w.start, end, text: '--omit=dev' });
              changes.push({
                code: 'omit-dev',
                line,
                message: `\`${doc.text.slice(w.start, end)}\` → \`--omit=dev\`: the deprecated flag's current spelling (npm 7+)`,
              });
            }
            continue;
          }
          const frozen = c.words.some((w) => /^--(frozen-lockfile|immutable|pure-lockfile|frozen-lockfile=true)$/.test(w.value));
          if (frozen) continue;
          const flagName = facts.manager === 'yarn-berry' && c.manager === 'yarn' ? '--immutable' : '--frozen-lockfile';
          if (!lock.file) {
            warnings.push({
              code: 'no-lockfile',
              line,
              message: `left \`${c.manager} install\` without ${flagName}: ${lock.why}`,
            });
            continue;
          }
          const expected: Record<string, RegExp> = { yarn: /^yarn\.lock$/, pnpm: /^pnpm-lock\.yaml$/, bun: /^bun\.lockb?$/ };
          if (!expected[c.manager]?.test(lock.file)) {
            warnings.push({
              code: 'lockfile-mismatch',
              line,
              message: `left \`${c.manager} install\` alone: the lockfile in the context is ${lock.file}`,
            });
            continue;
          }
          if (c.manager === 'pnpm') {
            const reads = pnpmReadsLockfile(doc, stage, facts);
            if (!reads.ok) {
              warnings.push({
                code: 'pnpm-version-unpinned',
                line,
                message: `left \`pnpm install\` without --frozen-lockfile: ${reads.why}`,
              });
              continue;
            }
          }
          const after = sub ?? c.words[0];
          edits.push({ start: after.end, end: after.end, text: ` ${flagName}` });
          changes.push({
            code: 'frozen-lockfile',
            line,
            message: `\`${c.manager}${sub ? ' ' + sub.value : ''}\` gets \`${flagName}\`: installs exactly what ${lock.file} pins and fails if it is out of date`,
          });
        }
      }
    }
    if (!edits.length && !warnings.length) return null;
    return { edits, changes, warnings };
  },
};
