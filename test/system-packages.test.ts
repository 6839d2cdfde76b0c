import { Project } from '../src/model/project/project.js';
import { gatherFacts, memorySource } from '../src/model/project/facts.js';
import { describe, expect, it } from 'vitest';
import {
  classifyPackage,
  debianRelease,
  programsTheAppRuns,
  runtimeSystemInstall,
  splitPackages,
  systemFamily,
  systemInstallWords,
} from '../src/model/image/system-packages.js';
import { tokenizeShell } from '../src/dockerfile/shell.js';
import { parseDockerfile } from '../src/dockerfile/parse.js';
import { classifyRun } from '../src/model/commands/classify.js';

const words = (cmd: string) => tokenizeShell(cmd, 0, cmd.length)[0].words;

describe('system packages: build tools and headers vs the libraries a native module loads', () => {
  it('tells the family from the base image; Ubuntu, distroless and unresolved bases have none', () => {
    expect(systemFamily('node:20-alpine')).toBe('alpine');
    expect(systemFamily('node:20')).toBe('debian');
    expect(systemFamily('node:20-bookworm-slim')).toBe('debian');
    expect(systemFamily('oven/bun:1')).toBe('debian');
    expect(systemFamily('oven/bun:1-alpine')).toBe('alpine');
    expect(systemFamily('oven/bun:distroless')).toBeNull();
    expect(systemFamily('ubuntu:24.04')).toBeNull();
    expect(systemFamily('gcr.io/distroless/nodejs20-debian12')).toBeNull();
    expect(systemFamily('node:${NODE_VERSION}')).toBeNull();
  });

  it('reads the Debian release only where the tag names it', () => {
    expect(debianRelease('node:20-bookworm-slim')).toBe('bookworm');
    expect(debianRelease('node:22-trixie')).toBe('trixie');
    expect(debianRelease('node:20')).toBeNull();
  });

  it('compilers and headers are build-only; -dev packages become their libraries', () => {
    expect(classifyPackage('build-essential', 'debian', null)).toEqual({ role: 'build' });
    expect(classifyPackage('g++', 'alpine', null)).toEqual({ role: 'build' });
    expect(classifyPackage('pkg-config', 'debian', null)).toEqual({ role: 'build' });
    expect(classifyPackage('libcairo2-dev', 'debian', null)).toEqual({ role: 'dev', runtime: ['libcairo2'] });
    expect(classifyPackage('libpango1.0-dev', 'debian', null)).toEqual({
      role: 'dev',
      runtime: ['libpango-1.0-0', 'libpangocairo-1.0-0'],
    });
    expect(classifyPackage('cairo-dev', 'alpine', null)).toEqual({ role: 'dev', runtime: ['cairo'] });
    expect(classifyPackage('vips-dev', 'alpine', null)).toEqual({ role: 'dev', runtime: ['vips', 'vips-cpp'] });
    expect(classifyPackage('libcairo2', 'debian', null)).toEqual({ role: 'runtime' });
    expect(classifyPackage('libvips', 'debian', null)).toEqual({ role: 'runtime' });
  });

  it('a library renamed between Debian releases is resolved only when the tag names the release', () => {
    expect(classifyPackage('libpng-dev', 'debian', null)).toEqual({ role: 'release-dependent' });
    expect(classifyPackage('libpng-dev', 'debian', 'bookworm')).toEqual({ role: 'dev', runtime: ['libpng16-16'] });
    expect(classifyPackage('libvips-dev', 'debian', 'trixie')).toEqual({ role: 'dev', runtime: ['libvips42t64'] });
  });

  it('a package it does not know is unknown, never build-only (the runtime may need it)', () => {
    expect(classifyPackage('ffmpeg', 'debian', null)).toEqual({ role: 'unknown' });
    expect(classifyPackage('sqlite3', 'debian', null)).toEqual({ role: 'unknown' });
    expect(classifyPackage('libfoo-dev', 'debian', null)).toEqual({ role: 'unknown' });
    // The Debian name on Alpine is not Alpine's
    expect(classifyPackage('libcairo2-dev', 'alpine', null)).toEqual({ role: 'unknown' });
  });

  it('splits an install list', () => {
    expect(
      splitPackages(['libcairo2-dev', 'libpng-dev', 'build-essential', 'g++', 'curl', 'ca-certificates'], 'debian', null),
    ).toEqual({
      build: ['build-essential', 'g++'],
      runtime: ['ca-certificates'],
      replaced: [{ dev: 'libcairo2-dev', runtime: ['libcairo2'] }],
      unknown: ['curl'],
      releaseDependent: ['libpng-dev'],
    });
  });

  it('reads the package words of apt-get and apk installs, not the values of their flags', () => {
    const names = (cmd: string) => systemInstallWords(words(cmd))?.map((w) => w.value) ?? null;
    expect(names('apt-get install -y --no-install-recommends -o Dpkg::Options::=--force-confold libcairo2 g++')).toEqual([
      'libcairo2',
      'g++',
    ]);
    expect(names('apk add --no-cache --virtual .build-deps build-base python3')).toEqual(['build-base', 'python3']);
    expect(names('apk del .build-deps')).toBeNull();
    expect(names('apt-get update')).toBeNull();
  });
});

describe('runtimeSystemInstall: the runtime stage installs the libraries, not the build tools', () => {
  const runtime = (dockerfile: string, image?: string) => {
    const doc = parseDockerfile(dockerfile);
    const ins = doc.instructions.find((i) => i.keyword === 'RUN')!;
    const r = runtimeSystemInstall(
      doc.text,
      ins.lineStart,
      ins.end,
      classifyRun(doc, ins).commands,
      image ?? doc.stages[0].image,
      doc.escape,
    );
    return r.install ? r.install.text : `(${r.why})`;
  };

  it('one package a line: build tools go with their lines, -dev packages become libraries, the last continuation goes', () => {
    const df = [
      'FROM node:18',
      'RUN apt-get update && apt-get install -y \\',
      '    libcairo2-dev \\',
      '    libjpeg-dev \\',
      '    libpango1.0-dev \\',
      '    libgif-dev \\',
      '    build-essential \\',
      '    g++',
      'WORKDIR /app',
      '',
    ].join('\n');
    expect(runtime(df)).toBe(
      [
        'RUN apt-get update && apt-get install -y \\',
        '    libcairo2 \\',
        '    libjpeg62-turbo \\',
        '    libpango-1.0-0 libpangocairo-1.0-0 \\',
        '    libgif7',
      ].join('\n'),
    );
  });

  it('a cleanup after the install stays, and so does a package it does not know', () => {
    const df = [
      'FROM node:20-slim',
      'RUN apt-get update && apt-get install -y --no-install-recommends \\',
      '    python3 make g++ curl libvips-dev \\',
      '    && rm -rf /var/lib/apt/lists/*',
      '',
    ].join('\n');
    expect(runtime(df)).toBe(
      [
        'RUN apt-get update && apt-get install -y --no-install-recommends \\',
        '    curl libvips-dev \\',
        '    && rm -rf /var/lib/apt/lists/*',
      ].join('\n'),
    );
    expect(runtime(df.replace('node:20-slim', 'node:20-bookworm-slim'))).toContain('    curl libvips42 \\');
  });

  it('Alpine: apk add with --virtual; a library already listed is not added twice', () => {
    const df = 'FROM node:20-alpine\nRUN apk add --no-cache --virtual .gyp build-base python3 cairo cairo-dev pango-dev\n';
    expect(runtime(df)).toBe('RUN apk add --no-cache --virtual .gyp cairo pango');
  });

  it('build tools only: nothing for the runtime stage', () => {
    const doc = parseDockerfile('FROM node:20-alpine\nRUN apk add --no-cache python3 make g++\n');
    const ins = doc.instructions[1];
    const r = runtimeSystemInstall(doc.text, ins.lineStart, ins.end, classifyRun(doc, ins).commands, 'node:20-alpine', '\\');
    expect(r.install).toEqual({
      text: null,
      split: { build: ['python3', 'make', 'g++'], runtime: [], replaced: [], unknown: [], releaseDependent: [] },
    });
  });

  it('no runtime version where the names are not known or an install would be left empty', () => {
    expect(runtime('FROM ubuntu:24.04\nRUN apt-get install -y libcairo2-dev g++\n')).toBe(
      '(the package names of ubuntu:24.04 are not known (neither Debian nor Alpine))',
    );
    expect(runtime('FROM node:20\nRUN apt-get install -y g++ && apt-get install -y libcairo2\n')).toBe(
      '(`apt-get install -y g++` installs build tools only, next to packages the runtime needs)',
    );
  });

  it('keeps CRLF line endings', () => {
    expect(runtime('FROM node:20\r\nRUN apt-get install -y \\\r\n  libgif-dev \\\r\n  g++\r\n')).toBe(
      'RUN apt-get install -y \\\r\n  libgif7',
    );
  });
});

describe('runtimeSystemInstall keeps what it does not edit', () => {
  it('an install with nothing to drop comes out byte for byte, blank continued lines included', () => {
    const df =
      'FROM node:20\r\nRUN apt-get update \\\r\n\r\n    && apt-get install -y curl ca-certificates \\\r\n\r\n    && rm -rf /var/lib/apt/lists/*\r\n';
    const doc = parseDockerfile(df);
    const ins = doc.instructions[1];
    const r = runtimeSystemInstall(doc.text, ins.lineStart, ins.end, classifyRun(doc, ins).commands, 'node:20', '\\');
    expect(r.install?.text).toBe(doc.text.slice(ins.lineStart, ins.end));
  });

  it('a last line that goes takes the comment lines before it along', () => {
    const df = 'FROM node:20\nRUN apt-get install -y libgif-dev \\\n    # compilers\n    g++\nWORKDIR /app\n';
    const doc = parseDockerfile(df);
    const ins = doc.instructions[1];
    const r = runtimeSystemInstall(doc.text, ins.lineStart, ins.end, classifyRun(doc, ins).commands, 'node:20', '\\');
    expect(r.install?.text).toBe('RUN apt-get install -y libgif7');
  });
});

describe('programsTheAppRuns: build tools the app itself runs stay in the runtime stage', () => {
  const facts = (files: Record<string, string>) => new Project(gatherFacts(memorySource(files)));

  it('finds a wrapper among the production dependencies of any package.json, not the devDependencies', () => {
    const pkg = (deps: Record<string, string>, dev: Record<string, string> = {}) =>
      JSON.stringify({ dependencies: deps, devDependencies: dev });
    expect([...programsTheAppRuns(facts({ 'apps/backend/package.json': pkg({ 'simple-git': '^3' }) }))]).toEqual([
      ['git', 'simple-git in apps/backend/package.json'],
      ['openssh-client', 'simple-git in apps/backend/package.json'],
      ['openssh', 'simple-git in apps/backend/package.json'],
    ]);
    expect(programsTheAppRuns(facts({ 'package.json': pkg({}, { 'simple-git': '^3' }) })).size).toBe(0);
  });

  it("finds a spawn in the app's sources, not in tests, scripts or configs", () => {
    expect(programsTheAppRuns(facts({ 'src/deploy.ts': "execSync('git rev-parse HEAD')" })).get('git')).toBe(
      'src/deploy.ts runs git',
    );
    expect(programsTheAppRuns(facts({ 'lib/ml.js': 'spawn("python3", ["model.py"])' })).get('python3')).toBe(
      'lib/ml.js runs python3',
    );
    expect(programsTheAppRuns(facts({ 'test/git.test.ts': "execSync('git init')" })).size).toBe(0);
    expect(programsTheAppRuns(facts({ 'scripts/release.js': "execSync('git tag v1')" })).size).toBe(0);
    expect(programsTheAppRuns(facts({ 'src/a.ts': "exec('gitleaks detect')" })).size).toBe(0);
  });
});
