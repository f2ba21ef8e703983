/**
 * The `wasi:http/outgoing-handler` a worker hands the component: the shim's handler behind the
 * {@link HttpPolicy}. A denied request fails with the error code `HTTP-request-denied` (the
 * component reports a `transport` error); a routed one is rewritten before it is sent.
 */
import { decide, logEntry, type HttpPolicy, type RequestLogEntry } from "./policy.js";

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

/** A `wasi:http/outgoing-handler` implementation, as jco expects it. */
export interface OutgoingHandler {
  /** Sends `request`; throws a `wasi:http` error code to refuse it. */
  handle(request: unknown, options: unknown): unknown;
}

/** `inner` behind `policy`; `log` hears of every request, allowed or denied. */
export function guardedHandler(policy: HttpPolicy, inner: OutgoingHandler, log: (entry: RequestLogEntry) => void): OutgoingHandler {
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
      return inner.handle(request, options);
    },
  };
}
