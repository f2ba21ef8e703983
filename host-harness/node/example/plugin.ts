/**
 * The plugin's actions, as a NocoBase plugin's server side would hold them: configure a
 * provider, connect an account, sync it, send, reply, modify and keep drafts. Each action loads
 * what the component needs from the store, makes the call, and stores what comes back, the
 * refreshed account first, even from a failure.
 */
import {
  EmailManager,
  EmailManagerError,
  type Account,
  type ModifyAction,
  type Outgoing,
  type App,
  type AppConfig,
  type Provider,
  type ReplyMode,
  type SyncRequest,
} from "../src/index.js";
import type { AccountView, MailStore } from "./store.js";

/** A line of the plugin's log. Never holds a secret: errors are the component's scrubbed messages. */
export type Logger = (line: string) => void;

/** What one sync of an account to the end brought. */
export interface SyncTally {
  /** Pages applied. */
  pages: number;
  /** Messages new or changed. */
  messages: number;
  /** Messages deleted (or moved out of the synced folders). */
  deleted: number;
  /** Read, star and label changes. */
  changes: number;
  /** Messages the account has stored after the sync. */
  stored: number;
}

/** A reply, reply all or forward of a synced message. */
export interface ReplyInput extends Partial<Omit<Outgoing, "original">> {
  /** Reply, reply all or forward. */
  mode: ReplyMode;
}

/** The email plugin: the component, the store, and a log. */
export class EmailPlugin {
  /** The component. */
  readonly manager: EmailManager;
  /** The plugin's tables. */
  readonly store: MailStore;
  readonly #log: Logger;
  /** The sync running for each account: a second request for the same account joins it. */
  readonly #syncing = new Map<number, Promise<SyncTally>>();
  /**
   * Hears of each account connected (as a NocoBase plugin listens to its collection's
   * `afterCreate`): the example's sync job schedules it.
   */
  onAccountConnected: (id: number) => void = () => {};
  /** The `sync-request` fields every sync uses (page size, first-sync bounds). */
  readonly syncDefaults: Omit<SyncRequest, "cursor">;

  /** A plugin over `manager` and `store`; `syncDefaults` shapes every sync request. */
  constructor(manager: EmailManager, store: MailStore, log: Logger, syncDefaults: Partial<SyncRequest> = {}) {
    this.manager = manager;
    this.store = store;
    this.#log = log;
    this.syncDefaults = { folders: [], ...syncDefaults };
  }

  /** Validates and stores an admin's OAuth app registration; returns it without its secret. */
  async configureApp(config: AppConfig): Promise<Omit<App, "clientSecret">> {
    const app = await this.manager.configureApp(config);
    this.store.putApp(app);
    this.#log(`configured ${app.provider} (client ${app.clientId})`);
    const { clientSecret: _secret, ...shown } = app;
    return shown;
  }

  /** Starts connecting a mailbox: the URL to send the user's browser to. */
  async beginConnect(provider: Provider, loginHint?: string): Promise<string> {
    const pending = await this.manager.beginAuth(this.#app(provider), { loginHint });
    this.store.putPending(provider, pending);
    return pending.authorizationUrl;
  }

  /**
   * Completes a connect flow from the query of the provider's redirect to the callback route;
   * the callback URL given to the component is the registered redirect URI with that query.
   */
  async finishConnect(query: URLSearchParams): Promise<AccountView> {
    const taken = this.store.takePending(query.get("state") ?? "");
    if (!taken) {
      throw new PluginError(400, "unknown-state", "no connect flow is waiting for this callback; start again");
    }
    const app = this.#app(taken.provider);
    const callback = new URL(app.redirectUri);
    callback.search = query.toString();
    const account = await this.manager.completeAuth(app, taken.pending, callback.href);
    const id = this.store.putAccount(account);
    this.#log(`connected ${account.provider} account ${id}`);
    this.onAccountConnected(id);
    return this.store.account(id)!.view;
  }

  /**
   * Syncs account `id` until no more pages are ready, each page stored with its cursor. While a
   * sync of the account runs, another request for it gets the running one's result.
   */
  syncAccount(id: number): Promise<SyncTally> {
    const running = this.#syncing.get(id);
    if (running) return running;
    const sync = this.#syncToEnd(id).finally(() => this.#syncing.delete(id));
    this.#syncing.set(id, sync);
    return sync;
  }

  async #syncToEnd(id: number): Promise<SyncTally> {
    const tally = { pages: 0, messages: 0, deleted: 0, changes: 0, stored: 0 };
    for (;;) {
      const page = await this.#withAccount(id, (app, account) =>
        this.manager.sync(app, account, { ...this.syncDefaults, cursor: this.store.syncState(id).cursor ?? undefined }),
      );
      this.store.applyPage(id, page);
      tally.pages += 1;
      tally.messages += page.messages.length;
      tally.deleted += page.deleted.length;
      tally.changes += page.changes.length;
      for (const warning of page.warnings) this.#log(`account ${id}: sync warning: ${warning}`);
      if (page.fullResync) this.#log(`account ${id}: full resync: ${page.fullResync}`);
      if (!page.more) break;
    }
    tally.stored = this.store.count(id);
    this.#log(`synced account ${id}: ${tally.pages} pages, ${tally.messages} messages, ${tally.deleted} deleted, ${tally.changes} changed`);
    return tally;
  }

  /** Sends a new message from account `id`. */
  async send(id: number, message: Outgoing): Promise<{ id: string; threadId?: string }> {
    const sent = await this.#withAccount(id, (app, account) => this.manager.send(app, account, message));
    this.#log(`account ${id}: sent a message`);
    return { id: sent.id, threadId: sent.threadId };
  }

  /** Replies to, replies all to or forwards the synced message `messageId` of account `id`. */
  async reply(id: number, messageId: string, input: ReplyInput): Promise<{ id: string; threadId?: string }> {
    const { mode, ...rest } = input;
    return this.send(id, { ...emptyOutgoing(), ...rest, original: { messageId, mode } });
  }

  /** Applies `action` to messages `ids` of account `id`; one outcome per id. */
  async modify(id: number, ids: string[], action: ModifyAction): Promise<Array<{ id: string; error?: string }>> {
    const result = await this.#withAccount(id, (app, account) => this.manager.modify(app, account, { ids, action }));
    return result.outcomes.map((o) => (o.outcome.tag === "err" ? { id: o.id, error: o.outcome.val.tag } : { id: o.id }));
  }

  /** Saves a draft of account `id` (a new one, or replaces `draftId`). */
  async saveDraft(id: number, draftId: string | undefined, message: Outgoing): Promise<{ id: string; messageId: string }> {
    const saved = await this.#withAccount(id, (app, account) => this.manager.saveDraft(app, account, draftId, message));
    return { id: saved.id, messageId: saved.messageId };
  }

  /** Sends draft `draftId` of account `id`. */
  async sendDraft(id: number, draftId: string): Promise<{ id: string; threadId?: string }> {
    const sent = await this.#withAccount(id, (app, account) => this.manager.sendDraft(app, account, draftId));
    return { id: sent.id, threadId: sent.threadId };
  }

  /** Deletes draft `draftId` of account `id`. */
  async deleteDraft(id: number, draftId: string): Promise<void> {
    await this.#withAccount(id, (app, account) => this.manager.deleteDraft(app, account, draftId));
  }

  /** Lists the folders of account `id` and stores them. */
  async listFolders(id: number) {
    const list = await this.#withAccount(id, (app, account) => this.manager.listFolders(app, account));
    this.store.putFolders(id, list.folders);
    return list.folders;
  }

  /**
   * Calls `call` with the app and account `id`, and stores the refreshed account it
   * returns, from its result or its failure; an account whose grant is gone is marked for
   * reconnecting.
   */
  async #withAccount<R extends { account?: Account }>(id: number, call: (app: App, account: Account) => Promise<R>): Promise<R> {
    const stored = this.store.account(id);
    if (!stored) throw new PluginError(404, "no-account", `no account ${id}`);
    try {
      const result = await call(this.#app(stored.view.provider), stored.account);
      if (result.account) this.store.updateTokens(id, result.account);
      return result;
    } catch (error) {
      if (error instanceof EmailManagerError) {
        if (error.account) this.store.updateTokens(id, error.account);
        if (error.tag === "reauthorization-required") this.store.setStatus(id, "reauthorize");
      }
      throw error;
    }
  }

  #app(provider: Provider): App {
    const app = this.store.app(provider);
    if (!app) throw new PluginError(404, "no-app", `no ${provider} app is configured`);
    return app;
  }
}

/** A refusal of the plugin itself (not of the component), with the HTTP status to answer. */
export class PluginError extends Error {
  /** The HTTP status. */
  readonly status: number;
  /** A short code. */
  readonly code: string;

  /** A refusal with `status`, `code` and a message for the user. */
  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = "PluginError";
    this.status = status;
    this.code = code;
  }
}

/** An outgoing message with every list empty and no subject. */
export function emptyOutgoing(): Outgoing {
  return { to: [], cc: [], bcc: [], replyTo: [], subject: "", attachments: [] };
}
