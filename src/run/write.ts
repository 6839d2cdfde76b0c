/**
 * Atomic writes: the new content goes to a temporary file in the same directory, is flushed,
 * and replaces the target with rename(2), so a reader (or a crash) sees the old file or the
 * new one, never half of one. The file's mode is kept; a symlinked target is written through.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export function writeFileAtomic(file: string, content: string | Buffer): void {
  let target = file;
  try {
    target = fs.realpathSync(file);
  } catch {
    target = file; // a new file
  }
  let mode: number | undefined;
  try {
    mode = fs.statSync(target).mode & 0o7777;
  } catch {
    mode = undefined;
  }
  const dir = path.dirname(target);
  // Named so that the tool itself never takes it for part of an app (facts.ts: TEMP_FILE).
  const tmp = path.join(
    dir,
    `.${path.basename(target)}.dfm-${process.pid}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}.tmp`,
  );
  const fd = fs.openSync(tmp, 'wx', mode ?? 0o644);
  try {
    fs.writeFileSync(fd, content);
    fs.fsyncSync(fd);
  } catch (e) {
    fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  fs.closeSync(fd);
  try {
    if (mode !== undefined) fs.chmodSync(tmp, mode);
    fs.renameSync(tmp, target);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

/** Can we replace this file (directory writable, file writable)? Checked before any write. */
export function writableProblem(file: string): string | null {
  let target = file;
  try {
    target = fs.realpathSync(file);
  } catch {
    target = file;
  }
  try {
    const l = fs.lstatSync(file, { throwIfNoEntry: false });
    if (l?.isSymbolicLink() && !fs.existsSync(file)) return 'is a symbolic link to nothing; nothing was written';
    if (fs.existsSync(target) && !fs.statSync(target).isFile()) return 'is not a regular file; nothing was written';
    if (fs.existsSync(target)) {
      // Root may write anything; a file without write bits is still meant to stay as it is.
      if ((fs.statSync(target).mode & 0o222) === 0) return 'the file is read-only; nothing was written';
      fs.accessSync(target, fs.constants.W_OK);
    }
    fs.accessSync(path.dirname(target), fs.constants.W_OK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return code === 'EACCES' || code === 'EPERM' || code === 'EROFS'
      ? 'permission denied; nothing was written'
      : `cannot write it (${code}); nothing was written`;
  }
  return null;
}

/**
 * Write a migration: the Dockerfile and the files it proposes (.dockerignore), each atomically and
 * only when its content differs. Every target is checked first, so a target that cannot be
 * written leaves all of them untouched; a write that still fails (disk full, I/O error) puts back
 * what this call wrote before it, so the files are all new or all as they were: a batch engine
 * that commits whatever is dirty never gets half a migration. Returns the problem (with the file
 * named when it is not the Dockerfile), or null.
 */
export function writeMigration(
  dockerfile: string,
  content: string,
  files: { file: string; content: string }[],
  cwd: string,
): { code: string; reason: string } | null {
  const targets = [{ file: dockerfile, content }, ...files];
  for (const t of targets) {
    const p = writableProblem(t.file);
    if (p) return { code: 'not-writable', reason: t === targets[0] ? p : `${path.relative(cwd, t.file) || t.file}: ${p}` };
  }
  const written: { file: string; before: Buffer | null }[] = [];
  try {
    for (const t of targets) {
      const st = fs.statSync(t.file, { throwIfNoEntry: false });
      const before = st?.isFile() ? fs.readFileSync(t.file) : null;
      if (before?.toString('utf8') !== t.content) {
        writeFileAtomic(t.file, t.content);
        written.push({ file: t.file, before });
      }
    }
  } catch (e) {
    const notRestored: string[] = [];
    for (const w of written.reverse()) {
      try {
        if (w.before === null) fs.rmSync(w.file, { force: true });
        else writeFileAtomic(w.file, w.before);
      } catch {
        notRestored.push(path.relative(cwd, w.file) || w.file);
      }
    }
    return {
      code: 'write-failed',
      reason:
        `could not write: ${(e as Error).message}; ` +
        (notRestored.length ? `could not put back ${notRestored.join(', ')}` : 'nothing was written'),
    };
  }
  return null;
}

/**
 * Why a report cannot be written to `file` (absolute), checked before a run writes anything: its
 * directory is missing, it is a directory, or it cannot be replaced. Null when it can be written.
 */
export function outputFileProblem(file: string): string | null {
  if (fs.statSync(file, { throwIfNoEntry: false })?.isDirectory()) return 'is a directory';
  if (!fs.statSync(path.dirname(file), { throwIfNoEntry: false })?.isDirectory()) return 'its directory does not exist';
  return writableProblem(file)?.replace(/; nothing was written$/, '') ?? null;
}
