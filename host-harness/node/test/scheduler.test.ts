/**
 * The example's sync job: each connected account is synced on its own timer, again and again,
 * and an account that must reconnect is left alone.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { SyncScheduler } from "../example/scheduler.js";
import { PluginFixture } from "./plugin-fixture.js";
import { Sandbox } from "./sandbox.js";

let sandbox: Sandbox;
let fixture: PluginFixture;

before(async () => {
  sandbox = await Sandbox.start({ messages: 20 });
  fixture = await PluginFixture.start(sandbox);
});
after(async () => {
  await fixture.stop();
  await sandbox.stop();
});

/** Waits until `done()` holds, for at most `ms`. */
async function until(done: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 20));
  }
}

test("syncs each account on its own timer, and skips an account that must reconnect", async () => {
  const { plugin } = fixture;
  const ids: number[] = [];
  for (const kind of ["google", "microsoft"] as const) {
    const app = sandbox.app(kind);
    await plugin.configureApp({ provider: kind, clientId: app.client_id, clientSecret: app.client_secret, redirectUri: app.redirect_uris[0]! });
    const redirect = new URL(await sandbox.consent(await plugin.beginConnect(kind)));
    ids.push((await plugin.finishConnect(redirect.searchParams)).id);
  }
  const scheduler = new SyncScheduler(plugin, 100, () => {});
  try {
    scheduler.start();
    await until(() => ids.every((id) => plugin.store.syncState(id).pages >= 2), 20_000);
    for (const id of ids) assert.equal(plugin.store.count(id), sandbox.provider(plugin.store.account(id)!.view.provider).messages);

    plugin.store.setStatus(ids[0]!, "reauthorize");
    await new Promise((r) => setTimeout(r, 250)); // a sync already under way may finish
    const skipped = plugin.store.syncState(ids[0]!).pages;
    const other = plugin.store.syncState(ids[1]!).pages;
    await until(() => plugin.store.syncState(ids[1]!).pages >= other + 2, 20_000);
    assert.equal(plugin.store.syncState(ids[0]!).pages, skipped, "no sync of an account that must reconnect");
  } finally {
    scheduler.stop();
  }
});

test("two sync requests for one account share one run", async () => {
  const id = fixture.plugin.store.accounts()[1]!.id;
  const [a, b] = await Promise.all([fixture.plugin.syncAccount(id), fixture.plugin.syncAccount(id)]);
  assert.equal(a, b);
});
