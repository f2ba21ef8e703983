/**
 * The errors a call can end with: the component's own `error` variant as a typed JS error, and
 * the host's (a call past its time limit, a worker that died, a trap in the component).
 */
import type { Account, Failure, WitError } from "./types.js";

/** The case names of the WIT `error` variant. */
export type ErrorTag = WitError["tag"];

/** The payload of the case `T` of the WIT `error` variant. */
export type ErrorPayload<T extends ErrorTag = ErrorTag> = Extract<WitError, { tag: T }>["val"];

/**
 * A call the component answered with its `error` variant (or a `failure`, for a call made with
 * an account). `tag` says what the host should do (see the WIT), `payload` holds the case's
 * record or string, `error` is the variant itself (switch on `error.tag` to narrow `error.val`),
 * and `account` is the refreshed account a `failure` carried: store it whatever the error, since
 * a refresh token the provider rotated is only there. Never holds a secret: the component
 * scrubs them from its errors.
 */
export class EmailManagerError extends Error {
  /** The WIT `error` value: `{ tag, val }`. */
  readonly error: WitError;
  /** The account with refreshed tokens, when the call refreshed them before failing. */
  readonly account: Account | undefined;
  /** The export that failed, as named in the WIT (`sync`, `complete-auth`...). */
  readonly call: string;

  /** The error of `call` from the component's `error` value and the `failure`'s account. */
  constructor(call: string, error: WitError, account?: Account) {
    super(`${call}: ${describe(error)}`);
    this.name = "EmailManagerError";
    this.error = error;
    this.account = account;
    this.call = call;
  }

  /** The case of the WIT `error` variant. */
  get tag(): ErrorTag {
    return this.error.tag;
  }

  /** The case's payload: a record (`provider-failure`, `invalid-field`, `transport-failure`...). */
  get payload(): ErrorPayload {
    return this.error.val;
  }

  /** For `retry-later`: the wait the provider named, in seconds, when it named one. */
  get retryAfterSeconds(): number | undefined {
    return this.error.tag === "retry-later" ? this.error.val.retryAfterSeconds : undefined;
  }

  /** For `invalid-input`: the rejected field's name. */
  get field(): string | undefined {
    return this.error.tag === "invalid-input" ? this.error.val.field : undefined;
  }

  /** The error a call returned: an `error` (calls without an account) or a `failure`. */
  static from(call: string, payload: WitError | Failure): EmailManagerError {
    return "tag" in payload ? new EmailManagerError(call, payload) : new EmailManagerError(call, payload.error, payload.account);
  }
}

/** Why the host ended a call the component did not answer. */
export type HostErrorReason = "timeout" | "worker-exit" | "trap" | "invalid-argument" | "closed";

/**
 * A call the host ended: past its time limit (its worker was terminated and replaced), in a
 * worker that died, in a trap of the component (the instance is replaced), with an argument the
 * WIT cannot carry (a JS value of the wrong shape, refused by the bindings), or after `close`.
 */
export class HostError extends Error {
  /** Why the call ended. */
  readonly reason: HostErrorReason;
  /** The export that was called, as named in the WIT. */
  readonly call: string;

  /** A host error of `call`; `detail` says more (never a secret: no argument is quoted). */
  constructor(call: string, reason: HostErrorReason, detail: string) {
    super(`${call}: ${detail}`);
    this.name = "HostError";
    this.reason = reason;
    this.call = call;
  }
}

/** One line for a WIT `error`: its case, then the field, code, status and message it names. */
export function describe(error: WitError): string {
  const record = error.val as {
    message?: string;
    field?: string;
    feature?: string;
    code?: string;
    status?: number;
    reason?: string;
    retryAfterSeconds?: number;
  };
  const parts = [
    record.field && `${record.field}:`,
    record.feature && `${record.feature}:`,
    record.reason && `${record.reason}:`,
    record.message,
    record.code && `(${record.code})`,
    record.status !== undefined && `[HTTP ${record.status}]`,
    record.retryAfterSeconds !== undefined && `retry after ${record.retryAfterSeconds} s`,
  ].filter(Boolean);
  return `${error.tag}: ${parts.join(" ")}`;
}
