/**
 * Reports made from real manifests, in process (the renderers' unit tests) and through the CLI (the
 * end-to-end ones), plus the checks every format's tests share.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import YAML from 'yaml';
import { hardenText } from '../../src/core/engine.js';
import type { FileResult } from '../../src/core/engine.js';
import { decodeInput, parseStream } from '../../src/yaml/stream.js';
import { keyOffsetOf } from '../../src/yaml/locate.js';
import { hardenOptionsOf, messagesOf, resolveProfile } from '../../src/profiles/resolve.js';
import { loadProfileFile } from '../../src/io/profiles.js';
import { buildReport } from '../../src/report/build.js';
import type { Report } from '../../src/report/build.js';
import { summarizePss } from '../../src/report/pss-summary.js';
import { unifiedDiff } from '../../src/report/diff.js';
import { chainInfo } from '../../src/cli/reports.js';
import type { ViewReport } from '../../src/report/view.js';
import { listManifests, REPO_ROOT, SHARED } from '../helpers/harness.js';

export const CORPUS = path.join(SHARED, 'corpus/real');
export const corpusPresent = fs.existsSync(CORPUS);
/** Corpus projects whose every file is valid input (the CLI refuses a whole run over one bad file). */
export const CLEAN_PROJECTS = ['online-boutique', 'kube-prometheus', 'cert-manager', 'ingress-nginx', 'emojivoto', 'flannel'];

/**
 * Hardens files in process and builds the Report the CLI would build (restricted profile, chain
 * metadata, Pod Security levels, optionally diffs). Paths in the report are relative to `cwd`.
 */
export async function reportOf(files: string[], opts: { cwd: string; diffs?: boolean; profile?: string; nodeAgents?: 'keep' | 'harden' }): Promise<{ report: Report; results: FileResult[] }> {
  const profile = await resolveProfile(opts.profile ?? 'restricted', loadProfileFile);
  // The renderers are tested on fully hardened pods (a hostNetwork pod gives an error finding and every edit);
  // the node-agent rule has its own tests.
  const options = { ...hardenOptionsOf(profile), nodeAgents: opts.nodeAgents ?? ('harden' as const) };
  const results = files.map((f) => {
    const rel = path.relative(opts.cwd, f);
    return hardenText(rel, decodeInput(fs.readFileSync(f), rel), options);
  });
  const report = buildReport(results, { version: '0.0.0-test', profile: profile.name, pss: summarizePss, messages: messagesOf(profile), transforms: chainInfo(profile.chain), diff: opts.diffs ? unifiedDiff : undefined });
  return { report, results };
}

export const manifestsOf = (dirs: string[]) => dirs.flatMap((d) => listManifests(d));

/**
 * Adds `outputLine` to every edit as the engine is to record it: the line, in the file's hardened
 * text, of the key the edit's path names (or of its nearest existing parent, for a removal).
 * Until the engine records it, this is what lets the SARIF edit results be tested.
 */
export function withOutputLines(report: Report, results: FileResult[]): ViewReport {
  const byFile = new Map(results.map((r) => [r.file, r]));
  const streams = new Map<string, ReturnType<typeof parseStream>>();
  return {
    ...report,
    resources: report.resources.map((res) => ({
      ...res,
      edits: res.edits.map((e) => {
        const r = byFile.get(res.file)!;
        let stream = streams.get(r.file);
        if (!stream) streams.set(r.file, (stream = parseStream(r.output, r.file)));
        const doc = stream.documents[res.document];
        return { ...e, outputLine: stream.lineCol(keyOffsetOf(doc.doc, e.path)).line };
      }),
    })),
  };
}

/** JSON Pointer → unescaped segments. */
export const segmentsOf = (pointer: string) =>
  pointer
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));

/**
 * The check the lead runs on SARIF: the line a result names holds the key of its path's last
 * segment, or of the parent's. Returns the results that fail it, with the line's text.
 */
export function linesNotNaming(sarif: any, readText: (uri: string, uriBaseId?: string) => string): { result: any; path: string; line: string; uri: string; startLine: number }[] {
  const bad = [];
  for (const r of sarif.runs[0].results) {
    const loc = r.locations[0].physicalLocation;
    const text = readText(loc.artifactLocation.uri, loc.artifactLocation.uriBaseId);
    const line = text.split(/\r?\n/)[loc.region.startLine - 1] ?? '';
    const p: string = r.properties.path ?? '';
    // A finding about a whole document (not a Kubernetes object) names no key: it points at the document's start.
    if (p === '') continue;
    const segs = segmentsOf(p);
    const keys = [segs[segs.length - 1], segs[segs.length - 2]].filter((k): k is string => k !== undefined && !/^\d+$/.test(k));
    // A list item has no key: its line is the item's own (`- …`).
    const item = /^\d+$/.test(segs[segs.length - 1]) && /^\s*- /.test(line);
    if (!item && !keys.some((k) => line.includes(`${k}:`) || line.includes(`"${k}":`) || line.includes(`${k} :`))) bad.push({ result: r, path: p, line, uri: loc.artifactLocation.uri, startLine: loc.region.startLine });
  }
  return bad;
}

/**
 * How many trailing segments of `pointer` the document lacks (0: the path exists). Read from the
 * document's plain value, independently of how kharden finds lines.
 */
export function missingDepth(text: string, document: number, pointer: string): number {
  const segs = segmentsOf(pointer);
  let node: any = YAML.parseAllDocuments(text)[document]?.toJS();
  let found = 0;
  for (const seg of segs) {
    if (node === null || typeof node !== 'object' || !(seg in node)) break;
    node = node[seg];
    found++;
  }
  return segs.length - found;
}

/**
 * True when no line of the input can pass the "names its key or its parent's" check for `pointer`:
 * neither the key nor its parent's key is there (the parent is missing too, or is a list item,
 * which has no key of its own).
 */
export function noLineNames(text: string, document: number, pointer: string): boolean {
  const segs = segmentsOf(pointer);
  const missing = missingDepth(text, document, pointer);
  return missing >= 2 || (missing === 1 && /^\d+$/.test(segs[segs.length - 2] ?? ''));
}

const exec = promisify(execFile);
const VALIDATOR = path.join(REPO_ROOT, 'node_modules/@microsoft/sarif-multitool/bin.js');

export interface ValidatorFinding {
  level: 'error' | 'warning' | 'note';
  ruleId: string;
  message: string;
}

/**
 * Runs Microsoft's SARIF validator (`sarif-multitool validate`, the npm package's .NET binary) on a
 * log and returns what it found, read from its own SARIF output. The validator exits 0 even when
 * it finds errors, so its output log is the verdict.
 */
export async function validateSarif(file: string): Promise<ValidatorFinding[]> {
  const out = `${file}.validation.sarif`;
  // The binary's ICU lookup fails on machines without libicu; invariant globalization needs none.
  const env = { ...process.env, DOTNET_SYSTEM_GLOBALIZATION_INVARIANT: '1', DOTNET_CLI_TELEMETRY_OPTOUT: '1' };
  await exec(process.execPath, [VALIDATOR, 'validate', file, '--output', out, '--log', 'ForceOverwrite', '--quiet'], { env, timeout: 240_000 });
  const log = JSON.parse(fs.readFileSync(out, 'utf8'));
  const rules = new Map<string, any>((log.runs[0].tool.driver.rules ?? []).map((r: any) => [r.id, r]));
  return (log.runs[0].results ?? []).map((r: any) => {
    const rule = rules.get(r.ruleId);
    const template = rule?.messageStrings?.[r.message.id]?.text ?? r.message.text ?? r.message.id;
    const message = String(template).replace(/\{(\d+)\}/g, (_: string, i: string) => r.message.arguments?.[Number(i)] ?? '');
    return { level: r.level ?? rule?.defaultConfiguration?.level ?? 'warning', ruleId: r.ruleId, message };
  });
}
