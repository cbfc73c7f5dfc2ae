/**
 * The API server's validation of a networking.k8s.io/v1 NetworkPolicy, written out from the
 * Kubernetes API reference (NetworkPolicySpec, LabelSelector, IntOrString port names): every
 * problem found, as text; [] when the object would be admitted. Used to judge what kharden generates.
 */
type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

export function isDns1123Subdomain(s: unknown): boolean {
  return typeof s === 'string' && s.length <= 253 && DNS1123_SUBDOMAIN.test(s);
}

export function isDns1123Label(s: unknown): boolean {
  return typeof s === 'string' && s.length <= 63 && DNS1123_LABEL.test(s);
}

/** A qualified label key: optional DNS subdomain prefix, then a name of at most 63 characters. */
function labelKeyProblem(k: string): string | undefined {
  const parts = k.split('/');
  if (parts.length > 2) return `label key ${k} has more than one /`;
  const [prefix, name] = parts.length === 2 ? parts : [undefined, parts[0]];
  if (prefix !== undefined && !isDns1123Subdomain(prefix)) return `label key prefix ${prefix} is not a DNS subdomain`;
  if (name.length > 63 || !LABEL_NAME.test(name)) return `label key ${k} is not a qualified name`;
  return undefined;
}

/** An IANA service name: what a named port must be (at most 15 characters, a letter, no double or edge hyphen). */
function isPortName(s: string): boolean {
  return s.length <= 15 && /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(s) && /[a-z]/.test(s) && !s.includes('--');
}

function selectorProblems(sel: unknown, where: string): string[] {
  if (!isObj(sel)) return [`${where} must be a label selector map`];
  const out: string[] = [];
  for (const k of Object.keys(sel)) if (k !== 'matchLabels' && k !== 'matchExpressions') out.push(`${where}.${k} is not a LabelSelector field`);
  if (sel.matchLabels !== undefined) {
    if (!isObj(sel.matchLabels)) out.push(`${where}.matchLabels must be a map`);
    else
      for (const [k, v] of Object.entries(sel.matchLabels)) {
        const p = labelKeyProblem(k);
        if (p) out.push(`${where}.matchLabels: ${p}`);
        if (typeof v !== 'string' || v.length > 63 || !LABEL_VALUE.test(v)) out.push(`${where}.matchLabels.${k}: ${JSON.stringify(v)} is not a label value`);
      }
  }
  if (sel.matchExpressions !== undefined) {
    if (!Array.isArray(sel.matchExpressions)) out.push(`${where}.matchExpressions must be a list`);
    else
      sel.matchExpressions.forEach((e, i) => {
        const w = `${where}.matchExpressions[${i}]`;
        if (!isObj(e) || typeof e.key !== 'string') return void out.push(`${w} needs a key`);
        const p = labelKeyProblem(e.key);
        if (p) out.push(`${w}: ${p}`);
        const values = e.values;
        if (e.operator === 'In' || e.operator === 'NotIn') {
          if (!Array.isArray(values) || values.length === 0) out.push(`${w}: ${e.operator} needs values`);
        } else if (e.operator === 'Exists' || e.operator === 'DoesNotExist') {
          if (Array.isArray(values) && values.length > 0) out.push(`${w}: ${e.operator} takes no values`);
        } else out.push(`${w}: operator ${JSON.stringify(e.operator)} is not In, NotIn, Exists or DoesNotExist`);
      });
  }
  return out;
}

function portProblems(ports: unknown, where: string): string[] {
  if (ports === undefined) return [];
  if (!Array.isArray(ports)) return [`${where} must be a list`];
  const out: string[] = [];
  ports.forEach((p, i) => {
    const w = `${where}[${i}]`;
    if (!isObj(p)) return void out.push(`${w} must be a map`);
    if (p.protocol !== undefined && !['TCP', 'UDP', 'SCTP'].includes(p.protocol as string)) out.push(`${w}.protocol ${JSON.stringify(p.protocol)} is not TCP, UDP or SCTP`);
    if (typeof p.port === 'number') {
      if (!Number.isInteger(p.port) || p.port < 1 || p.port > 65535) out.push(`${w}.port ${p.port} is not 1-65535`);
    } else if (typeof p.port === 'string') {
      if (!isPortName(p.port)) out.push(`${w}.port ${JSON.stringify(p.port)} is not a valid port name`);
      if (p.endPort !== undefined) out.push(`${w}.endPort needs a numeric port`);
    } else if (p.port !== undefined) out.push(`${w}.port must be a number or a port name`);
    if (p.endPort !== undefined && (typeof p.endPort !== 'number' || typeof p.port !== 'number' || p.endPort < p.port || p.endPort > 65535)) out.push(`${w}.endPort is not a port number >= port`);
  });
  return out;
}

function peerProblems(peers: unknown, where: string): string[] {
  if (peers === undefined) return [];
  if (!Array.isArray(peers)) return [`${where} must be a list`];
  const out: string[] = [];
  peers.forEach((peer, i) => {
    const w = `${where}[${i}]`;
    if (!isObj(peer)) return void out.push(`${w} must be a map`);
    const set = ['podSelector', 'namespaceSelector', 'ipBlock'].filter((k) => peer[k] !== undefined);
    if (set.length === 0) out.push(`${w} must set podSelector, namespaceSelector or ipBlock`);
    if (peer.ipBlock !== undefined && set.length > 1) out.push(`${w}: ipBlock cannot be combined with a selector`);
    if (peer.podSelector !== undefined) out.push(...selectorProblems(peer.podSelector, `${w}.podSelector`));
    if (peer.namespaceSelector !== undefined) out.push(...selectorProblems(peer.namespaceSelector, `${w}.namespaceSelector`));
    if (peer.ipBlock !== undefined && !(isObj(peer.ipBlock) && typeof peer.ipBlock.cidr === 'string')) out.push(`${w}.ipBlock needs a cidr`);
  });
  return out;
}

function ruleProblems(rules: unknown, where: string, peersKey: 'from' | 'to'): string[] {
  if (rules === undefined) return [];
  if (!Array.isArray(rules)) return [`${where} must be a list`];
  return rules.flatMap((r, i) => {
    const w = `${where}[${i}]`;
    if (!isObj(r)) return [`${w} must be a map`];
    const extra = Object.keys(r).filter((k) => k !== peersKey && k !== 'ports');
    return [...extra.map((k) => `${w}.${k} is not a rule field`), ...peerProblems(r[peersKey], `${w}.${peersKey}`), ...portProblems(r.ports, `${w}.ports`)];
  });
}

export function networkPolicyProblems(np: unknown): string[] {
  if (!isObj(np)) return ['not a map'];
  const out: string[] = [];
  if (np.apiVersion !== 'networking.k8s.io/v1') out.push(`apiVersion ${JSON.stringify(np.apiVersion)} is not networking.k8s.io/v1`);
  if (np.kind !== 'NetworkPolicy') out.push(`kind ${JSON.stringify(np.kind)} is not NetworkPolicy`);
  const meta = isObj(np.metadata) ? np.metadata : {};
  if (!isDns1123Subdomain(meta.name)) out.push(`metadata.name ${JSON.stringify(meta.name)} is not a DNS-1123 subdomain`);
  if (meta.namespace !== undefined && !isDns1123Label(meta.namespace)) out.push(`metadata.namespace ${JSON.stringify(meta.namespace)} is not a DNS-1123 label`);
  const spec = np.spec;
  if (!isObj(spec)) return [...out, 'spec is missing'];
  if (spec.podSelector === undefined) out.push('spec.podSelector is required');
  else out.push(...selectorProblems(spec.podSelector, 'spec.podSelector'));
  if (spec.policyTypes !== undefined) {
    const types = spec.policyTypes;
    if (!Array.isArray(types) || types.length === 0 || types.length > 2) out.push('spec.policyTypes must list Ingress and/or Egress');
    else {
      for (const t of types) if (t !== 'Ingress' && t !== 'Egress') out.push(`spec.policyTypes: ${JSON.stringify(t)} is not Ingress or Egress`);
      if (new Set(types).size !== types.length) out.push('spec.policyTypes has duplicates');
    }
  }
  out.push(...ruleProblems(spec.ingress, 'spec.ingress', 'from'), ...ruleProblems(spec.egress, 'spec.egress', 'to'));
  for (const k of Object.keys(spec)) if (!['podSelector', 'policyTypes', 'ingress', 'egress'].includes(k)) out.push(`spec.${k} is not a NetworkPolicySpec field`);
  return out;
}
