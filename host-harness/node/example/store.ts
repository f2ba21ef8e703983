/**
 * The plugin's repository over SQLite (better-sqlite3): every read and write of the tables in
 * `schema.ts`, secrets sealed on the way in and opened on the way out, and each sync page
 * applied with its cursor in one transaction.
 */
import { createHash } from "node:crypto";
import Database from "better-sqlite3";
import type { Account, Folder, Message, PendingAuth, App, Provider, SyncPage } from "../src/index.js";
import { fromStored, toStored } from "./json.js";
import { migrate } from "./schema.js";
import type { SecretBox } from "./secrets.js";

/** An account as the plugin shows it: no token. */
export interface AccountView {
  /** The row id. */
  id: number;
  /** Which provider the mailbox lives at. */
  provider: Provider;
  /** The mailbox address, as the provider spells it. */
  email: string;
  /** The user's display name, when the provider tells it. */
  displayName: string | null;
  /** `reauthorize` once the provider refused the grant: the user must connect again. */
  status: "active" | "reauthorize";
}

/** A stored message row, as the plugin shows it. */
export interface MessageRow {
  id: string;
  threadId: string | null;
  messageId: string | null;
  subject: string | null;
  fromAddress: string | null;
  fromName: string | null;
  /** Seconds since the Unix epoch. */
  date: number | null;
  snippet: string | null;
  labels: string[];
  unread: boolean;
  starred: boolean;
  draft: boolean;
}

/** What the sync state of an account holds. */
export interface SyncState {
  /** The cursor of the last applied page; null before the first sync. */
  cursor: string | null;
  /** Pages applied so far. */
  pages: number;
  /** When the last page was applied (Unix seconds). */
  lastSyncedAt: number | null;
  /** Why the last sync failed, when it did (a secret-free message). */
  lastError: string | null;
}

const now = () => Math.floor(Date.now() / 1000);
const stateHash = (state: string) => createHash("sha256").update(state).digest("hex");

/** The plugin's tables in one SQLite database. */
export class MailStore {
  readonly db: Database.Database;
  readonly #box: SecretBox;

  /** Opens (or creates) the database at `path` and migrates it; `box` seals the secrets. */
  constructor(path: string, box: SecretBox) {
    this.db = new Database(path);
    this.db.pragma("journal_mode = WAL");
    this.db.pragma("foreign_keys = ON");
    migrate(this.db);
    this.#box = box;
  }

  /** Closes the database. */
  close(): void {
    this.db.close();
  }

  /** Stores the app of its provider (replacing the previous one). */
  putApp(app: App): void {
    this.db
      .prepare(
        `INSERT INTO email_apps (provider, client_id, redirect_uri, sealed, updated_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (provider) DO UPDATE SET client_id = excluded.client_id, redirect_uri = excluded.redirect_uri,
           sealed = excluded.sealed, updated_at = excluded.updated_at`,
      )
      .run(app.provider, app.clientId, app.redirectUri, this.#box.seal(toStored(app), `provider:${app.provider}`), now());
  }

  /** The app of `provider`, with its secret; undefined when none is configured. */
  app(provider: Provider): App | undefined {
    const row = this.db.prepare(`SELECT sealed FROM email_apps WHERE provider = ?`).get(provider) as { sealed: string } | undefined;
    if (!row) return undefined;
    // Sealed by WIT 0.1, the record named its provider `kind`.
    const { kind, ...app } = fromStored<App & { kind?: Provider }>(this.#box.open(row.sealed, `provider:${provider}`));
    return { ...app, provider: app.provider ?? kind! };
  }

  /** Keeps a connect flow until its callback. */
  putPending(provider: Provider, pending: PendingAuth): void {
    const hash = stateHash(pending.state);
    this.db
      .prepare(`INSERT INTO email_pending_auths (state_hash, provider, sealed, created_at) VALUES (?, ?, ?, ?)`)
      .run(hash, provider, this.#box.seal(toStored(pending), `pending:${hash}`), now());
  }

  /** Takes (and forgets) the connect flow whose state is `state`. */
  takePending(state: string): { provider: Provider; pending: PendingAuth } | undefined {
    const hash = stateHash(state);
    return this.db.transaction(() => {
      const row = this.db.prepare(`SELECT provider, sealed FROM email_pending_auths WHERE state_hash = ?`).get(hash) as
        | { provider: Provider; sealed: string }
        | undefined;
      if (!row) return undefined;
      this.db.prepare(`DELETE FROM email_pending_auths WHERE state_hash = ?`).run(hash);
      return { provider: row.provider, pending: fromStored<PendingAuth>(this.#box.open(row.sealed, `pending:${hash}`)) };
    })();
  }

  /** Stores a connected account (a new one, or the same mailbox again); returns its id. */
  putAccount(account: Account): number {
    const row = this.db
      .prepare(
        `INSERT INTO email_accounts (provider, email, display_name, sealed, status, created_at, updated_at)
         VALUES (?, ?, ?, '', 'active', ?, ?)
         ON CONFLICT (provider, email) DO UPDATE SET email = excluded.email, display_name = excluded.display_name, status = 'active',
           updated_at = excluded.updated_at
         RETURNING id`,
      )
      .get(account.provider, account.email, account.displayName ?? null, now(), now()) as { id: number };
    this.updateTokens(row.id, account);
    this.db.prepare(`INSERT OR IGNORE INTO email_sync_states (account_id) VALUES (?)`).run(row.id);
    return row.id;
  }

  /** Replaces the stored account record (refreshed tokens) of account `id`. */
  updateTokens(id: number, account: Account): void {
    this.db
      .prepare(`UPDATE email_accounts SET sealed = ?, updated_at = ? WHERE id = ?`)
      .run(this.#box.seal(toStored(account), `account:${id}`), now(), id);
  }

  /** Marks account `id` as needing the user to connect again (or active again). */
  setStatus(id: number, status: AccountView["status"]): void {
    this.db.prepare(`UPDATE email_accounts SET status = ?, updated_at = ? WHERE id = ?`).run(status, now(), id);
  }

  /** Account `id` with its tokens, and its view; undefined when there is none. */
  account(id: number): { view: AccountView; account: Account } | undefined {
    const row = this.db
      .prepare(`SELECT id, provider, email, display_name AS displayName, status, sealed FROM email_accounts WHERE id = ?`)
      .get(id) as (AccountView & { sealed: string }) | undefined;
    if (!row) return undefined;
    const { sealed, ...view } = row;
    return { view, account: fromStored<Account>(this.#box.open(sealed, `account:${id}`)) };
  }

  /** Every account, without tokens. */
  accounts(): AccountView[] {
    return this.db
      .prepare(`SELECT id, provider, email, display_name AS displayName, status FROM email_accounts ORDER BY id`)
      .all() as AccountView[];
  }

  /** The sync state of account `id`. */
  syncState(id: number): SyncState {
    return this.db
      .prepare(
        `SELECT cursor, pages, last_synced_at AS lastSyncedAt, last_error AS lastError FROM email_sync_states WHERE account_id = ?`,
      )
      .get(id) as SyncState;
  }

  /** Records why the last sync of account `id` failed (a secret-free message). */
  recordSyncError(id: number, message: string): void {
    this.db.prepare(`UPDATE email_sync_states SET last_error = ? WHERE account_id = ?`).run(message, id);
  }

  /**
   * Applies one sync page of account `id` in one transaction: a reset or dropped folders first,
   * then upserts, deletions, state changes, the refreshed account, and the page's cursor.
   */
  applyPage(id: number, page: SyncPage): void {
    this.db.transaction(() => {
      if (page.reset) {
        this.db.prepare(`DELETE FROM email_messages WHERE account_id = ?`).run(id);
      }
      const dropFolder = this.db.prepare(
        `DELETE FROM email_messages WHERE account_id = ? AND EXISTS (SELECT 1 FROM json_each(labels) WHERE value = ?)`,
      );
      for (const folder of page.droppedFolders) dropFolder.run(id, folder);
      const upsert = this.db.prepare(
        `INSERT OR REPLACE INTO email_messages (account_id, id, thread_id, message_id, subject, from_address, from_name,
           recipients, date, snippet, text_body, html_body, attachments, labels, unread, starred, draft)
         VALUES (@accountId, @id, @threadId, @messageId, @subject, @fromAddress, @fromName, @recipients, @date, @snippet,
           @textBody, @htmlBody, @attachments, @labels, @unread, @starred, @draft)`,
      );
      for (const message of page.messages) upsert.run(messageRow(id, message));
      const remove = this.db.prepare(`DELETE FROM email_messages WHERE account_id = ? AND id = ?`);
      for (const deleted of page.deleted) remove.run(id, deleted);
      const current = this.db.prepare(`SELECT labels FROM email_messages WHERE account_id = ? AND id = ?`);
      const change = this.db.prepare(
        `UPDATE email_messages SET unread = COALESCE(?, unread), starred = COALESCE(?, starred), labels = ?
         WHERE account_id = ? AND id = ?`,
      );
      for (const c of page.changes) {
        const row = current.get(id, c.id) as { labels: string } | undefined;
        if (!row) continue;
        const labels = (JSON.parse(row.labels) as string[]).filter((l) => !c.labelsRemoved.includes(l));
        labels.push(...c.labelsAdded.filter((l) => !labels.includes(l)));
        change.run(bit(c.unread), bit(c.starred), JSON.stringify(labels), id, c.id);
      }
      if (page.account) this.updateTokens(id, page.account);
      this.db
        .prepare(
          `UPDATE email_sync_states SET cursor = ?, pages = pages + 1, last_synced_at = ?, last_error = NULL WHERE account_id = ?`,
        )
        .run(page.cursor, now(), id);
    })();
  }

  /** Replaces the stored folders of account `id`. */
  putFolders(id: number, folders: Folder[]): void {
    this.db.transaction(() => {
      this.db.prepare(`DELETE FROM email_folders WHERE account_id = ?`).run(id);
      const insert = this.db.prepare(
        `INSERT INTO email_folders (account_id, id, name, role, parent_id, unread, total) VALUES (?, ?, ?, ?, ?, ?, ?)`,
      );
      for (const f of folders) insert.run(id, f.id, f.name, f.role, f.parentId ?? null, f.unread ?? null, f.total ?? null);
    })();
  }

  /** The stored messages of account `id`, newest first. */
  messages(id: number, filter: { unread?: boolean; label?: string } = {}): MessageRow[] {
    const rows = this.db
      .prepare(
        `SELECT id, thread_id AS threadId, message_id AS messageId, subject, from_address AS fromAddress, from_name AS fromName,
           date, snippet, labels, unread, starred, draft
         FROM email_messages WHERE account_id = ?
           AND (@unread IS NULL OR unread = @unread)
           AND (@label IS NULL OR EXISTS (SELECT 1 FROM json_each(labels) WHERE value = @label))
         ORDER BY date DESC`,
      )
      .all(id, { unread: bit(filter.unread), label: filter.label ?? null }) as Array<
      Omit<MessageRow, "labels" | "unread" | "starred" | "draft"> & { labels: string; unread: number; starred: number; draft: number }
    >;
    return rows.map((r) => ({ ...r, labels: JSON.parse(r.labels), unread: !!r.unread, starred: !!r.starred, draft: !!r.draft }));
  }

  /** How many messages account `id` has stored. */
  count(id: number): number {
    return (this.db.prepare(`SELECT count(*) AS n FROM email_messages WHERE account_id = ?`).get(id) as { n: number }).n;
  }
}

/** `undefined` or a boolean as SQLite's 0/1/NULL. */
function bit(value: boolean | undefined): number | null {
  return value === undefined ? null : value ? 1 : 0;
}

/** The row of one synced message. */
function messageRow(accountId: number, m: Message): Record<string, unknown> {
  return {
    accountId,
    id: m.id,
    threadId: m.threadId ?? null,
    messageId: m.messageId ?? null,
    subject: m.subject ?? null,
    fromAddress: m.from?.address ?? null,
    fromName: m.from?.name ?? null,
    recipients: JSON.stringify({ to: m.to, cc: m.cc, bcc: m.bcc, replyTo: m.replyTo }),
    date: m.date ?? null, // a bigint: better-sqlite3 stores it as an INTEGER
    snippet: m.snippet ?? null,
    textBody: m.textBody ?? null,
    htmlBody: m.htmlBody ?? null,
    attachments: JSON.stringify(m.attachments, (_k, v: unknown) => (typeof v === "bigint" ? Number(v) : v)),
    labels: JSON.stringify(m.labels),
    unread: m.unread ? 1 : 0,
    starred: m.starred ? 1 : 0,
    draft: m.draft ? 1 : 0,
  };
}
