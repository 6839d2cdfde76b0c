/**
 * What the container runs when it starts: one definition, from the stage's ENTRYPOINT and CMD, by
 * Docker's rule. Every model that asks what the image starts (the start path, the entry files, the
 * files the app reads, the user it runs as) reads it here.
 *
 * - No ENTRYPOINT: CMD runs (exec form: its words; shell form: its commands through `sh -c`).
 * - An exec-form ENTRYPOINT runs with CMD's words as its arguments (a shell-form CMD of one command
 *   gives its words; of several, `sh -c` and the text).
 * - A shell-form ENTRYPOINT runs alone: Docker ignores CMD.
 * - An exec-form ENTRYPOINT that runs a script of the image (`docker-entrypoint.sh`, `./entrypoint.sh`)
 *   passes CMD to it; such scripts end in `exec "$@"`, so CMD runs as a command of its own too.
 * A stage without CMD or ENTRYPOINT of its own inherits them from the stage it is built FROM (a new
 * ENTRYPOINT clears the CMD it inherits).
 */
import type { Instr, ParsedDockerfile, Stage } from '../../dockerfile/parse.js';
import { stageChain } from '../../dockerfile/query.js';
import { tokenizeShell } from '../../dockerfile/shell.js';
import { unwrap } from './command-line.js';

export interface StartCommand {
  entrypoint: Instr | null;
  cmd: Instr | null;
  /** The command lines the container runs, each as its words. */
  runs: string[][];
  /** ENTRYPOINT then CMD as written (their arguments), for messages. */
  text: string;
}

/** The simple commands of a CMD or ENTRYPOINT: one for the exec form, the shell form's commands. */
export function instructionCommands(doc: ParsedDockerfile, i: Instr): string[][] {
  if (i.json) return i.jsonArgs?.length ? [i.jsonArgs] : [];
  return tokenizeShell(doc.text, i.start + i.keyword.length, i.end, doc.escape).map((c) => c.words.map((w) => w.value));
}

/** Programs an ENTRYPOINT names that are not entrypoint scripts (they do not run CMD themselves). */
const PROGRAMS =
  /^(node|nodejs|npm|npx|yarn|pnpm|pnpx|bun|bunx|deno|sh|bash|ash|dash|zsh|pm2|pm2-runtime|tsx|ts-node|serve|nginx|python3?|java|caddy|httpd)$/;

/** Is the ENTRYPOINT's program an entrypoint script (a shell script of the image, which ends in `exec "$@"`)? */
function isEntrypointScript(words: readonly string[]): boolean {
  const w = unwrap(words, true).words;
  const first = w[0];
  if (!first) return false;
  const name = first.replace(/^.*\//, '');
  if (PROGRAMS.test(name)) return false;
  return /\.(sh|bash)$/.test(name) || first.includes('/') || /entrypoint/i.test(name);
}

/** What `stage` runs when the container starts. */
export function startCommand(doc: ParsedDockerfile, stage: Stage): StartCommand {
  let entrypoint: Instr | null = null;
  let cmd: Instr | null = null;
  let epDepth = -1;
  let cmdDepth = -1;
  stageChain(doc, stage).forEach((st, depth) => {
    for (const i of st.instructions) {
      if (i.keyword === 'ENTRYPOINT' && epDepth < 0) entrypoint = i;
      if (i.keyword === 'CMD' && cmdDepth < 0) cmd = i;
    }
    if (entrypoint && epDepth < 0) epDepth = depth;
    if (cmd && cmdDepth < 0) cmdDepth = depth;
  });
  const ep = entrypoint as Instr | null;
  // An ENTRYPOINT set in a later stage than the CMD clears it.
  const c = cmd as Instr | null;
  const effectiveCmd = c && ep && epDepth < cmdDepth ? null : c;
  const text = [ep, effectiveCmd]
    .filter((i): i is Instr => i !== null)
    .map((i) => (i.json ? (i.jsonArgs ?? []).join(' ') : i.content))
    .join(' ');
  const epCmds = ep ? instructionCommands(doc, ep) : [];
  const cmdCmds = effectiveCmd ? instructionCommands(doc, effectiveCmd) : [];
  let runs: string[][];
  if (!ep) runs = cmdCmds;
  else if (!ep.json) runs = epCmds;
  else if (!epCmds.length) runs = cmdCmds;
  else {
    const own = epCmds[0];
    const args = effectiveCmd
      ? effectiveCmd.json || cmdCmds.length <= 1
        ? (cmdCmds[0] ?? [])
        : ['sh', '-c', effectiveCmd.content.trim()]
      : [];
    runs = [[...own, ...args]];
    if (cmdCmds.length && isEntrypointScript(own)) runs.push(...cmdCmds);
  }
  return { entrypoint: ep, cmd: effectiveCmd, runs, text };
}
