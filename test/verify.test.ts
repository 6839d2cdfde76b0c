/**
 * `--verify` without an engine, and the pure parts of src/cli/verify.ts. The real builds are in the e2e
 * suite (`npm run test:e2e`); these run anywhere in well under a second each.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { formatSize, shellWords, Verifier, verifySummary, type ImageResult } from '../src/cli/verify.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const CLI = path.join(ROOT, 'dist', 'src', 'cli', 'cli.js');

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

/** An npm app whose Dockerfile the tool migrates. */
function appDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'dfm-verify-'));
  dirs.push(d);
  fs.writeFileSync(
    path.join(d, 'package.json'),
    JSON.stringify({ name: 'a', version: '1.0.0', scripts: { start: 'node server.js' }, dependencies: { express: '^4.21.0' } }),
  );
  fs.writeFileSync(
    path.join(d, 'package-lock.json'),
    JSON.stringify({
      name: 'a',
      version: '1.0.0',
      lockfileVersion: 3,
      requires: true,
      packages: { '': { name: 'a', version: '1.0.0' } },
    }),
  );
  fs.writeFileSync(path.join(d, 'server.js'), "require('express')().listen(3000);\n");
  fs.writeFileSync(
    path.join(d, 'Dockerfile'),
    'FROM node:22-alpine\nWORKDIR /app\nCOPY . .\nRUN npm install\nEXPOSE 3000\nCMD ["node", "server.js"]\n',
  );
  return d;
}

/** The CLI with a PATH holding neither docker nor podman (only an empty directory). */
function runWithoutEngine(args: string[], cwd: string) {
  const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'dfm-empty-path-'));
  dirs.push(empty);
  return spawnSync(process.execPath, [CLI, ...args], {
    cwd,
    env: { ...process.env, PATH: empty },
    encoding: 'utf8',
    timeout: 15000,
  });
}

describe('--verify without a container engine', () => {
  it('says so in one line and exits 2', () => {
    const d = appDir();
    const r = runWithoutEngine(['--verify', '.'], d);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      'dockerfile-migrate: --verify needs a container engine: neither a running Docker (`docker info`) nor podman was found\n',
    );
  });

  it('names the engine asked for', () => {
    const d = appDir();
    const podman = runWithoutEngine(['--verify', '--engine', 'podman', '.'], d);
    expect(podman.status).toBe(2);
    expect(podman.stderr).toBe('dockerfile-migrate: --verify: podman was not found in PATH\n');
    const docker = runWithoutEngine(['--verify', '--engine', 'docker', '--json', '.'], d);
    expect(docker.status).toBe(2);
    expect(docker.stderr).toBe('dockerfile-migrate: --verify: docker was not found in PATH\n');
  });

  it('writes nothing with --write', () => {
    const d = appDir();
    const before = fs.readFileSync(path.join(d, 'Dockerfile'), 'utf8');
    const r = runWithoutEngine(['--verify', '--write', '.'], d);
    expect(r.status).toBe(2);
    expect(fs.readFileSync(path.join(d, 'Dockerfile'), 'utf8')).toBe(before);
    expect(fs.existsSync(path.join(d, '.dockerignore'))).toBe(false);
  });

  it('rejects the smoke-test options without --verify, and an unknown engine', () => {
    const d = appDir();
    for (const args of [
      ['--verify-url', '/health', '.'],
      ['--verify-cmd', 'true', '.'],
      ['--engine', 'podman', '.'],
      ['--verify', '--engine', 'containerd', '.'],
    ]) {
      const r = runWithoutEngine(args, d);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/^dockerfile-migrate: /);
    }
  });
});

/**
 * A fake engine on PATH: a shell script named docker or podman that logs each call, "builds" by
 * exiting 0, and, like another job on the same host, has a build container of its own appear while
 * our build runs (`ps` lists it from then on).
 */
function fakeEngine(name: 'docker' | 'podman'): { bin: string; log: () => string[] } {
  const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'dfm-fake-engine-'));
  dirs.push(bin);
  const logFile = path.join(bin, 'calls.log');
  const script = `#!/bin/sh
printf '%s\n' "$*" >> '${logFile}'
case "$1" in
  build) : > '${bin}/foreign' ;;
  ps) if [ -e '${bin}/foreign' ]; then printf '%s\n' 'f00dfeed0000 other-job-working-container' 'f00dfeed0001 other-job-app'; fi ;;
  image) printf '%s\n' 1000000 ;;
esac
exit 0
`;
  fs.writeFileSync(path.join(bin, name), script, { mode: 0o755 });
  return { bin, log: () => (fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').trimEnd().split('\n') : []) };
}

describe('--verify removes only what it created', () => {
  for (const engine of ['podman', 'docker'] as const) {
    it(`${engine}: builds with --force-rm; removes its own images by name, never a container that appeared meanwhile`, () => {
      const d = appDir();
      const fake = fakeEngine(engine);
      const r = spawnSync(process.execPath, [CLI, '--verify', '--engine', engine, '.'], {
        cwd: d,
        env: { ...process.env, PATH: fake.bin },
        encoding: 'utf8',
        timeout: 30000,
      });
      expect(r.stderr).toContain(`Dockerfile: verify (${engine}): image 1.0 MB → 1.0 MB, no smoke test`);
      expect(r.status).toBe(0);
      const calls = fake.log();
      const builds = calls.filter((c) => c.startsWith('build '));
      expect(builds).toHaveLength(2);
      for (const b of builds)
        expect(b).toMatch(/^build --force-rm -t dockerfile-migrate-verify:\d+-[0-9a-f]{6}-\d+-(before|after) /);
      const removals = calls.filter((c) => /^(rm|rmi|container rm|image rm)\b/.test(c));
      expect(removals.map((c) => c.replace(/:\d+-[0-9a-f]{6}-\d+-/, ':RUN-'))).toEqual([
        'rmi -f dockerfile-migrate-verify:RUN-before',
        'rmi -f dockerfile-migrate-verify:RUN-after',
      ]);
      for (const c of calls) expect(c).not.toMatch(/f00dfeed|other-job/);
    });
  }

  it('an interruption cleans up and hands over to onInterrupt; the process is not exited', async () => {
    const before = new Set(process.listeners('SIGINT'));
    let errorLine = '';
    const signal = await new Promise<NodeJS.Signals>((resolve) => {
      new Verifier({
        engine: { name: 'podman', bin: path.join(os.tmpdir(), 'dfm-no-such-engine') },
        error: (l) => (errorLine = l),
        onInterrupt: resolve,
      });
      const mine = process.listeners('SIGINT').filter((l) => !before.has(l));
      expect(mine).toHaveLength(1);
      (mine[0] as (s: NodeJS.Signals) => void)('SIGINT');
    });
    expect(signal).toBe('SIGINT');
    expect(errorLine).toBe('interrupted (SIGINT): removed the containers and images --verify created');
    expect(process.listeners('SIGINT').filter((l) => !before.has(l))).toEqual([]);
  });
});

describe('verify helpers', () => {
  it('splits --verify-cmd like a shell', () => {
    expect(shellWords(`node -e 'require("express")'`)).toEqual(['node', '-e', 'require("express")']);
    expect(shellWords(`sh -c "echo \\"hi\\" && exit 0"`)).toEqual(['sh', '-c', 'echo "hi" && exit 0']);
    expect(shellWords(`  a\\ b  ''  c `)).toEqual(['a b', '', 'c']);
    expect(() => shellWords(`node -e 'oops`)).toThrow(/unterminated/);
  });

  it('formats sizes as docker does', () => {
    expect(formatSize(233_400_000)).toBe('233 MB');
    expect(formatSize(1_520_000_000)).toBe('1.52 GB');
    expect(formatSize(4_200_000)).toBe('4.2 MB');
    expect(formatSize(undefined)).toBe('?');
  });

  it('summarizes a verification in one line', () => {
    const built = (size: number, smoke?: ImageResult['smoke']): ImageResult => ({
      builds: true,
      size,
      ...(smoke ? { smoke } : {}),
    });
    const pass = { passed: true, detail: 'GET /health → 200' };
    expect(
      verifySummary({ engine: 'podman', smokeTest: { url: '/health' }, before: built(233e6, pass), after: built(157e6, pass) }),
    ).toEqual({ ok: true, summary: 'image 233 MB → 157 MB, smoke test passed' });
    expect(verifySummary({ engine: 'docker', smokeTest: null, before: built(233e6), after: built(157e6) })).toEqual({
      ok: true,
      summary: 'image 233 MB → 157 MB, no smoke test (use --verify-cmd or --verify-url)',
    });
    const failed = verifySummary({
      engine: 'docker',
      smokeTest: { cmd: 'node -e 1' },
      before: built(233e6, pass),
      after: built(157e6, { passed: false, detail: 'exit 1: boom' }),
    });
    expect(failed).toEqual({ ok: false, summary: 'image 233 MB → 157 MB, smoke test FAILED: exit 1: boom' });
    const broken = verifySummary({
      engine: 'docker',
      smokeTest: null,
      before: built(233e6),
      after: { builds: false, error: 'COPY failed: no such file' },
    });
    expect(broken).toEqual({ ok: false, summary: 'the migrated image does not build: COPY failed: no such file' });
  });
});

describe("--verify-url against a port that accepts and never answers (Docker's port proxy before the app listens)", () => {
  it('reaches a verdict instead of letting the process end with none', async ({ expect }) => {
    const dist = pathToFileURL(path.resolve(import.meta.dirname, '..', 'dist', 'src', 'cli', 'verify.js')).href;
    const script = `
      import net from 'node:net';
      import { fetchStatus } from ${JSON.stringify(dist)};
      const srv = net.createServer(() => {}).listen(0, '127.0.0.1', async () => {
        srv.unref();
        try { await fetchStatus('http://127.0.0.1:' + srv.address().port + '/', 500); console.log('answered'); }
        catch (e) { console.log('verdict: ' + e.message); }
      });`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20000 });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('verdict: no answer within 0.5 s\n');
  });
});
