/**
 * The app's own runtime sources: the one list the models scan when they ask what the code does
 * (which paths it names, whether it reads NODE_ENV, which programs it spawns, whether it handles
 * SIGTERM, whether it climbs out of its package). One filter and one budget, so two models never
 * look at different sets of files for the same app.
 *
 * A runtime source is a JavaScript or TypeScript file (with `named`, also a template or data file
 * that can name paths: .json, .html, .ejs, .hbs, .pug, .njk) that is not a test (`*.test.*`,
 * `*.spec.*`, a test/tests/__tests__/spec/e2e folder), a declaration file, a build or lint tool's
 * config, a development-only top-level entry (docs, examples, .github, ...: see isDevEntry), a
 * `scripts/` folder, node_modules or a dot-folder. `keep` names top-level entries whose files count
 * whatever their names (the folder the start runs from). At most 2,000 files and 4 MB are read.
 */
import type { Project } from './project.js';

/** Top-level names that never belong in a runtime image. */
const DEV_DIRS =
  /^(\.git|\.github|\.gitlab|\.circleci|\.husky|\.vscode|\.idea|\.devcontainer|\.storybook|\.nyc_output|\.turbo|\.cache|\.yarn|node_modules|test|tests|__tests__|__mocks__|spec|specs|e2e|cypress|playwright|coverage|docs?|examples?|benchmarks?|bench|fixtures|stories|k8s|kubernetes|helm|charts?|deploy(ment)?s?|terraform|infra|\.changeset)$/i;
const DEV_FILES =
  /^(\.env(\..*)?|\.dockerignore|\.gitignore|\.gitattributes|\.editorconfig|\.npmignore|\.nvmrc|\.node-version|\.tool-versions|\.prettier.*|prettier\.config\..*|\.eslint.*|eslint\.config\..*|\.stylelint.*|\.markdownlint.*|\.lintstagedrc.*|lint-staged\.config\..*|\.commitlintrc.*|commitlint\.config\..*|\.releaserc.*|\.mocharc.*|\.babelrc.*|babel\.config\..*|\.swcrc|jest\.config\..*|jest\.setup\..*|vitest\.config\..*|vite\.config\..*|webpack\.config\..*|rollup\.config\..*|tsup\.config\..*|esbuild\.config\..*|karma\.conf\..*|playwright\.config\..*|cypress\.config\..*|nodemon\.json|nest-cli\.json|tsconfig.*\.json|jsconfig\.json|\.travis\.yml|\.gitlab-ci\.yml|azure-pipelines\.yml|Jenkinsfile|Makefile|Procfile|docker-compose.*|compose\.ya?ml|.*\.dockerfile|Dockerfile.*|.*\.md|LICEN[CS]E.*|CHANGELOG.*|AUTHORS|CODEOWNERS|.*\.log|\.DS_Store|Thumbs\.db|package-lock\.json|npm-shrinkwrap\.json|yarn\.lock|pnpm-lock\.yaml|bun\.lockb?|\.npmrc|\.yarnrc(\.yml)?|pnpm-workspace\.yaml|bunfig\.toml|renovate\.json|\.renovaterc.*|dependabot\.yml|sonar-project\.properties|codecov\.yml|\.codecov\.yml|skaffold\.yaml|Tiltfile)$/i;

/** A top-level entry of the context that never belongs in a runtime image. */
export function isDevEntry(name: string): boolean {
  return DEV_DIRS.test(name) || DEV_FILES.test(name);
}

const CODE = /\.(m?[jt]sx?|c[jt]s)$/;
const NAMED = /\.(m?[jt]sx?|c[jt]s|json|html?|ejs|hbs|pug|njk)$/;
const TEST_FILE = /\.(test|spec|d)\.[cm]?[jt]sx?$/;
const TEST_DIR = /^(test|tests|__tests__|spec|e2e|scripts)$/;
/** Configuration files of build and dev tools: they run at build time, not in the app. */
const TOOL_CONFIG = new RegExp(
  `^(${['webpack', 'vite', 'rollup', 'jest', 'vitest', 'babel', 'tsup', 'esbuild', 'eslint', 'prettier', 'next', 'nuxt', 'tailwind', 'postcss'].join('|')})\\.config\\.`,
);
/** Manifests name scripts and packages, not files the app reads. */
const MANIFEST = /^(package|package-lock|npm-shrinkwrap|tsconfig[^/]*|jsconfig|composer|bower)\.json$/;

export const MAX_SOURCE_FILES = 2000;
export const MAX_SOURCE_BYTES = 4_000_000;

export interface SourceScan {
  /** Top-level entries whose files count as the app's own even when their names look development-only. */
  keep?: ReadonlySet<string>;
  /** Templates and data files too, which can name files the app reads. */
  named?: boolean;
  /** Only the files under this folder, judged as if it were the context root (a workspace package). */
  scope?: string;
  /** Only the files this accepts (context paths). */
  within?: (rel: string) => boolean;
}

/** Is the context path `rel` one of the app's runtime sources? */
export function isRuntimeSource(rel: string, scan: SourceScan = {}): boolean {
  if (scan.within && !scan.within(rel)) return false;
  const scoped = scan.scope ? (rel.startsWith(`${scan.scope}/`) ? rel.slice(scan.scope.length + 1) : null) : rel;
  if (scoped === null) return false;
  const segs = scoped.split('/');
  const name = segs[segs.length - 1];
  if (!(scan.named ? NAMED : CODE).test(name) || TEST_FILE.test(name) || TOOL_CONFIG.test(name) || MANIFEST.test(name))
    return false;
  const top = segs[0];
  if (scan.keep?.has(top)) return !segs.includes('node_modules');
  if (isDevEntry(top)) return false;
  for (const s of segs.slice(0, -1)) if (s === 'node_modules' || s.startsWith('.') || TEST_DIR.test(s)) return false;
  return true;
}

/**
 * The runtime sources of the project (see the module's comment), with their text, in listing order,
 * within the budget. Texts come from the project's reader, which keeps them.
 */
export function* runtimeSources(project: Project, scan: SourceScan = {}): Generator<{ path: string; text: string }> {
  let files = 0;
  let bytes = 0;
  for (const f of project.facts.files ?? []) {
    if (!isRuntimeSource(f, scan)) continue;
    if (++files > MAX_SOURCE_FILES) return;
    const text = project.read(f);
    if (!text) continue;
    bytes += text.length;
    if (bytes > MAX_SOURCE_BYTES) return;
    yield { path: f, text };
  }
}

/** The first runtime source whose text matches `re` (code only), or null. */
export function firstSource(project: Project, re: RegExp): string | null {
  return project.memo(`first-source:${re.source}:${re.flags}`, () => {
    for (const s of runtimeSources(project)) if (re.test(s.text)) return s.path;
    return null;
  });
}
