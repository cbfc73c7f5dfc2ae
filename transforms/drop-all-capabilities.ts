import { defineTransform } from '../src/core/types.js';
import { list, string } from '../src/core/options.js';
import type { ContainerTarget } from '../src/core/types.js';
import { capabilityName, listAt, mapAt } from './util.js';
import { privilegedCommands } from './data/commands.js';
import { findKnownImage, rootOwnedDataMount } from './data/known-images.js';

const ID = 'drop-all-capabilities';

/** The capabilities the baseline level allows a container to add; restricted allows only NET_BIND_SERVICE. */
const BASELINE_CAPABILITIES = ['AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT'];

export default defineTransform({
  id: ID,
  summary: 'Drop ALL Linux capabilities and add back only the allowed ones (NET_BIND_SERVICE)',
  reason: 'Capabilities split root into pieces; most apps need none. The restricted Pod Security Standard requires dropping ALL and allows adding back only NET_BIND_SERVICE.',
  docs: 'https://kubernetes.io/docs/tasks/configure-pod-container/security-context/#set-capabilities-for-a-container',
  scope: 'container',
  options: {
    keep: list(
      string({
        default: 'NET_BIND_SERVICE',
        description: 'a capability name',
        type: 'capability name',
        test: (v) => (BASELINE_CAPABILITIES.includes(capabilityName(v)) ? undefined : `${JSON.stringify(v)} is not a capability the baseline Pod Security level allows to add (${BASELINE_CAPABILITIES.join(', ')}); restricted allows only NET_BIND_SERVICE`),
      }),
      { default: ['NET_BIND_SERVICE'], description: 'capabilities a container may keep in `add` (restricted allows only NET_BIND_SERVICE)' },
    ),
  },
  changesPrivileges: true,
  messages: {
    capabilitiesKeptForRoot: {
      severity: 'warning',
      title: 'capabilities kept: the container runs as root to do something that needs them',
      help: 'A container that stays root for a command that needs root (chown, sysctl -w, iptables, mount, su/gosu…) or for an entrypoint that must take ownership of a data directory needs the capabilities those use (CHOWN, FOWNER, DAC_OVERRIDE, SETUID, SETGID, NET_ADMIN…). Dropping ALL would make it fail, and cannot make the pod restricted while it runs as root, so kharden leaves its capabilities alone. To harden it, remove the need (fsGroup instead of chown, spec.securityContext.sysctls, an image that starts as its own user), then drop ALL and add back only what remains.',
      pssCheck: 'capabilities_restricted',
    },
    capabilitiesRemoved: {
      severity: 'warning',
      title: 'added capabilities removed',
      help: `If the app needs a removed capability it will fail: exempt the container with the annotation kharden.dev/skip.<container>: ${ID} (it then keeps them and stays below restricted).`,
      pssCheck: 'capabilities_restricted',
    },
  },
  run(target, ctx) {
    if (target.pod.windows) return;
    const needsRoot = rootWork(target);
    if (needsRoot) {
      ctx.report({
        code: 'capabilitiesKeptForRoot',
        message: `container ${target.name} runs as root to ${needsRoot}: its capabilities are left as they are, since dropping ALL would break that and cannot make the pod restricted while it runs as root`,
        path: '/securityContext/capabilities',
      });
      return;
    }
    const keep = new Set(ctx.options.keep.map(capabilityName));
    const drop = listAt(target.container, '/securityContext/capabilities/drop');
    if (!drop.includes('ALL')) {
      const lower = drop.findIndex((d) => typeof d === 'string' && capabilityName(d) === 'ALL');
      if (lower >= 0) {
        ctx.set(`/securityContext/capabilities/drop/${lower}`, 'ALL', `capability names are case-sensitive: "${String(drop[lower])}" is not ALL to the Pod Security admission check`);
      } else {
        ctx.append('/securityContext/capabilities/drop', 'ALL', drop.length ? 'drop every capability, not only the listed ones' : 'drop every capability; the app gets back only what it is explicitly given');
      }
    }
    const add = listAt(target.container, '/securityContext/capabilities/add');
    const removeIdx = add.map((a, i) => (keep.has(capabilityName(a)) ? -1 : i)).filter((i) => i >= 0);
    // Kept ones are spelt as the admission check compares them (`net_bind_service` is not NET_BIND_SERVICE to it).
    add.forEach((a, i) => {
      if (!removeIdx.includes(i) && a !== capabilityName(a)) ctx.set(`/securityContext/capabilities/add/${i}`, capabilityName(a), `capability names are compared exactly: ${JSON.stringify(a)} is written ${capabilityName(a)}`);
    });
    if (removeIdx.length === 0) return;
    const removed = removeIdx.map((i) => String(add[i]));
    const reason = (what: string) => `restricted allows adding back only ${[...keep].join(', ') || 'nothing'}; ${what} removed`;
    if (removeIdx.length === add.length) ctx.remove('/securityContext/capabilities/add', reason(removed.join(', ')));
    // Highest index first so the remaining indexes stay valid.
    else for (const i of [...removeIdx].reverse()) ctx.remove(`/securityContext/capabilities/add/${i}`, reason(String(add[i])));
    ctx.report({
      code: 'capabilitiesRemoved',
      message: `container ${target.name} asked for ${removed.join(', ')}; removed to meet restricted`,
      path: '/securityContext/capabilities/add',
    });
  },
});

/**
 * What a container that may run as root does with root's capabilities, if anything: a command
 * that needs them, or a known image's entrypoint that takes ownership of a data directory mounted
 * from a volume. run-as-non-root leaves such containers running as root for the same reasons.
 * A container already running as non-root (runAsNonRoot or a non-zero runAsUser, its own or the
 * pod's) has no effective capabilities to lose, so it gets ALL dropped as usual.
 */
function rootWork(target: ContainerTarget): string | undefined {
  const own = mapAt(target.container, '/securityContext');
  const pod = mapAt(target.template, '/spec/securityContext');
  const user = own.runAsUser ?? pod.runAsUser;
  const nonRoot = own.runAsNonRoot ?? pod.runAsNonRoot;
  if ((typeof user === 'number' && user !== 0) || (user === undefined && nonRoot === true)) return undefined;
  const annotations = [mapAt(target.template, '/metadata/annotations'), mapAt(target.resource, '/metadata/annotations')];
  // The owner named the user to run as: run-as-non-root applies it, and the container drops root.
  if (user === undefined && annotations.some((a) => a['kharden.dev/run-as-user'] != null)) return undefined;
  const commands = privilegedCommands(target.container);
  if (commands.length > 0) return `run ${commands.map((c) => `\`${c.text}\` (needs ${c.needs})`).join(', ')}`;
  const owned = rootOwnedDataMount(findKnownImage(target.container.image), target.container);
  if (owned) return `let the image's entrypoint take ownership of ${owned.dir.env ?? 'its data directory'} (${owned.at}, the root of volume ${owned.volume}) before it drops to its own user`;
  return undefined;
}
