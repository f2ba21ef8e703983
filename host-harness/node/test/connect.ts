/** Connecting a sandbox account straight through {@link EmailManager}, for the runtime tests. */
import type { Account, EmailManager, Provider, ProviderKind, SyncRequest } from "../src/index.js";
import type { Sandbox } from "./sandbox.js";

/** Configures `kind` with the sandbox's app and connects its user: the provider and the account. */
export async function connect(manager: EmailManager, sandbox: Sandbox, kind: ProviderKind): Promise<{ provider: Provider; account: Account }> {
  const app = sandbox.app(kind);
  const provider = await manager.configureProvider({
    kind,
    clientId: app.client_id,
    clientSecret: app.client_secret,
    redirectUri: app.redirect_uris[0]!,
  });
  const pending = await manager.beginAuth(provider, {});
  const account = await manager.completeAuth(provider, pending, await sandbox.consent(pending.authorizationUrl));
  return { provider, account };
}

/** Syncs from the start until no more pages are ready (each request shaped by `request`); the messages seen and the pages. */
export async function syncToEnd(
  manager: EmailManager,
  provider: Provider,
  account: Account,
  request: Partial<SyncRequest> = {},
): Promise<{ ids: Set<string>; pages: number }> {
  const ids = new Set<string>();
  let cursor: string | undefined;
  let pages = 0;
  for (;;) {
    const page = await manager.sync(provider, account, { folders: [], ...request, cursor });
    pages += 1;
    for (const m of page.messages) ids.add(m.id);
    for (const d of page.deleted) ids.delete(d);
    if (page.account) account = page.account;
    cursor = page.cursor;
    if (!page.more) return { ids, pages };
  }
}
