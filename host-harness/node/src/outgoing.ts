/**
 * The `wasi:http/outgoing-handler` a worker hands the component: the shim's handler behind the
 * {@link HttpPolicy}. A denied request fails with the error code `HTTP-request-denied` (the
 * component reports a `transport` error); a routed one is rewritten before it is sent; the
 * component's timeouts are kept within the policy's.
 */
import { DEFAULT_TIMEOUTS, decide, logEntry, type HttpPolicy, type RequestLogEntry, type RequestTimeouts } from "./policy.js";

/** The parts of the shim's `wasi:http/types.outgoing-request` the policy reads and rewrites. */
interface OutgoingRequest {
  method(): { tag: string; val?: string };
  scheme(): { tag: string; val?: string } | undefined;
  setScheme(scheme: { tag: string; val?: string }): void;
  authority(): string | undefined;
  setAuthority(authority: string): void;
  pathWithQuery(): string | undefined;
  setPathWithQuery(path: string): void;
}

/** The shim's `wasi:http/types.request-options`: durations in nanoseconds. */
interface RequestOptions {
  connectTimeout(): bigint | undefined;
  setConnectTimeout(ns: bigint): void;
  firstByteTimeout(): bigint | undefined;
  setFirstByteTimeout(ns: bigint): void;
  betweenBytesTimeout(): bigint | undefined;
  setBetweenBytesTimeout(ns: bigint): void;
}

/** A `wasi:http/outgoing-handler` implementation, as jco expects it. */
export interface OutgoingHandler {
  /** Sends `request`; throws a `wasi:http` error code to refuse it. */
  handle(request: unknown, options: unknown): unknown;
}

/**
 * `inner` behind `policy`; `log` hears of every request, allowed or denied; `newOptions` makes
 * the request options for a request sent without any.
 */
export function guardedHandler(
  policy: HttpPolicy,
  inner: OutgoingHandler,
  log: (entry: RequestLogEntry) => void,
  newOptions: () => unknown,
): OutgoingHandler {
  return {
    handle(raw, options) {
      const request = raw as OutgoingRequest;
      const method = request.method();
      const scheme = request.scheme();
      const schemeName = scheme === undefined ? "https" : scheme.tag === "other" ? (scheme.val ?? "").toLowerCase() : scheme.tag.toLowerCase();
      const authority = request.authority() ?? "";
      const pathWithQuery = request.pathWithQuery() ?? "/";
      const decision = decide(policy, schemeName, authority, pathWithQuery);
      log(logEntry(method.val ?? method.tag, authority, pathWithQuery, decision));
      if (decision.denied) {
        throw { tag: "HTTP-request-denied" };
      }
      if (decision.routed) {
        request.setScheme({ tag: decision.scheme === "http" ? "HTTP" : "HTTPS" });
        request.setAuthority(decision.authority);
        request.setPathWithQuery(decision.pathWithQuery);
      }
      const bounded = (options ?? newOptions()) as RequestOptions;
      bound(bounded, policy.timeouts ?? DEFAULT_TIMEOUTS);
      return inner.handle(request, bounded);
    },
  };
}

/** Sets each of `options`' timeouts that is absent or longer than `most` to `most`. */
function bound(options: RequestOptions, most: RequestTimeouts): void {
  const ns = (ms: number) => BigInt(ms) * 1_000_000n;
  const within = (asked: bigint | undefined, limit: bigint) => (asked === undefined || asked > limit ? limit : undefined);
  const connect = within(options.connectTimeout(), ns(most.connectMs));
  if (connect !== undefined) options.setConnectTimeout(connect);
  const firstByte = within(options.firstByteTimeout(), ns(most.firstByteMs));
  if (firstByte !== undefined) options.setFirstByteTimeout(firstByte);
  const betweenBytes = within(options.betweenBytesTimeout(), ns(most.betweenBytesMs));
  if (betweenBytes !== undefined) options.setBetweenBytesTimeout(betweenBytes);
}
