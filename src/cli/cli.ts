#!/usr/bin/env node
/**
 * The dockerfile-migrate command's entry: V8's compile cache where Node.js has it (22.1 and later:
 * a run reuses the code an earlier run compiled), then the command (main.ts), whose modules are
 * all loaded after it is on. `--version` alone is answered here, as yargs answers it, without
 * loading the command.
 */
import module from 'node:module';

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-v')) {
  const { version } = await import('./version.js');
  process.stdout.write(version() + '\n');
} else {
  (module as { enableCompileCache?: () => unknown }).enableCompileCache?.();
  await import('./main.js');
}
