/**
 * The context a transform edits its target through. Edits are planned against a working copy,
 * made on the first edit, so several `set`s under one missing parent combine into one `add`
 * (two separate `add /spec/securityContext {…}` would replace each other) and later calls see
 * earlier ones. The engine applies `edits` to the document and reports `findings`.
 */
import type { Json } from '../lib/json.js';
import { cloneJson } from '../lib/json.js';
import { parsePointer } from '../lib/pointer.js';
import { ensure, ensureAbsent, listAt } from './ensure.js';
import { applyPatchOperation } from './patch.js';
import type { Edit, EditContext, Finding, FindingInput, MessageSpec } from './types.js';

/** A transform reported a code it does not declare: a bug in the transform. */
export class UndeclaredCodeError extends Error {}

export class TargetEdits implements EditContext {
  readonly edits: Edit[] = [];
  readonly findings: Finding[] = [];
  private working: Json | undefined;

  constructor(
    private readonly root: Readonly<Json>,
    private readonly messages: Readonly<Record<string, MessageSpec>>,
    private readonly transformId: string,
  ) {}

  get current(): Readonly<Json> {
    return this.working ?? this.root;
  }

  private plan(edits: Edit[]): void {
    if (edits.length === 0) return;
    if (this.working === undefined) this.working = cloneJson(this.root as Json);
    for (const e of edits) {
      applyPatchOperation(this.working, e);
      this.edits.push(e);
    }
  }

  set(path: string, value: Json, reason: string): void {
    this.plan(ensure(this.current, path, value, reason));
  }

  remove(path: string, reason: string): void {
    this.plan(ensureAbsent(this.current, path, reason));
  }

  append(path: string, value: Json, reason: string): void {
    const list = listAt(this.current, path);
    const last = this.edits[this.edits.length - 1];
    if (list.length > 0 && last && last.path === path && last.op !== 'remove' && last.reason === reason && Array.isArray(last.value) && last.value.length === list.length) {
      // The list was just written by this context for the same reason: one edit adds it whole.
      applyPatchOperation(this.working!, { op: 'add', path: `${path}/${list.length}`, value });
      last.value.push(cloneJson(value));
      return;
    }
    if (list.length === 0) this.set(path, [value], reason);
    // An explicit index, not `-`: the report names the item that was added.
    else this.plan([{ op: 'add', path: `${path}/${list.length}`, value, reason }]);
  }

  patch(edit: Edit): void {
    parsePointer(edit.path);
    this.plan([edit]);
  }

  report(f: FindingInput): void {
    const spec = this.messages[f.code];
    if (!spec) throw new UndeclaredCodeError(`${this.transformId} reported the code "${f.code}", which it does not declare in its messages`);
    if (f.path !== undefined && f.path !== '') parsePointer(f.path);
    this.findings.push({
      code: f.code,
      severity: f.severity ?? spec.severity,
      message: f.message,
      ...(f.path !== undefined ? { path: f.path } : {}),
      ...(f.pssCheck ?? spec.pssCheck ? { pssCheck: f.pssCheck ?? spec.pssCheck } : {}),
    });
  }
}
