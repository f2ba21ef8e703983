/**
 * JSON for the component's records, which hold `bigint`s (`u64` times and sizes): a tagged form
 * that round-trips for storage, and plain numbers for HTTP answers.
 */

/** `value` as JSON in which each bigint is `{"$bigint":"123"}`, read back by {@link fromStored}. */
export function toStored(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === "bigint" ? { $bigint: v.toString() } : v));
}

/** A value written by {@link toStored}, with its bigints back. */
export function fromStored<T>(text: string): T {
  return JSON.parse(text, (_key, v: unknown) =>
    v !== null && typeof v === "object" && "$bigint" in v ? BigInt((v as { $bigint: string }).$bigint) : v,
  ) as T;
}

/** `value` as JSON for an HTTP answer: bigints as numbers, byte arrays as base64. */
export function toResponse(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === "bigint") return Number(v);
    if (v instanceof Uint8Array) return Buffer.from(v).toString("base64");
    return v;
  });
}
