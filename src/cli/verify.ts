/**
 * `--verify`: build the original and the migrated Dockerfile with a real container engine (Docker or
 * podman), optionally smoke-test both images, and compare their sizes.
 *
 * This module drives an engine, so unlike the rest of the library it spawns processes and creates
 * temporary directories. It never touches the user's files: each image is built from a temporary
 * copy of the build context with its own Dockerfile (and .dockerignore) written there. Every
 * container and image it creates has a name holding this run's id, and it removes those, by name,
 * when it is done, when a build fails, and on SIGINT/SIGTERM; it never removes anything else (other
 * builds may be running on the same engine). Builds run with --force-rm, so the engine removes
 * their intermediate containers even when a step fails. It prints nothing and never exits the
 * process: progress and failures go to the callbacks, an interruption to `onInterrupt`.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ignoreMatcher } from '../model/project/ignore.js';
import { formatSize } from '../report/report.js';
import type { EngineName, ImageResult, SmokeResult, VerifyResult } from '../report/verify-result.js';

export type { EngineName, ImageResult, SmokeResult, VerifyResult };

const ENGINES: readonly EngineName[] = ['docker', 'podman'];

export interface Engine {
  name: EngineName;
  /** The command run (the engine's name, looked up in PATH). */
  bin: string;
}

/** Whether `bin args` runs and exits 0 (a missing binary counts as failure). */
function succeeds(bin: string, args: string[], timeoutMs = 20000): boolean {
  const r = spawnSync(bin, args, { stdio: 'ignore', timeout: timeoutMs });
  return !r.error && r.status === 0;
}

/**
 * The engine to use. With `prefer`, that engine or a reason it cannot be used; otherwise Docker when
 * `docker info` answers (a running daemon), else podman when it is installed.
 */
function detectEngine(prefer?: string): { engine: Engine } | { problem: string } {
  if (prefer !== undefined && !ENGINES.includes(prefer as EngineName)) {
    return { problem: `--engine ${prefer}: unknown engine (known: ${ENGINES.join(', ')})` };
  }
  const docker = () => succeeds('docker', ['info']);
  const podman = () => succeeds('podman', ['--version']);
  if (prefer === 'docker') {
    if (docker()) return { engine: { name: 'docker', bin: 'docker' } };
    return {
      problem: succeeds('docker', ['--version'])
        ? '--verify: docker is installed but its daemon does not answer (`docker info` failed)'
        : '--verify: docker was not found in PATH',
    };
  }
  if (prefer === 'podman') {
    if (podman()) return { engine: { name: 'podman', bin: 'podman' } };
    return { problem: '--verify: podman was not found in PATH' };
  }
  if (docker()) return { engine: { name: 'docker', bin: 'docker' } };
  if (podman()) return { engine: { name: 'podman', bin: 'podman' } };
  return { problem: '--verify needs a container engine: neither a running Docker (`docker info`) nor podman was found' };
}

// ---------------------------------------------------------------------------------------------
// Results
// ---------------------------------------------------------------------------------------------

export { formatSize };

/** The summary line of a verification (also the line in the markdown report). */
export function verifySummary(r: Omit<VerifyResult, 'summary' | 'ok'>): { ok: boolean; summary: string } {
  if (!r.after.builds) {
    const both = r.before.builds ? '' : ' (the original does not build either)';
    return { ok: false, summary: `the migrated image does not build${both}: ${r.after.error ?? 'unknown error'}` };
  }
  const sizes = `image ${formatSize(r.before.size)} → ${formatSize(r.after.size)}`;
  const before = r.before.builds ? '' : `; the original does not build: ${r.before.error ?? 'unknown error'}`;
  if (!r.smokeTest)
    return {
      ok: r.before.builds,
      summary: `${r.before.builds ? sizes : `image ${formatSize(r.after.size)}`}, no smoke test (use --verify-cmd or --verify-url)${before}`,
    };
  const s = r.after.smoke;
  const passed = Boolean(s?.passed);
  const original = r.before.smoke && !r.before.smoke.passed ? ` (the original failed it too: ${r.before.smoke.detail})` : '';
  const smoke = passed ? 'smoke test passed' : `smoke test FAILED: ${s?.detail ?? 'not run'}${original}`;
  return {
    ok: passed && r.before.builds,
    summary: `${r.before.builds ? sizes : `image ${formatSize(r.after.size)}`}, ${smoke}${before}`,
  };
}

// ---------------------------------------------------------------------------------------------
// Processes
// ---------------------------------------------------------------------------------------------

interface Ran {
  code: number | null;
  out: string;
  err: string;
  timedOut: boolean;
}

/** Keep the last `max` characters of a growing output. */
function tail(s: string, max = 64 * 1024): string {
  return s.length > max ? s.slice(s.length - max) : s;
}

/** The line of an engine's output that says what went wrong. */
export function errorLine(output: string): string {
  const lines = output
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
  const marked = [...lines].reverse().find((l) => /^(error|ERROR|Error:)|\berror\b:/i.test(l));
  return (marked ?? lines.at(-1) ?? 'no output').slice(0, 500);
}

/** Split a command line the way a POSIX shell splits words (quotes and backslashes; no expansion). */
export function shellWords(cmd: string): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  for (let i = 0; i < cmd.length; i++) {
    const c = cmd[i]!;
    if (c === "'") {
      const end = cmd.indexOf("'", i + 1);
      if (end < 0) throw new Error(`unterminated ' in ${JSON.stringify(cmd)}`);
      cur += cmd.slice(i + 1, end);
      i = end;
      inWord = true;
    } else if (c === '"') {
      i++;
      for (; i < cmd.length && cmd[i] !== '"'; i++) {
        if (cmd[i] === '\\' && i + 1 < cmd.length && '"\\$`\n'.includes(cmd[i + 1]!)) i++;
        cur += cmd[i];
      }
      if (i >= cmd.length) throw new Error(`unterminated " in ${JSON.stringify(cmd)}`);
      inWord = true;
    } else if (c === '\\' && i + 1 < cmd.length) {
      cur += cmd[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (inWord) words.push(cur);
  return words;
}

// ---------------------------------------------------------------------------------------------
// Build contexts
// ---------------------------------------------------------------------------------------------

interface Variant {
  dockerfile: string;
  /** Relative path (in the context) -> content; null removes the file from the copy. */
  files: Map<string, string | null>;
}

/** Copy `src` to `dest` without what the ignore rules leave out of the build anyway. */
function copyContext(src: string, dest: string, ignoreText: string | null, keep: Set<string>): void {
  const lines = ignoreText === null ? [] : ignoreText.split(/\r?\n/);
  const matcher = lines.some((l) => l.trim() && !l.trim().startsWith('#')) ? ignoreMatcher(lines) : null;
  // With re-includes (!) a file inside an ignored directory may still be sent: then only files are
  // filtered, never whole directories.
  const reincludes = lines.some((l) => l.trim().startsWith('!'));
  fs.cpSync(src, dest, {
    recursive: true,
    verbatimSymlinks: true,
    filter: (from) => {
      const rel = path.relative(src, from).split(path.sep).join('/');
      if (rel === '' || keep.has(rel) || !matcher) return true;
      let st: fs.Stats;
      try {
        st = fs.lstatSync(from);
      } catch {
        return false;
      }
      if (!st.isFile() && !st.isDirectory() && !st.isSymbolicLink()) return false;
      if (st.isDirectory() && reincludes) return true;
      return !matcher.ignores(rel);
    },
  });
}

// ---------------------------------------------------------------------------------------------
// The verifier
// ---------------------------------------------------------------------------------------------

export interface VerifierOptions {
  engine: Engine;
  /** A command run inside each image (split into words like a shell; the entrypoint is cleared). */
  cmd?: string;
  /** A path fetched from each running container, on the port the image EXPOSEs. */
  url?: string;
  /** Progress lines. */
  log?: (line: string) => void;
  /** Failure lines (one per Dockerfile that fails verification). */
  error?: (line: string) => void;
  /** Seconds a smoke test may take (default 60). */
  smokeTimeout?: number;
  /** Seconds a build may take (default 1800). */
  buildTimeout?: number;
  /**
   * SIGINT or SIGTERM arrived: the engine processes were stopped, everything this verifier created
   * was removed and its signal handlers are gone. The caller decides what happens next (the CLI
   * exits). Without it, the signal is raised again, so the process ends as it would have.
   */
  onInterrupt?: (signal: NodeJS.Signals) => void;
}

/** What migrateFile() returned, as far as verification needs it. */
export interface Migrated {
  path: string;
  status: string;
  output: string;
  files: { path: string; content: string; before: string | null }[];
}

interface Pending {
  dockerfileAbs: string;
  contextAbs: string;
  original: string | null;
  migrated: Migrated;
}

export class Verifier {
  readonly engine: Engine;
  private readonly opts: VerifierOptions;
  private readonly pending = new Map<string, Pending>();
  private readonly containers = new Set<string>();
  private readonly images = new Set<string>();
  private readonly tmpDirs = new Set<string>();
  private readonly children = new Set<ChildProcess>();
  /** A build is running (an interrupted podman build may leave its working container). */
  private building = false;
  private readonly runId = `${process.pid}-${randomBytes(3).toString('hex')}`;
  private seq = 0;
  private failures = 0;
  private interrupted = false;
  private readonly onSignal = (signal: NodeJS.Signals) => void this.interrupt(signal);

  constructor(opts: VerifierOptions) {
    this.opts = opts;
    this.engine = opts.engine;
    process.on('SIGINT', this.onSignal);
    process.on('SIGTERM', this.onSignal);
  }

  /** True when a Dockerfile failed verification. */
  get failed(): boolean {
    return this.failures > 0;
  }

  /**
   * Remember a migration to verify. Call it before the Dockerfile is written: it reads the original
   * Dockerfile now. `context` is the --context directory, if any.
   */
  add(res: Migrated, where: { cwd: string; context?: string }): void {
    if (res.status !== 'migrated') return;
    const dockerfileAbs = path.resolve(where.cwd, res.path);
    let original: string | null;
    try {
      original = fs.readFileSync(dockerfileAbs, 'utf8');
    } catch {
      original = null;
    }
    const contextAbs = where.context ? path.resolve(where.cwd, where.context) : path.dirname(dockerfileAbs);
    this.pending.set(res.path, { dockerfileAbs, contextAbs, original, migrated: res });
  }

  /** Verify every remembered migration whose report is still `migrated`; attach `verify` to it. */
  async run(reports: { path: string; status: string }[]): Promise<void> {
    for (const report of reports) {
      const p = this.pending.get(report.path);
      if (!p || report.status !== 'migrated') continue;
      const result = await this.verifyOne(report.path, p);
      (report as { verify?: VerifyResult }).verify = result;
      if (result.ok) this.say(`${report.path}: verify (${this.engine.name}): ${result.summary}`);
      else {
        this.failures++;
        this.opts.error?.(`${report.path}: verify (${this.engine.name}): ${result.summary}`);
      }
    }
    this.dispose();
  }

  /** Remove the signal handlers and everything still left behind. */
  dispose(): void {
    this.cleanupSync();
    process.off('SIGINT', this.onSignal);
    process.off('SIGTERM', this.onSignal);
  }

  // -------------------------------------------------------------------------------------------

  private say(line: string): void {
    if (!this.interrupted) this.opts.log?.(line);
  }

  private name(kind: string): string {
    return `dockerfile-migrate-verify-${this.runId}-${++this.seq}-${kind}`;
  }

  private async verifyOne(display: string, p: Pending): Promise<VerifyResult> {
    const smokeTest =
      this.opts.cmd || this.opts.url
        ? { ...(this.opts.cmd ? { cmd: this.opts.cmd } : {}), ...(this.opts.url ? { url: this.opts.url } : {}) }
        : null;
    const done = (before: ImageResult, after: ImageResult): VerifyResult => {
      const base = { engine: this.engine.name, smokeTest, before, after };
      return { engine: base.engine, ...verifySummary(base), smokeTest, before, after };
    };
    if (p.original === null) {
      const fail: ImageResult = { builds: false, error: 'the original Dockerfile could not be read' };
      return done(fail, fail);
    }
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dockerfile-migrate-verify-'));
    this.tmpDirs.add(tmp);
    try {
      const generated = new Map(p.migrated.files.map((f) => [f.path, f] as const));
      const before: Variant = { dockerfile: p.original, files: new Map([...generated].map(([k, f]) => [k, f.before])) };
      const after: Variant = { dockerfile: p.migrated.output, files: new Map([...generated].map(([k, f]) => [k, f.content])) };
      const tags = { before: '', after: '' };
      const results: Record<'before' | 'after', ImageResult> = { before: { builds: false }, after: { builds: false } };
      for (const which of ['before', 'after'] as const) {
        this.say(
          `${display}: verify: building the ${which === 'before' ? 'original' : 'migrated'} image with ${this.engine.name}…`,
        );
        const tag = `dockerfile-migrate-verify:${this.runId}-${++this.seq}-${which}`;
        tags[which] = tag;
        results[which] = await this.buildVariant(p, which === 'before' ? before : after, path.join(tmp, which), tag);
      }
      for (const which of ['before', 'after'] as const) {
        if (!results[which].builds || !smokeTest) continue;
        this.say(`${display}: verify: smoke test of the ${which === 'before' ? 'original' : 'migrated'} image…`);
        results[which].smoke = await this.smoke(tags[which]);
      }
      for (const which of ['before', 'after'] as const) this.removeImage(tags[which]);
      return done(results.before, results.after);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
      this.tmpDirs.delete(tmp);
    }
  }

  private async buildVariant(p: Pending, v: Variant, dir: string, tag: string): Promise<ImageResult> {
    const ctx = path.join(dir, 'context');
    const dfRel = path.relative(p.contextAbs, p.dockerfileAbs);
    const inside = !dfRel.startsWith('..') && !path.isAbsolute(dfRel);
    const dfPath = inside ? path.join(ctx, dfRel) : path.join(dir, 'dockerfile', path.basename(p.dockerfileAbs));
    // The ignore file this variant's build uses: <Dockerfile>.dockerignore next to it, else .dockerignore.
    const relPosix = (abs: string) => path.relative(ctx, abs).split(path.sep).join('/');
    const ignoreRel = [inside ? `${relPosix(dfPath)}.dockerignore` : null, '.dockerignore'].find(
      (rel) => rel !== null && (v.files.has(rel) ? v.files.get(rel) !== null : fs.existsSync(path.join(p.contextAbs, rel))),
    );
    const ignoreText = ignoreRel
      ? v.files.has(ignoreRel)
        ? v.files.get(ignoreRel)!
        : fs.readFileSync(path.join(p.contextAbs, ignoreRel), 'utf8')
      : null;
    try {
      copyContext(
        p.contextAbs,
        ctx,
        ignoreText,
        new Set([...(inside ? [relPosix(dfPath)] : []), ...(ignoreRel ? [ignoreRel] : [])]),
      );
      for (const [rel, content] of v.files) {
        const abs = path.join(ctx, rel);
        if (content === null) fs.rmSync(abs, { force: true });
        else {
          fs.mkdirSync(path.dirname(abs), { recursive: true });
          fs.writeFileSync(abs, content);
        }
      }
      fs.mkdirSync(path.dirname(dfPath), { recursive: true });
      fs.rmSync(dfPath, { force: true });
      fs.writeFileSync(dfPath, v.dockerfile);
    } catch (e) {
      return { builds: false, error: `the build context could not be copied: ${(e as Error).message}` };
    }
    // --force-rm: the engine removes the build's intermediate containers even when a step fails
    // (BuildKit creates none and accepts the flag).
    const args = ['build', '--force-rm', '-t', tag, '-f', dfPath];
    // podman keeps every step as an image unless told not to; those would be left behind.
    if (this.engine.name === 'podman') args.push('--layers=false');
    args.push(ctx);
    this.images.add(tag);
    const started = Date.now();
    this.building = true;
    const r = await this.exec(args, (this.opts.buildTimeout ?? 1800) * 1000).finally(() => (this.building = false));
    const buildSeconds = Math.round((Date.now() - started) / 100) / 10;
    fs.rmSync(ctx, { recursive: true, force: true });
    if (r.code !== 0) {
      this.removeImage(tag);
      return {
        builds: false,
        buildSeconds,
        error: r.timedOut ? `the build took longer than ${this.opts.buildTimeout ?? 1800} s` : errorLine(r.err + '\n' + r.out),
      };
    }
    const size = await this.exec(['image', 'inspect', '--format', '{{.Size}}', tag], 30000);
    const n = Number(size.out.trim());
    return { builds: true, buildSeconds, ...(Number.isFinite(n) && size.code === 0 ? { size: n } : {}) };
  }

  private async smoke(tag: string): Promise<SmokeResult> {
    const timeoutMs = (this.opts.smokeTimeout ?? 60) * 1000;
    if (this.opts.cmd) {
      let argv: string[];
      try {
        argv = shellWords(this.opts.cmd);
      } catch (e) {
        return { passed: false, detail: (e as Error).message };
      }
      if (!argv.length) return { passed: false, detail: '--verify-cmd is empty' };
      const name = this.name('cmd');
      this.containers.add(name);
      const r = await this.exec(['run', '--rm', '--name', name, '--entrypoint', '', tag, ...argv], timeoutMs);
      this.removeContainer(name);
      const res: SmokeResult = r.timedOut
        ? { passed: false, detail: `\`${this.opts.cmd}\` did not finish within ${timeoutMs / 1000} s` }
        : r.code === 0
          ? { passed: true, detail: 'exit 0' }
          : { passed: false, detail: `exit ${r.code}: ${errorLine(r.err + '\n' + r.out)}` };
      if (!res.passed || !this.opts.url) return res;
      const web = await this.smokeUrl(tag, this.opts.url, timeoutMs);
      return { passed: web.passed, detail: `${res.detail}; ${web.detail}` };
    }
    return this.smokeUrl(tag, this.opts.url!, timeoutMs);
  }

  private async smokeUrl(tag: string, url: string, timeoutMs: number): Promise<SmokeResult> {
    const urlPath = url.startsWith('/') ? url : `/${url}`;
    const inspected = await this.exec(['image', 'inspect', '--format', '{{json .Config.ExposedPorts}}', tag], 30000);
    let ports: number[] = [];
    try {
      ports = Object.keys((JSON.parse(inspected.out.trim() || 'null') as Record<string, unknown> | null) ?? {})
        .filter((k) => !k.endsWith('/udp'))
        .map((k) => Number(k.split('/')[0]))
        .filter((n) => Number.isInteger(n) && n > 0)
        .sort((a, b) => a - b);
    } catch {
      ports = [];
    }
    if (!ports.length)
      return { passed: false, detail: 'the image EXPOSEs no TCP port, so --verify-url has nothing to fetch from' };
    const port = ports[0]!;
    const name = this.name('url');
    this.containers.add(name);
    try {
      const started = await this.exec(['run', '-d', '--name', name, '-p', `127.0.0.1::${port}`, tag], 60000);
      if (started.code !== 0)
        return { passed: false, detail: `the container did not start: ${errorLine(started.err + '\n' + started.out)}` };
      const mapped = await this.exec(['port', name, `${port}/tcp`], 30000);
      const hostPort = /:(\d+)\s*$/m.exec(mapped.out.trim())?.[1];
      if (!hostPort) return { passed: false, detail: `no host port for ${port}/tcp: ${errorLine(mapped.err + mapped.out)}` };
      const target = `http://127.0.0.1:${hostPort}${urlPath}`;
      const deadline = Date.now() + timeoutMs;
      let last = 'no answer';
      for (let attempt = 0; Date.now() < deadline && !this.interrupted; attempt++) {
        try {
          const status = await fetchStatus(target, 5000);
          return { passed: status < 400, detail: `GET ${urlPath} → ${status}` };
        } catch (e) {
          last = (e as { cause?: { code?: string } }).cause?.code ?? (e as Error).message;
        }
        if (attempt % 4 === 3) {
          const state = await this.exec(['inspect', '--format', '{{.State.Running}} {{.State.ExitCode}}', name], 30000);
          const [running, code] = state.out.trim().split(' ');
          if (running === 'false') {
            const logs = await this.exec(['logs', '--tail', '20', name], 30000);
            return {
              passed: false,
              detail: `GET ${urlPath}: the container exited with code ${code}: ${errorLine(logs.err + '\n' + logs.out)}`,
            };
          }
        }
        await new Promise((r) => setTimeout(r, 250));
      }
      return { passed: false, detail: `GET ${urlPath}: no answer on port ${port} within ${timeoutMs / 1000} s (${last})` };
    } finally {
      this.removeContainer(name);
    }
  }

  private exec(args: string[], timeoutMs: number): Promise<Ran> {
    return new Promise((resolve) => {
      if (this.interrupted) return resolve({ code: null, out: '', err: 'interrupted', timedOut: false });
      const child = spawn(this.engine.bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      this.children.add(child);
      let out = '';
      let err = '';
      let timedOut = false;
      child.stdout!.on('data', (d: Buffer) => (out = tail(out + d.toString('utf8'))));
      child.stderr!.on('data', (d: Buffer) => (err = tail(err + d.toString('utf8'))));
      const timer = setTimeout(() => {
        timedOut = true;
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 10000).unref();
      }, timeoutMs);
      const finish = (code: number | null, error?: Error) => {
        clearTimeout(timer);
        this.children.delete(child);
        resolve({ code, out, err: error ? `${err}\n${error.message}` : err, timedOut });
      };
      child.on('error', (e) => finish(null, e));
      child.on('close', (code) => finish(code));
    });
  }

  private removeContainer(name: string): void {
    spawnSync(this.engine.bin, ['rm', '-f', ...(this.engine.name === 'podman' ? ['-t', '0'] : []), name], {
      stdio: 'ignore',
      timeout: 60000,
    });
    this.containers.delete(name);
  }

  private removeImage(tag: string): void {
    if (!tag) return;
    spawnSync(this.engine.bin, ['rmi', '-f', tag], { stdio: 'ignore', timeout: 60000 });
    this.images.delete(tag);
  }

  /** Remove what this verifier created, by the names it gave them: nothing else. */
  private cleanupSync(): void {
    for (const c of [...this.containers]) this.removeContainer(c);
    for (const i of [...this.images]) this.removeImage(i);
    for (const d of [...this.tmpDirs]) {
      fs.rmSync(d, { recursive: true, force: true });
      this.tmpDirs.delete(d);
    }
  }

  /** Ctrl-C or SIGTERM: stop the engine processes, remove what was created, hand over to onInterrupt. */
  private async interrupt(signal: NodeJS.Signals): Promise<void> {
    if (this.interrupted) return;
    this.interrupted = true;
    const building = this.building;
    const waits = [...this.children].map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.exitCode !== null || c.signalCode !== null) return resolve();
          c.once('close', () => resolve());
          c.kill(signal);
          setTimeout(() => {
            c.kill('SIGKILL');
            resolve();
          }, 15000).unref();
        }),
    );
    await Promise.all(waits);
    this.dispose();
    // podman names a build's working container after the base image, not after the build, so one
    // left by the interrupted build cannot be told apart from another job's: it is left alone.
    const podman =
      this.engine.name === 'podman' && building
        ? '; the interrupted podman build may leave a working container (`podman ps --external`)'
        : '';
    this.opts.error?.(`interrupted (${signal}): removed the containers and images --verify created${podman}`);
    if (this.opts.onInterrupt) this.opts.onInterrupt(signal);
    else process.kill(process.pid, signal);
  }
}

/**
 * Set up verification for a CLI run: the engine (given or detected) and the smoke test. Returns a
 * problem when verification is impossible (no engine), so the caller can stop before writing.
 */
export function startVerifier(opts: {
  engine?: string;
  cmd?: string;
  url?: string;
  log?: (l: string) => void;
  error?: (l: string) => void;
  onInterrupt?: (signal: NodeJS.Signals) => void;
}): Verifier | { problem: string } {
  if (opts.cmd !== undefined && !opts.cmd.trim()) return { problem: '--verify-cmd is empty' };
  if (opts.url !== undefined && !opts.url.trim()) return { problem: '--verify-url is empty' };
  if (opts.cmd) {
    try {
      shellWords(opts.cmd);
    } catch (e) {
      return { problem: `--verify-cmd: ${(e as Error).message}` };
    }
  }
  const found = detectEngine(opts.engine);
  if ('problem' in found) return found;
  return new Verifier({
    engine: found.engine,
    cmd: opts.cmd,
    url: opts.url?.trim(),
    log: opts.log,
    error: opts.error,
    onInterrupt: opts.onInterrupt,
  });
}

/**
 * GET a URL and read its body, within `ms`. The deadline is an ordinary (ref'd) timer: Docker's
 * port proxy accepts a connection before the app listens, and a fetch left waiting on it with only
 * AbortSignal.timeout (an unref'd timer) would let the process end with no verdict and exit code 0.
 */
export function fetchStatus(url: string, ms: number): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const ac = new AbortController();
    const timer = setTimeout(() => {
      ac.abort();
      reject(new Error(`no answer within ${ms / 1000} s`));
    }, ms);
    fetch(url, { redirect: 'manual', signal: ac.signal })
      .then(async (res) => {
        await res.arrayBuffer().catch(() => undefined);
        return res.status;
      })
      .then(
        (status) => {
          clearTimeout(timer);
          resolve(status);
        },
        (e: unknown) => {
          clearTimeout(timer);
          reject(e);
        },
      );
  });
}
