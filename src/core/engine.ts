/**
 * The engine: parse a stream, run the transform chain over every resource, apply the edits to
 * the plain value, then write the net change back into the source text (src/yaml/write.ts).
 * Every applied edit is recorded with where it happened and what it replaced; the report is
 * built from those records alone.
 */
import { parseAllDocuments } from 'yaml';
import type { Document } from 'yaml';
import type { Edit, Finding, Json, JsonObject, Scope, Target, Transform } from './types.js';
import { applyPatchOperation, cloneJson, deepEqual, PatchError } from './patch.js';
import { InputError, TransformError } from './errors.js';
import { InvalidShapeError, isPlainObject } from './ensure.js';
import { containersOf, findShapeProblem, podTemplatePaths, resourcesOf } from './resources.js';
import type { PodTemplateLocation } from './resources.js';
import { documentValue, PARSE_OPTIONS, readStream } from '../yaml/stream.js';
import type { ParsedStream, SourceDocument } from '../yaml/stream.js';

type StreamInfo = Omit<ParsedStream, 'documents'>;
import { applySplices, detectStyle, diffToSplices, UnsupportedEditError } from '../yaml/write.js';
import { keyOffsetOf, offsetOf } from '../yaml/locate.js';
import { describeType } from './ensure.js';

/** One link of the chain, with its options already merged over the transform's defaults. */
export interface ChainLink {
  id: string;
  transform: Transform<any>;
  options: Record<string, unknown>;
}

export interface HardenOptions {
  chain: ChainLink[];
  podTemplateLocations: readonly PodTemplateLocation[];
  /**
   * Give transforms deep-frozen copies, so a transform that mutates its input fails loudly.
   * The test suites turn it on; a run leaves it off because transforms only read (their
   * contract) and a copy per transform per resource costs a tenth of the run.
   */
  freezeTargets?: boolean;
}

export interface ResourceInfo {
  apiVersion: string;
  kind: string;
  name?: string;
  namespace?: string;
  /** Pointer of the resource inside its document ('' unless inside a List). */
  path: string;
}

/** An edit as the engine applied it. */
export interface AppliedEdit {
  transform: string;
  file: string;
  document: number;
  resource: ResourceInfo;
  op: Edit['op'];
  /** Absolute JSON Pointer in the document. */
  path: string;
  previous?: Json;
  value?: Json;
  reason: string;
  /** 1-based line in the input of the edited key (a list item: its start), or of its nearest existing parent's (src/yaml/locate.ts keyOffsetOf). */
  line: number;
}

export interface ReportedFinding extends Finding {
  transform: string;
  file: string;
  document: number;
  resource?: ResourceInfo;
  line?: number;
}

export interface FileResult {
  file: string;
  input: string;
  output: string;
  changed: boolean;
  documents: number;
  edits: AppliedEdit[];
  findings: ReportedFinding[];
  /** Resources that carry pod templates, with their value before and after (for PSS levels). */
  workloads: WorkloadRecord[];
}

export interface WorkloadRecord {
  file: string;
  document: number;
  resource: ResourceInfo;
  templatePath: string;
  before: JsonObject;
  after: JsonObject;
  edited: boolean;
  exemptions: string[];
}

export const ANNOTATION_PREFIX = 'kharden.dev/';
/** `kharden.dev/skip: "id,id"` (whole workload) and `kharden.dev/skip.<container>: "id,id"`; `all` skips every transform. */
export const SKIP_ANNOTATION = `${ANNOTATION_PREFIX}skip`;

function freeze<T>(v: T): T {
  if (v && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const k of Object.keys(v)) freeze((v as any)[k]);
  }
  return v;
}

interface Skips {
  workload: Set<string>;
  containers: Map<string, Set<string>>;
  /** Annotation keys that were used, to warn about ones that suppressed nothing. */
  used: Set<string>;
  sources: Map<string, string>;
}

function readSkips(resource: JsonObject, template: JsonObject | undefined): Skips {
  const skips: Skips = { workload: new Set(), containers: new Map(), used: new Set(), sources: new Map() };
  for (const obj of [resource, template]) {
    const ann = isPlainObject(obj?.metadata) && isPlainObject(obj!.metadata.annotations) ? obj!.metadata.annotations : {};
    for (const [key, raw] of Object.entries(ann)) {
      if (!key.startsWith(SKIP_ANNOTATION) || typeof raw !== 'string') continue;
      const ids = raw.split(',').map((s) => s.trim()).filter(Boolean);
      if (key === SKIP_ANNOTATION) ids.forEach((id) => (skips.workload.add(id), skips.sources.set(`*:${id}`, key)));
      else if (key.startsWith(SKIP_ANNOTATION + '.')) {
        const name = key.slice(SKIP_ANNOTATION.length + 1);
        const set = skips.containers.get(name) ?? new Set<string>();
        ids.forEach((id) => (set.add(id), skips.sources.set(`${name}:${id}`, key)));
        skips.containers.set(name, set);
      }
    }
  }
  return skips;
}

function skipFor(skips: Skips, id: string, container?: string): string | undefined {
  for (const probe of [id, 'all']) {
    if (skips.workload.has(probe)) return skips.sources.get(`*:${probe}`);
    if (container !== undefined && skips.containers.get(container)?.has(probe)) return skips.sources.get(`${container}:${probe}`);
  }
  return undefined;
}

/** Hardens one file's text. Throws InputError for bad input and TransformError for transform bugs. */
export function hardenText(file: string, text: string, options: HardenOptions): FileResult {
  const stream = readStream(text, file);
  const edits: AppliedEdit[] = [];
  const findings: ReportedFinding[] = [];
  const workloads: WorkloadRecord[] = [];
  const slices: string[] = [];
  let changed = false;
  let documents = 0;
  // One document at a time: its syntax tree is garbage once its slice is written.
  for (const sd of stream.documents()) {
    documents++;
    const result = hardenDocument(stream, sd, options, edits, findings, workloads);
    if (result === undefined) slices.push(text.slice(sd.start, sd.end));
    else {
      slices.push(result);
      changed = true;
    }
  }
  const output = changed ? slices.join('') : text;
  return { file, input: text, output, changed: output !== text, documents, edits, findings, workloads };
}

function hardenDocument(
  stream: StreamInfo,
  sd: SourceDocument,
  options: HardenOptions,
  edits: AppliedEdit[],
  findings: ReportedFinding[],
  workloads: WorkloadRecord[],
): string | undefined {
  const file = stream.file;
  const original = sd.value;
  if (original === null || original === undefined) return undefined;
  const resources = resourcesOf(original);
  if (resources.length === 0) {
    findings.push({
      transform: 'kharden',
      file,
      document: sd.index,
      line: stream.lineCol(sd.doc.range[0]).line,
      code: 'notKubernetesObject',
      severity: 'warning',
      message: isPlainObject(original)
        ? 'document has no apiVersion/kind: not a Kubernetes object, passed through unchanged'
        : `document is ${describeType(original)}, not a Kubernetes object: passed through unchanged`,
    });
    return undefined;
  }
  const working = cloneJson(original) as JsonObject;
  const lineOfPath = (path: string) => stream.lineCol(keyOffsetOf(sd.doc, path)).line;
  const docEdits: AppliedEdit[] = [];

  const resourcePlans = resources.map((r) => {
    const templates = podTemplatePaths(r, options.podTemplateLocations);
    for (const t of templates) {
      const tv = t === '' ? r.value : getPath(r.value, t);
      if (tv === undefined || tv === null) continue;
      const problem = findShapeProblem(tv);
      if (problem) {
        const abs = r.path + t + problem.path;
        const pos = stream.lineCol(offsetOf(sd.doc, abs));
        throw new InputError({ file, document: sd.index, ...pos }, `${abs} must be ${problem.expected}, found ${describeType(problem.actual)}`);
      }
    }
    return { entry: r, templates };
  });

  // A frozen copy of each resource for transforms to read, remade only after edits changed it.
  const snapshots = new Map<string, JsonObject>();
  for (const link of options.chain) {
    for (const plan of resourcePlans) {
      const r = plan.entry;
      if (link.transform.scope !== 'resource' && plan.templates.length === 0) continue;
      const info: ResourceInfo = { apiVersion: r.apiVersion, kind: r.kind, name: r.name, namespace: r.namespace, path: r.path };
      let snapshot = snapshots.get(r.path);
      if (!snapshot) {
        const current = r.path === '' ? working : (getPath(working, r.path) as JsonObject);
        snapshot = options.freezeTargets ? freeze(cloneJson(current)) : current;
        snapshots.set(r.path, snapshot);
      }
      const targets = targetsFor(link.transform.scope, snapshot, plan.templates);
      for (const target of targets) {
        const template = target.templatePath !== undefined ? (target.template as JsonObject) : undefined;
        const skips = readSkips(snapshot, template);
        const wholeSkip = skipFor(skips, link.id, target.scope === 'container' ? (target.container?.name as string) : undefined);
        if (wholeSkip) {
          findings.push({ transform: link.id, file, document: sd.index, resource: info, code: 'skippedByAnnotation', severity: 'info', message: `${link.id} skipped by annotation ${wholeSkip}`, path: r.path + target.path, line: lineOfPath(r.path + target.path) });
          continue;
        }
        const skippedContainers = template ? containersOf(template).filter((c) => skipFor(skips, link.id, c.name)).map((c) => c.name) : [];
        if (skippedContainers.length) target.skippedContainers = skippedContainers;
        let result;
        try {
          result = link.transform.run(target, link.options);
        } catch (e) {
          if (e instanceof InvalidShapeError) {
            const abs = r.path + target.path + e.path;
            throw new InputError({ file, document: sd.index, ...stream.lineCol(offsetOf(sd.doc, abs)) }, `${abs} must be ${e.expected}, found ${describeType(e.actual)}`);
          }
          throw new TransformError(link.id, { file, document: sd.index, ...stream.lineCol(offsetOf(sd.doc, r.path + target.path)) }, e);
        }
        for (const f of result.findings) {
          // A skipped container gets no findings from the transform it opted out of.
          if (skippedContainers.length && skippedContainers.includes(containerNameAt(target, f.path ?? '') ?? '\u0000')) continue;
          const abs = r.path + target.path + (f.path ?? '');
          findings.push({ ...f, path: abs, transform: link.id, file, document: sd.index, resource: info, line: lineOfPath(abs) });
        }
        for (const edit of result.edits) {
          if (!edit.path.startsWith('/') && edit.path !== '') throw new TransformError(link.id, { file, document: sd.index }, new Error(`edit path ${JSON.stringify(edit.path)} is not a JSON Pointer`));
          const abs = r.path + target.path + edit.path;
          const containerName = containerNameAt(target, edit.path);
          const skipped = skipFor(skips, link.id, containerName);
          if (skipped) {
            findings.push({ transform: link.id, file, document: sd.index, resource: info, code: 'skippedByAnnotation', severity: 'info', message: `not applied (${edit.op} ${abs}) because of annotation ${skipped}: ${edit.reason}`, path: abs, line: lineOfPath(abs) });
            continue;
          }
          let outcome;
          try {
            outcome = applyPatchOperation(working, { op: edit.op, path: abs, value: edit.value });
          } catch (e) {
            if (e instanceof PatchError) throw new TransformError(link.id, { file, document: sd.index, line: lineOfPath(abs) }, e);
            throw e;
          }
          if (!outcome.changed) continue;
          snapshots.delete(r.path);
          docEdits.push({ transform: link.id, file, document: sd.index, resource: info, op: edit.op, path: abs, previous: outcome.previous, value: edit.op === 'remove' ? undefined : edit.value, reason: edit.reason, line: lineOfPath(abs) });
        }
      }
    }
  }

  for (const plan of resourcePlans) {
    const r = plan.entry;
    for (const t of plan.templates) {
      const before = getPath(original, r.path + t);
      if (!isPlainObject(before)) continue;
      const after = getPath(working, r.path + t) as JsonObject;
      const skips = readSkips(r.value, before as JsonObject);
      workloads.push({
        file,
        document: sd.index,
        resource: { apiVersion: r.apiVersion, kind: r.kind, name: r.name, namespace: r.namespace, path: r.path },
        templatePath: r.path + t,
        before: before as JsonObject,
        after,
        edited: !deepEqual(before, after),
        exemptions: [...skips.sources.values()],
      });
    }
  }

  edits.push(...docEdits);
  if (deepEqual(original, working)) return undefined;
  return writeDocument(stream, sd, working, findings);
}

function writeDocument(stream: StreamInfo, sd: SourceDocument, working: JsonObject, findings: ReportedFinding[]): string {
  const file = stream.file;
  const style = detectStyle(stream.text, sd.doc, stream.eol);
  let splices;
  try {
    const out = diffToSplices(stream.text, sd.doc, sd.value, working, style);
    splices = out.splices;
    for (const n of out.notes) findings.push({ transform: 'kharden', file, document: sd.index, code: 'aliasExpanded', severity: 'warning', message: n.message, path: n.path, line: stream.lineCol(keyOffsetOf(sd.doc, n.path)).line });
  } catch (e) {
    if (e instanceof UnsupportedEditError) throw new InputError({ file, document: sd.index, ...stream.lineCol(sd.doc.range[0]) }, `cannot apply the edits without reformatting: ${e.message}`);
    throw e;
  }
  const slice = stream.text.slice(sd.start, sd.end);
  const next = applySplices(slice, splices, sd.start);
  // Safety net: the written text must read back as exactly the edited value.
  const check = parseAllDocuments(next, PARSE_OPTIONS);
  const docs = Array.isArray(check) ? check : [];
  const ok = docs.length === 1 && docs[0].errors.length === 0 && readsBackAs(docs[0], working);
  if (!ok) {
    if (process.env.KHARDEN_DEBUG) process.stderr.write(`--- written text ---\n${next}\n--- end ---\n`);
    throw new Error(`internal error: the edited text of ${file} document ${sd.index} does not read back as the edited value; nothing was written (please report this with the input)`);
  }
  return next;
}

function readsBackAs(doc: Document.Parsed, expected: JsonObject): boolean {
  try {
    const read = documentValue(doc);
    return 'value' in read && deepEqual(read.value, expected);
  } catch {
    return false;
  }
}

function targetsFor(scope: Scope, resource: JsonObject, templates: string[]): Target[] {
  if (scope === 'resource') return [{ scope, resource, path: '' }];
  const out: Target[] = [];
  for (const t of templates) {
    const template = t === '' ? resource : getPath(resource, t);
    if (!isPlainObject(template)) continue;
    if (scope === 'podTemplate') {
      out.push({ scope, resource, path: t, template, templatePath: t });
      continue;
    }
    for (const c of containersOf(template)) {
      out.push({ scope, resource, path: t + c.path, template, templatePath: t, container: c.container, containerList: c.list, containerIndex: c.index });
    }
  }
  return out;
}

/** The name of the container an edit lands in, when it lands in one. */
function containerNameAt(target: Target, editPath: string): string | undefined {
  if (target.scope === 'container') return typeof target.container?.name === 'string' ? target.container.name : undefined;
  if (target.scope !== 'podTemplate') return undefined;
  const m = /^\/spec\/(containers|initContainers|ephemeralContainers)\/(\d+)/.exec(editPath);
  if (!m) return undefined;
  const c = (target.template as any)?.spec?.[m[1]]?.[Number(m[2])];
  return typeof c?.name === 'string' ? c.name : undefined;
}

function getPath(root: unknown, pointer: string): unknown {
  if (pointer === '') return root;
  let node: any = root;
  for (const seg of pointer.slice(1).split('/')) {
    const key = seg.replace(/~1/g, '/').replace(/~0/g, '~');
    if (node === null || typeof node !== 'object') return undefined;
    node = node[key];
  }
  return node;
}
