import { defineTransform } from '../src/core/types.js';
import { list, string } from '../src/core/options.js';
import { capabilityName, listAt } from './util.js';

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
    capabilitiesRemoved: {
      severity: 'warning',
      title: 'added capabilities removed',
      help: `If the app needs a removed capability it will fail: exempt the container with the annotation kharden.dev/skip.<container>: ${ID} (it then keeps them and stays below restricted).`,
      pssCheck: 'capabilities_restricted',
    },
  },
  run(target, ctx) {
    if (target.pod.windows) return;
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
