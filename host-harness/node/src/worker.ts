/**
 * A worker thread of the pool: one instance of the component, called one call at a time.
 *
 * The preview2-shim serves the component's I/O from a helper thread and blocks the calling
 * thread with `Atomics.wait` while the component waits on it, so calls run here, never on the
 * main thread. The component sees no environment variables, no arguments and only the policy's
 * hosts.
 */
import { parentPort, workerData } from "node:worker_threads";
import { http } from "@bytecodealliance/preview2-shim";
import { WASIShim } from "@bytecodealliance/preview2-shim/instantiation";
import { guardedHandler, type OutgoingHandler } from "./outgoing.js";
import type { CallMessage, WorkerMessage, WorkerSetup } from "./protocol.js";

const setup = workerData as WorkerSetup;
const port = parentPort!;
const post = (message: WorkerMessage) => port.postMessage(message);

type Api = Record<string, (...args: unknown[]) => unknown>;
type Instantiate = (
  getCoreModule: (name: string) => WebAssembly.Module,
  imports: object,
) => Promise<{ auth: Api; sync: Api; send: Api; mailbox: Api }>;

const { instantiate } = (await import(setup.componentUrl)) as { instantiate: Instantiate };
const imports = {
  ...new WASIShim({ sandbox: { env: {}, args: [] } }).getImportObject(),
  "wasi:http/outgoing-handler": guardedHandler(
    setup.policy,
    http.outgoingHandler as OutgoingHandler,
    (entry) => post({ type: "log", entry }),
    () => new http.types.RequestOptions(),
  ),
};

/** A fresh instance of the component: the functions of its four interfaces, by name (no two share one). */
async function instance(): Promise<Api> {
  const root = await instantiate((name) => {
    const module = setup.coreModules[name];
    if (!module) throw new Error(`no core module ${name}`);
    return module;
  }, imports);
  return { ...root.auth, ...root.sync, ...root.send, ...root.mailbox };
}

let current: Api | undefined = await instance();
post({ type: "ready" });

let chain = Promise.resolve();
port.on("message", (call: CallMessage) => {
  // Calls arrive one at a time from the pool; the chain keeps them in order across the
  // asynchronous instantiation of a fresh instance.
  chain = chain.then(() => run(call));
});

/** Makes one call and posts its outcome; then readies the instance for the next call. */
async function run(call: CallMessage): Promise<void> {
  current ??= await instance();
  try {
    const fn = current[call.fn];
    if (typeof fn !== "function") throw new Error(`the component exports no ${call.fn}`);
    post({ type: "ok", id: call.id, value: fn(...call.args) });
  } catch (error) {
    if (error !== null && typeof error === "object" && Object.hasOwn(error, "payload")) {
      post({ type: "err", id: call.id, payload: (error as { payload: unknown }).payload });
    } else {
      current = undefined; // a trapped instance may not be called again
      const trapped = error instanceof WebAssembly.RuntimeError;
      post({
        type: "trap",
        id: call.id,
        reason: trapped ? "trap" : "invalid-argument",
        message: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      });
    }
  }
  if (setup.freshInstancePerCall || current === undefined) {
    current = await instance();
  }
}
