/** Connecting a sandbox account straight through {@link EmailManager}, for the runtime tests. */
import type { Account, EmailManager, App, Provider, SyncRequest } from "../src/index.js";
import type { Sandbox } from "./sandbox.js";

/** Configures `provider` with the sandbox's app and connects its user: the app and the account. */
export async function connect(manager: EmailManager, sandbox: Sandbox, provider: Provider): Promise<{ app: App; account: Account }> {
  const registered = sandbox.app(provider);
  const app = await manager.configureApp({
    provider,
    clientId: registered.client_id,
    clientSecret: registered.client_secret,
    redirectUri: registered.redirect_uris[0]!,
  });
  const pending = await manager.beginAuth(app, {});
  const account = await manager.completeAuth(app, pending, await sandbox.consent(pending.authorizationUrl));
  return { app, account };
}

/** Syncs from the start until no more pages are ready (each request shaped by `request`); the messages seen and the pages. */
export async function syncToEnd(
  manager: EmailManager,
  app: App,
  account: Account,
  request: Partial<SyncRequest> = {},
): Promise<{ ids: Set<string>; pages: number }> {
  const ids = new Set<string>();
  let cursor: string | undefined;
  let pages = 0;
  for (;;) {
    const page = await manager.sync(app, account, { folders: [], ...request, cursor });
    pages += 1;
    for (const m of page.messages) ids.add(m.id);
    for (const d of page.deleted) ids.delete(d);
    if (page.account) account = page.account;
    cursor = page.cursor;
    if (!page.more) return { ids, pages };
  }
}
