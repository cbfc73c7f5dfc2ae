/**
 * Kubernetes resource quantities (`512Mi`, `1.5Gi`, `100m`, `1e3`, `268435456`), parsed exactly.
 *
 * Grammar (k8s.io/apimachinery/pkg/api/resource, quantity.go):
 *   quantity := signedNumber suffix
 *   number   := digits | digits.digits | digits. | .digits
 *   suffix   := Ki | Mi | Gi | Ti | Pi | Ei          (powers of 1024)
 *             | n | u | m | "" | k | M | G | T | P | E   (powers of 1000; kilo is lowercase k)
 *             | e<signed int> | E<signed int>       (decimal exponent)
 * `K` (uppercase) is not a Kubernetes suffix and `1K` is rejected by the API server, so it is
 * rejected here too. A value is kept as an exact fraction (bigints) so `1Gi` vs `1073741824`
 * or `0.5Gi` vs `512Mi` compare exactly.
 */

export interface Quantity {
  /** value = num / den, den > 0 */
  num: bigint;
  den: bigint;
}

const BINARY: Record<string, bigint> = { Ki: 1n << 10n, Mi: 1n << 20n, Gi: 1n << 30n, Ti: 1n << 40n, Pi: 1n << 50n, Ei: 1n << 60n };
const DECIMAL: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const QUANTITY = /^([+-]?)(\d+\.?\d*|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|[eE][+-]?\d+|[numkMGTPE]?)$/;

/** The quantity a manifest value stands for (a string, or a YAML number), or undefined when it is not a valid quantity. */
export function parseQuantity(v: unknown): Quantity | undefined {
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return undefined;
    v = String(v);
  }
  if (typeof v !== 'string') return undefined;
  const m = QUANTITY.exec(v.trim());
  if (!m) return undefined;
  const [, sign, number, suffix] = m;
  const [whole, frac = ''] = number.split('.');
  let num = BigInt((whole || '0') + frac) * (sign === '-' ? -1n : 1n);
  let den = 10n ** BigInt(frac.length);
  if (suffix in BINARY) num *= BINARY[suffix];
  else {
    const exp = suffix in DECIMAL ? DECIMAL[suffix] : Number(suffix.slice(1));
    if (Math.abs(exp) > 1000) return undefined;
    if (exp >= 0) num *= 10n ** BigInt(exp);
    else den *= 10n ** BigInt(-exp);
  }
  return { num, den };
}

/** -1, 0 or 1 as a is less than, equal to or greater than b. */
export function compareQuantity(a: Quantity, b: Quantity): -1 | 0 | 1 {
  const l = a.num * b.den;
  const r = b.num * a.den;
  return l < r ? -1 : l > r ? 1 : 0;
}
