/**
 * Runs the example plugin on its own: `node dist/example/main.js`.
 *
 * Environment: `PORT` (default 8765, the sandbox apps' redirect URI port), `EMAIL_MANAGER_DB`
 * (default `email-manager.db`), `EMAIL_MANAGER_KEY` (64 hex digits or base64) else the key file
 * `EMAIL_MANAGER_KEY_FILE` (default `email-manager.key`, created owner-only),
 * `EMAIL_MANAGER_SANDBOX_URL` (route the provider hosts to a sandbox), `SYNC_INTERVAL_SECONDS`
 * (default 300).
 */
import { EmailManager, providersPolicy, sandboxPolicy } from "../src/index.js";
import { EmailPlugin } from "./plugin.js";
import { SyncScheduler } from "./scheduler.js";
import { SecretBox } from "./secrets.js";
import { createPluginServer } from "./server.js";
import { MailStore } from "./store.js";

const env = process.env;
const log = (line: string) => console.log(`email-plugin: ${line}`);
const sandbox = env.EMAIL_MANAGER_SANDBOX_URL;
const manager = await EmailManager.start({
  policy: sandbox ? sandboxPolicy(sandbox) : providersPolicy(),
  onRequest: (r) => log(`${r.denied ? "denied" : "request"} ${r.method} ${r.host}${r.path}`),
});
const store = new MailStore(env.EMAIL_MANAGER_DB ?? "email-manager.db", SecretBox.load(env.EMAIL_MANAGER_KEY, env.EMAIL_MANAGER_KEY_FILE ?? "email-manager.key"));
const plugin = new EmailPlugin(manager, store, log);
const scheduler = new SyncScheduler(plugin, Number(env.SYNC_INTERVAL_SECONDS ?? 300) * 1000, log);
plugin.onAccountConnected = (id) => scheduler.add(id, 0);
const server = createPluginServer(plugin, log);
server.listen(Number(env.PORT ?? 8765), "127.0.0.1", () => log(`listening on http://127.0.0.1:${Number(env.PORT ?? 8765)}`));
scheduler.start();

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    scheduler.stop();
    server.close();
    void manager.close().then(() => store.close());
  });
}
