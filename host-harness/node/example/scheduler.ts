/**
 * The periodic sync job: one timer per account, as a NocoBase cron job or event-queue task per
 * account would be. A sync that fails with `retry-later` runs again after the wait it names; an
 * account that must reconnect is skipped until it does.
 */
import { EmailManagerError } from "../src/index.js";
import type { EmailPlugin, Logger } from "./plugin.js";

/** Syncs every active account every `intervalMs`. */
export class SyncScheduler {
  readonly #plugin: EmailPlugin;
  readonly #intervalMs: number;
  readonly #log: Logger;
  readonly #timers = new Map<number, NodeJS.Timeout>();
  #stopped = false;

  /** A scheduler for `plugin`'s accounts; nothing runs before {@link start}. */
  constructor(plugin: EmailPlugin, intervalMs: number, log: Logger) {
    this.#plugin = plugin;
    this.#intervalMs = intervalMs;
    this.#log = log;
  }

  /** Schedules every stored account (and, through {@link add}, each new one). */
  start(): void {
    for (const account of this.#plugin.store.accounts()) this.add(account.id, 0);
  }

  /** Schedules account `id`'s next sync in `delayMs` (unless one is scheduled already). */
  add(id: number, delayMs = this.#intervalMs): void {
    if (this.#stopped || this.#timers.has(id)) return;
    const timer = setTimeout(() => void this.#run(id), delayMs);
    timer.unref();
    this.#timers.set(id, timer);
  }

  /** Cancels every scheduled sync (a running one finishes). */
  stop(): void {
    this.#stopped = true;
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
  }

  async #run(id: number): Promise<void> {
    this.#timers.delete(id);
    const stored = this.#plugin.store.account(id);
    if (!stored || stored.view.status !== "active") return;
    let next = this.#intervalMs;
    try {
      await this.#plugin.syncAccount(id);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.#plugin.store.recordSyncError(id, message);
      this.#log(`account ${id}: sync failed: ${message}`);
      const wait = error instanceof EmailManagerError ? error.retryAfterSeconds : undefined;
      if (wait !== undefined) next = Math.max(next, wait * 1000);
    }
    this.add(id, next);
  }
}
