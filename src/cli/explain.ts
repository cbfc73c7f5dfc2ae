/**
 * `kharden list` and `kharden explain ID`: what each transform does, from the transforms' own
 * metadata (summary, reason, docs, options schema, messages) and an example taken from their own
 * test fixtures, so a new transform shows up without touching the CLI.
 */
import type { Transform } from '../core/types.js';
import { ANNOTATIONS } from '../../transforms/data/annotations.js';

export interface TransformExample {
  /** The fixture case it comes from (test/transforms/<id>/<case>). */
  case: string;
  input: string;
  expected?: string;
  /** The resources the case adds (generated.yaml), for stream transforms that generate. */
  generated?: string;
  /** The finding codes the case expects (findings.yaml), for transforms that only report. */
  findings?: string;
}

export function renderList(transforms: Transform[], profiles: Record<string, string[]>): string {
  const width = Math.max(...transforms.map((t) => t.id.length));
  const lines = transforms.map((t) => {
    const inProfiles = Object.entries(profiles).filter(([, ids]) => ids.includes(t.id)).map(([name]) => name);
    return `${t.id.padEnd(width)}  ${t.summary}  [${t.scope}; ${inProfiles.length ? inProfiles.join(', ') : 'in no built-in profile'}]`;
  });
  return `${lines.join('\n')}\n\nkharden explain <id> prints a transform's reason, documentation, options and an example.\n`;
}

const indent = (text: string, pad = '    ') => text.replace(/\n$/, '').split('\n').map((l) => pad + l).join('\n');

export function renderExplain(t: Transform, example: TransformExample | undefined, profiles: Record<string, string[]>): string {
  const out: string[] = [];
  out.push(`${t.id} — ${t.summary}`, '', t.reason, '', `Kubernetes documentation: ${t.docs}`);
  out.push(`Scope: ${t.scope}${t.changesPrivileges ? ' (changes privileges: not run on node agents unless the profile says nodeAgents: harden)' : ''}`);
  const inProfiles = Object.entries(profiles).filter(([, ids]) => ids.includes(t.id)).map(([name]) => name);
  out.push(`Built-in profiles: ${inProfiles.join(', ') || 'none'}`);
  const options = Object.entries(t.options as Record<string, { type: string; description: string; default: unknown }>);
  out.push('', 'Options:');
  if (options.length === 0) out.push('  (none)');
  for (const [name, spec] of options) out.push(`  ${name} (${spec.type}, default ${JSON.stringify(spec.default)}): ${spec.description}`);
  const annotations = ANNOTATIONS.filter((a) => a.transform === t.id);
  if (annotations.length) {
    out.push('', 'Annotations:');
    for (const a of annotations) out.push(`  ${a.key}${a.perContainer ? '[.<container>]' : ''}: ${a.description}`);
  }
  const codes = Object.entries(t.messages);
  out.push('', 'Findings:');
  if (codes.length === 0) out.push('  (none)');
  for (const [code, m] of codes) out.push(`  ${code} (${m.severity}${m.pssCheck ? `, ${m.pssCheck}` : ''}): ${m.title}${m.help ? `. ${m.help}` : ''}`);
  out.push(`  Exempt a workload: kharden.dev/skip: ${t.id} (one container: kharden.dev/skip.<container>: ${t.id}), or an exclude rule in a profile or --exclude.`);
  if (example) {
    out.push('', `Example (test case ${example.case}):`, '  before:', indent(example.input));
    if (example.expected !== undefined) out.push('  after:', indent(example.expected));
    if (example.generated !== undefined) out.push('  generated:', indent(example.generated));
    if (example.findings !== undefined) out.push(`  findings: ${example.findings}`);
  }
  return out.join('\n') + '\n';
}
