/**
 * Canonical JSON encoding (RFC 8785 style): object keys sorted by UTF-16 code units, no whitespace,
 * numbers in ECMAScript shortest form, strings exactly as JSON.stringify writes them. Two parties that
 * hold the same value get the same bytes, which is what the hash chain and the signatures are taken over.
 *
 * `undefined` object members are dropped (as JSON.stringify does); non-finite numbers are refused.
 */
export function canonicalize(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError('canonicalize: non-finite number');
      return JSON.stringify(value);
    case 'object': {
      // Plain loops and string building: this runs on every append (hash chain) and every verification.
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i++) {
          if (i > 0) out += ',';
          const v: unknown = value[i];
          out += canonicalize(v === undefined ? null : v);
        }
        return `${out}]`;
      }
      const obj = value as Record<string, unknown>;
      const keys = Object.keys(obj).sort();
      let out = '{';
      let first = true;
      for (const k of keys) {
        const v = obj[k];
        if (v === undefined) continue;
        if (!first) out += ',';
        first = false;
        out += `${JSON.stringify(k)}:${canonicalize(v)}`;
      }
      return `${out}}`;
    }
    default:
      throw new TypeError(`canonicalize: cannot encode ${typeof value}`);
  }
}

/** prevHash of the first entry of every link log. */
export const GENESIS_HASH = '0'.repeat(64);

/** A synchronous SHA-256 over the UTF-8 bytes of a string, returning lowercase hex. */
export type Sha256Hex = (input: string) => string;

/**
 * The bytes an entry's hash is taken over: the canonical encoding of every field except `hash`.
 * Anything added to an entry later (a signature, a quoted hash) is covered automatically.
 */
export function entryHashInput(entry: { hash?: string } & Record<string, unknown>): string {
  if (entry.hash === undefined) return canonicalize(entry);
  const { hash: _omit, ...rest } = entry;
  return canonicalize(rest);
}
