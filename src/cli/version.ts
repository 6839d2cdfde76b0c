/** The package's version, read from its package.json (three folders above dist/src/cli/ and dist/src/chunks/). */
import * as fs from 'node:fs';

export function version(): string {
  try {
    const pkg = JSON.parse(fs.readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
    return pkg.version;
  } catch {
    return 'unknown';
  }
}
