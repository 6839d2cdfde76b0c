#!/usr/bin/env node
/**
 * The command's bundle (part of `npm run build`, after tsc): esbuild writes the command
 * (dist/src/cli/cli.js) and the batch worker (dist/src/run/batch-worker.js) over what tsc wrote
 * there, each with the modules it loads, in a few files instead of some 150 modules and their
 * dependencies' many small files; what a run may not need (the migration itself in a large
 * batch's main thread, --verify, the reports other than text, yargs for --help) stays in chunks of
 * its own under dist/src/chunks/, loaded when asked for. The library (dist/src/index.js and the
 * rest of dist/src) stays as tsc built it.
 *
 *   node scripts/bundle.mjs      (npm run build runs it)
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as esbuild from 'esbuild';

const ROOT = path.resolve(import.meta.dirname, '..');
const OUT = path.join(ROOT, 'dist', 'src');

// A module that requires a library lazily (`const require = createRequire(import.meta.url)`, then
// `require('yaml')` where it is first needed) gets the bundle's own require: the library is then
// bundled and still evaluated only on first use, and there is one copy of it (ast-patches.ts must
// patch the dockerfile-ast the bundle parses with).
const LAZY_REQUIRE = /^const require = createRequire\(import\.meta\.url\);$/m;
const lazyRequire = {
  name: 'lazy-require',
  setup(build) {
    build.onLoad({ filter: /[\\/](src|transforms)[\\/].*\.ts$/ }, async (args) => {
      const text = await fs.promises.readFile(args.path, 'utf8');
      return { contents: text.replace(LAZY_REQUIRE, ''), loader: 'ts' };
    });
  },
};

fs.rmSync(path.join(OUT, 'chunks'), { recursive: true, force: true });
const result = await esbuild.build({
  absWorkingDir: ROOT,
  entryPoints: ['src/cli/cli.ts', 'src/run/batch-worker.ts'],
  outbase: 'src',
  outdir: OUT,
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.19',
  // yargs finds its messages in files next to its own modules: it is loaded from node_modules
  // (only for --help, --version and usage errors).
  external: ['yargs'],
  // The CommonJS libraries in the bundle require Node's built-in modules.
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module';\nconst require = __createRequire(import.meta.url);",
  },
  plugins: [lazyRequire],
  metafile: true,
  logLevel: 'warning',
});
// On stderr: `npm pack --json` (prepack builds) prints its JSON on stdout.
const outputs = Object.entries(result.metafile.outputs);
const kB = (n) => `${Math.round(n / 1024)} kB`;
process.stderr.write(
  `bundle: ${outputs.length} files, ${kB(outputs.reduce((a, [, o]) => a + o.bytes, 0))} in ${path.relative(ROOT, OUT)}/ (cli/cli.js, run/batch-worker.js, chunks/)\n`,
);
