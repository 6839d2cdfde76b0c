/**
 * Finding the Dockerfiles reads every directory once; the build contexts reuse those listings
 * instead of reading the directories again, so what a context holds is what discover() saw.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discover } from '../src/run/discover.js';
import { migrateFile } from '../src/migrate.js';

let tree: string;

beforeAll(() => {
  tree = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'dfm-listings-')));
  const app = path.join(tree, 'app');
  fs.mkdirSync(path.join(app, 'src'), { recursive: true });
  fs.writeFileSync(
    path.join(app, 'Dockerfile'),
    'FROM node:22\nWORKDIR /app\nCOPY . .\nRUN npm ci\nCMD ["node", "src/server.js"]\n',
  );
  fs.writeFileSync(path.join(app, 'package.json'), '{"name":"app","dependencies":{"express":"^4"}}\n');
  fs.writeFileSync(path.join(app, 'package-lock.json'), '{"lockfileVersion":3,"packages":{}}\n');
  fs.writeFileSync(path.join(app, 'src', 'server.js'), 'require("express")\n');
});

afterAll(() => fs.rmSync(tree, { recursive: true, force: true }));

describe('directory listings', () => {
  it('discover() returns the entries of every directory it read, when asked to', () => {
    expect(discover(['.'], tree).listings.size).toBe(0);
    const found = discover(['.'], tree, { keepListingsUpTo: 10 });
    expect(found.files).toEqual(['app/Dockerfile']);
    expect([...found.listings.keys()].sort()).toEqual([tree, path.join(tree, 'app'), path.join(tree, 'app', 'src')]);
    expect(
      found.listings
        .get(path.join(tree, 'app'))!
        .map((e) => e.name)
        .sort(),
    ).toEqual(['Dockerfile', 'package-lock.json', 'package.json', 'src']);
    // More Dockerfiles than that (a batch for worker threads): none kept.
    expect(discover(['.'], tree, { keepListingsUpTo: 0 }).listings.size).toBe(0);
  });

  it('a migration with the listings gives the same result without reading the directories again', () => {
    const found = discover(['.'], tree, { keepListingsUpTo: 10 });
    const plain = migrateFile('app/Dockerfile', { cwd: tree });
    const reused = migrateFile('app/Dockerfile', { cwd: tree, listings: found.listings });
    expect(reused.status).toBe('migrated');
    expect(reused.diff).toBe(plain.diff);
    // The context is what the listing says: a listing without the lockfile means no lockfile.
    const edited = new Map(found.listings);
    edited.set(
      path.join(tree, 'app'),
      found.listings.get(path.join(tree, 'app'))!.filter((e) => e.name !== 'package-lock.json'),
    );
    const without = migrateFile('app/Dockerfile', { cwd: tree, listings: edited });
    expect(without.diff).not.toBe(plain.diff);
    expect(plain.diff).toContain('+COPY package.json package-lock.json ./\n');
    expect(without.diff).toContain('+COPY package.json ./\n');
  });
});
