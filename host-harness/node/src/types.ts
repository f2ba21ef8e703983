/**
 * The WIT types of `email:manager`, as jco generates them from the component (records as
 * interfaces with camelCase fields, `u64` as `bigint`, `option<T>` as an optional field,
 * variants as `{ tag, val }`), under the names a host uses.
 */
export type * from "./generated/wit.js";
export type { Error as WitError } from "./generated/wit.js";
