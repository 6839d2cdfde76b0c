/**
 * Finding the Dockerfiles (src/run/discover.ts): paths, directories and globs; .gitignore as git
 * reads it (checked against git itself); never node_modules, .git or .devcontainer; a stable order.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { discover } from '../src/run/discover.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

/** A temp tree from relative path -> content (a path ending in / is an empty directory). */
function tree(files: Record<string, string>): string {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'dfm-discover-')));
  dirs.push(root);
  for (const [rel, content] of Object.entries(files)) {
    const full = path.join(root, rel);
    if (rel.endsWith('/')) fs.mkdirSync(full, { recursive: true });
    else {
      fs.mkdirSync(path.dirname(full), { recursive: true });
      fs.writeFileSync(full, content);
    }
  }
  return root;
}

const DF = 'FROM node:22\n';

function git(args: string[], cwd: string): string {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', HOME: cwd } });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

describe('globs', () => {
  const root = tree({
    'services/a/Dockerfile': DF,
    'services/a/sub/Dockerfile': DF,
    'services/b/Dockerfile': DF,
    'services/b/Dockerfile.prod': DF,
    'services/b/Dockerfile.prod.dockerignore': '',
    'services/c/README.md': '',
    'other/Dockerfile': DF,
    'app/[id]/Dockerfile': DF,
    'app/x/Dockerfile': DF,
    'services/node_modules/pkg/Dockerfile': DF,
    '.devcontainer/Dockerfile': DF,
  });

  it('services/*/Dockerfile: exactly the files it matches, sorted', () => {
    const found = discover(['services/*/Dockerfile'], root);
    expect(found.files).toEqual(['services/a/Dockerfile', 'services/b/Dockerfile']);
    expect(found.errors).toEqual([]);
  });

  it('a glob that matches directories searches them; ** never enters node_modules or .devcontainer', () => {
    expect(discover(['services/*'], root).files).toEqual([
      'services/a/Dockerfile',
      'services/a/sub/Dockerfile',
      'services/b/Dockerfile',
      'services/b/Dockerfile.prod',
    ]);
    expect(discover(['**/Dockerfile'], root).files).toEqual([
      'app/[id]/Dockerfile',
      'app/x/Dockerfile',
      'other/Dockerfile',
      'services/a/Dockerfile',
      'services/a/sub/Dockerfile',
      'services/b/Dockerfile',
    ]);
    // The proposed .dockerignore next to Dockerfile.prod is not a Dockerfile, whatever the glob says.
    expect(discover(['services/b/Dockerfile*'], root).files).toEqual(['services/b/Dockerfile', 'services/b/Dockerfile.prod']);
  });

  it('a path that exists is taken literally, even with glob characters in it', () => {
    expect(discover(['app/[id]/Dockerfile'], root).files).toEqual(['app/[id]/Dockerfile']);
    expect(discover(['app/[id]'], root).files).toEqual(['app/[id]/Dockerfile']);
  });

  it('a glob that matches no Dockerfile is an error with a code; a missing path another', () => {
    const found = discover(['nothing/*/Dockerfile', 'services/c/*', 'missing/Dockerfile'], root);
    expect(found.files).toEqual([]);
    expect(found.errors).toEqual([
      { path: 'nothing/*/Dockerfile', code: 'no-dockerfile', reason: 'no Dockerfile matches this pattern' },
      { path: 'services/c/*', code: 'no-dockerfile', reason: 'no Dockerfile matches this pattern' },
      { path: 'missing/Dockerfile', code: 'not-found', reason: 'no such file or directory' },
    ]);
  });

  it('a file matched twice (a glob and a path) is listed once, where first found', () => {
    expect(discover(['services/b/Dockerfile', 'services/*/Dockerfile', 'services'], root).files).toEqual([
      'services/b/Dockerfile',
      'services/a/Dockerfile',
      'services/a/sub/Dockerfile',
      'services/b/Dockerfile.prod',
    ]);
  });
});

describe('stable order', () => {
  it('the same list whatever order the files were created in (code unit order per directory, depth first)', () => {
    const names = [
      'b/Dockerfile',
      'B/Dockerfile',
      'a.Dockerfile',
      'Dockerfile',
      'Dockerfile.prod',
      'a/z/Dockerfile',
      'a/Dockerfile',
    ];
    const one = tree(Object.fromEntries(names.map((n) => [n, DF])));
    const two = tree(Object.fromEntries([...names].reverse().map((n) => [n, DF])));
    const expected = [
      'B/Dockerfile',
      'Dockerfile',
      'Dockerfile.prod',
      'a/Dockerfile',
      'a/z/Dockerfile',
      'a.Dockerfile',
      'b/Dockerfile',
    ];
    expect(discover(['.'], one).files).toEqual(expected);
    expect(discover(['.'], two).files).toEqual(expected);
  });
});

describe('.gitignore', () => {
  /** A repository with rules at several levels; every Dockerfile in it, committed or not. */
  const files: Record<string, string> = {
    '.gitignore': 'build/\n*.generated.Dockerfile\ntmp*\n!tmp-keep/\n/Dockerfile.local\n',
    Dockerfile: DF,
    'Dockerfile.local': DF,
    'Dockerfile.dev': DF,
    'build/Dockerfile': DF,
    'api.generated.Dockerfile': DF,
    'tmp/Dockerfile': DF,
    'tmp-keep/Dockerfile': DF,
    'services/.gitignore': 'Dockerfile.dev\n!keep.generated.Dockerfile\nout\n',
    'services/api/Dockerfile': DF,
    'services/api/Dockerfile.dev': DF,
    'services/api/Dockerfile.local': DF,
    'services/api/keep.generated.Dockerfile': DF,
    'services/api/other.generated.Dockerfile': DF,
    'services/out/Dockerfile': DF,
    'services/api/out': DF,
    'services/web/.gitignore': '!Dockerfile.dev\n',
    'services/web/Dockerfile.dev': DF,
    'excluded/Dockerfile': DF,
  };
  const root = tree(files);
  git(['init', '-q', '.'], root);
  fs.writeFileSync(path.join(root, '.git', 'info', 'exclude'), 'excluded/\n');

  /** The Dockerfiles git sees as not ignored (tracked or not). */
  const gitSees = () =>
    git(['ls-files', '--others', '--cached', '--exclude-standard'], root)
      .split('\n')
      .filter((f) => /(^|\/)([^/]*\.)?Dockerfile(\.[^/]*)?$/.test(f) && !f.endsWith('.gitignore'))
      .sort();

  it('a search finds exactly the Dockerfiles git does not ignore (root and nested rules, negations, info/exclude)', () => {
    const found = discover(['.'], root);
    expect([...found.files].sort()).toEqual(gitSees());
    expect(found.files).toEqual([
      'Dockerfile',
      'Dockerfile.dev',
      'services/api/Dockerfile',
      'services/api/Dockerfile.local',
      'services/api/keep.generated.Dockerfile',
      'services/web/Dockerfile.dev',
      'tmp-keep/Dockerfile',
    ]);
  });

  it('a search from a subdirectory still applies the rules above it, up to the repository root', () => {
    expect(discover(['services'], root).files).toEqual(gitSees().filter((f) => f.startsWith('services/')));
    expect(discover(['services/*/Dockerfile*'], root).files).toEqual([
      'services/api/Dockerfile',
      'services/api/Dockerfile.local',
      'services/web/Dockerfile.dev',
    ]);
  });

  it('a path named on the command line is taken as given, even an ignored one; an ignored directory named is searched', () => {
    expect(discover(['build/Dockerfile', 'services/api/Dockerfile.dev'], root).files).toEqual([
      'build/Dockerfile',
      'services/api/Dockerfile.dev',
    ]);
    expect(discover(['build'], root).files).toEqual(['build/Dockerfile']);
    expect(discover(['excluded'], root).files).toEqual(['excluded/Dockerfile']);
  });

  it('gitignore: false finds everything (but never node_modules, .git, .devcontainer)', () => {
    expect(discover(['.'], root, { gitignore: false }).files.length).toBe(15);
  });

  it('outside a repository, the .gitignore files inside the searched directory still apply', () => {
    const plain = tree({ '.gitignore': 'gen/\n', Dockerfile: DF, 'gen/Dockerfile': DF });
    expect(discover(['.'], plain).files).toEqual(['Dockerfile']);
  });

  it('a nested repository is governed by its own rules, not the outer ones', () => {
    const outer = tree({ '.gitignore': 'Dockerfile.dev\n', 'Dockerfile.dev': DF, 'vendor/lib/Dockerfile.dev': DF });
    git(['init', '-q', '.'], outer);
    git(['init', '-q', '.'], path.join(outer, 'vendor', 'lib'));
    expect(discover(['.'], outer).files).toEqual(['vendor/lib/Dockerfile.dev']);
  });
});
