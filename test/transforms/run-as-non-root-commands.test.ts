/** transforms/data/commands.ts: reading what a container runs, and which of it needs root. */
import { describe, expect, test } from 'vitest';
import { commandLineOf, envValue, privilegedCommands, scriptCommands, simpleCommands } from '../../transforms/data/commands.js';

const words = (script: string) => scriptCommands(script).map((c) => c.argv);

describe('shell scripts are split into simple commands', () => {
  test.each([
    ['chown -R 1000:1000 /data', [['chown', '-R', '1000:1000', '/data']]],
    ['set -e; mkdir -p /data && chown 1000 /data || true', [['set', '-e'], ['mkdir', '-p', '/data'], ['chown', '1000', '/data'], ['true']]],
    ["echo 'a; chown b' \"c && d\"", [['echo', 'a; chown b', 'c && d']]],
    ['# chown in a comment\nls # and here: chown', [['ls']]],
    ['if [ -d /x ]; then chmod 700 /x; fi', [['[', '-d', '/x', ']'], ['chmod', '700', '/x']]],
    ['for f in chown chmod; do echo $f; done', [['echo', '$f']]],
    ['FOO=1 BAR=2 exec sudo -u root env A=b /sbin/sysctl -w vm.max_map_count=262144', [['/sbin/sysctl', '-w', 'vm.max_map_count=262144']]],
    ['find /data -type d | xargs -n 10 chmod 750', [['find', '/data', '-type', 'd'], ['chmod', '750']]],
    ['x=$(ip route show default)', [['ip', 'route', 'show', 'default']]],
    ['busybox chown 1:1 /a', [['chown', '1:1', '/a']]],
    ['timeout 10s iptables -L', [['iptables', '-L']]],
    ['cat /x 2>&1 >/dev/null | tee /tmp/y', [['cat', '/x'], ['tee', '/tmp/y']]],
    ['line one \\\n  continued', [['line', 'one', 'continued']]],
  ])('%j', (script, expected) => expect(words(script)).toEqual(expected));

  test('redirections are kept apart from the words', () => {
    expect(scriptCommands('echo 1 > /proc/sys/net/ipv4/ip_forward')).toEqual([{ argv: ['echo', '1'], redirects: ['/proc/sys/net/ipv4/ip_forward'] }]);
  });

  test('nested sh -c scripts are read too (grouped options: -ec, -exc)', () => {
    expect(simpleCommands({ command: ['/bin/sh', '-exc', 'bash -c "chown 1 /a; modprobe br_netfilter"'] }).map((c) => c.argv)).toEqual([
      ['/bin/sh', '-exc', 'bash -c "chown 1 /a; modprobe br_netfilter"'],
      ['bash', '-c', 'chown 1 /a; modprobe br_netfilter'],
      ['chown', '1', '/a'],
      ['modprobe', 'br_netfilter'],
    ]);
  });
});

describe('a container command line', () => {
  test('command, then args (with no command, args are usually the command of an image without entrypoint)', () => {
    expect(simpleCommands({ command: ['sh', '-c'], args: ['chown 1 /a'] }).map((c) => c.argv)).toEqual([['sh', '-c', 'chown 1 /a'], ['chown', '1', '/a']]);
    expect(simpleCommands({ args: ['sysctl', '-w', 'a.b=1'] }).map((c) => c.argv)).toEqual([['sysctl', '-w', 'a.b=1']]);
    expect(simpleCommands({ image: 'x' })).toEqual([]);
    expect(commandLineOf({ command: ['a', 5] })).toEqual({ command: ['a', '5'] });
  });

  test('environment: the literal value, the last one winning; none from valueFrom', () => {
    const c = { env: [{ name: 'PGDATA', value: '/a' }, { name: 'PGDATA', value: '/b' }, { name: 'X', valueFrom: { fieldRef: { fieldPath: 'x' } } }] };
    expect(envValue(c, 'PGDATA')).toBe('/b');
    expect(envValue(c, 'X')).toBeUndefined();
    expect(envValue(c, 'Y')).toBeUndefined();
  });
});

describe('commands that need root or a capability', () => {
  const families = (c: unknown) => privilegedCommands(c).map((p) => p.family);
  test.each([
    ['chown', { command: ['chown', '-R', '999:999', '/var/lib/postgresql/data'] }],
    ['chown', { command: ['sh', '-c', 'chgrp 0 /data'] }],
    ['chmod', { command: ['sh', '-c', 'mkdir -p /data/db && chmod 0700 /data/db'] }],
    ['sysctl', { command: ['sysctl', '-w', 'vm.max_map_count=262144'] }],
    ['sysctl', { command: ['sh', '-c', 'sysctl net.core.somaxconn=1024'] }],
    ['sysctl', { command: ['sh', '-c', 'sysctl -p /etc/sysctl.d/99.conf'] }],
    ['sysctl', { command: ['sh', '-c', 'echo 1 > /proc/sys/net/ipv4/ip_forward'] }],
    ['setcap', { command: ['setcap', 'cap_net_bind_service=+ep', '/usr/sbin/nginx'] }],
    ['iptables', { command: ['iptables', '-t', 'nat', '-A', 'PREROUTING', '-j', 'REDIRECT'] }],
    ['iptables', { command: ['sh', '-c', 'iptables-restore < /rules'] }],
    ['iptables', { args: ['ip6tables-legacy', '-L'] }],
    ['mount', { command: ['mount', '-t', 'tmpfs', 'tmpfs', '/mnt'] }],
    ['mount', { command: ['sh', '-c', 'umount /mnt/x'] }],
    ['ip', { command: ['ip', 'link', 'set', 'dev', 'eth0', 'mtu', '1400'] }],
    ['ip', { command: ['sh', '-c', 'ip -4 route add 10.0.0.0/8 via 192.168.0.1'] }],
    ['modprobe', { command: ['modprobe', 'br_netfilter'] }],
    ['modprobe', { command: ['sh', '-c', 'insmod /lib/modules/x.ko'] }],
    ['su', { command: ['gosu', 'app', 'server'] }],
    ['su', { command: ['sh', '-c', 'exec su-exec 1000:1000 /app/run'] }],
    ['su', { command: ['setpriv', '--reuid=1000', '--regid=1000', '--init-groups', 'run'] }],
  ])('%s: %j', (family, container) => expect(families(container)).toEqual([family]));

  test.each([
    [{ command: ['sh', '-c', 'until nslookup db; do sleep 2; done'] }],
    [{ command: ['sysctl', '-n', 'net.core.somaxconn'] }],
    [{ command: ['sh', '-c', 'sysctl -a | grep vm'] }],
    [{ command: ['mount'] }],
    [{ command: ['ip', 'route', 'show'] }],
    [{ command: ['sh', '-c', 'ip addr; ip -6 route'] }],
    [{ command: ['sh', '-c', "echo 'chown 1 /a' > /tmp/script"] }],
    [{ command: ['cp', '/flannel', '/opt/cni/bin/flannel'] }],
    [{ args: ['--chown-files', '--iptables=false'] }],
  ])('nothing privileged in %j', (container) => expect(families(container)).toEqual([]));

  test('su -c: the switch of user, then what the script runs', () => {
    const found = privilegedCommands({ command: ['sh', '-c', 'mkdir -p /vt/tmp && chown -R vitess /vt && su -p -c "/vt/bin/vtctld -port 15000" vitess'] });
    expect(found.map((p) => p.family)).toEqual(['chown', 'su']);
    expect(privilegedCommands({ command: ['su', 'app', '-c', 'iptables -L'] }).map((p) => p.family)).toEqual(['su', 'iptables']);
  });

  test('each command is named as written, with what it needs', () => {
    const [p] = privilegedCommands({ command: ['sh', '-c', 'chown -R 1000:1000 /data'] });
    expect(p).toEqual({ family: 'chown', text: 'chown -R 1000:1000 /data', needs: expect.stringContaining('CAP_CHOWN') });
  });
});
