/**
 * Exclusion rules as users write them: a map in a profile's `exclude:` list, or the one-line form
 * that `--exclude` takes (and a profile may use too):
 *
 *   kind=DaemonSet,StatefulSet;namespace=kube-system;name=calico-*;labels=app=calico,tier!=web;
 *   image=*\/calico/*;container=install-cni;transforms=run-as-non-root,drop-all-capabilities;reason=CNI
 *
 * Fields are separated by `;`; a field lists alternatives with `,` (except `labels`, which is one
 * kubectl label selector, and `reason`).
 */
import type { ExcludeRule } from '../core/exemptions.js';
import { parseSelector } from '../core/exemptions.js';
import { isPlainObject } from '../lib/json.js';

const LIST_FIELDS: Record<string, keyof ExcludeRule> = {
  kind: 'kinds',
  kinds: 'kinds',
  namespace: 'namespaces',
  namespaces: 'namespaces',
  name: 'names',
  names: 'names',
  image: 'images',
  images: 'images',
  container: 'containers',
  containers: 'containers',
  transform: 'transforms',
  transforms: 'transforms',
};

export const EXCLUDE_SYNTAX = 'kind=K1,K2;namespace=NS;name=GLOB;labels=SELECTOR;image=GLOB;container=NAME;transforms=ID,ID;reason=TEXT';

/** Parses the one-line form; throws an Error saying what is wrong. */
export function parseExcludeString(text: string, source: string): ExcludeRule {
  const rule: ExcludeRule = { source };
  const fields = text.split(';').map((s) => s.trim()).filter(Boolean);
  if (fields.length === 0) throw new Error(`empty exclude rule (syntax: ${EXCLUDE_SYNTAX})`);
  for (const field of fields) {
    const eq = field.indexOf('=');
    if (eq <= 0) throw new Error(`cannot read "${field}": each field is key=value (syntax: ${EXCLUDE_SYNTAX})`);
    const key = field.slice(0, eq).trim();
    const value = field.slice(eq + 1).trim();
    if (key === 'labels' || key === 'label') {
      rule.labels = value;
    } else if (key === 'reason') {
      rule.reason = value;
    } else if (LIST_FIELDS[key]) {
      (rule as any)[LIST_FIELDS[key]] = value.split(',').map((s) => s.trim()).filter(Boolean);
    } else {
      throw new Error(`unknown field "${key}" (known: kind, namespace, name, labels, image, container, transforms, reason)`);
    }
  }
  return checkRule(rule);
}

/** Reads the map form from a profile; throws an Error saying what is wrong. */
export function parseExcludeMap(v: unknown, source: string): ExcludeRule {
  if (typeof v === 'string') return parseExcludeString(v, source);
  if (!isPlainObject(v)) throw new Error('each exclude entry is a map (kinds, namespaces, names, labels, images, containers, transforms, reason) or a one-line rule');
  const rule: ExcludeRule = { source };
  for (const [k, x] of Object.entries(v)) {
    if (k === 'labels') {
      if (typeof x === 'string') rule.labels = x;
      else if (isPlainObject(x)) rule.labels = Object.entries(x).map(([lk, lv]) => `${lk}=${String(lv)}`).join(',');
      else throw new Error('labels is a label selector string (app=web,tier!=db) or a map of labels');
    } else if (k === 'reason') {
      if (typeof x !== 'string') throw new Error('reason is a string');
      rule.reason = x;
    } else if (LIST_FIELDS[k] && LIST_FIELDS[k] === k) {
      const list = typeof x === 'string' ? [x] : x;
      if (!Array.isArray(list) || !list.every((s) => typeof s === 'string')) throw new Error(`${k} is a list of strings`);
      (rule as any)[k] = list;
    } else {
      throw new Error(`unknown key "${k}" in an exclude entry (kinds, namespaces, names, labels, images, containers, transforms, reason)`);
    }
  }
  return checkRule(rule);
}

function checkRule(rule: ExcludeRule): ExcludeRule {
  if (rule.labels !== undefined) parseSelector(rule.labels);
  const matchers = ['kinds', 'namespaces', 'names', 'labels', 'images', 'containers'] as const;
  if (!matchers.some((m) => rule[m] !== undefined)) throw new Error('an exclude rule must match something: kind, namespace, name, labels, image or container');
  return rule;
}

/** Checks that the ids a rule names exist; returns the unknown ones. */
export function unknownIds(rule: ExcludeRule, known: ReadonlySet<string>): string[] {
  return (rule.transforms ?? []).filter((id) => id !== 'all' && !known.has(id));
}
