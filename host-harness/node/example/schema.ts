/**
 * The plugin's tables (NocoBase collections): OAuth apps, pending connect flows,
 * accounts, sync state, messages and folders. Versioned with `PRAGMA user_version`.
 */
import type Database from "better-sqlite3";

/** Each migration, in order; `user_version` counts those applied. */
const MIGRATIONS: readonly string[] = [
  `
  -- One OAuth app per provider kind. The whole provider record (with its client secret) is sealed.
  CREATE TABLE email_providers (
    kind          TEXT PRIMARY KEY,
    client_id     TEXT NOT NULL,
    redirect_uri  TEXT NOT NULL,
    sealed        TEXT NOT NULL,
    updated_at    INTEGER NOT NULL
  );
  -- Connect flows between begin-auth and the callback, keyed by a hash of their state.
  CREATE TABLE email_pending_auths (
    state_hash    TEXT PRIMARY KEY,
    kind          TEXT NOT NULL,
    sealed        TEXT NOT NULL,
    created_at    INTEGER NOT NULL
  );
  -- Connected mailboxes. The account record (tokens) is sealed; status says whether it must reconnect.
  CREATE TABLE email_accounts (
    id            INTEGER PRIMARY KEY,
    provider      TEXT NOT NULL,
    email         TEXT NOT NULL COLLATE NOCASE,
    display_name  TEXT,
    sealed        TEXT NOT NULL,
    status        TEXT NOT NULL DEFAULT 'active',
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    UNIQUE (provider, email)
  );
  -- The cursor of the last applied page, and how the last sync went.
  CREATE TABLE email_sync_states (
    account_id    INTEGER PRIMARY KEY REFERENCES email_accounts(id) ON DELETE CASCADE,
    cursor        TEXT,
    pages         INTEGER NOT NULL DEFAULT 0,
    last_synced_at INTEGER,
    last_error    TEXT
  );
  CREATE TABLE email_messages (
    account_id    INTEGER NOT NULL REFERENCES email_accounts(id) ON DELETE CASCADE,
    id            TEXT NOT NULL,
    thread_id     TEXT,
    message_id    TEXT,
    subject       TEXT,
    from_address  TEXT,
    from_name     TEXT,
    recipients    TEXT NOT NULL,
    date          TEXT,
    snippet       TEXT,
    text_body     TEXT,
    html_body     TEXT,
    attachments   TEXT NOT NULL,
    labels        TEXT NOT NULL,
    unread        INTEGER NOT NULL,
    starred       INTEGER NOT NULL,
    draft         INTEGER NOT NULL,
    PRIMARY KEY (account_id, id)
  );
  CREATE INDEX email_messages_by_date ON email_messages (account_id, date DESC);
  CREATE TABLE email_folders (
    account_id    INTEGER NOT NULL REFERENCES email_accounts(id) ON DELETE CASCADE,
    id            TEXT NOT NULL,
    name          TEXT NOT NULL,
    role          TEXT NOT NULL,
    parent_id     TEXT,
    unread        INTEGER,
    total         INTEGER,
    PRIMARY KEY (account_id, id)
  );
  `,
  `
  -- WIT 0.2: the OAuth app registration is an \`app\` and the provider kind a \`provider\`; a
  -- message's date is seconds since the Unix epoch (an unreadable text date becomes null).
  ALTER TABLE email_providers RENAME TO email_apps;
  ALTER TABLE email_apps RENAME COLUMN kind TO provider;
  ALTER TABLE email_pending_auths RENAME COLUMN kind TO provider;
  ALTER TABLE email_messages ADD COLUMN sent_at INTEGER;
  UPDATE email_messages SET sent_at = unixepoch(date);
  DROP INDEX email_messages_by_date;
  ALTER TABLE email_messages DROP COLUMN date;
  ALTER TABLE email_messages RENAME COLUMN sent_at TO date;
  CREATE INDEX email_messages_by_date ON email_messages (account_id, date DESC);
  `,
];

/** Applies the migrations `db` has not seen yet; refuses a database newer than this code. */
export function migrate(db: Database.Database): void {
  const version = db.pragma("user_version", { simple: true }) as number;
  if (version > MIGRATIONS.length) {
    throw new Error(`the database is at schema ${version}, newer than this plugin's ${MIGRATIONS.length}`);
  }
  for (let v = version; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]!);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}
