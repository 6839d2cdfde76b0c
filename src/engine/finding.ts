/**
 * What transforms report, as plain data: a leaf module (it imports nothing), so every layer can
 * speak of findings without depending on the engine or the models.
 */

/**
 * A stable reason code (kebab-case, unique within the transform, the key users and batch reports
 * group by), one line a reviewer understands, and the 1-based line in the input of that
 * transform's pass when it applies to one. `K` is the codes it may carry: a transform's findings
 * carry the codes its docs declare (`defineTransform`), so an undeclared one does not compile.
 */
export interface Finding<K extends string = string> {
  code: K;
  message: string;
  line?: number;
}

/** A change made, stamped by the engine with the transform that made it. */
export interface Change extends Finding {
  transform: string;
}

/** Something left as it was, and why; stamped with the transform (or `context`, `discover`, ...). */
export interface Warning extends Finding {
  transform: string;
}
