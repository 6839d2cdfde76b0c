#!/usr/bin/env node
/**
 * The package as a user receives it: `npm pack` (which builds through prepack), then
 * `npx --package <tarball> dockerfile-migrate` in a directory outside the repository, on a copy of
 * examples/express-api. Checks the packed file list (the build, the --json schema, the docs/ pages,
 * LICENSE, README and package.json only), that every file the README links to is in the package (a
 * user reading it from node_modules or a package browser can follow its links), that the packed CLI
 * prints the same patch as the built one here, and that it wrote nothing.
 *
 *   node scripts/pack-check.mjs        (npm run pack:check)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');
const fail = (msg) => {
  console.error(`pack-check: ${msg}`);
  process.exit(1);
};
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dfm-pack-'));
try {
  const packed = JSON.parse(execFileSync(npm, ['pack', '--json', '--pack-destination', tmp], { cwd: ROOT, encoding: 'utf8' }))[0];
  const files = packed.files.map((f) => f.path);
  const stray = files.filter(
    (f) =>
      !/^(dist\/(src|transforms)\/.+\.(js|d\.ts)|schema\/report\.schema\.json|docs\/[^/]+\.md|LICENSE|README\.md|package\.json)$/.test(
        f,
      ),
  );
  if (stray.length) fail(`unexpected files in the package: ${stray.join(', ')}`);
  // The command as bundled (scripts/bundle.mjs): its chunks come along.
  if (!files.some((f) => f.startsWith('dist/src/chunks/')))
    fail('the command is not bundled (no dist/src/chunks/ in the package)');
  for (const need of [
    'dist/src/cli/cli.js',
    'dist/src/run/batch-worker.js',
    'dist/src/index.js',
    'dist/src/index.d.ts',
    'schema/report.schema.json',
    'LICENSE',
  ]) {
    if (!files.includes(need)) fail(`${need} is missing from the package`);
  }
  // The README's relative links (outside code), without their #anchor: each must be in the package.
  const readme = fs
    .readFileSync(path.join(ROOT, 'README.md'), 'utf8')
    .replace(/^```[\s\S]*?^```$/gm, '')
    .replace(/`[^`\n]*`/g, '');
  const linked = [...readme.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((m) => m[1].split('#')[0])
    .filter((t) => t && !/^[a-z][a-z0-9+.-]*:/i.test(t));
  const unreachable = [...new Set(linked)].filter((t) => !files.includes(path.posix.normalize(t)));
  if (unreachable.length) fail(`the README links to files the package does not hold: ${unreachable.join(', ')}`);
  const tarball = path.join(tmp, packed.filename);
  const app = path.join(tmp, 'express-api');
  fs.cpSync(path.join(ROOT, 'examples', 'express-api'), app, { recursive: true });
  const before = fs.readdirSync(app).sort().join(',');
  const run = (cmd, args, cwd) => spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  const version = run(npm, ['exec', '--yes', '--package', tarball, '--', 'dockerfile-migrate', '--version'], tmp);
  if (version.status !== 0) fail(`npx dockerfile-migrate --version exited ${version.status}: ${version.stderr.trim()}`);
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  if (version.stdout.trim() !== pkg.version)
    fail(`--version printed ${JSON.stringify(version.stdout.trim())}, expected ${pkg.version}`);
  const viaNpx = run(
    npm,
    ['exec', '--yes', '--package', tarball, '--', 'dockerfile-migrate', '--dry-run', '--quiet', 'express-api'],
    tmp,
  );
  const local = run(
    process.execPath,
    [path.join(ROOT, 'dist', 'src', 'cli', 'cli.js'), '--dry-run', '--quiet', 'express-api'],
    tmp,
  );
  if (viaNpx.status !== 0) fail(`npx dockerfile-migrate --dry-run exited ${viaNpx.status}: ${viaNpx.stderr.trim()}`);
  if (!viaNpx.stdout.includes('+FROM node:22-alpine AS runtime')) fail('the packed CLI printed no migration');
  if (viaNpx.stdout !== local.stdout) fail('the packed CLI and the built CLI print different patches');
  if (fs.readdirSync(app).sort().join(',') !== before) fail('--dry-run wrote into the example');
  console.log(
    `pack-check: ${packed.filename} (${files.length} files, ${(packed.size / 1024).toFixed(0)} kB) runs through npx and prints the same patch`,
  );
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}
