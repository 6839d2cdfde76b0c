/**
 * Shared by the tests that run the built binary (dist/src/cli/cli.js) in fresh temp dirs: a small
 * Express app context, temp dirs removed after each test file, running the binary (piped or on a
 * pseudo-terminal), git, and looking at directories.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll } from 'vitest';

export const ROOT = path.resolve(import.meta.dirname, '..');
export const CLI = path.join(ROOT, 'dist', 'src', 'cli', 'cli.js');

// ---------------------------------------------------------------------------------------------
// A small Express app context
// ---------------------------------------------------------------------------------------------

export const PACKAGE_JSON =
  JSON.stringify(
    {
      name: 'hello-api',
      version: '1.0.0',
      main: 'server.js',
      scripts: { start: 'node server.js', test: 'node --test' },
      dependencies: { express: '^4.21.0' },
      devDependencies: { nodemon: '^3.1.0' },
    },
    null,
    2,
  ) + '\n';

export const PACKAGE_LOCK =
  JSON.stringify(
    {
      name: 'hello-api',
      version: '1.0.0',
      lockfileVersion: 3,
      requires: true,
      packages: {
        '': {
          name: 'hello-api',
          version: '1.0.0',
          dependencies: { express: '^4.21.0' },
          devDependencies: { nodemon: '^3.1.0' },
        },
      },
    },
    null,
    2,
  ) + '\n';

export const SERVER_JS = `const express = require('express');
const app = express();
app.get('/', (req, res) => res.send('hello'));
app.listen(process.env.PORT || 3000);
`;

export const NODE_DOCKERFILE = `FROM node:22-alpine
WORKDIR /app
COPY package*.json ./
RUN npm install
COPY . .
EXPOSE 3000
CMD ["node", "server.js"]
`;

/** The files app() writes (with the default Dockerfile name), sorted. */
export const APP_FILES = ['Dockerfile', 'package-lock.json', 'package.json', 'server.js'];

/** Write the app context into dir (created if needed); a null dockerfile writes none. */
export function app(dir: string, dockerfile: string | Buffer | null = NODE_DOCKERFILE, name = 'Dockerfile'): string {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), PACKAGE_JSON);
  fs.writeFileSync(path.join(dir, 'package-lock.json'), PACKAGE_LOCK);
  fs.writeFileSync(path.join(dir, 'server.js'), SERVER_JS);
  if (dockerfile !== null) fs.writeFileSync(path.join(dir, name), dockerfile);
  return dir;
}

// ---------------------------------------------------------------------------------------------
// Per-file setup and temp dirs
// ---------------------------------------------------------------------------------------------

/**
 * Call once at the top of a test file: fails the file early when the binary is not built, and
 * removes every temp dir made by the returned tmp() after the file's tests.
 */
export function useCliHarness(tmpPrefix: string): { tmp: () => string } {
  const dirs: string[] = [];
  beforeAll(() => {
    if (!fs.existsSync(CLI)) {
      throw new Error(
        `${path.relative(ROOT, CLI)} is missing: build first (\`npx tsc -p .\`; \`npm test\` builds before testing)`,
      );
    }
  });
  afterAll(() => {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });
  return {
    tmp(): string {
      const d = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), tmpPrefix)));
      dirs.push(d);
      return d;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Running the binary
// ---------------------------------------------------------------------------------------------

export interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export type Env = Record<string, string | undefined>;

/** The test process's environment without colour and NODE_OPTIONS settings, then env (undefined deletes). */
export function baseEnv(env: Env = {}): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = { ...process.env };
  delete e.NO_COLOR;
  delete e.FORCE_COLOR;
  delete e.NODE_OPTIONS;
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete e[k];
    else e[k] = v;
  }
  return e;
}

export interface RunOptions {
  env?: Env;
  /** SIGKILL the child after this long (default 15 s). */
  timeoutMs?: number;
  /** Called with the child once on its first stderr output (to kill it at a chosen moment). */
  onFirstStderr?: (kill: () => void) => void;
}

/** Run `node dist/src/cli/cli.js ...args` in cwd, stdout and stderr piped (not a TTY). */
export function run(args: string[], cwd: string, opts: RunOptions = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, env: baseEnv(opts.env), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const kill = () => child.kill('SIGKILL');
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      if (!stderr && opts.onFirstStderr) opts.onFirstStderr(kill);
      stderr += d;
    });
    const timer = setTimeout(kill, opts.timeoutMs ?? 15000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Whether util-linux `script` is available (for runTty). */
export const HAS_SCRIPT = spawnSync('script', ['--version'], { stdio: 'ignore' }).status === 0;
const shq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** Run the binary on a pseudo-terminal (util-linux `script`); returns the terminal's output. */
export function runTty(args: string[], cwd: string, opts: Pick<RunOptions, 'env' | 'timeoutMs'> = {}): Promise<Run> {
  const cmd = [process.execPath, CLI, ...args].map(shq).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qec', cmd, '/dev/null'], { cwd, env: baseEnv(opts.env), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.resume();
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 15000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout: stdout.replace(/\r\n/g, '\n'), stderr: '' });
    });
  });
}

export function git(args: string[], cwd: string, input?: string) {
  const r = spawnSync('git', args, { cwd, input, encoding: 'utf8', env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

// ---------------------------------------------------------------------------------------------
// Looking at directories and output
// ---------------------------------------------------------------------------------------------

/** Every entry under dir with its type, mode, size, mtime and content: any write shows up. */
export function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string) => {
    for (const name of fs.readdirSync(path.join(dir, rel)).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      const full = path.join(dir, r);
      const st = fs.lstatSync(full, { bigint: true });
      const meta = `mode=${st.mode.toString(8)} size=${st.size} mtime=${st.mtimeNs}`;
      if (st.isSymbolicLink()) out[r] = `link -> ${fs.readlinkSync(full)} ${meta}`;
      else if (st.isDirectory()) {
        out[`${r}/`] = `dir ${meta}`;
        walk(r);
      } else if (st.isFile()) out[r] = `file ${meta}\n${fs.readFileSync(full).toString('latin1')}`;
      else out[r] = `special ${meta}`;
    }
  };
  out['./'] = `dir mtime=${fs.statSync(dir, { bigint: true }).mtimeNs}`;
  walk('');
  return out;
}

/** Regular file contents under dir (no .git, no metadata): what a user compares between two trees. */
export function contents(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string) => {
    for (const name of fs.readdirSync(path.join(dir, rel)).sort()) {
      if (name === '.git') continue;
      const r = rel ? `${rel}/${name}` : name;
      const st = fs.lstatSync(path.join(dir, r));
      if (st.isDirectory()) walk(r);
      else if (st.isFile()) out[r] = fs.readFileSync(path.join(dir, r), 'utf8');
    }
  };
  walk('');
  return out;
}

export const read = (...p: string[]) => fs.readFileSync(path.join(...p), 'utf8');
export const exists = (...p: string[]) => fs.existsSync(path.join(...p));
export const errorLines = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('dockerfile-migrate:'));
export const STACK = /^\s+at\s/m;
