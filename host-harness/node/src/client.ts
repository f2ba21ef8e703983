/**
 * `EmailManager`: the component's exports as async methods, run on a worker pool, with calls for
 * the same mailbox one after another.
 */
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { EmailManagerError } from "./errors.js";
import { KeyedQueue } from "./keyed-queue.js";
import { providersPolicy, type HttpPolicy, type RequestLogEntry } from "./policy.js";
import { WorkerPool } from "./pool.js";
import type * as T from "./types.js";

/** Where jco's output is, unless the options say otherwise (`generated/component/`). */
const DEFAULT_COMPONENT_DIR = new URL("../../generated/component/", import.meta.url);

/** The core modules jco splits the component into. */
const CORE_MODULES = ["email-manager.core.wasm", "email-manager.core2.wasm", "email-manager.core3.wasm"];

/** Options of {@link EmailManager.start}. */
export interface EmailManagerOptions {
  /** The policy for the component's outgoing requests. Default: the real provider hosts. */
  readonly policy?: HttpPolicy;
  /** Workers (each an instance of the component). Default: the cores, at least 2, at most 4. */
  readonly workers?: number;
  /** The longest a call may take, in milliseconds, before its worker is replaced. Default 300 s. */
  readonly timeoutMs?: number;
  /** Hears of every request the component makes: method, host, path, query names; no secret. */
  readonly onRequest?: (entry: RequestLogEntry) => void;
  /** A fresh instance for every call (bounds memory, but costs about 100 ms a call). Default false: an instance is reused, and replaced after a trap. */
  readonly freshInstancePerCall?: boolean;
  /** The folder of jco's output (`email-manager.js` and its core modules). */
  readonly componentDir?: URL;
}

/** Per-call options. */
export interface CallOptions {
  /** This call's time limit, in milliseconds, instead of the manager's. */
  readonly timeoutMs?: number;
}

/** The key that serializes calls for one mailbox. */
export function accountKey(account: Pick<T.Account, "provider" | "email">): string {
  return `${account.provider}:${account.email.toLowerCase()}`;
}

/**
 * The email-manager component, running in worker threads. Every method is one function of the
 * WIT interfaces `auth`, `sync`, `send` and `mailbox`; it resolves with the export's value and rejects with an
 * {@link EmailManagerError} (the WIT `error`, and a `failure`'s refreshed account) or a
 * `HostError` (time limit, worker lost, trap). Calls made with the same account (provider and
 * address) run one after another, in the order made.
 */
export class EmailManager {
  readonly #pool: WorkerPool;
  readonly #mailboxes = new KeyedQueue();

  private constructor(pool: WorkerPool) {
    this.#pool = pool;
  }

  /** Compiles the component once and starts the workers. */
  static async start(options: EmailManagerOptions = {}): Promise<EmailManager> {
    const dir = options.componentDir ?? DEFAULT_COMPONENT_DIR;
    const coreModules = Object.fromEntries(
      await Promise.all(
        CORE_MODULES.map(async (name) => [name, await WebAssembly.compile(readFileSync(fileURLToPath(new URL(name, dir))))] as const),
      ),
    );
    const pool = new WorkerPool({
      size: options.workers ?? Math.min(4, Math.max(2, availableParallelism())),
      timeoutMs: options.timeoutMs ?? 300_000,
      onRequest: options.onRequest,
      setup: {
        componentUrl: new URL("email-manager.js", dir).href,
        coreModules,
        policy: options.policy ?? providersPolicy(),
        freshInstancePerCall: options.freshInstancePerCall ?? false,
      },
    });
    return new EmailManager(pool);
  }

  /** Ends the workers; calls still running or queued fail with a `closed` host error. */
  close(): Promise<void> {
    return this.#pool.close();
  }

  /** Validates and normalizes an OAuth app registration. */
  configureApp(config: T.AppConfig, options?: CallOptions): Promise<T.App> {
    return this.#call("configureApp", "configure-app", [config], options);
  }

  /** Starts the connect flow: the authorization URL and the pending record to keep. */
  beginAuth(app: T.App, authOptions: T.AuthOptions = {}, options?: CallOptions): Promise<T.PendingAuth> {
    return this.#call("beginAuth", "begin-auth", [app, authOptions], options);
  }

  /** Completes the connect flow from the URL the provider redirected the browser to. */
  completeAuth(app: T.App, pending: T.PendingAuth, callbackUrl: string, options?: CallOptions): Promise<T.Account> {
    return this.#call("completeAuth", "complete-auth", [app, pending, callbackUrl], options);
  }

  /** Exchanges the refresh token for a new access token. */
  refresh(app: T.App, account: T.Account, options?: CallOptions): Promise<T.Account> {
    return this.#forAccount(account, "refresh", "refresh", [app, account], options);
  }

  /** Returns one page of mailbox changes since the cursor. */
  sync(app: T.App, account: T.Account, request: T.SyncRequest, options?: CallOptions): Promise<T.SyncPage> {
    return this.#forAccount(account, "sync", "sync", [app, account, request], options);
  }

  /** Sends a new message, a reply, a reply all or a forward. */
  send(app: T.App, account: T.Account, message: T.Outgoing, options?: CallOptions): Promise<T.Sent> {
    return this.#forAccount(account, "send", "send", [app, account, message], options);
  }

  /** The addresses the account may put in From (Gmail's verified send-as aliases). */
  listSendAs(app: T.App, account: T.Account, options?: CallOptions): Promise<T.SendAsList> {
    return this.#forAccount(account, "listSendAs", "list-send-as", [app, account], options);
  }

  /** Every Gmail label or Outlook mail folder. */
  listFolders(app: T.App, account: T.Account, options?: CallOptions): Promise<T.FolderList> {
    return this.#forAccount(account, "listFolders", "list-folders", [app, account], options);
  }

  /** One message in full. */
  getMessage(app: T.App, account: T.Account, id: string, options?: CallOptions): Promise<T.FetchedMessage> {
    return this.#forAccount(account, "getMessage", "get-message", [app, account, id], options);
  }

  /** A whole thread or conversation, oldest first. */
  getThread(app: T.App, account: T.Account, threadId: string, options?: CallOptions): Promise<T.Thread> {
    return this.#forAccount(account, "getThread", "get-thread", [app, account, threadId], options);
  }

  /** The bytes of one attachment, refused without downloading it when larger than `request.maxBytes`. */
  getAttachment(app: T.App, account: T.Account, request: T.AttachmentRequest, options?: CallOptions): Promise<T.AttachmentData> {
    return this.#forAccount(account, "getAttachment", "get-attachment", [app, account, request], options);
  }

  /** Changes many messages at once, with one outcome per id. */
  modify(app: T.App, account: T.Account, request: T.ModifyRequest, options?: CallOptions): Promise<T.ModifyResult> {
    return this.#forAccount(account, "modify", "modify", [app, account, request], options);
  }

  /** Saves a draft: a new one when `draftId` is undefined, else replaces that draft. */
  saveDraft(app: T.App, account: T.Account, draftId: string | undefined, message: T.Outgoing, options?: CallOptions): Promise<T.SavedDraft> {
    return this.#forAccount(account, "saveDraft", "save-draft", [app, account, draftId, message], options);
  }

  /** Deletes a draft. */
  deleteDraft(app: T.App, account: T.Account, draftId: string, options?: CallOptions): Promise<T.Done> {
    return this.#forAccount(account, "deleteDraft", "delete-draft", [app, account, draftId], options);
  }

  /** Sends a saved draft. */
  sendDraft(app: T.App, account: T.Account, draftId: string, options?: CallOptions): Promise<T.Sent> {
    return this.#forAccount(account, "sendDraft", "send-draft", [app, account, draftId], options);
  }

  /** A call made with `account`: queued behind the calls already made for the same mailbox. */
  #forAccount<R>(account: T.Account, fn: string, name: string, args: unknown[], options?: CallOptions): Promise<R> {
    return this.#mailboxes.run(accountKey(account), () => this.#call<R>(fn, name, args, options));
  }

  async #call<R>(fn: string, name: string, args: unknown[], options?: CallOptions): Promise<R> {
    const outcome = await this.#pool.run(fn, name, args, options?.timeoutMs);
    if (outcome.ok) return outcome.value as R;
    throw EmailManagerError.from(name, outcome.payload as T.WitError | T.Failure);
  }
}
