/**
 * The one way to define a transform: its docs declare every code it reports, and `apply` may return
 * no other. The code unions are inferred from the keys of `docs.changes` and `docs.holdsBack` alone
 * (`NoInfer` keeps what `apply` returns from widening them), so a change whose code `docs.changes`
 * does not declare, or a warning whose code `docs.holdsBack` does not declare, is a compile error.
 */
import type { Transform, TransformContext, TransformDocs, TransformResult } from './types.js';

/** What a transform is defined with: `apply` returns findings of the codes `docs` declares only. */
export interface TransformDefinition<C extends object, Changed extends string, Held extends string> {
  id: string;
  summary: string;
  docs: TransformDocs<Changed, Held>;
  apply(ctx: TransformContext<C>): TransformResult<NoInfer<Changed>, NoInfer<Held>> | null;
}

/** `defineTransform` for the context `C`: what the migration binds to its own context. */
export type DefineTransform<C extends object> = <Changed extends string = never, Held extends string = never>(
  definition: TransformDefinition<C, Changed, Held>,
) => Transform<C, Changed, Held>;

/** A transform over the context `C`, checked against its own docs (see above); it is the definition itself. */
export function defineTransform<C extends object, Changed extends string = never, Held extends string = never>(
  definition: TransformDefinition<C, Changed, Held>,
): Transform<C, Changed, Held> {
  return definition;
}
