/**
 * How a VM's settings come about: `defaults` deep-merged with the VM's own keys. Maps merge key
 * by key at every depth; lists and scalars replace. A key set to null in the override removes it
 * from the result (as in Helm values), which is how a VM drops a default: `define: null`, or
 * `networks: { "VM Network": { network: null, bridge: br0 } }` to switch a mapping's kind.
 */

export type PlainMap = Record<string, unknown>;

export function isPlainMap(value: unknown): value is PlainMap {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function deepMerge(base: unknown, override: unknown): unknown {
  if (override === undefined) return clone(base);
  if (!isPlainMap(base) || !isPlainMap(override)) return clone(override);
  const result: PlainMap = clone(base) as PlainMap;
  for (const [key, value] of Object.entries(override)) {
    if (value === null) delete result[key];
    else result[key] = key in result ? deepMerge(result[key], value) : withoutNulls(value);
  }
  return result;
}

/** A copy without the keys set to null (a null has nothing to remove where there was nothing). */
export function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (!isPlainMap(value)) return value;
  const out: PlainMap = {};
  for (const [key, v] of Object.entries(value)) if (v !== null) out[key] = withoutNulls(v);
  return out;
}

function clone(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(clone);
  if (!isPlainMap(value)) return value;
  const out: PlainMap = {};
  for (const [key, v] of Object.entries(value)) out[key] = clone(v);
  return out;
}
