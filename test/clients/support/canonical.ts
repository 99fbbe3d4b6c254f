// What a driver returned, as plain JSON that keeps every distinction a user could notice:
// -0 and NaN, bigint vs number vs string, Date (and invalid dates), bytes, typed arrays, and
// the key order of objects (jsonb's key ordering is visible to users).

export type Canonical = null | boolean | number | string | Canonical[] | { [tag: string]: Canonical };

export function canonical(value: unknown): Canonical {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case "boolean":
    case "string":
      return value;
    case "number":
      return Number.isFinite(value) && !Object.is(value, -0) ? value : { $number: Object.is(value, -0) ? "-0" : String(value) };
    case "bigint":
      return { $bigint: value.toString() };
    case "object":
      break;
    default:
      return { [`$${typeof value}`]: String(value) };
  }
  if (value instanceof Date) return { $date: Number.isNaN(value.getTime()) ? "Invalid Date" : value.toISOString() };
  if (Buffer.isBuffer(value)) return { $bytes: value.toString("hex") };
  if (value instanceof Uint8Array) return { $Uint8Array: Buffer.from(value).toString("hex") };
  if (ArrayBuffer.isView(value)) {
    const name = value.constructor.name;
    return { [`$${name}`]: Array.from(value as unknown as ArrayLike<number | bigint>, canonical) };
  }
  if (Array.isArray(value)) return value.map(canonical);
  return { $object: Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, canonical(v)]) };
}

/** A driver error as the fields a user would look at. */
export function canonicalError(error: unknown): { error: Canonical } {
  const e = error as { code?: unknown; errno?: unknown; message?: unknown; detail?: unknown };
  const code = typeof e?.code === "string" && /^[0-9A-Z]{5}$/.test(e.code) ? e.code : typeof e?.errno === "string" ? e.errno : null;
  return { error: { code, message: typeof e?.message === "string" ? e.message : String(error) } };
}
