/**
 * The outgoing-HTTP policy the host applies to every request the component makes: an allowlist
 * of hosts, an optional route of those hosts to a sandbox, and the request log entry.
 *
 * A policy is plain data, so that it can be handed to each worker thread as it is; {@link decide}
 * is the one function that reads it.
 */

/**
 * Every host the component talks to: Google's and Microsoft's OAuth and mail API hosts, and
 * Outlook's upload hosts (the pre-authenticated URLs of Graph upload sessions).
 */
export const PROVIDER_HOSTS: readonly string[] = Object.freeze([
  "accounts.google.com",
  "oauth2.googleapis.com",
  "gmail.googleapis.com",
  "login.microsoftonline.com",
  "graph.microsoft.com",
  "outlook.office.com",
  "outlook.office365.com",
]);

/** The longest the host lets each stage of a request take, whatever the component asks for. */
export interface RequestTimeouts {
  /** Establishing the connection, in milliseconds. */
  readonly connectMs: number;
  /** From the request sent to the first byte of the answer, in milliseconds. */
  readonly firstByteMs: number;
  /** Between two pieces of the answer's body, in milliseconds. */
  readonly betweenBytesMs: number;
}

/** 30 s to connect, 120 s to the first byte, 60 s between bytes (as the wasmtime harness). */
export const DEFAULT_TIMEOUTS: RequestTimeouts = Object.freeze({ connectMs: 30_000, firstByteMs: 120_000, betweenBytesMs: 60_000 });

/** Which hosts the component may reach, and where each one's requests go. */
export interface HttpPolicy {
  /** Hosts the component may reach (lower case, exact match). Every other host is denied. */
  readonly allow: readonly string[];
  /**
   * Allowed hosts whose requests go to another base URL instead, in path-prefix form: a request
   * for `https://HOST/PATH` is sent to `BASE/HOST/PATH` (the form the sandbox understands from a
   * client that sets `Host` from the URL it connects to, as jco's preview2-shim does).
   */
  readonly routes: Readonly<Record<string, string>>;
  /** Bounds on the component's request timeouts; {@link DEFAULT_TIMEOUTS} when absent. */
  readonly timeouts?: RequestTimeouts;
}

/** Allows the real provider hosts, unrouted: for use with real credentials. */
export function providersPolicy(): HttpPolicy {
  return { allow: [...PROVIDER_HOSTS], routes: {} };
}

/** Routes every provider host to `baseUrl` (a sandbox), and allows nothing else. */
export function sandboxPolicy(baseUrl: string): HttpPolicy {
  const base = new URL(baseUrl).toString().replace(/\/$/, "");
  return {
    allow: [...PROVIDER_HOSTS],
    routes: Object.fromEntries(PROVIDER_HOSTS.map((host) => [host, base])),
  };
}

/** One request the component made, as the policy saw it. Holds nothing secret. */
export interface RequestLogEntry {
  /** The HTTP method, upper case. */
  method: string;
  /** The host the component asked for, lower case. */
  host: string;
  /** The path, without the query. */
  path: string;
  /** The names of the query parameters, in order; their values are never recorded. */
  query: string[];
  /** Whether the policy refused the request. */
  denied: boolean;
  /** Whether the request was sent to a route's base URL instead of the host. */
  routed: boolean;
}

/** The policy's answer for one request: denied, or the URL parts to send it to. */
export type Decision =
  | { readonly denied: true }
  | {
      readonly denied: false;
      /** `http` or `https`. */
      readonly scheme: "http" | "https";
      /** `host[:port]`. */
      readonly authority: string;
      /** The path and query to send. */
      readonly pathWithQuery: string;
      /** Whether a route changed the destination. */
      readonly routed: boolean;
    };

/**
 * Decides about one request for `scheme://authority/pathWithQuery`: denied when the host is not
 * on the allowlist (a port other than the scheme's default counts as another host), else where
 * to send it.
 */
export function decide(policy: HttpPolicy, scheme: string, authority: string, pathWithQuery: string): Decision {
  const host = hostOf(authority, scheme);
  if (host === undefined || !policy.allow.includes(host)) {
    return { denied: true };
  }
  const base = policy.routes[host];
  if (base === undefined) {
    return { denied: false, scheme: scheme === "http" ? "http" : "https", authority, pathWithQuery, routed: false };
  }
  const target = new URL(base);
  const prefix = target.pathname.replace(/\/$/, "");
  return {
    denied: false,
    scheme: target.protocol === "http:" ? "http" : "https",
    authority: target.host,
    pathWithQuery: `${prefix}/${host}${pathWithQuery.startsWith("/") ? "" : "/"}${pathWithQuery}`,
    routed: true,
  };
}

/** The log entry of one request: method, host, path and query names; nothing else. */
export function logEntry(method: string, authority: string, pathWithQuery: string, decision: Decision): RequestLogEntry {
  const at = pathWithQuery.indexOf("?");
  const path = at < 0 ? pathWithQuery : pathWithQuery.slice(0, at);
  const query = at < 0 ? [] : [...new URLSearchParams(pathWithQuery.slice(at + 1)).keys()];
  return {
    method: method.toUpperCase(),
    host: authority.split(":")[0]!.toLowerCase(),
    path,
    query,
    denied: decision.denied,
    routed: !decision.denied && decision.routed,
  };
}

/** The lower-case host of `authority`, or undefined when it names a port other than the default. */
function hostOf(authority: string, scheme: string): string | undefined {
  const [host, port, ...rest] = authority.toLowerCase().split(":");
  if (rest.length > 0 || !host) {
    return undefined;
  }
  const defaultPort = scheme === "http" ? "80" : "443";
  if (port !== undefined && port !== defaultPort) {
    return undefined;
  }
  return host;
}
