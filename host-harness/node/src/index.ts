/**
 * The Node host of the email-manager component: {@link EmailManager} (the exports as async
 * methods on a worker pool), the HTTP policy, the typed errors and the WIT types.
 */
export { EmailManager, accountKey, type EmailManagerOptions, type CallOptions } from "./client.js";
export { EmailManagerError, HostError, describe, type ErrorTag, type ErrorPayload, type HostErrorReason } from "./errors.js";
export {
  PROVIDER_HOSTS,
  DEFAULT_TIMEOUTS,
  providersPolicy,
  sandboxPolicy,
  decide,
  type HttpPolicy,
  type RequestTimeouts,
  type RequestLogEntry,
  type Decision,
} from "./policy.js";
export { KeyedQueue } from "./keyed-queue.js";
export type * from "./types.js";
