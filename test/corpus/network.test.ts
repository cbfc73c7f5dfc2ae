/**
 * Namespaces and network policies over ../shared/corpus/real: each project is hardened as ONE run
 * of the real CLI (`-o DIR`, restricted profile), so the stream transforms see every resource of
 * the project at once, as a user's `kharden -o out/ project/` would. Then, from the written text:
 * - every generated NetworkPolicy is a valid networking.k8s.io/v1 object (the API server's rules);
 * - every Namespace carries the Pod Security labels (enforce, audit, warn, each with a version);
 * - every namespace with workloads or a Namespace object isolates every pod for ingress and
 *   egress, and its pods may reach cluster DNS;
 * - every Service target port is allowed by an ingress rule that selects the Service's pods;
 * - hardening the output again (with kharden-generated.yaml) generates and changes nothing.
 * The project's files that are not valid YAML (INVALID) are left out: a run refuses them all.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { SHARED } from '../helpers/harness.js';
import { INVALID } from '../helpers/corpus.js';
import { networkPolicyProblems } from '../helpers/network-policy.js';
import { assertBuilt, kharden } from '../cli/spawn.js';
import { policyTypes, selectorMatches, selectsEveryPod } from '../../transforms/add-default-deny-network-policies.js';
import { GENERATED_FILE } from '../../src/cli/main.js';

const ROOT = path.join(SHARED, 'corpus/real');
const present = fs.existsSync(ROOT);
if (!present) console.warn(`skipping the namespace and network-policy corpus check: ${ROOT} is absent (../shared is not beside the project)`);
const projects = present ? fs.readdirSync(ROOT).filter((d) => fs.statSync(path.join(ROOT, d)).isDirectory()).sort() : [];

type Obj = Record<string, any>;
interface Resource {
  value: Obj;
  file: string;
}

const POD_TEMPLATES: Record<string, string[]> = {
  Pod: [],
  ReplicationController: ['spec', 'template'],
  Deployment: ['spec', 'template'],
  StatefulSet: ['spec', 'template'],
  DaemonSet: ['spec', 'template'],
  ReplicaSet: ['spec', 'template'],
  Job: ['spec', 'template'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template'],
};
const isSystem = (ns: string) => ns.startsWith('kube-');
const nsOf = (r: Obj) => (typeof r.metadata?.namespace === 'string' ? r.metadata.namespace : '');
const groupOf = (r: Obj) => (r.apiVersion.includes('/') ? r.apiVersion.split('/')[0] : '');

/** The pod template of a built-in workload (what the transforms see with the built-in locations). */
function templateOf(r: Obj): Obj | undefined {
  const at = POD_TEMPLATES[r.kind];
  if (!at || !['', 'apps', 'batch', 'extensions'].includes(groupOf(r))) return undefined;
  if (r.kind === 'Pod' && r.apiVersion !== 'v1') return undefined;
  const t = at.reduce<any>((o, k) => o?.[k], r);
  return t && typeof t === 'object' ? t : undefined;
}

async function readResources(dir: string): Promise<Resource[]> {
  const out: Resource[] = [];
  const walk = (d: string): string[] => fs.readdirSync(d).sort().flatMap((n) => (fs.statSync(path.join(d, n)).isDirectory() ? walk(path.join(d, n)) : [path.join(d, n)]));
  for (const file of walk(dir)) {
    if (!/\.(ya?ml|json)$/i.test(file)) continue;
    for (const doc of parseAllDocuments(fs.readFileSync(file, 'utf8'), { version: '1.1' } as any) as any[]) {
      const v = doc.toJS();
      const items = v && typeof v === 'object' && typeof v.kind === 'string' && v.kind.endsWith('List') && Array.isArray(v.items) ? v.items : [v];
      for (const item of items) if (item && typeof item === 'object' && typeof item.apiVersion === 'string' && typeof item.kind === 'string') out.push({ value: item, file });
    }
    // Parsing a large project takes a while: let the worker breathe between files.
    await new Promise((r) => setImmediate(r));
  }
  return out;
}

/** Whether an ingress rule admits traffic to `port` (a number or name, with its protocol) on a pod with these containers. */
function ruleAllowsPort(rule: Obj, target: number | string, protocol: string, containers: Obj[]): boolean {
  if (!Array.isArray(rule.ports) || rule.ports.length === 0) return true;
  const named = new Map<string, number>();
  for (const c of containers) for (const p of c.ports ?? []) if (typeof p.name === 'string') named.set(p.name, p.containerPort);
  const asNumber = typeof target === 'number' ? target : named.get(target);
  return rule.ports.some((p: Obj) => {
    if ((p.protocol ?? 'TCP') !== protocol) return false;
    if (p.port === undefined) return true;
    if (p.port === target) return true;
    const ruleNumber = typeof p.port === 'number' ? p.port : named.get(p.port);
    if (asNumber === undefined || ruleNumber === undefined) return false;
    return typeof p.endPort === 'number' ? asNumber >= ruleNumber && asNumber <= p.endPort : asNumber === ruleNumber;
  });
}

/** Whether some egress rule of these policies lets a pod send to UDP port 53. */
function egressAllowsDns(policies: Obj[]): boolean {
  return policies.some((p) => (p.spec?.egress ?? []).some((rule: Obj) => ruleAllowsPort(rule, 53, 'UDP', [])));
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'kharden-network-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

describe.skipIf(!present)('namespaces and network policies: each real project as one CLI run', () => {
  test('the NetworkPolicy validator refuses what the API server refuses', () => {
    const np = (spec: Obj, name = 'p') => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name }, spec });
    expect(networkPolicyProblems(np({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] }))).toEqual([]);
    expect(networkPolicyProblems(np({ policyTypes: ['Ingress'] }))).toEqual(['spec.podSelector is required']);
    expect(networkPolicyProblems(np({ podSelector: {}, policyTypes: ['ingress'] }))).toEqual(['spec.policyTypes: "ingress" is not Ingress or Egress']);
    expect(networkPolicyProblems(np({ podSelector: {} }, 'Bad_Name'))).toEqual(['metadata.name "Bad_Name" is not a DNS-1123 subdomain']);
    expect(networkPolicyProblems(np({ podSelector: {}, ingress: [{ ports: [{ protocol: 'tcp', port: 0 }] }] }))).toEqual(['spec.ingress[0].ports[0].protocol "tcp" is not TCP, UDP or SCTP', 'spec.ingress[0].ports[0].port 0 is not 1-65535']);
    expect(networkPolicyProblems(np({ podSelector: {}, ingress: [{ ports: [{ port: 'http-metrics-port' }, { port: '8080' }] }] }))).toEqual(['spec.ingress[0].ports[0].port "http-metrics-port" is not a valid port name', 'spec.ingress[0].ports[1].port "8080" is not a valid port name']);
    expect(networkPolicyProblems(np({ podSelector: { matchLabels: { app: 'a b' } }, egress: [{ to: [{}] }] }))).toEqual(['spec.podSelector.matchLabels.app: "a b" is not a label value', 'spec.egress[0].to[0] must set podSelector, namespaceSelector or ipBlock']);
  });

  test.each(projects)('%s', async (project) => {
    assertBuilt();
    const src = path.join(work, project, 'in');
    const invalid = new Set(Object.keys(INVALID).filter((f) => f.startsWith(`${project}/`)).map((f) => path.join(ROOT, f)));
    fs.cpSync(path.join(ROOT, project), src, { recursive: true, filter: (f) => !invalid.has(f) });
    const out = path.join(work, project, 'out');
    const report = path.join(work, project, 'report.json');
    const first = await kharden(['-q', '--report', report, '-o', out, src], { cwd: work, timeoutMs: 300_000 });
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const findings = JSON.parse(fs.readFileSync(report, 'utf8'));
    /** `code kind namespace/name` of every finding the run reported about a resource. */
    const reported = new Set<string>([
      ...findings.resources.flatMap((r: Obj) => r.findings.map((f: Obj) => `${f.code} ${r.kind} ${r.namespace ?? ''}/${r.name}`)),
      ...findings.findings.filter((f: Obj) => f.resource).map((f: Obj) => `${f.code} ${f.resource.kind} ${f.resource.namespace ?? ''}/${f.resource.name}`),
    ]);
    // Kustomize patch files pass through untouched: they are not resources of the run.
    const patches = new Set<string>(findings.findings.filter((f: Obj) => f.code === 'kustomizePatch').map((f: Obj) => path.join(out, path.relative(src, f.file))));
    const resources = (await readResources(out)).filter((r) => !patches.has(r.file));
    const generatedFile = path.join(out, GENERATED_FILE);
    const generated = fs.existsSync(generatedFile) ? resources.filter((r) => r.file === generatedFile) : [];
    expect(generated.length).toBe(findings.generated.length);

    // Generated NetworkPolicies are valid objects, kharden's, one per name and namespace.
    const seen = new Set<string>();
    for (const g of generated.filter((r) => r.value.kind === 'NetworkPolicy')) {
      expect(networkPolicyProblems(g.value), `${nsOf(g.value)}/${g.value.metadata.name}`).toEqual([]);
      expect(g.value.metadata.labels['app.kubernetes.io/managed-by']).toBe('kharden');
      const key = `${nsOf(g.value)}/${g.value.metadata.name}`;
      expect(seen.has(key), `${key} generated twice`).toBe(false);
      seen.add(key);
    }

    // Every Namespace carries the Pod Security labels (system namespaces are left as they are).
    const namespaces = resources.filter((r) => r.value.kind === 'Namespace' && r.value.apiVersion === 'v1');
    for (const n of namespaces) {
      if (isSystem(n.value.metadata.name)) continue;
      const labels = n.value.metadata.labels ?? {};
      for (const mode of ['enforce', 'audit', 'warn']) {
        expect(['privileged', 'baseline', 'restricted'], `${n.value.metadata.name} ${mode} (${path.relative(out, n.file)})`).toContain(labels[`pod-security.kubernetes.io/${mode}`]);
        expect(labels[`pod-security.kubernetes.io/${mode}-version`], `${n.value.metadata.name} ${mode}-version`).toMatch(/^(v1\.\d+|latest)$/);
      }
    }

    // Namespaces with workloads or a Namespace object: every pod isolated both ways, DNS reachable,
    // every Service target port allowed to the Service's pods.
    const groups = new Map<string, { workloads: Obj[]; services: Obj[]; policies: Obj[] }>();
    const group = (ns: string) => groups.get(ns) ?? (groups.set(ns, { workloads: [], services: [], policies: [] }), groups.get(ns)!);
    for (const n of namespaces) group(n.value.metadata.name);
    for (const { value: r } of resources) {
      if (templateOf(r)) group(nsOf(r)).workloads.push(r);
    }
    for (const { value: r } of resources) {
      const g = groups.get(nsOf(r));
      if (!g) continue;
      if (r.kind === 'Service' && r.apiVersion === 'v1') g.services.push(r);
      if (r.kind === 'NetworkPolicy' && groupOf(r) === 'networking.k8s.io') g.policies.push(r.spec ? r : { ...r, spec: {} });
    }
    let namespacesChecked = 0;
    let portsChecked = 0;
    let governed = 0;
    for (const [ns, g] of groups) {
      if (ns !== '' && isSystem(ns)) continue;
      namespacesChecked++;
      const where = `namespace ${ns || '(none)'}`;
      const theirs = (d: 'Ingress' | 'Egress') => g.policies.filter((p) => p.metadata?.labels?.['app.kubernetes.io/managed-by'] !== 'kharden' && selectsEveryPod(p.spec.podSelector) && policyTypes(p.spec).has(d));
      for (const d of ['Ingress', 'Egress'] as const) {
        expect(g.policies.some((p) => selectsEveryPod(p.spec.podSelector) && policyTypes(p.spec).has(d)), `${where}: every pod isolated for ${d}`).toBe(true);
        // Where the input's own policy isolates a direction, its rules decide: kharden says so and adds none.
        for (const p of theirs(d)) expect(reported.has(`existingDefaultDeny NetworkPolicy ${ns}/${p.metadata.name}`), `${where}: existingDefaultDeny reported for ${p.metadata.name}`).toBe(true);
      }
      const pods = g.workloads.map((w) => templateOf(w)!);
      const selecting = (labels: Obj, d: 'Ingress' | 'Egress') => g.policies.filter((p) => policyTypes(p.spec).has(d) && selectorMatches(p.spec.podSelector, labels));
      const isKharden = (p: Obj) => p.metadata?.labels?.['app.kubernetes.io/managed-by'] === 'kharden';
      if (theirs('Egress').length === 0) {
        for (const pod of pods) expect(egressAllowsDns(selecting(pod.metadata?.labels ?? {}, 'Egress')), `${where}: a pod labelled ${JSON.stringify(pod.metadata?.labels)} may reach DNS`).toBe(true);
      }
      if (theirs('Ingress').length > 0) continue;
      for (const svc of g.services) {
        const selector = svc.spec?.selector;
        if (svc.spec?.type === 'ExternalName' || !selector || Object.keys(selector).length === 0) continue;
        const targets = pods.filter((p) => selectorMatches({ matchLabels: selector }, p.metadata?.labels ?? {}));
        const podsOrSelector = targets.length ? targets : [{ metadata: { labels: selector }, spec: { containers: [] } }];
        // Pods the input's own ingress rules govern keep them (kharden would widen them): reported.
        if (podsOrSelector.every((pod) => selecting(pod.metadata?.labels ?? {}, 'Ingress').some((p) => !isKharden(p)))) {
          expect(reported.has(`serviceIngressGoverned Service ${ns}/${svc.metadata.name}`), `${where}: Service ${svc.metadata.name} reported as governed`).toBe(true);
          governed++;
          continue;
        }
        for (const port of svc.spec.ports ?? []) {
          const target = port.targetPort ?? port.port;
          const protocol = port.protocol ?? 'TCP';
          for (const pod of podsOrSelector) {
            portsChecked++;
            const allowed = selecting(pod.metadata?.labels ?? {}, 'Ingress').some((p) => (p.spec.ingress ?? []).some((rule: Obj) => ruleAllowsPort(rule, target, protocol, [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])])));
            expect(allowed, `${where}: Service ${svc.metadata.name} port ${target}/${protocol} is allowed by an ingress rule`).toBe(true);
          }
        }
      }
    }
    console.log(`${project}: ${resources.length} resources, ${generated.length} generated, ${namespaces.length} Namespace objects, ${namespacesChecked} namespaces, ${portsChecked} Service ports and ${governed} Services governed by their own policies checked`);

    // Hardening the output again, generated file included: nothing generated, nothing changed.
    const again = path.join(work, project, 'again');
    const againReport = path.join(work, project, 'again.json');
    const second = await kharden(['-q', '--report', againReport, '-o', again, out], { cwd: work, timeoutMs: 300_000 });
    expect(second.stderr).toBe('');
    expect(second.code).toBe(0);
    const secondReport = JSON.parse(fs.readFileSync(againReport, 'utf8'));
    expect(secondReport.generated).toEqual([]);
    expect(secondReport.totals.edits).toBe(0);
    for (const f of secondReport.files) expect(f.changed, `${f.file} changed on the second run`).toBe(false);
    fs.rmSync(path.join(work, project), { recursive: true, force: true });
  }, 900_000);
});
