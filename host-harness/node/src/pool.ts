/**
 * A pool of worker threads, each with its own instance of the component, so that calls never
 * block the event loop. Each worker makes one call at a time; a call past its time limit has its
 * worker terminated and replaced.
 */
import { Worker } from "node:worker_threads";
import { HostError } from "./errors.js";
import type { RequestLogEntry } from "./policy.js";
import type { CallMessage, WorkerMessage, WorkerSetup } from "./protocol.js";

/** What the pool hands back for a call: the value, or the component's error payload. */
export type CallOutcome = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly payload: unknown };

/** One call waiting for, or running on, a worker. */
interface Task {
  readonly call: CallMessage;
  /** The export's WIT name, for errors. */
  readonly name: string;
  readonly timeoutMs: number;
  readonly resolve: (outcome: CallOutcome) => void;
  readonly reject: (error: Error) => void;
}

/** One worker and the task it runs, if any. */
interface Slot {
  worker: Worker;
  task: Task | undefined;
  timer: NodeJS.Timeout | undefined;
}

/** Options of a {@link WorkerPool}. */
export interface PoolOptions {
  /** How many workers (and instances) run calls at once. */
  readonly size: number;
  /** What each worker is started with. */
  readonly setup: WorkerSetup;
  /** The longest a call may take unless the call says otherwise, in milliseconds. */
  readonly timeoutMs: number;
  /** Hears of every request the component makes, on the main thread. */
  readonly onRequest?: (entry: RequestLogEntry) => void;
}

/** A fixed number of workers running calls from one queue, first come first served. */
export class WorkerPool {
  readonly #options: PoolOptions;
  readonly #slots: Slot[] = [];
  readonly #queue: Task[] = [];
  #nextId = 1;
  #closed = false;

  /** Starts `options.size` workers. */
  constructor(options: PoolOptions) {
    this.#options = options;
    for (let i = 0; i < options.size; i++) {
      this.#slots.push(this.#spawn());
    }
  }

  /**
   * Calls export `fn` (jco's camelCase name; `name` is the WIT name, for errors) with `args` on
   * the next free worker, ending it after `timeoutMs`.
   */
  run(fn: string, name: string, args: readonly unknown[], timeoutMs = this.#options.timeoutMs): Promise<CallOutcome> {
    if (this.#closed) {
      return Promise.reject(new HostError(name, "closed", "the pool is closed"));
    }
    return new Promise((resolve, reject) => {
      this.#queue.push({ call: { id: this.#nextId++, fn, args }, name, timeoutMs, resolve, reject });
      this.#dispatch();
    });
  }

  /** Calls waiting for a worker. */
  get waiting(): number {
    return this.#queue.length;
  }

  /** Ends every worker; calls still queued or running fail with a `closed` host error. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const task of this.#queue.splice(0)) {
      task.reject(new HostError(task.name, "closed", "the pool was closed"));
    }
    await Promise.all(
      this.#slots.map((slot) => {
        this.#finish(slot, (task) => task.reject(new HostError(task.name, "closed", "the pool was closed")));
        return slot.worker.terminate();
      }),
    );
  }

  /** A new worker in a new slot. */
  #spawn(): Slot {
    const worker = new Worker(new URL("./worker.js", import.meta.url), { workerData: this.#options.setup });
    const slot: Slot = { worker, task: undefined, timer: undefined };
    worker.on("message", (message: WorkerMessage) => this.#receive(slot, message));
    worker.on("error", (error) => this.#lost(slot, `the worker failed: ${error.message}`));
    worker.on("exit", (code) => this.#lost(slot, `the worker exited with code ${code}`));
    return slot;
  }

  #receive(slot: Slot, message: WorkerMessage): void {
    switch (message.type) {
      case "ready":
        return;
      case "log":
        this.#options.onRequest?.(message.entry);
        return;
      case "ok":
        this.#finish(slot, (task) => task.resolve({ ok: true, value: message.value }));
        break;
      case "err":
        this.#finish(slot, (task) => task.resolve({ ok: false, payload: message.payload }));
        break;
      case "trap":
        this.#finish(slot, (task) =>
          task.reject(
            message.reason === "trap"
              ? new HostError(task.name, "trap", `the component trapped: ${message.message}`)
              : new HostError(task.name, "invalid-argument", `an argument does not fit the WIT: ${message.message}`),
          ),
        );
        break;
    }
    this.#dispatch();
  }

  /** Ends the slot's task with `settle`, if it has one. */
  #finish(slot: Slot, settle: (task: Task) => void): void {
    const task = slot.task;
    clearTimeout(slot.timer);
    slot.task = undefined;
    slot.timer = undefined;
    if (task) settle(task);
  }

  /** The slot's worker is gone (or must go): fail its task and put a new worker in its place. */
  #replace(slot: Slot, error: (task: Task) => HostError): void {
    this.#finish(slot, (task) => task.reject(error(task)));
    const old = slot.worker;
    old.removeAllListeners();
    old.on("error", () => {});
    void old.terminate();
    if (this.#closed) return;
    const fresh = this.#spawn();
    const index = this.#slots.indexOf(slot);
    if (index >= 0) this.#slots[index] = fresh;
    this.#dispatch();
  }

  #lost(slot: Slot, why: string): void {
    if (this.#closed || !this.#slots.includes(slot)) return;
    this.#replace(slot, (task) => new HostError(task.name, "worker-exit", why));
  }

  /** Hands queued tasks to idle workers. */
  #dispatch(): void {
    for (const slot of this.#slots) {
      if (this.#queue.length === 0) return;
      if (slot.task !== undefined) continue;
      const task = this.#queue.shift()!;
      slot.task = task;
      slot.timer = setTimeout(
        () => this.#replace(slot, (t) => new HostError(t.name, "timeout", `no answer within ${t.timeoutMs} ms; its worker was replaced`)),
        task.timeoutMs,
      );
      slot.worker.postMessage(task.call);
    }
  }
}
