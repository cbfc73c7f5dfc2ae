/** Typed errors; only src/cli maps them to exit codes (2 for both). */

export interface SourcePosition {
  file: string;
  /** 0-based index of the document in the file's stream. */
  document?: number;
  line?: number;
  col?: number;
}

export function formatPosition(p: SourcePosition): string {
  let s = p.file;
  if (p.line !== undefined) s += `:${p.line}${p.col !== undefined ? `:${p.col}` : ''}`;
  if (p.document !== undefined) s += ` (document ${p.document})`;
  return s;
}

/** The input cannot be read as Kubernetes YAML. */
export class InputError extends Error {
  constructor(
    readonly position: SourcePosition,
    readonly detail: string,
  ) {
    super(`${formatPosition(position)}: ${detail}`);
  }
}

/** Wrong flags, unknown profile, bad profile contents. */
export class UsageError extends Error {}

/** A transform threw: a bug, reported with where it happened. */
export class TransformError extends Error {
  constructor(
    readonly transform: string,
    readonly position: SourcePosition,
    readonly cause: unknown,
  ) {
    super(`transform ${transform} failed on ${formatPosition(position)}: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}

/** Several inputs were refused in one run (each is named; nothing was written). */
export class InputErrors extends Error {
  constructor(readonly errors: InputError[]) {
    super(errors.map((e) => e.message).join('\n'));
  }
}
