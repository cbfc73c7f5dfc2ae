/**
 * What a container runs, read from its manifest: the command line (command/args), the simple
 * commands inside `sh -c` scripts, literal environment values, and the commands among them that
 * need root or a capability (chown, sysctl -w, iptables…, and su/gosu, which start as root to
 * drop to another user).
 *
 * A best-effort reading of shell, enough to find command names: quotes, escapes, comments,
 * `;` `&&` `||` `|` `&`, newlines, subshells and `$(…)`, keywords (`if`, `then`, `do`…),
 * variable assignments and wrappers (`exec`, `sudo`, `env`, `busybox`, `xargs`, `timeout`…) are
 * understood; variables are not expanded. It errs towards finding a command: a false positive
 * keeps a container as it was, a false negative could break it.
 */
import { isPlainObject } from '../../src/lib/json.js';

/** The container's command and args, as lists of strings (absent when the manifest has none). */
export interface CommandLine {
  command?: string[];
  args?: string[];
}

function strings(v: unknown): string[] | undefined {
  return Array.isArray(v) ? v.map((x) => (typeof x === 'string' ? x : String(x))) : undefined;
}

export function commandLineOf(container: unknown): CommandLine {
  const c = isPlainObject(container) ? container : {};
  const command = strings(c.command);
  const args = strings(c.args);
  return { ...(command ? { command } : {}), ...(args ? { args } : {}) };
}

/** The literal value of an environment variable (`value:`), undefined when absent or taken from elsewhere (`valueFrom`). */
export function envValue(container: unknown, name: string): string | undefined {
  const env = isPlainObject(container) && Array.isArray(container.env) ? container.env : [];
  for (let i = env.length - 1; i >= 0; i--) {
    const e = env[i];
    if (isPlainObject(e) && e.name === name) return typeof e.value === 'string' ? e.value : undefined;
  }
  return undefined;
}

/** One simple command: its words (variables unexpanded) and the files its output is redirected to. */
export interface SimpleCommand {
  argv: string[];
  redirects: string[];
}

const SHELLS = new Set(['sh', 'bash', 'ash', 'dash', 'zsh', 'ksh', 'mksh']);
/** Words that start or continue a compound command; the command follows them. */
const PREFIX_KEYWORDS = new Set(['if', 'then', 'else', 'elif', 'do', 'while', 'until', '!', 'time', '{', '(']);
/** Words that end one; nothing follows them in the same simple command. */
const END_KEYWORDS = new Set(['fi', 'done', 'esac', '}', ')']);

type Token = { word: string } | { op: string };

/** Splits a shell script into words and control operators. */
function tokenize(script: string): Token[] {
  const out: Token[] = [];
  let word = '';
  let inWord = false;
  const flush = () => {
    if (inWord) out.push({ word });
    word = '';
    inWord = false;
  };
  for (let i = 0; i < script.length; i++) {
    const ch = script[i];
    if (ch === '\\') {
      if (script[i + 1] === '\n') {
        i++;
        continue;
      }
      word += script[i + 1] ?? '';
      inWord = true;
      i++;
    } else if (ch === "'") {
      const end = script.indexOf("'", i + 1);
      word += script.slice(i + 1, end < 0 ? script.length : end);
      inWord = true;
      i = end < 0 ? script.length : end;
    } else if (ch === '"') {
      let j = i + 1;
      for (; j < script.length && script[j] !== '"'; j++) {
        if (script[j] === '\\' && j + 1 < script.length) j++;
        word += script[j];
      }
      inWord = true;
      i = j;
    } else if (ch === '#' && !inWord) {
      const nl = script.indexOf('\n', i);
      i = nl < 0 ? script.length : nl - 1;
    } else if (ch === '$' && script[i + 1] === '(') {
      // A command substitution starts a command of its own.
      flush();
      out.push({ op: '$(' });
      i++;
    } else if (ch === '`') {
      flush();
      out.push({ op: '`' });
    } else if (ch === ' ' || ch === '\t') {
      flush();
    } else if (ch === '\n' || ch === ';' || ch === '(' || ch === ')') {
      flush();
      out.push({ op: ch });
    } else if (ch === '&' || ch === '|') {
      flush();
      const two = script.slice(i, i + 2);
      if (two === '&&' || two === '||') i++;
      out.push({ op: two === '&&' || two === '||' ? two : ch });
    } else if (ch === '>' || ch === '<') {
      // A redirection: the operator (with an fd number before it, `2>`), then its target word.
      const fd = /^\d+$/.test(word) ? word : '';
      if (!fd) flush();
      word = '';
      inWord = false;
      let op = ch;
      while (script[i + 1] === '>' || script[i + 1] === '&' || script[i + 1] === '<') op += script[++i];
      out.push({ op: `${fd}${op}` });
    } else {
      word += ch;
      inWord = true;
    }
  }
  flush();
  return out;
}

/** The simple commands of a shell script, nested `sh -c` scripts included. */
export function scriptCommands(script: string, depth = 0): SimpleCommand[] {
  const out: SimpleCommand[] = [];
  let argv: string[] = [];
  let redirects: string[] = [];
  // After `>`: the next word is a file; after `>&`: a file descriptor, skipped.
  let redirectNext: 'file' | 'fd' | undefined;
  const end = () => {
    if (argv.length > 0 || redirects.length > 0) out.push(...expand({ argv, redirects }, depth));
    argv = [];
    redirects = [];
  };
  for (const t of tokenize(script)) {
    if ('op' in t) {
      if (/^\d*[<>]/.test(t.op)) {
        redirectNext = t.op.endsWith('&') ? 'fd' : 'file';
        continue;
      }
      end();
      continue;
    }
    if (redirectNext) {
      if (redirectNext === 'file') redirects.push(t.word);
      redirectNext = undefined;
      continue;
    }
    if (argv.length === 0 && (PREFIX_KEYWORDS.has(t.word) || END_KEYWORDS.has(t.word))) continue;
    argv.push(t.word);
  }
  end();
  return out;
}

/** Strips what comes before the real command (assignments, wrappers) and descends into `sh -c`. */
function expand(cmd: SimpleCommand, depth: number): SimpleCommand[] {
  let argv = [...cmd.argv];
  const extra: SimpleCommand[] = [];
  // A `for`/`case` head lists words, not commands.
  if (argv[0] === 'for' || argv[0] === 'case' || argv[0] === 'select') return cmd.redirects.length ? [{ argv: [], redirects: cmd.redirects }] : [];
  for (let guard = 0; guard < 10 && argv.length > 0; guard++) {
    const name = baseName(argv[0]);
    if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(argv[0])) argv = argv.slice(1);
    else if (['exec', 'command', 'nohup', 'builtin', 'time', 'stdbuf'].includes(name)) argv = dropOptions(argv.slice(1));
    else if (name === 'sudo' || name === 'doas') argv = dropOptions(argv.slice(1), ['-u', '-g', '-C', '-h', '-p', '-U']);
    else if (name === 'env') argv = dropOptions(argv.slice(1), ['-u', '-C', '-S']);
    else if (name === 'nice' || name === 'ionice') argv = dropOptions(argv.slice(1), ['-n', '-c']);
    else if (name === 'timeout') argv = dropOptions(argv.slice(1), ['-s', '-k', '--signal', '--kill-after']).slice(1);
    else if (name === 'xargs') argv = dropOptions(argv.slice(1), ['-I', '-n', '-P', '-L', '-d', '-s', '-E', '-a']);
    else if (['su-exec', 'gosu', 'chroot', 'setpriv', 'runuser'].includes(name)) {
      // Switching user is itself a command that needs root: kept, then the command it runs.
      extra.push({ argv, redirects: [] });
      argv = dropOptions(argv.slice(1)).slice(1);
    }
    else if (name === 'busybox' && argv.length > 1 && !argv[1].startsWith('-')) argv = argv.slice(1);
    else break;
  }
  if (argv.length === 0 && cmd.redirects.length === 0) return extra;
  const script = shellScript(argv);
  if (script !== undefined && depth < 4) return [...extra, { argv, redirects: cmd.redirects }, ...scriptCommands(script, depth + 1)];
  return [...extra, { argv, redirects: cmd.redirects }];
}

/** The script of `sh -c SCRIPT` (options may be grouped: `-ec`, `-exc`) or `su … -c SCRIPT`, undefined for anything else. */
function shellScript(argv: string[]): string | undefined {
  if (argv.length >= 2 && baseName(argv[0]) === 'su') {
    const i = argv.findIndex((w, k) => k > 0 && (w === '-c' || w === '--command'));
    if (i > 0) return argv[i + 1];
    const eq = argv.find((w) => w.startsWith('--command='));
    return eq?.slice('--command='.length);
  }
  if (argv.length < 2 || !SHELLS.has(baseName(argv[0]))) return undefined;
  let sawC = false;
  for (let i = 1; i < argv.length; i++) {
    const w = argv[i];
    if (/^-[a-zA-Z]+$/.test(w)) {
      if (w.includes('c')) sawC = true;
      continue;
    }
    if (w === '-o' || w === '+o') {
      i++;
      continue;
    }
    return sawC ? w : undefined;
  }
  return undefined;
}

function dropOptions(argv: string[], withValue: string[] = []): string[] {
  let i = 0;
  while (i < argv.length && argv[i].startsWith('-') && argv[i] !== '-') {
    if (argv[i] === '--') return argv.slice(i + 1);
    i += withValue.includes(argv[i]) ? 2 : 1;
  }
  return argv.slice(i);
}

export function baseName(word: string): string {
  return word.slice(word.lastIndexOf('/') + 1);
}

/**
 * Every simple command a container runs that kharden can read: its command line (command, then
 * args: with no command, args usually are the command of images without an entrypoint) and the
 * scripts of `sh -c` in it.
 */
export function simpleCommands(container: unknown): SimpleCommand[] {
  const { command, args } = commandLineOf(container);
  const argv = [...(command ?? []), ...(args ?? [])];
  if (argv.length === 0) return [];
  return expand({ argv, redirects: [] }, 0);
}

export type PrivilegedFamily = 'chown' | 'chmod' | 'sysctl' | 'setcap' | 'iptables' | 'mount' | 'ip' | 'modprobe' | 'su';

/** A command that fails without root or a capability. */
export interface PrivilegedCommand {
  family: PrivilegedFamily;
  /** The command as written (words joined), for the report. */
  text: string;
  /** What it needs, for the report. */
  needs: string;
}

const NEEDS: Record<PrivilegedFamily, string> = {
  chown: 'root with CAP_CHOWN: only root may give files to another user or group',
  chmod: 'root with CAP_FOWNER, unless the user owns every file it changes',
  sysctl: 'root, and privileged for settings outside the pod\'s own namespaces',
  setcap: 'root with CAP_SETFCAP',
  iptables: 'root with CAP_NET_ADMIN (and CAP_NET_RAW)',
  mount: 'root with CAP_SYS_ADMIN',
  ip: 'root with CAP_NET_ADMIN',
  modprobe: 'root with CAP_SYS_MODULE on the node itself',
  su: 'root with CAP_SETUID and CAP_SETGID: it starts as root and drops to another user itself',
};

const IPTABLES = /^(ip6?tables(-legacy|-nft)?(-restore|-save)?|nft)$/;
const IP_OBJECTS = new Set(['link', 'l', 'route', 'r', 'ro', 'address', 'addr', 'a', 'rule', 'ru', 'neighbour', 'neighbor', 'neigh', 'n', 'tunnel', 'tuntap', 'netns', 'xfrm', 'vrf', 'nexthop']);
const IP_CHANGES = new Set(['add', 'del', 'delete', 'change', 'replace', 'set', 'flush', 'append', 'prepend', 'attach', 'detach']);

function familyOf(cmd: SimpleCommand): PrivilegedFamily | undefined {
  if (cmd.redirects.some((r) => r.startsWith('/proc/sys/'))) return 'sysctl';
  if (cmd.argv.length === 0) return undefined;
  const name = baseName(cmd.argv[0]);
  const rest = cmd.argv.slice(1);
  if (name === 'chown' || name === 'chgrp') return 'chown';
  if (name === 'chmod') return 'chmod';
  if (name === 'setcap') return 'setcap';
  if (IPTABLES.test(name)) return 'iptables';
  if (name === 'modprobe' || name === 'insmod' || name === 'rmmod') return 'modprobe';
  if (['su', 'gosu', 'su-exec', 'runuser', 's6-setuidgid'].includes(name)) return 'su';
  if (name === 'setpriv') return rest.some((w) => /^--(re|ru|rg|reg)/.test(w)) ? 'su' : undefined;
  if (name === 'chpst') return rest.some((w) => w.startsWith('-u') || w.startsWith('-U')) ? 'su' : undefined;
  // Reading is fine: `sysctl -n x`, `mount` alone (lists mounts), `ip route` (shows routes).
  if (name === 'sysctl') return rest.some((w) => ['-w', '--write', '-p', '--load', '--system'].includes(w) || /^-\w*[wp]\w*$/.test(w) || (!w.startsWith('-') && w.includes('='))) ? 'sysctl' : undefined;
  if (name === 'mount' || name === 'umount') return rest.some((w) => !w.startsWith('-')) ? 'mount' : undefined;
  if (name === 'ip') {
    const words = dropOptions(rest, ['-n', '-netns', '-b', '-batch', '-rc', '-rcvbuf']);
    if (words[0] === '-force' || words[0] === '-batch') return 'ip';
    return IP_OBJECTS.has(words[0] ?? '') && IP_CHANGES.has(words[1] ?? '') ? 'ip' : undefined;
  }
  return undefined;
}

/** The commands of a container that need root or a capability, in the order they appear. */
export function privilegedCommands(container: unknown): PrivilegedCommand[] {
  const out: PrivilegedCommand[] = [];
  for (const cmd of simpleCommands(container)) {
    const family = familyOf(cmd);
    if (!family) continue;
    const text = [...cmd.argv, ...cmd.redirects.map((r) => `> ${r}`)].join(' ');
    out.push({ family, text: text.length > 80 ? `${text.slice(0, 77)}...` : text, needs: NEEDS[family] });
  }
  return out;
}
