/**
 * What defineTransform must refuse to compile: a code a transform does not declare. Compiled by
 * test/types.test.ts (test/types/tsconfig.json, as `tsc -p test/types/tsconfig.json` would): every
 * line after a `@ts-expect-error` must fail to compile and everything else must compile; then, with
 * the directives taken out, the errors must be on exactly those lines and name the code in double
 * quotes in the directive, so each one fails for its undeclared code and for nothing else.
 */
import { go, holdBack, NOTHING_TO_DO, stop, stopped, type Step } from '../../src/engine/findings.js';
import type { ChangeCode, Finding, HoldCode, TransformDocs, TransformResult } from '../../src/engine/types.js';
import { defineTransform, type Transform } from '../../src/model/image/model.js';
import type { SystemInstallPlan } from '../../src/model/image/system-packages.js';
import { cacheOrder } from '../../transforms/cache-order.js';
import { dockerignoreTransform } from '../../transforms/dockerignore.js';
import { nodeEnv } from '../../transforms/node-env.js';
import { nonRoot } from '../../transforms/non-root.js';
import { npmCi } from '../../transforms/npm-ci.js';
import { productionDeps } from '../../transforms/production-deps.js';
import { runtimeBase } from '../../transforms/runtime-base.js';
import { selectiveCopy } from '../../transforms/selective-copy.js';
import { splitStages } from '../../transforms/split-stages.js';
import { startProd } from '../../transforms/start-prod.js';

const docs = {
  what: 'adds a line to the Dockerfile, for the type tests',
  why: 'so that what compiles and what does not can be shown',
  changes: { added: 'a line added' },
  holdsBack: { 'no-context': 'nothing added: the build context is unknown' },
} satisfies TransformDocs;
type Changed = ChangeCode<typeof docs>;
type Held = HoldCode<typeof docs>;

// The declared codes compile: a change, a warning, a hold-back.
export const declared = defineTransform({
  id: 'declared',
  summary: 'reports the codes it declares',
  docs,
  apply({ doc, facts }) {
    if (!facts.files) return holdBack('no-context', 'nothing added: the build context is unknown');
    return {
      edits: [{ start: doc.text.length, end: doc.text.length, text: 'LABEL a=b\n' }],
      changes: [{ code: 'added', message: 'a line added' }],
      warnings: [{ code: 'no-context', message: 'a warning' }],
    };
  },
});

export const undeclaredChange = defineTransform({
  id: 'undeclared-change',
  summary: 'a change whose code docs.changes does not declare',
  docs,
  // @ts-expect-error the change code "renamed" is not a key of docs.changes
  apply() {
    return { edits: [], changes: [{ code: 'renamed', message: 'renamed' }] };
  },
});

export const undeclaredWarning = defineTransform({
  id: 'undeclared-warning',
  summary: 'a warning whose code docs.holdsBack does not declare',
  docs,
  // @ts-expect-error the warning code "no-lockfile" is not a key of docs.holdsBack
  apply() {
    return { edits: [], changes: [], warnings: [{ code: 'no-lockfile', message: 'kept' }] };
  },
});

export const holdBackAsChange = defineTransform({
  id: 'hold-back-as-change',
  summary: 'a hold-back code reported as a change',
  docs,
  // @ts-expect-error "no-context" is a hold-back code, not a change code
  apply() {
    return { edits: [], changes: [{ code: 'no-context', message: 'changed' }] };
  },
});

export const undeclaredHoldBack = defineTransform({
  id: 'undeclared-hold-back',
  summary: 'holdBack() with a code docs.holdsBack does not declare',
  docs,
  // @ts-expect-error holdBack keeps the literal "base-unknown", which docs.holdsBack does not declare
  apply() {
    return holdBack('base-unknown', 'no USER added');
  },
});

// A transform's own steps and helpers carry its codes: the check reaches every place a finding is made.

/** A check step: it may stop with a declared code only. */
export function check(known: boolean): Step<{ known: true }, Held> {
  if (known) return go({ known: true });
  // @ts-expect-error stop keeps the literal "no-workdir", which is not one of Held
  if (Math.random() > 0.5) return stop('no-workdir', 'not split');
  return stop('no-context', 'nothing added: the build context is unknown');
}

/** A code of type string could be any code: it does not pass for a declared one. */
export function widened(code: string): Step<{ known: true }, Held> {
  if (!code) return NOTHING_TO_DO;
  // @ts-expect-error a code of type string is not one of Held
  return stop(code, 'held back');
}

/** An emit step: its finding arrays take declared codes only. */
export function emit(): TransformResult<Changed, Held> {
  const changes: Finding<Changed>[] = [{ code: 'added', message: 'a line added' }];
  const warnings: Finding<Held>[] = [];
  // @ts-expect-error the change code "moved" is not one of Changed
  changes.push({ code: 'moved', message: 'moved' });
  // @ts-expect-error the warning code "kept-unknown" is not one of Held
  warnings.push({ code: 'kept-unknown', message: 'kept' });
  return { edits: [], changes, warnings };
}

/** What a step stopped with goes through `stopped` with its code: still checked against the docs. */
export const stoppedByAStep = defineTransform({
  id: 'stopped-by-a-step',
  summary: 'a step that stops with a code the transform does not declare',
  docs,
  // @ts-expect-error the step stops with "install-unreadable", which docs.holdsBack does not declare
  apply() {
    const checked = stop('install-unreadable', 'not split');
    return stopped(checked);
  },
});

/** The system install plan's findings (system-packages.ts) carry their codes: a transform reporting them must declare them. */
export const systemPackagesUndeclared = defineTransform({
  id: 'system-packages-undeclared',
  summary: "the system install plan's changes in a transform that does not declare their codes",
  docs,
  // @ts-expect-error the plan's change codes ("system-packages-split", ...) are not keys of docs.changes
  apply() {
    const plan: SystemInstallPlan = { role: 'build', changes: [], warnings: [] };
    return { edits: [], changes: plan.changes };
  },
});

// Every transform of the tool is defined with literal code unions, not `string` (which would let any code through).

/** True when a transform's change and hold-back codes are literal unions. */
type Typed<T> = T extends Transform<infer C, infer H> ? (string extends C ? false : string extends H ? false : true) : false;

export const typed: [
  Typed<typeof cacheOrder>,
  Typed<typeof npmCi>,
  Typed<typeof startProd>,
  Typed<typeof splitStages>,
  Typed<typeof selectiveCopy>,
  Typed<typeof runtimeBase>,
  Typed<typeof productionDeps>,
  Typed<typeof nonRoot>,
  Typed<typeof nodeEnv>,
  Typed<typeof dockerignoreTransform>,
] = [true, true, true, true, true, true, true, true, true, true];

// Docs typed as plain TransformDocs widen the codes to string: Typed tells such a transform apart.
const wideDocs: TransformDocs = docs;
export const untyped = defineTransform({
  id: 'untyped',
  summary: 'docs widened to string codes',
  docs: wideDocs,
  apply() {
    return { edits: [], changes: [{ code: 'anything', message: 'any code compiles here' }] };
  },
});
export const untypedIsTold: Typed<typeof untyped> = false;
