import { describe, expect, it } from 'vitest';
import { gatherFacts, memorySource } from '../src/model/project/facts.js';
import { checkLockfileSync } from '../src/model/project/lockfile.js';

const v3 = (root: Record<string, unknown>, pkgs: Record<string, Record<string, unknown>>) =>
  JSON.stringify({ name: 'app', lockfileVersion: 3, requires: true, packages: { '': { name: 'app', ...root }, ...pkgs } });

describe('checkLockfileSync: package-lock.json against package.json, as npm ci sees them', () => {
  const lock = v3(
    { dependencies: { express: '^4.18.0' }, devDependencies: { nodemon: '^3.0.0' } },
    { 'node_modules/express': { version: '4.21.2' }, 'node_modules/nodemon': { version: '3.1.9', dev: true } },
  );

  it('in sync: every range accepts the locked version', () => {
    expect(
      checkLockfileSync(
        { dependencies: { express: '^4.18.0' }, devDependencies: { nodemon: '^3.0.0' } },
        lock,
        'package-lock.json',
      ),
    ).toEqual({ inSync: true, why: '' });
  });

  it('in sync when package.json narrowed a range the locked version still satisfies', () => {
    expect(
      checkLockfileSync(
        { dependencies: { express: '^4.21.0' }, devDependencies: { nodemon: '3.1.9' } },
        lock,
        'package-lock.json',
      ).inSync,
    ).toBe(true);
  });

  it('a range the locked version does not satisfy names the dependency and both versions', () => {
    expect(
      checkLockfileSync(
        { dependencies: { express: '^5.0.0' }, devDependencies: { nodemon: '^3.0.0' } },
        lock,
        'package-lock.json',
      ),
    ).toEqual({
      inSync: false,
      why: 'express is ^5.0.0 in package.json, but package-lock.json locks 4.21.2',
    });
  });

  it('a dependency added to package.json only is missing from the lockfile, in whichever section', () => {
    for (const section of ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies']) {
      const pkg = {
        dependencies: { express: '^4.18.0' },
        devDependencies: { nodemon: '^3.0.0' },
        [section]: { ...(section === 'dependencies' ? { express: '^4.18.0' } : {}), zod: '^3.0.0' },
      };
      expect(checkLockfileSync(pkg, lock, 'package-lock.json')).toEqual({
        inSync: false,
        why: `zod (${section} in package.json) is missing from package-lock.json`,
      });
    }
  });

  it('an optional peer dependency need not be locked', () => {
    const pkg = {
      dependencies: { express: '^4.18.0' },
      peerDependencies: { react: '^18' },
      peerDependenciesMeta: { react: { optional: true } },
    };
    expect(checkLockfileSync(pkg, lock, 'package-lock.json').inSync).toBe(true);
  });

  it('a dependency removed from package.json but still locked is fine (npm ci drops it)', () => {
    expect(checkLockfileSync({ dependencies: { express: '^4.18.0' } }, lock, 'package-lock.json').inSync).toBe(true);
  });

  it('npm: aliases check the aliased package and its range', () => {
    const l = v3({ dependencies: { e4: 'npm:express@^4.18.0' } }, { 'node_modules/e4': { name: 'express', version: '4.21.2' } });
    expect(checkLockfileSync({ dependencies: { e4: 'npm:express@^4.18.0' } }, l, 'package-lock.json').inSync).toBe(true);
    expect(checkLockfileSync({ dependencies: { e4: 'npm:express@^5' } }, l, 'package-lock.json').inSync).toBe(false);
    expect(checkLockfileSync({ dependencies: { e4: 'npm:koa@^4' } }, l, 'package-lock.json').inSync).toBe(false);
  });

  it('git and file specs are in sync only when they are the spec the lockfile was written for', () => {
    const l = v3(
      { dependencies: { lib: 'github:acme/lib#v1' } },
      { 'node_modules/lib': { version: '1.0.0', resolved: 'git+ssh://git@github.com/acme/lib.git#abc' } },
    );
    expect(checkLockfileSync({ dependencies: { lib: 'github:acme/lib#v1' } }, l, 'package-lock.json').inSync).toBe(true);
    expect(checkLockfileSync({ dependencies: { lib: 'github:acme/lib#v2' } }, l, 'package-lock.json')).toEqual({
      inSync: false,
      why: 'lib is github:acme/lib#v2 in package.json, which package-lock.json was not written for (it has github:acme/lib#v1)',
    });
  });

  it('a dependency hoisted or nested: resolved the way Node.js does, from a workspace up to the root', () => {
    const l = v3(
      { workspaces: ['packages/*'] },
      {
        'node_modules/api': { resolved: 'packages/api', link: true },
        'packages/api': { name: 'api', version: '1.0.0', dependencies: { express: '^5.0.0', zod: '^3.0.0' } },
        'packages/api/node_modules/express': { version: '5.1.0' },
        'node_modules/express': { version: '4.21.2' },
        'node_modules/zod': { version: '3.23.8' },
      },
    );
    const read = (files: Record<string, string>) => (rel: string) => files[rel] ?? null;
    const ok = {
      'packages/api/package.json': JSON.stringify({ name: 'api', dependencies: { express: '^5.0.0', zod: '^3.0.0' } }),
    };
    expect(checkLockfileSync({ workspaces: ['packages/*'] }, l, 'package-lock.json', read(ok)).inSync).toBe(true);
    const stale = {
      'packages/api/package.json': JSON.stringify({ name: 'api', dependencies: { express: '^5.0.0', zod: '^4.0.0' } }),
    };
    expect(checkLockfileSync({ workspaces: ['packages/*'] }, l, 'package-lock.json', read(stale))).toEqual({
      inSync: false,
      why: 'zod is ^4.0.0 in packages/api/package.json, but package-lock.json locks 3.23.8',
    });
    expect(checkLockfileSync({ workspaces: ['packages/*'] }, l, 'package-lock.json', read({})).inSync).toBe(false);
  });

  it('lockfile version 1: the top-level dependencies are what is installed', () => {
    const l = JSON.stringify({
      name: 'app',
      lockfileVersion: 1,
      requires: true,
      dependencies: { express: { version: '4.17.1' }, debug: { version: '2.6.9', dev: true } },
    });
    expect(
      checkLockfileSync({ dependencies: { express: '^4.17.0' }, devDependencies: { debug: '~2.6.0' } }, l, 'package-lock.json')
        .inSync,
    ).toBe(true);
    expect(checkLockfileSync({ dependencies: { express: '^4.18.0' } }, l, 'package-lock.json')).toEqual({
      inSync: false,
      why: 'express is ^4.18.0 in package.json, but package-lock.json locks 4.17.1',
    });
    expect(checkLockfileSync({ dependencies: { express: '^4.17.0', cors: '^2.8.5' } }, l, 'package-lock.json').why).toBe(
      'cors (dependencies in package.json) is missing from package-lock.json',
    );
  });

  it('a lockfile that does not parse is not in sync', () => {
    expect(checkLockfileSync({ dependencies: {} }, '{', 'package-lock.json')).toEqual({
      inSync: false,
      why: 'package-lock.json does not parse',
    });
  });
});

describe('facts.lockfileSync and facts.hasDependencies', () => {
  const pkg = (o: Record<string, unknown>) => JSON.stringify({ name: 'app', version: '1.0.0', ...o });

  it('lockfileSync is gathered for package-lock.json and npm-shrinkwrap.json only', () => {
    const stale = gatherFacts(
      memorySource({
        'package.json': pkg({ dependencies: { express: '^5.0.0' } }),
        'package-lock.json': v3({ dependencies: { express: '^4.0.0' } }, { 'node_modules/express': { version: '4.21.2' } }),
      }),
    );
    expect(stale.lockfileSync).toEqual({
      inSync: false,
      why: 'express is ^5.0.0 in package.json, but package-lock.json locks 4.21.2',
    });
    const wrap = gatherFacts(
      memorySource({
        'package.json': pkg({ dependencies: { express: '^4.0.0' } }),
        'npm-shrinkwrap.json': v3({ dependencies: { express: '^4.0.0' } }, { 'node_modules/express': { version: '4.21.2' } }),
      }),
    );
    expect(wrap.lockfileSync).toEqual({ inSync: true, why: '' });
    expect(
      gatherFacts(memorySource({ 'package.json': pkg({ dependencies: { express: '^4.0.0' } }), 'yarn.lock': '' })).lockfileSync,
    ).toBeNull();
    expect(gatherFacts(memorySource({ 'package.json': pkg({}) })).lockfileSync).toBeNull();
  });

  it('hasDependencies is false only when package.json lists nothing npm would install', () => {
    const has = (files: Record<string, string>) => gatherFacts(memorySource(files)).hasDependencies;
    expect(has({ 'package.json': pkg({ scripts: { start: 'node server.js' } }) })).toBe(false);
    expect(has({ 'package.json': pkg({ dependencies: {}, devDependencies: {} }) })).toBe(false);
    expect(has({ 'package.json': pkg({ dependencies: { express: '^4' } }) })).toBe(true);
    expect(has({ 'package.json': pkg({ devDependencies: { typescript: '^5' } }) })).toBe(true);
    expect(has({ 'package.json': pkg({ optionalDependencies: { fsevents: '^2' } }) })).toBe(true);
    expect(has({ 'package.json': pkg({ workspaces: ['packages/*'] }) })).toBe(true);
    // npm 7+ installs the root's peer dependencies; pnpm and yarn do not.
    expect(has({ 'package.json': pkg({ peerDependencies: { react: '^18' } }) })).toBe(true);
    expect(has({ 'package.json': pkg({ peerDependencies: { react: '^18' } }), 'yarn.lock': '' })).toBe(false);
    // Unknown: no package.json, or one that does not parse.
    expect(has({ 'server.js': '' })).toBe(true);
    expect(has({ 'package.json': '{' })).toBe(true);
  });
});
