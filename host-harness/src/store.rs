//! The harness host's storage: one SQLite database (bundled, embedded) with the provider
//! apps (one per provider) and, per account (provider kind and address), the account,
//! its sync cursor, messages and folders.
//!
//! - A sync page and its cursor are committed in one transaction ([`Store::apply_page`]), so a
//!   crash between pages loses and repeats nothing: the next sync starts from the last
//!   committed cursor.
//! - Apps (client secrets) and accounts (tokens) are sealed with
//!   XChaCha20-Poly1305 under a [`Key`] from the environment or a key file; they are never
//!   stored or printed in the clear.
//! - The schema is versioned (`PRAGMA user_version`) and brought up to date by [`MIGRATIONS`]
//!   when the database is opened.

use crate::types::{Account, App, Folder, Message, Provider, SyncPage};
use anyhow::{Context, bail};
use base64::Engine as _;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rusqlite::{Connection, OptionalExtension, params};
use std::path::Path;

/// The environment variable that holds the key (64 hex digits, or 32 bytes in base64).
pub const KEY_ENV: &str = "EMAIL_HARNESS_KEY";

/// The schema, one step per version; version N is the first N steps applied.
pub const MIGRATIONS: &[&str] = &[
    // 1: apps (the table `providers`), accounts, cursors, messages, folders.
    "CREATE TABLE providers (kind TEXT PRIMARY KEY, sealed BLOB NOT NULL);
     CREATE TABLE accounts (kind TEXT PRIMARY KEY, email TEXT NOT NULL, sealed BLOB NOT NULL);
     CREATE TABLE cursors (kind TEXT PRIMARY KEY, cursor TEXT NOT NULL);
     CREATE TABLE messages (
         kind TEXT NOT NULL, id TEXT NOT NULL, thread_id TEXT, date TEXT, json TEXT NOT NULL,
         PRIMARY KEY (kind, id));
     CREATE INDEX messages_by_thread ON messages (kind, thread_id);
     CREATE TABLE folders (kind TEXT NOT NULL, id TEXT NOT NULL, json TEXT NOT NULL,
         PRIMARY KEY (kind, id));",
    // 2: when each page was committed, for `sync --watch` and for inspection.
    "ALTER TABLE cursors ADD COLUMN committed_at INTEGER NOT NULL DEFAULT 0;",
    // 3: several accounts per provider: accounts, cursors, messages and folders keyed by
    // account (kind and address, compared without case). The rows of a kind go to the one
    // account it had; rows of a kind with no account (unreachable before) are dropped.
    "CREATE TABLE accounts_3 (kind TEXT NOT NULL, email TEXT NOT NULL COLLATE NOCASE,
         sealed BLOB NOT NULL, PRIMARY KEY (kind, email));
     INSERT INTO accounts_3 (kind, email, sealed) SELECT kind, email, sealed FROM accounts;
     CREATE TABLE cursors_3 (kind TEXT NOT NULL, email TEXT NOT NULL COLLATE NOCASE,
         cursor TEXT NOT NULL, committed_at INTEGER NOT NULL DEFAULT 0,
         PRIMARY KEY (kind, email));
     INSERT INTO cursors_3 (kind, email, cursor, committed_at)
         SELECT c.kind, a.email, c.cursor, c.committed_at FROM cursors c JOIN accounts a USING (kind);
     CREATE TABLE messages_3 (kind TEXT NOT NULL, email TEXT NOT NULL COLLATE NOCASE,
         id TEXT NOT NULL, thread_id TEXT, date TEXT, json TEXT NOT NULL,
         PRIMARY KEY (kind, email, id));
     INSERT INTO messages_3 (kind, email, id, thread_id, date, json)
         SELECT m.kind, a.email, m.id, m.thread_id, m.date, m.json
         FROM messages m JOIN accounts a USING (kind);
     CREATE TABLE folders_3 (kind TEXT NOT NULL, email TEXT NOT NULL COLLATE NOCASE,
         id TEXT NOT NULL, json TEXT NOT NULL, PRIMARY KEY (kind, email, id));
     INSERT INTO folders_3 (kind, email, id, json)
         SELECT f.kind, a.email, f.id, f.json FROM folders f JOIN accounts a USING (kind);
     DROP TABLE accounts; DROP TABLE cursors; DROP TABLE messages; DROP TABLE folders;
     ALTER TABLE accounts_3 RENAME TO accounts;
     ALTER TABLE cursors_3 RENAME TO cursors;
     ALTER TABLE messages_3 RENAME TO messages;
     ALTER TABLE folders_3 RENAME TO folders;
     CREATE INDEX messages_by_thread ON messages (kind, email, thread_id);",
    // 4: WIT 0.2, where a message's date is seconds since the Unix epoch instead of RFC 3339
    // text: the column becomes an integer (so that it sorts as a number) and each stored
    // record is rewritten (an unreadable date becomes null, as the component would have
    // written it). Apps sealed by 0.1 (`kind` instead of `provider`) are read by
    // `Store::app`, since their sealed bytes cannot be rewritten in SQL.
    "CREATE TABLE messages_4 (kind TEXT NOT NULL, email TEXT NOT NULL COLLATE NOCASE,
         id TEXT NOT NULL, thread_id TEXT, date INTEGER, json TEXT NOT NULL,
         PRIMARY KEY (kind, email, id));
     INSERT INTO messages_4 (kind, email, id, thread_id, date, json)
         SELECT kind, email, id, thread_id,
             CASE typeof(date) WHEN 'text' THEN unixepoch(date) ELSE date END,
             json_set(json, '$.date', CASE json_type(json, '$.date')
                 WHEN 'text' THEN unixepoch(json_extract(json, '$.date'))
                 ELSE json_extract(json, '$.date') END)
         FROM messages;
     DROP TABLE messages;
     ALTER TABLE messages_4 RENAME TO messages;
     CREATE INDEX messages_by_thread ON messages (kind, email, thread_id);",
];

/// Which account a row belongs to: the provider and the mailbox address (compared
/// without case).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountKey {
    /// The provider.
    pub provider: Provider,
    /// The mailbox address.
    pub email: String,
}

impl AccountKey {
    /// The key of `account`.
    pub fn of(account: &Account) -> AccountKey {
        AccountKey {
            provider: account.provider,
            email: account.email.clone(),
        }
    }

    /// The row name a sealed account is bound to.
    fn row(&self) -> String {
        format!(
            "{}/{}",
            provider_name(self.provider),
            self.email.to_ascii_lowercase()
        )
    }
}

/// The key that seals secrets at rest.
pub struct Key([u8; 32]);

impl Key {
    /// The key from `EMAIL_HARNESS_KEY` when set, else from `file`, which is created (readable
    /// by its owner only) with a random key when it does not exist.
    pub fn from_env_or_file(file: &Path) -> anyhow::Result<Key> {
        if let Ok(text) = std::env::var(KEY_ENV) {
            return Key::parse(&text).with_context(|| format!("{KEY_ENV} is not a key"));
        }
        match std::fs::read_to_string(file) {
            Ok(text) => {
                Key::parse(&text).with_context(|| format!("{} is not a key", file.display()))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let key = Key::random()?;
                crate::files::write_private(file, hex(&key.0).as_bytes())?;
                Ok(key)
            }
            Err(e) => Err(e).with_context(|| format!("cannot read {}", file.display())),
        }
    }

    /// A fresh random key.
    pub fn random() -> anyhow::Result<Key> {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
        Ok(Key(bytes))
    }

    /// 64 hex digits, or 32 bytes in base64.
    pub fn parse(text: &str) -> anyhow::Result<Key> {
        let text = text.trim();
        let bytes = if text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
            (0..32)
                .map(|i| u8::from_str_radix(&text[2 * i..2 * i + 2], 16))
                .collect::<Result<Vec<u8>, _>>()?
        } else {
            base64::engine::general_purpose::STANDARD.decode(text)?
        };
        let bytes: [u8; 32] = bytes
            .try_into()
            .map_err(|_| anyhow::anyhow!("a key is 32 bytes (64 hex digits)"))?;
        Ok(Key(bytes))
    }
}

/// Lower-case hex.
fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The database.
pub struct Store {
    db: Connection,
    cipher: XChaCha20Poly1305,
}

impl Store {
    /// Opens (or creates) the database at `path`, sealing secrets with `key`, and migrates
    /// it to the current schema.
    pub fn open(path: &Path, key: &Key) -> anyhow::Result<Store> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
        }
        let db =
            Connection::open(path).with_context(|| format!("cannot open {}", path.display()))?;
        crate::files::restrict(path)?;
        Store::with(db, key)
    }

    /// A database in memory (for the demo and tests).
    pub fn in_memory(key: &Key) -> anyhow::Result<Store> {
        Store::with(Connection::open_in_memory()?, key)
    }

    fn with(mut db: Connection, key: &Key) -> anyhow::Result<Store> {
        db.pragma_update(None, "journal_mode", "WAL")?;
        db.pragma_update(None, "synchronous", "FULL")?;
        db.busy_timeout(std::time::Duration::from_secs(5))?;
        migrate(&mut db)?;
        Ok(Store {
            db,
            cipher: XChaCha20Poly1305::new(&key.0.into()),
        })
    }

    /// The schema version of the database.
    pub fn version(&self) -> anyhow::Result<usize> {
        Ok(self
            .db
            .pragma_query_value(None, "user_version", |row| row.get(0))?)
    }

    /// Stores an app (sealed).
    pub fn put_app(&self, app: &App) -> anyhow::Result<()> {
        let name = provider_name(app.provider);
        let sealed = self.seal("providers", name, &serde_json::to_vec(app)?)?;
        self.db.execute(
            "INSERT INTO providers (kind, sealed) VALUES (?1, ?2)
             ON CONFLICT (kind) DO UPDATE SET sealed = excluded.sealed",
            params![name, sealed],
        )?;
        Ok(())
    }

    /// The app of `provider`, if configured.
    pub fn app(&self, provider: Provider) -> anyhow::Result<Option<App>> {
        let name = provider_name(provider);
        let sealed: Option<Vec<u8>> = self
            .db
            .query_row(
                "SELECT sealed FROM providers WHERE kind = ?1",
                [name],
                |r| r.get(0),
            )
            .optional()?;
        sealed
            .map(|s| read_app(&self.open_sealed("providers", name, &s)?))
            .transpose()
    }

    /// Stores an account (sealed); the address stays readable for listings.
    pub fn put_account(&self, account: &Account) -> anyhow::Result<()> {
        put_account(&self.db, &self.cipher, account)
    }

    /// The account `key`, if connected.
    pub fn account(&self, key: &AccountKey) -> anyhow::Result<Option<Account>> {
        let sealed: Option<Vec<u8>> = self
            .db
            .query_row(
                "SELECT sealed FROM accounts WHERE kind = ?1 AND email = ?2",
                params![provider_name(key.provider), key.email],
                |r| r.get(0),
            )
            .optional()?;
        let Some(sealed) = sealed else {
            return Ok(None);
        };
        // A row sealed before accounts were keyed by address is bound to its kind alone; it
        // is sealed again, bound to the address, the next time the account is stored.
        let plain = self
            .open_sealed("accounts", &key.row(), &sealed)
            .or_else(|error| {
                self.open_sealed("accounts", provider_name(key.provider), &sealed)
                    .map_err(|_| error)
            })?;
        Ok(Some(serde_json::from_slice(&plain)?))
    }

    /// The connected accounts, of `provider` only when given, in order of provider and address.
    pub fn accounts(&self, provider: Option<Provider>) -> anyhow::Result<Vec<AccountKey>> {
        let mut query = self.db.prepare(
            "SELECT kind, email FROM accounts WHERE ?1 IS NULL OR kind = ?1 ORDER BY kind, email",
        )?;
        let rows = query.query_map([provider.map(provider_name)], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })?;
        rows.map(|row| {
            let (name, email) = row?;
            let provider = match name.as_str() {
                "google" => Provider::Google,
                "microsoft" => Provider::Microsoft,
                other => bail!("the store holds an account of an unknown provider {other:?}"),
            };
            Ok(AccountKey { provider, email })
        })
        .collect()
    }

    /// The cursor of the last committed sync page of account `key`.
    pub fn cursor(&self, key: &AccountKey) -> anyhow::Result<Option<String>> {
        Ok(self
            .db
            .query_row(
                "SELECT cursor FROM cursors WHERE kind = ?1 AND email = ?2",
                params![provider_name(key.provider), key.email],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Applies one sync page of account `key` and stores its cursor (and the refreshed
    /// account, when the page carries one), all in one transaction: upserts, deletions, state
    /// changes.
    pub fn apply_page(
        &mut self,
        key: &AccountKey,
        page: &SyncPage,
        now: u64,
    ) -> anyhow::Result<()> {
        let name = provider_name(key.provider);
        let email = key.email.as_str();
        let tx = self.db.transaction()?;
        if page.reset {
            tx.execute(
                "DELETE FROM messages WHERE kind = ?1 AND email = ?2",
                params![name, email],
            )?;
        }
        // A folder no longer synced takes its messages along, before the page's own messages
        // (one of them may have moved out of it to a synced folder).
        for folder in &page.dropped_folders {
            tx.execute(
                "DELETE FROM messages WHERE kind = ?1 AND email = ?2
                 AND EXISTS (SELECT 1 FROM json_each(messages.json, '$.labels') WHERE value = ?3)",
                params![name, email, folder],
            )?;
        }
        for message in &page.messages {
            upsert(&tx, key, message)?;
        }
        for id in &page.deleted {
            tx.execute(
                "DELETE FROM messages WHERE kind = ?1 AND email = ?2 AND id = ?3",
                params![name, email, id],
            )?;
        }
        for change in &page.changes {
            let json: Option<String> = tx
                .query_row(
                    "SELECT json FROM messages WHERE kind = ?1 AND email = ?2 AND id = ?3",
                    params![name, email, change.id],
                    |r| r.get(0),
                )
                .optional()?;
            let Some(json) = json else { continue };
            let mut message: Message = serde_json::from_str(&json)?;
            message.unread = change.unread.unwrap_or(message.unread);
            message.starred = change.starred.unwrap_or(message.starred);
            message
                .labels
                .retain(|l| !change.labels_removed.contains(l));
            for label in &change.labels_added {
                if !message.labels.contains(label) {
                    message.labels.push(label.clone());
                }
            }
            upsert(&tx, key, &message)?;
        }
        if let Some(account) = &page.account {
            put_account(&tx, &self.cipher, account)?;
        }
        tx.execute(
            "INSERT INTO cursors (kind, email, cursor, committed_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (kind, email) DO UPDATE SET cursor = excluded.cursor,
                 committed_at = excluded.committed_at",
            params![name, email, page.cursor, now as i64],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The stored messages of account `key`, newest first.
    pub fn messages(&self, key: &AccountKey) -> anyhow::Result<Vec<Message>> {
        let mut query = self.db.prepare(
            "SELECT json FROM messages WHERE kind = ?1 AND email = ?2 ORDER BY date DESC, id",
        )?;
        let rows = query.query_map(params![provider_name(key.provider), key.email], |r| {
            r.get::<_, String>(0)
        })?;
        rows.map(|json| Ok(serde_json::from_str(&json?)?)).collect()
    }

    /// How many messages of account `key` are stored.
    pub fn count(&self, key: &AccountKey) -> anyhow::Result<usize> {
        Ok(self.db.query_row(
            "SELECT COUNT(*) FROM messages WHERE kind = ?1 AND email = ?2",
            params![provider_name(key.provider), key.email],
            |r| r.get(0),
        )?)
    }

    /// Replaces the folders of account `key`.
    pub fn put_folders(&mut self, key: &AccountKey, folders: &[Folder]) -> anyhow::Result<()> {
        let name = provider_name(key.provider);
        let tx = self.db.transaction()?;
        tx.execute(
            "DELETE FROM folders WHERE kind = ?1 AND email = ?2",
            params![name, key.email],
        )?;
        for folder in folders {
            tx.execute(
                "INSERT INTO folders (kind, email, id, json) VALUES (?1, ?2, ?3, ?4)",
                params![name, key.email, folder.id, serde_json::to_string(folder)?],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// The stored folders of account `key`.
    pub fn folders(&self, key: &AccountKey) -> anyhow::Result<Vec<Folder>> {
        let mut query = self
            .db
            .prepare("SELECT json FROM folders WHERE kind = ?1 AND email = ?2")?;
        let rows = query.query_map(params![provider_name(key.provider), key.email], |r| {
            r.get::<_, String>(0)
        })?;
        rows.map(|json| Ok(serde_json::from_str(&json?)?)).collect()
    }

    fn seal(&self, table: &str, row: &str, plain: &[u8]) -> anyhow::Result<Vec<u8>> {
        seal(&self.cipher, table, row, plain)
    }

    fn open_sealed(&self, table: &str, row: &str, sealed: &[u8]) -> anyhow::Result<Vec<u8>> {
        if sealed.len() < 24 {
            bail!("a sealed {table} row is damaged");
        }
        let (nonce, body) = sealed.split_at(24);
        let aad = format!("{table}/{row}");
        self.cipher
            .decrypt(XNonce::from_slice(nonce), Payload { msg: body, aad: aad.as_bytes() })
            .map_err(|_| {
                anyhow::anyhow!(
                    "cannot open the stored {table} of {row}: wrong key (set {KEY_ENV} or the key file the store was made with)"
                )
            })
    }
}

/// Migrates `db` to the last version of [`MIGRATIONS`].
fn migrate(db: &mut Connection) -> anyhow::Result<()> {
    let version: usize = db.pragma_query_value(None, "user_version", |row| row.get(0))?;
    if version > MIGRATIONS.len() {
        bail!(
            "the database has schema version {version}, newer than this harness knows ({})",
            MIGRATIONS.len()
        );
    }
    for (step, sql) in MIGRATIONS.iter().enumerate().skip(version) {
        let tx = db.transaction()?;
        tx.execute_batch(sql)
            .with_context(|| format!("migrating the store to version {}", step + 1))?;
        tx.pragma_update(None, "user_version", step + 1)?;
        tx.commit()?;
    }
    Ok(())
}

/// Seals `plain` for row `row` of `table`: a random nonce, then the ciphertext, bound to the
/// row by the associated data.
fn seal(
    cipher: &XChaCha20Poly1305,
    table: &str,
    row: &str,
    plain: &[u8],
) -> anyhow::Result<Vec<u8>> {
    let mut nonce = [0u8; 24];
    getrandom::fill(&mut nonce).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    let aad = format!("{table}/{row}");
    let body = cipher
        .encrypt(
            XNonce::from_slice(&nonce),
            Payload {
                msg: plain,
                aad: aad.as_bytes(),
            },
        )
        .map_err(|_| anyhow::anyhow!("cannot seal the {table} row"))?;
    Ok([nonce.as_slice(), &body].concat())
}

fn put_account(
    db: &Connection,
    cipher: &XChaCha20Poly1305,
    account: &Account,
) -> anyhow::Result<()> {
    let key = AccountKey::of(account);
    let sealed = seal(
        cipher,
        "accounts",
        &key.row(),
        &serde_json::to_vec(account)?,
    )?;
    db.execute(
        "INSERT INTO accounts (kind, email, sealed) VALUES (?1, ?2, ?3)
         ON CONFLICT (kind, email) DO UPDATE SET email = excluded.email, sealed = excluded.sealed",
        params![provider_name(key.provider), key.email, sealed],
    )?;
    Ok(())
}

fn upsert(db: &Connection, key: &AccountKey, message: &Message) -> anyhow::Result<()> {
    db.execute(
        "INSERT INTO messages (kind, email, id, thread_id, date, json)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (kind, email, id) DO UPDATE SET thread_id = excluded.thread_id,
             date = excluded.date, json = excluded.json",
        params![
            provider_name(key.provider),
            key.email,
            message.id,
            message.thread_id,
            message.date,
            serde_json::to_string(message)?
        ],
    )?;
    Ok(())
}

/// An app as stored: by WIT 0.2, or by 0.1, whose `provider` record named the provider `kind`.
fn read_app(json: &[u8]) -> anyhow::Result<App> {
    let mut value: serde_json::Value = serde_json::from_slice(json)?;
    if let Some(record) = value.as_object_mut()
        && !record.contains_key("provider")
        && let Some(kind) = record.remove("kind")
    {
        record.insert("provider".to_owned(), kind);
    }
    Ok(serde_json::from_value(value)?)
}

/// The row key of a provider (the column is named `kind`, as schema 1 made it).
fn provider_name(provider: Provider) -> &'static str {
    crate::describe::provider(provider)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{MessageChange, Provider, SyncStats};

    fn account(token: &str) -> Account {
        Account {
            provider: Provider::Google,
            email: "ann@example.com".into(),
            display_name: None,
            access_token: token.into(),
            refresh_token: Some("1//refresh-secret".into()),
            expires_at: 1,
            scopes: vec![],
        }
    }

    /// The key of [`account`].
    fn ann() -> AccountKey {
        AccountKey {
            provider: Provider::Google,
            email: "ann@example.com".into(),
        }
    }

    /// An Outlook account's key.
    fn outlook() -> AccountKey {
        AccountKey {
            provider: Provider::Microsoft,
            email: "adele@contoso.example".into(),
        }
    }

    fn message(id: &str) -> Message {
        Message {
            id: id.into(),
            thread_id: Some("t".into()),
            message_id: None,
            in_reply_to: None,
            references: vec![],
            from: None,
            sender: None,
            to: vec![],
            cc: vec![],
            bcc: vec![],
            reply_to: vec![],
            subject: Some(format!("subject {id}")),
            date: Some(1_767_225_600 + 86_400 * id.parse::<i64>().unwrap_or_default()),
            snippet: None,
            text_body: None,
            html_body: None,
            attachments: vec![],
            labels: vec!["INBOX".into()],
            unread: true,
            starred: false,
            draft: false,
        }
    }

    fn page(
        messages: Vec<Message>,
        deleted: Vec<&str>,
        changes: Vec<MessageChange>,
        cursor: &str,
    ) -> SyncPage {
        SyncPage {
            messages,
            deleted: deleted.into_iter().map(str::to_owned).collect(),
            changes,
            cursor: cursor.into(),
            more: false,
            dropped_folders: vec![],
            full_resync: None,
            reset: false,
            account: None,
            warnings: vec![],
            stats: SyncStats {
                requests: 0,
                calls: 0,
                quota_units: 0,
                waited_ms: 0,
                throttled: 0,
            },
        }
    }

    #[test]
    fn a_dropped_folder_takes_its_messages_before_the_page_applies() {
        let mut store = Store::in_memory(&Key::random().unwrap()).unwrap();
        let filed = |id: &str, folder: &str| Message {
            labels: vec![folder.to_owned()],
            ..message(id)
        };
        store
            .apply_page(
                &outlook(),
                &page(
                    vec![
                        filed("a", "f-gone"),
                        filed("b", "f-gone"),
                        filed("c", "f-kept"),
                    ],
                    vec![],
                    vec![],
                    "c1",
                ),
                1,
            )
            .unwrap();
        // "b" moved out of the dropped folder into a synced one: it comes in the same page.
        let mut second = page(vec![filed("b", "f-kept")], vec![], vec![], "c2");
        second.dropped_folders = vec!["f-gone".into()];
        store.apply_page(&outlook(), &second, 2).unwrap();
        let mut ids: Vec<String> = store
            .messages(&outlook())
            .unwrap()
            .into_iter()
            .map(|m| m.id)
            .collect();
        ids.sort();
        assert_eq!(ids, ["b", "c"]);
    }

    #[test]
    fn pages_apply_with_their_cursor_and_secrets_are_sealed() {
        let dir = std::env::temp_dir().join(format!("email-harness-store-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let path = dir.join("store.db");
        let key = Key::random().unwrap();
        let mut store = Store::open(&path, &key).unwrap();
        assert_eq!(store.version().unwrap(), MIGRATIONS.len());
        store.put_account(&account("ya29.access-secret")).unwrap();
        store
            .apply_page(
                &ann(),
                &page(vec![message("1"), message("2")], vec![], vec![], "c1"),
                5,
            )
            .unwrap();
        let change = MessageChange {
            id: "1".into(),
            unread: Some(false),
            starred: Some(true),
            labels_added: vec!["Label_1".into()],
            labels_removed: vec!["INBOX".into()],
        };
        store
            .apply_page(
                &ann(),
                &page(vec![message("3")], vec!["2"], vec![change], "c2"),
                6,
            )
            .unwrap();
        assert_eq!(store.cursor(&ann()).unwrap().as_deref(), Some("c2"));
        let stored = store.messages(&ann()).unwrap();
        let ids: Vec<&str> = stored.iter().map(|m| m.id.as_str()).collect();
        assert_eq!(ids, ["3", "1"]);
        let one = &stored[1];
        assert!(!one.unread && one.starred);
        assert_eq!(one.labels, ["Label_1"]);
        drop(store);

        // Secrets are not in the file; the wrong key cannot open them; the right one can.
        let bytes = std::fs::read(&path).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains("ya29.access-secret") && !text.contains("refresh-secret"));
        let wrong = Store::open(&path, &Key::random().unwrap()).unwrap();
        let err = wrong.account(&ann()).unwrap_err().to_string();
        assert!(err.contains("wrong key"), "{err}");
        let again = Store::open(&path, &key).unwrap();
        assert_eq!(
            again.account(&ann()).unwrap().unwrap().access_token,
            "ya29.access-secret"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn folders_are_replaced_as_a_whole() {
        let mut store = Store::in_memory(&Key::random().unwrap()).unwrap();
        let folder = |id: &str| Folder {
            id: id.into(),
            name: id.into(),
            role: crate::types::FolderRole::User,
            parent_id: None,
            unread: Some(1),
            total: Some(2),
        };
        store
            .put_folders(&outlook(), &[folder("a"), folder("b")])
            .unwrap();
        store.put_folders(&outlook(), &[folder("c")]).unwrap();
        let ids: Vec<String> = store
            .folders(&outlook())
            .unwrap()
            .into_iter()
            .map(|f| f.id)
            .collect();
        assert_eq!(ids, ["c"]);
        assert!(store.folders(&ann()).unwrap().is_empty());
    }

    #[test]
    fn older_schemas_migrate_and_newer_ones_are_refused() {
        let key = Key::random().unwrap();
        let mut db = Connection::open_in_memory().unwrap();
        db.execute_batch(MIGRATIONS[0]).unwrap();
        db.pragma_update(None, "user_version", 1).unwrap();
        migrate(&mut db).unwrap();
        let version: usize = db
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(version, MIGRATIONS.len());
        db.pragma_update(None, "user_version", 99).unwrap();
        let store = Store::with(db, &key);
        assert!(store.is_err());
    }

    #[test]
    fn two_accounts_of_one_provider_keep_their_own_mail() {
        let mut store = Store::in_memory(&Key::random().unwrap()).unwrap();
        let bob = Account {
            email: "bob@example.com".into(),
            ..account("ya29.bob")
        };
        store.put_account(&account("ya29.ann")).unwrap();
        store.put_account(&bob).unwrap();
        let bob_key = AccountKey::of(&bob);
        store
            .apply_page(&ann(), &page(vec![message("1")], vec![], vec![], "a1"), 1)
            .unwrap();
        store
            .apply_page(
                &bob_key,
                &page(vec![message("1"), message("2")], vec![], vec![], "b1"),
                1,
            )
            .unwrap();
        // A deletion in one account leaves the same id of the other alone.
        store
            .apply_page(&ann(), &page(vec![], vec!["1"], vec![], "a2"), 2)
            .unwrap();
        assert_eq!(store.count(&ann()).unwrap(), 0);
        assert_eq!(store.count(&bob_key).unwrap(), 2);
        assert_eq!(store.cursor(&bob_key).unwrap().as_deref(), Some("b1"));
        assert_eq!(
            store.accounts(Some(Provider::Google)).unwrap(),
            [ann(), bob_key.clone()]
        );
        assert!(
            store
                .accounts(Some(Provider::Microsoft))
                .unwrap()
                .is_empty()
        );
        // The address is compared without case.
        let shouted = AccountKey {
            email: "BOB@Example.com".into(),
            ..bob_key
        };
        assert_eq!(
            store.account(&shouted).unwrap().unwrap().access_token,
            "ya29.bob"
        );
    }

    #[test]
    fn a_version_3_store_migrates_to_unix_second_dates_and_reads_its_old_app() {
        let key = Key::random().unwrap();
        let cipher = XChaCha20Poly1305::new(&key.0.into());
        let db = Connection::open_in_memory().unwrap();
        for step in &MIGRATIONS[..3] {
            db.execute_batch(step).unwrap();
        }
        db.pragma_update(None, "user_version", 3).unwrap();
        // Messages as WIT 0.1 wrote them: the date as RFC 3339 text, in the column and the
        // record; one date no parser reads.
        for (id, date) in [
            ("1", "2026-05-04T11:00:00+02:00"),
            ("2", "2026-05-04T10:00:00Z"),
            ("3", "not a date"),
        ] {
            let mut json = serde_json::to_value(message(id)).unwrap();
            json["date"] = date.into();
            db.execute(
                "INSERT INTO messages (kind, email, id, thread_id, date, json)
                 VALUES ('google', 'ann@example.com', ?1, 't', ?2, ?3)",
                params![id, date, json.to_string()],
            )
            .unwrap();
        }
        // An app as WIT 0.1 sealed it: the provider under `kind`.
        let app = App {
            provider: Provider::Google,
            client_id: "client".into(),
            client_secret: "secret".into(),
            redirect_uri: "http://127.0.0.1/callback".into(),
            tenant: None,
            scopes: vec!["openid".into()],
            limits: None,
        };
        let mut old = serde_json::to_value(&app).unwrap();
        let provider = old.as_object_mut().unwrap().remove("provider").unwrap();
        old["kind"] = provider;
        let sealed = seal(&cipher, "providers", "google", old.to_string().as_bytes()).unwrap();
        db.execute(
            "INSERT INTO providers (kind, sealed) VALUES ('google', ?1)",
            [sealed],
        )
        .unwrap();

        let store = Store::with(db, &key).unwrap();
        assert_eq!(store.version().unwrap(), MIGRATIONS.len());
        let dates: Vec<(String, Option<i64>)> = store
            .messages(&ann())
            .unwrap()
            .into_iter()
            .map(|m| (m.id, m.date))
            .collect();
        // Newest first, as numbers; the unreadable date is gone, not guessed.
        assert_eq!(
            dates,
            [
                ("2".to_owned(), Some(1_777_888_800)),
                ("1".to_owned(), Some(1_777_885_200)),
                ("3".to_owned(), None),
            ]
        );
        assert_eq!(store.app(Provider::Google).unwrap(), Some(app));
    }

    #[test]
    fn a_version_2_store_with_data_migrates_to_accounts_by_address() {
        let key = Key::random().unwrap();
        let cipher = XChaCha20Poly1305::new(&key.0.into());
        let db = Connection::open_in_memory().unwrap();
        for step in &MIGRATIONS[..2] {
            db.execute_batch(step).unwrap();
        }
        db.pragma_update(None, "user_version", 2).unwrap();
        // Rows as version 2 wrote them: keyed by kind, the account sealed to its kind.
        let sealed = seal(
            &cipher,
            "accounts",
            "google",
            &serde_json::to_vec(&account("ya29.old")).unwrap(),
        )
        .unwrap();
        db.execute(
            "INSERT INTO accounts (kind, email, sealed) VALUES ('google', 'ann@example.com', ?1)",
            [sealed],
        )
        .unwrap();
        db.execute(
            "INSERT INTO cursors (kind, cursor, committed_at) VALUES ('google', 'c9', 7)",
            [],
        )
        .unwrap();
        for id in ["1", "2"] {
            let json = serde_json::to_string(&message(id)).unwrap();
            db.execute(
                "INSERT INTO messages (kind, id, thread_id, date, json)
                 VALUES ('google', ?1, 't', '2026', ?2)",
                params![id, json],
            )
            .unwrap();
        }
        // Messages of a kind with no account were unreachable; they go.
        db.execute(
            "INSERT INTO messages (kind, id, json) VALUES ('microsoft', 'x', '{}')",
            [],
        )
        .unwrap();
        db.execute(
            "INSERT INTO folders (kind, id, json) VALUES ('google', 'INBOX', ?1)",
            [serde_json::to_string(&Folder {
                id: "INBOX".into(),
                name: "Inbox".into(),
                role: crate::types::FolderRole::Inbox,
                parent_id: None,
                unread: None,
                total: None,
            })
            .unwrap()],
        )
        .unwrap();

        let store = Store::with(db, &key).unwrap();
        assert_eq!(store.version().unwrap(), MIGRATIONS.len());
        assert_eq!(store.accounts(None).unwrap(), [ann()]);
        let migrated = store.account(&ann()).unwrap().unwrap();
        assert_eq!(migrated.access_token, "ya29.old");
        assert_eq!(store.cursor(&ann()).unwrap().as_deref(), Some("c9"));
        assert_eq!(store.count(&ann()).unwrap(), 2);
        assert_eq!(store.folders(&ann()).unwrap()[0].id, "INBOX");
        let orphans: usize = store
            .db
            .query_row(
                "SELECT COUNT(*) FROM messages WHERE kind = 'microsoft'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(orphans, 0);
        // Stored again, the account is sealed to its address.
        store.put_account(&migrated).unwrap();
        assert_eq!(
            store.account(&ann()).unwrap().unwrap().access_token,
            "ya29.old"
        );
    }

    #[test]
    fn keys_parse_from_hex_and_base64() {
        let hex_key = "00".repeat(31) + "ff";
        assert_eq!(Key::parse(&hex_key).unwrap().0[31], 0xff);
        let b64 = base64::engine::general_purpose::STANDARD.encode([7u8; 32]);
        assert_eq!(Key::parse(&b64).unwrap().0[0], 7);
        assert!(Key::parse("short").is_err());
    }
}
