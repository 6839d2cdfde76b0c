/**
 * Libraries loaded on first use, not at start-up: a run that names one Dockerfile reads no
 * .gitignore, expands no glob and parses no YAML configuration, and the command starts faster
 * for it. Each is a CommonJS package, so it can be required synchronously where it is needed.
 */
import { createRequire } from 'node:module';
import type ignoreFn from 'ignore';
import type picomatchFn from 'picomatch';
import type * as yamlModule from 'yaml';

const require = createRequire(import.meta.url);

/** gitignore rules (the `ignore` package). */
export const ignore: typeof ignoreFn = ((options?: ignoreFn.Options) =>
  (require('ignore') as typeof ignoreFn)(options)) as typeof ignoreFn;

/** The glob matcher (picomatch). */
export const picomatch = (): typeof picomatchFn => require('picomatch') as typeof picomatchFn;

/** YAML.parse. */
export const parseYaml = (text: string): unknown => (require('yaml') as typeof yamlModule).parse(text);
