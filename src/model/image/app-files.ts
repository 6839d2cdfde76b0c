/**
 * What a Node.js app needs at run time, at the granularity of top-level entries of the
 * build context: the entry file named by CMD/ENTRYPOINT/start/main, what its sources name,
 * the build output, and whatever is not known to be a development-only file.
 */
import { copyParts, normalizePosix, type ParsedDockerfile, type Stage } from '../../dockerfile/parse.js';
import { copyDest, isContextCopy, stageChain, stageNamed, workdirAt } from '../../dockerfile/query.js';
import type { ProjectFacts } from '../project/facts.js';
import type { Project } from '../project/project.js';
import { isDevEntry, runtimeSources } from '../project/sources.js';

export { isDevEntry };

export interface EntryInfo {
  /** Paths (relative to the app directory, or absolute) the runtime command names. */
  paths: string[];
  /** The app runs TypeScript directly (tsx, ts-node): tsconfig.json is read at run time. */
  runsTypeScript: boolean;
}

/** A relative path glob (`**` across folders, `*` and `?` within a name) as a regexp over context paths. */
function pathGlob(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*' && glob[i + 1] === '*') {
      re += glob[i + 2] === '/' ? '(?:[^/]+/)*' : '.*';
      i += glob[i + 2] === '/' ? 2 : 1;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/**
 * Paths under top-level entries that string literals in the app's runtime sources (templates and data
 * files too) name ('views', 'public/css', 'src/views'...). `keep`: top-level entries whose files count
 * even when their names look development-only; `within`: only the files it accepts (a package's).
 */
export function namedBySources(project: Project, keep: ReadonlySet<string>, within?: (file: string) => boolean): Set<string> {
  const facts = project.facts;
  const found = new Set<string>();
  if (!facts.files) return found;
  const candidates = [...facts.topLevel.keys()].filter((n) => n !== 'node_modules' && n !== 'package.json');
  if (!candidates.length) return found;
  const lit = /(["'`])((?:\\.|(?!\1)[^\\\n])*)\1/g;
  for (const { path: f, text } of runtimeSources(project, { named: true, keep, ...(within ? { within } : {}) })) {
    const top = f.split('/')[0];
    for (const m of text.matchAll(lit)) {
      // baseUrl-style module specifiers (`from 'src/users/user.entity'`) name modules the build
      // compiles and rewrites to relative paths (nest build, tsc-alias), not files the app reads;
      // a relative one (`require('./lib/db')`) or a data file (`require('src/list.json')`) is read
      // from where it is.
      if (
        !/^[./]/.test(m[2]) &&
        /(\bfrom|\bimport|\brequire\s*\(|\bimport\s*\()\s*$/.test(text.slice(Math.max(0, m.index - 12), m.index)) &&
        !/\.(json|node|wasm|html?|txt|csv|graphql|gql|ya?ml|hbs|ejs|pug|sql|proto|pem|crt|key)$/.test(m[2])
      )
        continue;
      const v = m[2]
        .split('${')[0]
        .replace(/^(\.\.?\/)+/, '')
        .replace(/^\//, '')
        .replace(/\/+$/, '');
      if (!v || /\s/.test(v)) continue;
      // A glob the app reads files by at run time (GraphQL typePaths './**/*.graphql', i18n
      // 'locales/*.json'): every context file it matches.
      if (/\*/.test(v) && /\.[A-Za-z0-9]+$/.test(v) && !/\.(m?[jt]sx?|cjs|cts)$/.test(v)) {
        const re = pathGlob(v);
        for (const file of facts.files)
          if (re.test(file) && !file.startsWith('node_modules/') && !isDevEntry(file.split('/')[0])) found.add(file);
        continue;
      }
      const first = v.split('/')[0];
      if (facts.topLevel.has(first) && !(first === top && !v.includes('/'))) found.add(v);
    }
  }
  return found;
}

/**
 * Output directory of the build (relative path, may be nested like server/dist): tsconfig outDir,
 * --outDir in the build script, or the directory the start command runs from when that directory
 * is not part of the sources (absent from the context, or a conventional output name).
 */
export function buildOutputDir(facts: ProjectFacts, entries: string[]): string | null {
  const build = facts.packageJson?.scripts.build ?? '';
  const m = /(?:--outDir|--out-dir|--outdir|-d|-o)[= ]+["']?([^\s"'&;]+)/.exec(build);
  const fromScript = m ? m[1].replace(/^\.\//, '').replace(/\/+$/, '') : null;
  const generated = (dir: string) =>
    !facts.topLevel.has(dir) || /^(dist|build|out|\.next|\.output|\.nuxt|server-build)$/.test(dir);
  const fromEntry =
    entries
      .map((e) => e.split('/'))
      .find(
        (p) => p.length > 1 && /^(dist|build|out|lib|\.next|\.output|\.nuxt|server-build)$/.test(p[0]) && generated(p[0]),
      )?.[0] ?? null;
  const fromTs = facts.tsOutDir;
  if (fromTs && entries.some((e) => e.startsWith(fromTs + '/'))) return fromTs;
  if (fromScript && entries.some((e) => e.startsWith(fromScript + '/'))) return fromScript;
  return fromEntry ?? fromTs ?? fromScript ?? (/\bnext build\b/.test(build) ? '.next' : null);
}

/**
 * Where the build context lands in `stage` (with the stages it builds on): the destination of the
 * copy of the whole context (`COPY . .`), else the folder package.json is copied into, else where a
 * copy from another stage brings that stage's root. Null when no copy says.
 */
export function contextRoot(doc: ParsedDockerfile, stage: Stage, depth = 0): string | null {
  const chain = [...stageChain(doc, stage)].reverse();
  let manifestDir: string | null = null;
  for (const st of chain)
    for (const ins of st.instructions) {
      if (!isContextCopy(ins)) continue;
      const parts = copyParts(ins);
      const dest = parts ? copyDest(ins, workdirAt(st, ins, doc)) : null;
      if (!parts || !dest) continue;
      if (parts.sources.some((x) => /^\.?\/?$|^\.\/?\*$|^\*$/.test(x.trim()))) return normalizePosix(dest);
      if (manifestDir === null && parts.sources.some((x) => /^(\.\/)?package(\*)?\.json$/.test(x.trim())))
        manifestDir = normalizePosix(
          parts.dest.endsWith('/') || parts.sources.length > 1 || /\*/.test(parts.sources[0])
            ? dest
            : dest.replace(/\/[^/]*$/, '') || '/',
        );
    }
  if (manifestDir) return manifestDir;
  if (depth > 4) return null;
  // COPY --from=build /app /app: the other stage's root, where this copy puts it.
  for (const ins of stage.instructions) {
    const from = ins.keyword === 'COPY' ? ins.flags.find((f) => f.name === 'from')?.value : undefined;
    const src = from ? stageNamed(doc, from) : null;
    const parts = copyParts(ins);
    if (!src || src === stage || !parts || parts.sources.length !== 1) continue;
    const root = contextRoot(doc, src, depth + 1);
    const dest = copyDest(ins, workdirAt(stage, ins, doc));
    if (root && dest && normalizePosix(parts.sources[0]) === root) return normalizePosix(dest);
  }
  return null;
}
