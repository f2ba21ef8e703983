/**
 * The whole journey of each provider through the example plugin's HTTP routes, against the
 * sandbox: connect, first sync, send, reply, reply all, forward, modify, drafts, new mail and an
 * incremental sync; then the plugin's database is checked, and no secret may appear in any log
 * line, request log entry, answer or error, nor in the database file unsealed.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import type { Provider } from "../src/index.js";
import { PluginFixture } from "./plugin-fixture.js";
import { Sandbox, type SandboxAddress, type SentMessage } from "./sandbox.js";

const KINDS: Provider[] = ["google", "microsoft"];

for (const kind of KINDS) {
  describe(`${kind}: the plugin's journey`, () => {
    let sandbox: Sandbox;
    let fixture: PluginFixture;
    let id: number;
    let modified: { read: string; starred: string };
    const secrets: string[] = [];
    const storedIds = () => new Set(fixture.plugin.store.messages(id).map((m) => m.id));

    before(async () => {
      sandbox = await Sandbox.start({ messages: 40, seed: 11 });
      fixture = await PluginFixture.start(sandbox);
    });
    after(async () => {
      await fixture.stop();
      await sandbox.stop();
    });

    test("connects through the OAuth start and callback routes", async () => {
      const app = sandbox.app(kind);
      secrets.push(app.client_secret);
      const shown = await fixture.ok("POST", "/api/email/apps", {
        provider: kind,
        clientId: app.client_id,
        clientSecret: app.client_secret,
        redirectUri: app.redirect_uris[0],
      });
      assert.equal(shown.clientSecret, undefined, "the answer holds no secret");
      const authorizationUrl: string = await fixture.ok("GET", `/api/email/oauth/${kind}/start`);
      const redirect = new URL(await sandbox.consent(authorizationUrl));
      secrets.push(redirect.searchParams.get("code")!);
      const account = await fixture.ok("GET", `/api/email/oauth/callback${redirect.search}`);
      assert.equal(account.email, sandbox.provider(kind).user);
      assert.equal(account.status, "active");
      id = account.id;
      const stored = fixture.plugin.store.account(id)!.account;
      secrets.push(stored.accessToken, ...(stored.refreshToken ? [stored.refreshToken] : []));

      const replay = await fixture.call("GET", `/api/email/oauth/callback${redirect.search}`);
      assert.equal(replay.status, 400, "a callback is used once");
    });

    test("the first sync stores the whole mailbox, page by page with its cursor", async () => {
      const tally = await fixture.ok("POST", `/api/email/accounts/${id}/sync`);
      assert.deepEqual(storedIds(), new Set(await sandbox.messageIds(kind)));
      assert.equal(tally.stored, storedIds().size);
      // Dates are Unix seconds (WIT 0.2), stored as integers and listed newest first.
      const listed: Array<{ date: unknown }> = await fixture.ok("GET", `/api/email/accounts/${id}/messages`);
      const dates = listed.map((m) => m.date);
      assert.ok(dates.every((d) => Number.isInteger(d) && (d as number) > 946_684_800), `dates: ${dates.slice(0, 5).join(", ")}`);
      assert.ok(dates.every((d, i) => i === 0 || (dates[i - 1] as number) >= (d as number)), "newest first");
      const state = fixture.plugin.store.syncState(id);
      assert.ok(state.cursor && state.cursor.length > 0);
      assert.equal(state.pages, tally.pages);
    });

    test("sends a new message, a reply, a reply all and a forward", async () => {
      const user = sandbox.provider(kind).user.toLowerCase();
      const original = fixture.plugin.store
        .messages(id)
        .find((m) => !m.draft && m.subject && m.messageId && m.fromAddress && m.fromAddress.toLowerCase() !== user);
      assert.ok(original, "a received message to answer");
      const route = `/api/email/accounts/${id}/messages/${encodeURIComponent(original.id)}/reply`;
      const results = [
        await fixture.ok("POST", `/api/email/accounts/${id}/send`, {
          to: ["Bob Example <bob@example.com>"],
          subject: "Hello from the Node host",
          textBody: "Hello, Bob.",
          attachments: [{ filename: "note.txt", mimeType: "text/plain", content: Buffer.from("a note").toString("base64") }],
        }),
        await fixture.ok("POST", route, { mode: "reply", textBody: "Thanks." }),
        await fixture.ok("POST", route, { mode: "reply-all", textBody: "Thanks, all." }),
        await fixture.ok("POST", route, { mode: "forward", to: [{ name: "Fwd Target", address: "fwd@example.com" }], textBody: "FYI." }),
      ];
      for (const r of results) assert.ok(typeof r.id === "string" && r.id.length > 0);

      const sent = await sandbox.sent(kind);
      assert.equal(sent.length, 4);
      const [hello, reply, replyAll, forward] = sent as [SentMessage, SentMessage, SentMessage, SentMessage];
      assert.equal(hello.subject, "Hello from the Node host");
      assert.deepEqual(addresses(hello.to), ["bob@example.com"]);
      assert.deepEqual(
        hello.attachments.map((a) => [a.filename, a.sha256]),
        [["note.txt", createHash("sha256").update("a note").digest("hex")]],
      );
      const subject = original.subject!.replace(/^(re|fwd?):\s*/i, "");
      for (const answer of [reply, replyAll]) {
        assert.equal(answer.subject, `Re: ${subject}`);
        assert.equal(answer.in_reply_to, original.messageId);
        assert.ok(addresses(answer.to).includes(original.fromAddress!.toLowerCase()), JSON.stringify(answer.to));
        assert.ok(!addresses([...answer.to, ...answer.cc]).includes(user), "never to the account itself");
      }
      assert.ok(answer(replyAll) >= answer(reply), "reply all reaches at least the reply's recipients");
      assert.match(forward.subject ?? "", new RegExp(`^(Fwd|FW): ${escape(subject)}$`, "i"));
      assert.deepEqual(addresses(forward.to), ["fwd@example.com"]);

      const bad = await fixture.call("POST", `/api/email/accounts/${id}/send`, { to: ["bob@example.com"], subject: "Hi\r\nBcc: eve@example.com", textBody: "x" });
      assert.equal(bad.status, 400);
      assert.equal(bad.body.error.tag, "invalid-input");
      assert.equal(bad.body.error.field, "subject");
      assert.equal((await sandbox.sent(kind)).length, 4, "nothing sent for bad input");
    });

    test("modifies messages: read and starred at the provider", async () => {
      const [unread, other] = fixture.plugin.store.messages(id, { unread: true }).filter((m) => !m.starred);
      assert.ok(unread && other, "two unread, unstarred messages");
      modified = { read: unread.id, starred: other.id };
      assert.deepEqual(await fixture.ok("POST", `/api/email/accounts/${id}/modify`, { ids: [unread.id], action: "mark-read" }), [{ id: unread.id }]);
      assert.deepEqual(await fixture.ok("POST", `/api/email/accounts/${id}/modify`, { ids: [other.id], action: { tag: "star" } }), [{ id: other.id }]);
      // One outcome per id: a missing id fails alone, with its own error case.
      const mixed = await fixture.ok("POST", `/api/email/accounts/${id}/modify`, { ids: [other.id, "no-such-message"], action: "mark-read" });
      assert.equal(mixed.length, 2);
      assert.deepEqual(mixed[0], { id: other.id });
      assert.equal(mixed[1].id, "no-such-message");
      assert.equal(typeof mixed[1].error, "string");
      assert.equal((await sandbox.messageState(kind, unread.id))?.unread, false);
      assert.equal((await sandbox.messageState(kind, other.id))?.starred, true);
    });

    test("saves, replaces, sends and deletes drafts", async () => {
      const first = await fixture.ok("POST", `/api/email/accounts/${id}/drafts`, { to: ["carol@example.com"], subject: "Draft one", textBody: "first words" });
      const again = await fixture.ok("POST", `/api/email/accounts/${id}/drafts`, {
        draftId: first.id,
        to: ["carol@example.com"],
        subject: "Draft one, finished",
        textBody: "better words",
      });
      assert.equal((await sandbox.messageState(kind, again.messageId))?.draft, true);
      const sent = await fixture.ok("POST", `/api/email/accounts/${id}/drafts/${encodeURIComponent(again.id)}/send`);
      assert.ok(sent.id);
      const last = (await sandbox.sent(kind)).at(-1)!;
      assert.equal(last.subject, "Draft one, finished");
      assert.match(last.text_body ?? "", /better words/);

      const second = await fixture.ok("POST", `/api/email/accounts/${id}/drafts`, { subject: "Draft two" });
      assert.ok(await sandbox.messageState(kind, second.messageId));
      const deleted = await fixture.call("DELETE", `/api/email/accounts/${id}/drafts/${encodeURIComponent(second.id)}`);
      assert.equal(deleted.status, 204);
      assert.equal(await sandbox.messageState(kind, second.messageId), undefined, "the draft is gone");
    });

    test("lists and stores the folders", async () => {
      const folders = await fixture.ok("GET", `/api/email/accounts/${id}/folders`);
      assert.ok(folders.some((f: { role: string }) => f.role === "inbox"));
      const stored = fixture.plugin.store.db.prepare(`SELECT count(*) AS n FROM email_folders WHERE account_id = ?`).get(id) as { n: number };
      assert.equal(stored.n, folders.length);
    });

    test("new mail and an incremental sync: the database holds the mailbox as the provider does", async () => {
      const delivered = await sandbox.deliver(kind, 3);
      assert.equal(delivered.length, 3);
      const tally = await fixture.ok("POST", `/api/email/accounts/${id}/sync`);
      assert.ok(tally.messages >= 3, JSON.stringify(tally));
      const ids = storedIds();
      assert.deepEqual(ids, new Set(await sandbox.messageIds(kind)));
      for (const d of delivered) assert.ok(ids.has(d), "a delivered message is stored");
      const rows = new Map(fixture.plugin.store.messages(id).map((m) => [m.id, m]));
      assert.equal(rows.get(modified.read)?.unread, false);
      assert.equal(rows.get(modified.starred)?.starred, true);
      const subjects = new Set([...rows.values()].map((m) => m.subject));
      for (const s of ["Hello from the Node host", "Draft one, finished"]) assert.ok(subjects.has(s), `the sent "${s}" is stored`);
    });

    test("expired tokens are refreshed during a sync, and the new ones stored", async () => {
      const before = fixture.plugin.store.account(id)!.account;
      await sandbox.expireTokens(kind);
      await fixture.ok("POST", `/api/email/accounts/${id}/sync`);
      const after = fixture.plugin.store.account(id)!.account;
      assert.notEqual(after.accessToken, before.accessToken);
      secrets.push(after.accessToken, ...(after.refreshToken ? [after.refreshToken] : []));
    });

    test("a revoked grant is reauthorization-required, and the account is marked to reconnect", async () => {
      await sandbox.revokeTokens(kind);
      await sandbox.expireTokens(kind);
      const answer = await fixture.call("POST", `/api/email/accounts/${id}/sync`);
      assert.equal(answer.status, 409);
      assert.equal(answer.body.error.tag, "reauthorization-required");
      assert.equal(fixture.plugin.store.account(id)!.view.status, "reauthorize");
    });

    test("no secret appears in any log line, answer or error, nor unsealed in the database", () => {
      assert.ok(secrets.length >= 3 && fixture.output.length > 20);
      const everything = fixture.output.join("\n");
      const database = readFileSync(fixture.dbPath).toString("latin1") + readWal(fixture.dbPath);
      for (const secret of secrets) {
        assert.ok(secret.length >= 8);
        assert.ok(!everything.includes(secret), "a secret in the output");
        assert.ok(!database.includes(secret), "a secret unsealed in the database");
      }
    });
  });
}

/** The addresses of `list`, lower case. */
function addresses(list: SandboxAddress[]): string[] {
  return list.map((a) => a.address.toLowerCase());
}

/** How many recipients a sent message has. */
function answer(sent: SentMessage): number {
  return sent.to.length + sent.cc.length;
}

/** `text` with the characters a regular expression reads specially escaped. */
function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** The database's write-ahead log, if there is one. */
function readWal(dbPath: string): string {
  try {
    return readFileSync(`${dbPath}-wal`).toString("latin1");
  } catch {
    return "";
  }
}
