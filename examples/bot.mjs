#!/usr/bin/env node
/**
 * The core of a pull-request bot, without shelling out: migrate every Dockerfile of a repository
 * as a dry run and print, for each one that would change, the markdown a pull request body takes.
 *
 *   npm run build
 *   node examples/bot.mjs path/to/repository      # prints markdown; writes nothing
 *
 * The repository's own configuration file (.dockerfile-migraterc, ...) and .gitignore apply, as
 * they do for the command. Pass { write: true } to migrateMany to write the changes instead.
 */
import { migrateMany, markdownReport, reportOf } from 'dockerfile-migrate';

const repository = process.argv[2] ?? '.';
let changed = 0;
for await (const result of migrateMany('.', { cwd: repository })) {
  // Each result as the command reports it: status migrated | unchanged | skipped | error, with a code.
  if (result.status !== 'migrated') {
    console.error(`${result.path}: ${result.status}${result.code ? ` (${result.code})` : ''}`);
    continue;
  }
  changed++;
  process.stdout.write(markdownReport([reportOf(result)]));
}
console.error(`${changed} Dockerfile(s) would change`);
