/**
 * The individual Pod Security Standards checks, at the latest policy version of the upstream
 * `k8s.io/pod-security-admission` library (v1.37). Each check looks at plain JS data (as produced by
 * YAML.parse) and never throws: values of the wrong type are treated as absent, the way a missing
 * field would be.
 */

export type CheckLevel = 'baseline' | 'restricted';

/** What a failing check reports (upstream ForbiddenReason / ForbiddenDetail). */
export interface CheckOutcome {
  reason: string;
  detail: string;
}

export interface PodView {
  meta: Rec | undefined;
  spec: Rec | undefined;
  /** spec.securityContext, when it is an object. */
  podSC: Rec | undefined;
  /** initContainers, containers, then ephemeralContainers (upstream visitContainers order). */
  containers: ContainerView[];
}

export interface ContainerView {
  name: string;
  raw: Rec;
  sc: Rec | undefined;
}

export interface Check {
  id: string;
  level: CheckLevel;
  /** Baseline checks this (restricted) check replaces at restricted level. */
  overrides?: string[];
  run(pod: PodView): CheckOutcome | null;
}

// ---------------------------------------------------------------------------------------------
// Shape helpers

export type Rec = Record<string, unknown>;

export function rec(x: unknown): Rec | undefined {
  return typeof x === 'object' && x !== null && !Array.isArray(x) ? (x as Rec) : undefined;
}

function list(x: unknown): unknown[] {
  return Array.isArray(x) ? x : [];
}

function str(x: unknown): string | undefined {
  return typeof x === 'string' ? x : undefined;
}

function at(x: unknown, ...keys: string[]): unknown {
  let cur: unknown = x;
  for (const k of keys) {
    const r = rec(cur);
    if (!r) return undefined;
    cur = r[k];
  }
  return cur;
}

export function viewPod(podMetadata: unknown, podSpec: unknown): PodView {
  const spec = rec(podSpec);
  const containers: ContainerView[] = [];
  for (const key of ['initContainers', 'containers', 'ephemeralContainers']) {
    for (const c of list(spec?.[key])) {
      const raw = rec(c);
      if (!raw) continue;
      containers.push({ name: str(raw.name) ?? '', raw, sc: rec(raw.securityContext) });
    }
  }
  return { meta: rec(podMetadata), spec, podSC: rec(spec?.securityContext), containers };
}

// ---------------------------------------------------------------------------------------------
// Message helpers (same wording as upstream, for familiarity)

function pluralize(singular: string, plural: string, n: number): string {
  return n === 1 ? singular : plural;
}

function joinQuote(items: Iterable<string>): string {
  const a = [...items];
  return a.length === 0 ? '' : `"${a.join('", "')}"`;
}

function sorted(s: Set<string>): string[] {
  return [...s].sort();
}

function containersPhrase(names: string[]): string {
  return `${pluralize('container', 'containers', names.length)} ${joinQuote(names)}`;
}

function isWindows(pod: PodView): boolean {
  return at(pod.spec, 'os', 'name') === 'windows';
}

/** hostUsers: false (user namespace) relaxes some checks at the latest version (KEP-127). */
function inUserNamespace(pod: PodView): boolean {
  return pod.spec?.hostUsers === false;
}

function annotations(pod: PodView): [string, string][] {
  const a = rec(pod.meta?.annotations);
  if (!a) return [];
  return Object.entries(a).filter((e): e is [string, string] => typeof e[1] === 'string');
}

// ---------------------------------------------------------------------------------------------
// Baseline checks

const windowsHostProcess: Check = {
  id: 'windowsHostProcess',
  level: 'baseline',
  run(pod) {
    const setters: string[] = [];
    if (at(pod.podSC, 'windowsOptions', 'hostProcess') === true) setters.push('pod');
    const bad = pod.containers.filter((c) => at(c.sc, 'windowsOptions', 'hostProcess') === true);
    if (bad.length) setters.push(containersPhrase(bad.map((c) => c.name)));
    if (!setters.length) return null;
    return {
      reason: 'hostProcess',
      detail: `${setters.join(' and ')} must not set securityContext.windowsOptions.hostProcess=true`,
    };
  },
};

const hostNamespaces: Check = {
  id: 'hostNamespaces',
  level: 'baseline',
  run(pod) {
    const host: string[] = [];
    if (pod.spec?.hostNetwork === true) host.push('hostNetwork=true');
    if (pod.spec?.hostPID === true) host.push('hostPID=true');
    if (pod.spec?.hostIPC === true) host.push('hostIPC=true');
    return host.length ? { reason: 'host namespaces', detail: host.join(', ') } : null;
  },
};

const privileged: Check = {
  id: 'privileged',
  level: 'baseline',
  run(pod) {
    const bad = pod.containers.filter((c) => c.sc?.privileged === true).map((c) => c.name);
    if (!bad.length) return null;
    return {
      reason: 'privileged',
      detail: `${containersPhrase(bad)} must not set securityContext.privileged=true`,
    };
  },
};

const CAPABILITIES_BASELINE = new Set([
  'AUDIT_WRITE',
  'CHOWN',
  'DAC_OVERRIDE',
  'FOWNER',
  'FSETID',
  'KILL',
  'MKNOD',
  'NET_BIND_SERVICE',
  'SETFCAP',
  'SETGID',
  'SETPCAP',
  'SETUID',
  'SYS_CHROOT',
]);

function addedCaps(c: ContainerView): string[] {
  return list(at(c.sc, 'capabilities', 'add')).filter((x): x is string => typeof x === 'string');
}

const capabilitiesBaseline: Check = {
  id: 'capabilities_baseline',
  level: 'baseline',
  run(pod) {
    const bad: string[] = [];
    const caps = new Set<string>();
    for (const c of pod.containers) {
      const extra = addedCaps(c).filter((cap) => !CAPABILITIES_BASELINE.has(cap));
      if (extra.length) {
        bad.push(c.name);
        extra.forEach((cap) => caps.add(cap));
      }
    }
    if (!bad.length) return null;
    return {
      reason: 'non-default capabilities',
      detail: `${containersPhrase(bad)} must not include ${joinQuote(sorted(caps))} in securityContext.capabilities.add`,
    };
  },
};

const hostPathVolumes: Check = {
  id: 'hostPathVolumes',
  level: 'baseline',
  run(pod) {
    const bad: string[] = [];
    for (const v of list(pod.spec?.volumes)) {
      const vol = rec(v);
      if (vol && rec(vol.hostPath)) bad.push(str(vol.name) ?? '');
    }
    if (!bad.length) return null;
    return { reason: 'hostPath volumes', detail: `${pluralize('volume', 'volumes', bad.length)} ${joinQuote(bad)}` };
  },
};

const hostPorts: Check = {
  id: 'hostPorts',
  level: 'baseline',
  run(pod) {
    const bad: string[] = [];
    const ports = new Set<string>();
    for (const c of pod.containers) {
      let ok = true;
      for (const p of list(c.raw.ports)) {
        const hp = rec(p)?.hostPort;
        if (typeof hp === 'number' && hp !== 0) {
          ok = false;
          ports.add(String(hp));
        }
      }
      if (!ok) bad.push(c.name);
    }
    if (!bad.length) return null;
    return {
      reason: 'hostPort',
      detail: `${containersPhrase(bad)} ${pluralize('uses', 'use', bad.length)} ${pluralize('hostPort', 'hostPorts', ports.size)} ${sorted(ports).join(', ')}`,
    };
  },
};

/** Hosts set on a probe's / lifecycle handler's httpGet or tcpSocket. */
function handlerHosts(handler: unknown): string[] {
  const out: string[] = [];
  for (const kind of ['httpGet', 'tcpSocket']) {
    const host = str(at(handler, kind, 'host'));
    if (host) out.push(host);
  }
  return out;
}

const hostProbesAndHostLifecycle: Check = {
  id: 'hostProbesAndHostLifecycle',
  level: 'baseline',
  run(pod) {
    const bad = new Set<string>();
    const hosts = new Set<string>();
    for (const c of pod.containers) {
      const found = [
        ...handlerHosts(c.raw.livenessProbe),
        ...handlerHosts(c.raw.readinessProbe),
        ...handlerHosts(c.raw.startupProbe),
        ...handlerHosts(at(c.raw, 'lifecycle', 'postStart')),
        ...handlerHosts(at(c.raw, 'lifecycle', 'preStop')),
      ];
      if (found.length) {
        bad.add(c.name);
        found.forEach((h) => hosts.add(h));
      }
    }
    if (!bad.size) return null;
    return {
      reason: 'probe or lifecycle host',
      detail: `${containersPhrase(sorted(bad))} ${pluralize('uses', 'use', bad.size)} ${pluralize('probe or lifecycle host', 'probe or lifecycle hosts', hosts.size)} ${joinQuote(sorted(hosts))}`,
    };
  },
};

const APPARMOR_ANNOTATION_PREFIX = 'container.apparmor.security.beta.kubernetes.io/';

const appArmorProfile: Check = {
  id: 'appArmorProfile',
  level: 'baseline',
  run(pod) {
    const okType = (t: string) => t === 'RuntimeDefault' || t === 'Localhost';
    const setters: string[] = [];
    const badValues = new Set<string>();
    const podProfile = rec(pod.podSC?.appArmorProfile);
    if (podProfile) {
      const t = str(podProfile.type) ?? '';
      if (!okType(t)) {
        setters.push('pod');
        badValues.add(t);
      }
    }
    const badContainers: string[] = [];
    for (const c of pod.containers) {
      const profile = rec(c.sc?.appArmorProfile);
      if (!profile) continue;
      const t = str(profile.type) ?? '';
      if (!okType(t)) {
        badContainers.push(c.name);
        badValues.add(t);
      }
    }
    if (badContainers.length) setters.push(containersPhrase(badContainers));
    const badAnnotations = annotations(pod)
      .filter(([k]) => k.startsWith(APPARMOR_ANNOTATION_PREFIX))
      .filter(([, v]) => !(v === '' || v === 'runtime/default' || v.startsWith('localhost/')))
      .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
      .sort();
    if (badAnnotations.length) setters.push(pluralize('annotation', 'annotations', badAnnotations.length));
    if (!setters.length) return null;
    const values = [...sorted(badValues), ...badAnnotations];
    return {
      reason: pluralize('forbidden AppArmor profile', 'forbidden AppArmor profiles', values.length),
      detail: `${setters.join(' and ')} must not set AppArmor profile type to ${joinQuote(values)}`,
    };
  },
};

const SELINUX_TYPES = new Set(['', 'container_t', 'container_init_t', 'container_kvm_t', 'container_engine_t']);

const seLinuxOptions: Check = {
  id: 'seLinuxOptions',
  level: 'baseline',
  run(pod) {
    const badTypes = new Set<string>();
    let setUser = false;
    let setRole = false;
    const valid = (opts: Rec): boolean => {
      let ok = true;
      const t = str(opts.type) ?? '';
      if (!SELINUX_TYPES.has(t)) {
        ok = false;
        badTypes.add(t);
      }
      if (str(opts.user)) {
        ok = false;
        setUser = true;
      }
      if (str(opts.role)) {
        ok = false;
        setRole = true;
      }
      return ok;
    };
    const setters: string[] = [];
    const podOpts = rec(pod.podSC?.seLinuxOptions);
    if (podOpts && !valid(podOpts)) setters.push('pod');
    const bad: string[] = [];
    for (const c of pod.containers) {
      const opts = rec(c.sc?.seLinuxOptions);
      if (opts && !valid(opts)) bad.push(c.name);
    }
    if (bad.length) setters.push(containersPhrase(bad));
    if (!setters.length) return null;
    const data: string[] = [];
    if (badTypes.size) data.push(`${pluralize('type', 'types', badTypes.size)} ${joinQuote(sorted(badTypes))}`);
    if (setUser) data.push('user may not be set');
    if (setRole) data.push('role may not be set');
    return {
      reason: 'seLinuxOptions',
      detail: `${setters.join(' and ')} set forbidden securityContext.seLinuxOptions: ${data.join('; ')}`,
    };
  },
};

/** Containers whose securityContext.procMount is set to something other than "Default". */
function procMountResult(pod: PodView): CheckOutcome | null {
  const bad: string[] = [];
  const types = new Set<string>();
  for (const c of pod.containers) {
    const pm = str(c.sc?.procMount);
    if (pm === undefined || pm === 'Default') continue;
    bad.push(c.name);
    types.add(pm);
  }
  if (!bad.length) return null;
  return {
    reason: 'procMount',
    detail: `${containersPhrase(bad)} must not set securityContext.procMount to ${joinQuote(sorted(types))}`,
  };
}

const procMount: Check = {
  id: 'procMount',
  level: 'baseline',
  // Since v1.35 baseline allows any procMount for pods in a user namespace (hostUsers: false).
  run: (pod) => (inUserNamespace(pod) ? null : procMountResult(pod)),
};

const validSeccomp = (t: string) => t === 'RuntimeDefault' || t === 'Localhost';

const seccompProfileBaseline: Check = {
  id: 'seccompProfile_baseline',
  level: 'baseline',
  // Since v1.19 only the securityContext.seccompProfile fields are checked (not the alpha annotations).
  run(pod) {
    const setters: string[] = [];
    const badValues = new Set<string>();
    const podProfile = rec(pod.podSC?.seccompProfile);
    if (podProfile) {
      const t = str(podProfile.type) ?? '';
      if (!validSeccomp(t)) {
        setters.push('pod');
        badValues.add(t);
      }
    }
    const bad: string[] = [];
    for (const c of pod.containers) {
      const profile = rec(c.sc?.seccompProfile);
      if (!profile) continue;
      const t = str(profile.type) ?? '';
      if (!validSeccomp(t)) {
        bad.push(c.name);
        badValues.add(t);
      }
    }
    if (bad.length) setters.push(containersPhrase(bad));
    if (!setters.length) return null;
    return {
      reason: 'seccompProfile',
      detail: `${setters.join(' and ')} must not set securityContext.seccompProfile.type to ${joinQuote(sorted(badValues))}`,
    };
  },
};

/** Safe sysctls, as the latest upstream sysctls check allows them. */
export const SYSCTLS_ALLOWED: ReadonlySet<string> = new Set([
  // v1.0
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range',
  'net.ipv4.ip_unprivileged_port_start',
  // v1.27
  'net.ipv4.ip_local_reserved_ports',
  // v1.29
  'net.ipv4.tcp_keepalive_time',
  'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl',
  'net.ipv4.tcp_keepalive_probes',
  // v1.32
  'net.ipv4.tcp_rmem',
  'net.ipv4.tcp_wmem',
  // latest (allowed by the upstream v1.37 pass fixture sysctls1)
  'net.ipv4.tcp_slow_start_after_idle',
  'net.ipv4.tcp_notsent_lowat',
]);

const sysctls: Check = {
  id: 'sysctls',
  level: 'baseline',
  run(pod) {
    const bad: string[] = [];
    for (const s of list(pod.podSC?.sysctls)) {
      const name = str(rec(s)?.name);
      if (name !== undefined && !SYSCTLS_ALLOWED.has(name)) bad.push(name);
    }
    return bad.length ? { reason: 'forbidden sysctls', detail: bad.join(', ') } : null;
  },
};

// ---------------------------------------------------------------------------------------------
// Restricted checks

/** Volume sources allowed at restricted. */
const ALLOWED_VOLUME_SOURCES = [
  'configMap',
  'csi',
  'downwardAPI',
  'emptyDir',
  'ephemeral',
  'image',
  'persistentVolumeClaim',
  'projected',
  'secret',
];

/** Every other volume source, in the order upstream names the first one it finds. */
const RESTRICTED_VOLUME_SOURCES = [
  'hostPath',
  'gcePersistentDisk',
  'awsElasticBlockStore',
  'gitRepo',
  'nfs',
  'iscsi',
  'glusterfs',
  'rbd',
  'flexVolume',
  'cinder',
  'cephfs',
  'flocker',
  'fc',
  'azureFile',
  'vsphereVolume',
  'quobyte',
  'azureDisk',
  'photonPersistentDisk',
  'portworxVolume',
  'scaleIO',
  'storageos',
];

const restrictedVolumes: Check = {
  id: 'restrictedVolumes',
  level: 'restricted',
  overrides: ['hostPathVolumes'],
  run(pod) {
    const bad: string[] = [];
    const types = new Set<string>();
    for (const v of list(pod.spec?.volumes)) {
      const vol = rec(v);
      if (!vol) continue;
      if (ALLOWED_VOLUME_SOURCES.some((k) => rec(vol[k]))) continue;
      const restricted = RESTRICTED_VOLUME_SOURCES.find((k) => rec(vol[k]));
      // A volume with no source at all is defaulted to emptyDir by the API server before
      // admission runs, so it is allowed.
      if (!restricted) continue;
      bad.push(str(vol.name) ?? '');
      types.add(restricted);
    }
    if (!bad.length) return null;
    return {
      reason: 'restricted volume types',
      detail: `${pluralize('volume', 'volumes', bad.length)} ${joinQuote(bad)} ${pluralize('uses', 'use', bad.length)} ${pluralize('restricted volume type', 'restricted volume types', types.size)} ${joinQuote(sorted(types))}`,
    };
  },
};

const allowPrivilegeEscalation: Check = {
  id: 'allowPrivilegeEscalation',
  level: 'restricted',
  run(pod) {
    // Since v1.25 Windows pods are exempt (the field cannot be set on Windows).
    if (isWindows(pod)) return null;
    const bad = pod.containers.filter((c) => c.sc?.allowPrivilegeEscalation !== false).map((c) => c.name);
    if (!bad.length) return null;
    return {
      reason: 'allowPrivilegeEscalation != false',
      detail: `${containersPhrase(bad)} must set securityContext.allowPrivilegeEscalation=false`,
    };
  },
};

const runAsNonRoot: Check = {
  id: 'runAsNonRoot',
  level: 'restricted',
  run(pod) {
    if (inUserNamespace(pod)) return null;
    const setters: string[] = [];
    const podValue = pod.podSC?.runAsNonRoot;
    if (podValue === false) setters.push('pod');
    const podNonRoot = podValue === true;
    const explicit: string[] = [];
    const implicit: string[] = [];
    for (const c of pod.containers) {
      const v = c.sc?.runAsNonRoot;
      if (v === false) explicit.push(c.name);
      else if (v !== true && !podNonRoot) implicit.push(c.name);
    }
    if (explicit.length) setters.push(containersPhrase(explicit));
    if (setters.length) {
      return {
        reason: 'runAsNonRoot != true',
        detail: `${setters.join(' and ')} must not set securityContext.runAsNonRoot=false`,
      };
    }
    if (implicit.length) {
      return {
        reason: 'runAsNonRoot != true',
        detail: `pod or ${containersPhrase(implicit)} must set securityContext.runAsNonRoot=true`,
      };
    }
    return null;
  },
};

const runAsUser: Check = {
  id: 'runAsUser',
  level: 'restricted',
  run(pod) {
    if (inUserNamespace(pod)) return null;
    const setters: string[] = [];
    if (pod.podSC?.runAsUser === 0) setters.push('pod');
    const bad = pod.containers.filter((c) => c.sc?.runAsUser === 0).map((c) => c.name);
    if (bad.length) setters.push(containersPhrase(bad));
    if (!setters.length) return null;
    return { reason: 'runAsUser=0', detail: `${setters.join(' and ')} must not set runAsUser=0` };
  },
};

const seccompProfileRestricted: Check = {
  id: 'seccompProfile_restricted',
  level: 'restricted',
  overrides: ['seccompProfile_baseline'],
  run(pod) {
    if (isWindows(pod)) return null;
    const setters: string[] = [];
    const badValues = new Set<string>();
    let podSet = false;
    const podProfile = rec(pod.podSC?.seccompProfile);
    if (podProfile) {
      const t = str(podProfile.type) ?? '';
      if (validSeccomp(t)) podSet = true;
      else {
        setters.push('pod');
        badValues.add(t);
      }
    }
    const explicit: string[] = [];
    const implicit: string[] = [];
    for (const c of pod.containers) {
      const profile = rec(c.sc?.seccompProfile);
      if (profile) {
        const t = str(profile.type) ?? '';
        if (!validSeccomp(t)) {
          explicit.push(c.name);
          badValues.add(t);
        }
      } else if (!podSet) {
        implicit.push(c.name);
      }
    }
    if (explicit.length) setters.push(containersPhrase(explicit));
    if (setters.length) {
      return {
        reason: 'seccompProfile',
        detail: `${setters.join(' and ')} must not set securityContext.seccompProfile.type to ${joinQuote(sorted(badValues))}`,
      };
    }
    if (implicit.length) {
      return {
        reason: 'seccompProfile',
        detail: `pod or ${containersPhrase(implicit)} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"`,
      };
    }
    return null;
  },
};

const capabilitiesRestricted: Check = {
  id: 'capabilities_restricted',
  level: 'restricted',
  overrides: ['capabilities_baseline'],
  run(pod) {
    if (isWindows(pod)) return null;
    const missingDrop: string[] = [];
    const adding: string[] = [];
    const caps = new Set<string>();
    for (const c of pod.containers) {
      const drop = list(at(c.sc, 'capabilities', 'drop'));
      if (!drop.includes('ALL')) missingDrop.push(c.name);
      const extra = addedCaps(c).filter((cap) => cap !== 'NET_BIND_SERVICE');
      if (extra.length) {
        adding.push(c.name);
        extra.forEach((cap) => caps.add(cap));
      }
    }
    const details: string[] = [];
    if (missingDrop.length) {
      details.push(`${containersPhrase(missingDrop)} must set securityContext.capabilities.drop=["ALL"]`);
    }
    if (adding.length) {
      details.push(
        `${containersPhrase(adding)} must not include ${joinQuote(sorted(caps))} in securityContext.capabilities.add`,
      );
    }
    return details.length ? { reason: 'unrestricted capabilities', detail: details.join('; ') } : null;
  },
};

const procMountRestricted: Check = {
  id: 'procMount_restricted',
  level: 'restricted',
  overrides: ['procMount'],
  // Unlike the baseline check, a user namespace does not relax this one.
  run: procMountResult,
};

// ---------------------------------------------------------------------------------------------

export const CHECKS: readonly Check[] = [
  allowPrivilegeEscalation,
  appArmorProfile,
  capabilitiesBaseline,
  capabilitiesRestricted,
  hostNamespaces,
  hostPathVolumes,
  hostPorts,
  hostProbesAndHostLifecycle,
  privileged,
  procMount,
  procMountRestricted,
  restrictedVolumes,
  runAsNonRoot,
  runAsUser,
  seLinuxOptions,
  seccompProfileBaseline,
  seccompProfileRestricted,
  sysctls,
  windowsHostProcess,
];
