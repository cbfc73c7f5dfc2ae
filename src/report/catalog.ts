/**
 * What each finding code means, for the reports that explain a finding to someone who did not run
 * kharden: SARIF rules (code scanning shows `shortDescription`, `fullDescription` and `help`), the
 * pull-request comment's "needs your attention" list and the HTML page.
 *
 * A finding carries its own message; this is what is true of every finding with that code. A code
 * missing here still renders (see {@link describeFinding}); test/report/catalog.test.ts fails when a
 * transform emits a code this table does not know.
 */
import type { Severity } from '../core/types.js';

export interface FindingRule {
  /** One line, a noun phrase: what was found. */
  title: string;
  /** Why it matters and what kharden did about it. */
  description: string;
  /** What the person who owns the workload should do. */
  help: string;
  /** The Kubernetes documentation page that explains it. */
  docs: string;
  /** The level the code is emitted at. */
  level: Severity;
  /**
   * An info finding that still asks a human to confirm a default kharden chose (a memory limit, a
   * UID guessed from the profile): listed under "needs your attention" beside errors and warnings.
   */
  confirm?: boolean;
}

const K8S = 'https://kubernetes.io/docs';
const PSS = `${K8S}/concepts/security/pod-security-standards/`;
const SECURITY_CONTEXT = `${K8S}/tasks/configure-pod-container/security-context/`;
const RESOURCES = `${K8S}/concepts/configuration/manage-resources-containers/`;
const SERVICE_ACCOUNT = `${K8S}/tasks/configure-pod-container/configure-service-account/`;
const SYSCTLS = `${K8S}/tasks/administer-cluster/sysctl-cluster/`;
const EXEMPT = 'If the workload really needs it, exempt it with the annotation kharden.dev/skip: <transform> (or kharden.dev/skip.<container>: <transform> for one container).';

const hostNamespace = (field: string, what: string): FindingRule => ({
  title: `${field}: true cannot be made compliant`,
  description: `The pod shares ${what} with the node. Pod Security Standards baseline forbids it (check hostNamespaces); removing it would change what the workload is, so kharden leaves it and reports it.`,
  help: `Remove ${field} unless the workload is a node agent that needs it; a node agent belongs in a namespace labelled pod-security.kubernetes.io/enforce: privileged, exempted with kharden.dev/skip: report-unfixable.`,
  docs: PSS,
  level: 'error',
});

export const FINDING_CATALOG: Readonly<Record<string, FindingRule>> = {
  // Input the engine passed through or wrote differently than asked.
  notKubernetesObject: {
    title: 'Document is not a Kubernetes object',
    description: 'The document has no apiVersion and kind (a kustomization, a patch list, Helm values…), so kharden passed it through unchanged.',
    help: 'Nothing to do if the file is not meant to be applied to a cluster; otherwise give the document its apiVersion and kind.',
    docs: `${K8S}/concepts/overview/working-with-objects/`,
    level: 'warning',
  },
  aliasExpanded: {
    title: 'YAML alias expanded to edit it',
    description: 'An edit landed inside a node reached through a YAML alias (*name); kharden wrote the edited copy in place of the alias so that the anchor\'s other users do not change with it.',
    help: 'Check that the other users of the anchor did not need the same hardening.',
    docs: `${K8S}/concepts/overview/working-with-objects/`,
    level: 'warning',
  },
  skippedByAnnotation: {
    title: 'Hardening skipped by an annotation',
    description: 'A kharden.dev/skip annotation on the workload exempted it (or one container) from a transform, so the edit was not made.',
    help: 'Confirm the exemption is still needed; remove the annotation to let kharden harden it.',
    docs: PSS,
    level: 'info',
  },

  // report-unfixable: what only a design change can fix.
  hostNetworkUnfixable: hostNamespace('hostNetwork', "the node's network namespace"),
  hostPIDUnfixable: hostNamespace('hostPID', "the node's process namespace"),
  hostIPCUnfixable: hostNamespace('hostIPC', "the node's IPC namespace"),
  hostPathVolumeUnfixable: {
    title: 'hostPath volume cannot be made compliant',
    description: "A hostPath volume gives the pod the node's files. Pod Security Standards baseline forbids it (check hostPathVolumes); kharden cannot replace it without knowing what the app keeps there.",
    help: 'Use a persistentVolumeClaim, configMap, secret or emptyDir instead; a node agent that needs the node\'s files belongs in a privileged namespace, exempted with kharden.dev/skip: report-unfixable.',
    docs: `${K8S}/concepts/storage/volumes/#hostpath`,
    level: 'error',
  },
  restrictedVolumeUnfixable: {
    title: 'Volume type not allowed at the restricted level',
    description: 'Pod Security Standards restricted allows only configMap, csi, downwardAPI, emptyDir, ephemeral, image, persistentVolumeClaim, projected and secret volumes (check restrictedVolumes).',
    help: 'Replace the volume with a persistentVolumeClaim backed by the same storage, or run the workload at the baseline level.',
    docs: PSS,
    level: 'error',
  },
  unsafeSysctlUnfixable: {
    title: 'Unsafe sysctl',
    description: 'The pod sets a sysctl outside the safe set, which Pod Security Standards baseline forbids (check sysctls); it is node-wide or can starve other pods.',
    help: 'Remove the sysctl, or set it on the nodes (a tuned node pool) instead of in the pod.',
    docs: `${SYSCTLS}#safe-and-unsafe-sysctls`,
    level: 'error',
  },
  hostPortUnfixable: {
    title: 'hostPort cannot be made compliant',
    description: "A hostPort binds a port on the node's own address; Pod Security Standards baseline forbids it (check hostPorts).",
    help: 'Expose the port through a Service (NodePort or LoadBalancer) instead of a hostPort.',
    docs: `${K8S}/concepts/services-networking/service/`,
    level: 'error',
  },
  probeHostUnfixable: {
    title: 'Probe or lifecycle handler targets another host',
    description: 'A probe or lifecycle handler sets host:, which lets the kubelet be used to reach other addresses; Pod Security Standards baseline forbids it (checks probeHost and lifecycleHost).',
    help: 'Remove the host field so the kubelet probes the pod itself.',
    docs: `${K8S}/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/`,
    level: 'error',
  },
  windowsHostProcessUnfixable: {
    title: 'Windows HostProcess container',
    description: 'A HostProcess container runs on the Windows node with full access to it; Pod Security Standards baseline forbids it (check windowsHostProcess).',
    help: 'Run it in a privileged namespace as a node agent, exempted with kharden.dev/skip: report-unfixable.',
    docs: `${K8S}/tasks/configure-pod-container/create-hostprocess-pod/`,
    level: 'error',
  },

  // Explicit insecure settings kharden overrode: the app may have relied on them.
  privilegedRemoved: {
    title: 'privileged: true overridden',
    description: 'The container asked to run privileged (every capability, every device); kharden set privileged: false. An app that needs the host will fail.',
    help: EXEMPT,
    docs: `${PSS}#baseline`,
    level: 'warning',
  },
  capabilitiesRemoved: {
    title: 'Added capabilities removed',
    description: 'The container added Linux capabilities that the restricted level does not allow; kharden removed them and dropped ALL.',
    help: EXEMPT,
    docs: `${SECURITY_CONTEXT}#set-capabilities-for-a-container`,
    level: 'warning',
  },
  privilegeEscalationNotSet: {
    title: 'allowPrivilegeEscalation: true overridden',
    description: 'The container explicitly allowed privilege escalation (setuid binaries, file capabilities); kharden set it to false.',
    help: EXEMPT,
    docs: `${PSS}#restricted`,
    level: 'warning',
  },
  appArmorProfileOverridden: {
    title: 'AppArmor Unconfined overridden',
    description: 'The pod or a container asked for an unconfined AppArmor profile; kharden set RuntimeDefault.',
    help: EXEMPT,
    docs: `${K8S}/tutorials/security/apparmor/`,
    level: 'warning',
  },
  seLinuxOptionsRemoved: {
    title: 'Custom SELinux options removed',
    description: 'The pod or a container set an SELinux type, user or role outside the allowed set (check seLinuxOptions); kharden removed them.',
    help: EXEMPT,
    docs: `${SECURITY_CONTEXT}#assign-selinux-labels-to-a-container`,
    level: 'warning',
  },
  procMountOverridden: {
    title: 'Unmasked /proc overridden',
    description: 'A container asked for procMount: Unmasked; kharden set Default (check procMount).',
    help: EXEMPT,
    docs: `${PSS}#baseline`,
    level: 'warning',
  },
  readOnlyRootFilesystemOverridden: {
    title: 'readOnlyRootFilesystem: false overridden',
    description: 'The container explicitly asked for a writable root filesystem; kharden made it read-only and mounted emptyDir volumes where it knows the app writes.',
    help: 'If the app writes elsewhere, declare the paths with kharden.dev/writable-paths.<container>: "/path,/other"; or exempt the container with kharden.dev/skip.<container>: read-only-root-filesystem.',
    docs: SECURITY_CONTEXT,
    level: 'warning',
  },
  rootUserOverridden: {
    title: 'Root user overridden',
    description: 'The pod or a container set runAsUser or runAsGroup to 0 (root); kharden replaced it with a non-root ID. An image that really needs root will fail to start.',
    help: EXEMPT,
    docs: `${SECURITY_CONTEXT}#set-the-security-context-for-a-pod`,
    level: 'warning',
  },

  // Defaults kharden chose that someone must confirm.
  imageMayRequireRoot: {
    title: 'Image may need root: non-root user guessed',
    description: "kharden does not know the image's own user (it is not in the table of known images, or a Windows image may default to ContainerAdministrator), so it now runs as the profile's default non-root user; an image whose files are owned by root, or that writes to root-owned paths, fails to start.",
    help: "Confirm the image runs as that user, or set the image's own UID with the annotation kharden.dev/run-as-user: \"<uid>\" (Windows: securityContext.windowsOptions.runAsUserName: ContainerUser).",
    docs: `${SECURITY_CONTEXT}#set-the-security-context-for-a-pod`,
    level: 'info',
    confirm: true,
  },
  memoryLimitDefaulted: {
    title: 'Memory limit set to a default',
    description: "The container had no memory limit; kharden set one from its request or from the profile's default, which is a starting point, not a measurement.",
    help: "Set the limit from the app's real peak usage: a limit that is too low gets the container OOM-killed.",
    docs: RESOURCES,
    level: 'info',
    confirm: true,
  },
  writablePathsUnknown: {
    title: 'Writable paths unknown under a read-only root filesystem',
    description: "The image is not in kharden's table of known images, so only /tmp was made writable; the app may write elsewhere and fail.",
    help: 'Declare the paths the app writes to with kharden.dev/writable-paths.<container>: "/path,/other", or exempt the container with kharden.dev/skip.<container>: read-only-root-filesystem.',
    docs: SECURITY_CONTEXT,
    level: 'warning',
  },
  writablePathsAdded: {
    title: 'emptyDir volumes mounted where the app writes',
    description: 'Under a read-only root filesystem, kharden mounted emptyDir volumes on /tmp and the paths the image is known to write to.',
    help: 'Check the size limit suits the app; data written there is lost when the pod restarts.',
    docs: `${K8S}/concepts/storage/volumes/#emptydir`,
    level: 'info',
  },
  writablePathsInvalid: {
    title: 'Invalid writable-paths annotation',
    description: 'A kharden.dev/writable-paths annotation lists something that is not an absolute path below /; it was ignored.',
    help: 'List absolute paths separated by commas, e.g. "/data,/var/log/app".',
    docs: SECURITY_CONTEXT,
    level: 'warning',
  },
  invalidRunAsAnnotation: {
    title: 'Invalid run-as annotation',
    description: 'A kharden.dev/run-as-user or run-as-group annotation is not a non-root numeric ID; it was ignored and the default used.',
    help: 'Give a number from 1 to 2147483647.',
    docs: `${SECURITY_CONTEXT}#set-the-security-context-for-a-pod`,
    level: 'warning',
  },
  lowPortSysctl: {
    title: 'Unprivileged low ports allowed with a sysctl',
    description: 'Non-root containers declare ports below 1024; kharden set the safe, pod-scoped sysctl net.ipv4.ip_unprivileged_port_start so they can still bind them.',
    help: 'Nothing to do if the ports are right; any process in the pod may now bind ports from that number up.',
    docs: `${SYSCTLS}#safe-and-unsafe-sysctls`,
    level: 'info',
    confirm: true,
  },
  lowPortSysctlUnreadable: {
    title: 'Unreadable net.ipv4.ip_unprivileged_port_start',
    description: 'The pod sets net.ipv4.ip_unprivileged_port_start to something that is not a port number, and non-root containers declare ports below 1024.',
    help: 'Set it to the lowest port the containers bind, or lower.',
    docs: `${SYSCTLS}#safe-and-unsafe-sysctls`,
    level: 'warning',
  },
  lowPortHostNetwork: {
    title: 'Low port on the host network as non-root',
    description: 'Non-root containers declare ports below 1024 on the host network, where the sysctl would change the node itself, so it was not set; the app will fail to bind.',
    help: 'Use ports of 1024 and above, drop hostNetwork, or give the binary the cap_net_bind_service file capability.',
    docs: `${SYSCTLS}#safe-and-unsafe-sysctls`,
    level: 'warning',
  },

  // Memory.
  invalidMemoryQuantity: {
    title: 'Memory is not a Kubernetes quantity',
    description: 'A memory limit or request is not a quantity the API server accepts; kharden left memory as it is.',
    help: 'Write it as a quantity such as 512Mi or 1Gi.',
    docs: RESOURCES,
    level: 'error',
  },
  memoryLimitBelowRequest: {
    title: 'Memory limit below the request',
    description: 'The API server rejects a container whose memory limit is below its request; kharden never lowers or raises a limit.',
    help: 'Raise the limit or lower the request.',
    docs: RESOURCES,
    level: 'error',
  },
  podLevelMemoryLimit: {
    title: 'Pod-level memory resources',
    description: 'The pod sets pod-level memory resources, so container memory was left as it is.',
    help: 'Make sure spec.resources.limits.memory bounds the pod.',
    docs: RESOURCES,
    level: 'info',
  },

  // Service account tokens.
  defaultServiceAccountTokenMounted: {
    title: "Default service account's token mounted explicitly",
    description: "The pod runs as the namespace's default service account and explicitly mounts its API token; left as asked.",
    help: 'If the app does not call the Kubernetes API, set automountServiceAccountToken: false; if it does, give it its own service account with only the permissions it needs.',
    docs: `${SERVICE_ACCOUNT}#opt-out-of-api-credential-automounting`,
    level: 'warning',
  },
  serviceAccountTokenReview: {
    title: "Service account token left mounted",
    description: 'The pod runs as a named service account, whose token is mounted; kharden cannot know whether the app calls the API.',
    help: 'If the app does not call the Kubernetes API, set automountServiceAccountToken: false.',
    docs: `${SERVICE_ACCOUNT}#opt-out-of-api-credential-automounting`,
    level: 'info',
  },
  serviceAccountFieldDeprecated: {
    title: 'Deprecated spec.serviceAccount',
    description: 'spec.serviceAccount is a deprecated alias of serviceAccountName.',
    help: 'Use serviceAccountName.',
    docs: SERVICE_ACCOUNT,
    level: 'info',
  },
};

/**
 * The rule for a code. What the reporting transform declares (its `messages`: title, help, level)
 * comes first; this table adds the description and the documentation link; a code neither knows
 * gets a generic rule with the transform's docs.
 */
export function describeFinding(code: string, level: Severity, transformDocs?: string, declared?: { severity: Severity; title: string; help?: string }): FindingRule {
  const known = FINDING_CATALOG[code];
  return {
    title: declared?.title ?? known?.title ?? code,
    description: known?.description ?? (declared ? `${declared.title}.` : `kharden finding ${code}.`),
    help: declared?.help ?? known?.help ?? "See the finding's message.",
    docs: known?.docs ?? transformDocs ?? PSS,
    level: declared?.severity ?? known?.level ?? level,
    ...(known?.confirm ? { confirm: true } : {}),
  };
}

/** True when a finding belongs on the "needs your attention" list. */
export function needsAttention(code: string, severity: Severity): boolean {
  return severity !== 'info' || FINDING_CATALOG[code]?.confirm === true;
}
