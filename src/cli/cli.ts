#!/usr/bin/env node
/**
 * The dockerfile-migrate command's entry: V8's compile cache where Node.js has it (22.1 and later:
 * a run reuses the code an earlier run compiled), then the command (main.ts), whose modules are
 * all loaded after it is on.
 */
import module from 'node:module';

(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();
await import('./main.js');
