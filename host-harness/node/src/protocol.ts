/** The messages between the pool (main thread) and its worker threads. */
import type { HttpPolicy, RequestLogEntry } from "./policy.js";

/** What a worker is started with. */
export interface WorkerSetup {
  /** The URL of jco's generated `email-manager.js` (instantiation mode). */
  readonly componentUrl: string;
  /** The component's core modules, compiled once on the main thread, by file name. */
  readonly coreModules: Readonly<Record<string, WebAssembly.Module>>;
  /** The policy for the component's outgoing requests. */
  readonly policy: HttpPolicy;
  /** Whether every call gets a fresh instance (the component keeps no state between calls). */
  readonly freshInstancePerCall: boolean;
}

/** A call the pool asks a worker to make: export `fn` (camelCase, as jco names it) with `args`. */
export interface CallMessage {
  readonly id: number;
  readonly fn: string;
  readonly args: readonly unknown[];
}

/** What a worker posts back. */
export type WorkerMessage =
  | { readonly type: "ready" }
  | { readonly type: "log"; readonly entry: RequestLogEntry }
  | { readonly type: "ok"; readonly id: number; readonly value: unknown }
  /** The component's `error` or `failure` value. */
  | { readonly type: "err"; readonly id: number; readonly payload: unknown }
  /**
   * The component trapped (`trap`), or the bindings refused an argument the WIT cannot carry
   * (`invalid-argument`); either way the instance is dropped.
   */
  | { readonly type: "trap"; readonly id: number; readonly reason: "trap" | "invalid-argument"; readonly message: string };
