/**
 * The first-sync benchmark: the same sandbox mailbox (a first sync bounded to the newest
 * `--messages`, default 2000, of a mailbox a quarter larger; latency per mail API request
 * `--latency-ms`, default 25) synced from the start through this package and
 * through the wasmtime harness CLI (`email-harness sync`), for both providers: through
 * `EmailManager` alone (the pages are counted, not stored) and through the example plugin (each
 * page stored in SQLite with its cursor, as the CLI stores it). Prints wall times and the ratios
 * Node / wasmtime. Each run gets a fresh sandbox, so that each has the provider's whole quota.
 *
 * The CLI's sync time is a whole process (start, loading the component, the sync); its fixed
 * cost is measured apart (the median of three `refresh` runs: start, load, one token request),
 * and the ratios are against the sync net of it.
 *
 * Usage: `npm run bench -- [--messages N] [--latency-ms MS] [--workers N]`, with
 * `EMAIL_MANAGER_WASM` and `EMAIL_HARNESS_BIN` as for the tests.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs, promisify } from "node:util";
import { EmailManager, sandboxPolicy, type Provider } from "../src/index.js";
import { EmailPlugin } from "../example/plugin.js";
import { SecretBox } from "../example/secrets.js";
import { MailStore } from "../example/store.js";
import { connect, syncToEnd } from "../test/connect.js";
import { COMPONENT_WASM, HARNESS_BIN, Sandbox } from "../test/sandbox.js";

const run = promisify(execFile);
const { values } = parseArgs({
  options: {
    messages: { type: "string", default: "2000" },
    "latency-ms": { type: "string", default: "25" },
    workers: { type: "string", default: "2" },
  },
});
const messages = Number(values.messages);
const latencyMs = Number(values["latency-ms"]);
const KINDS: Provider[] = ["google", "microsoft"];

/** Seconds since `start` (a `performance.now()`). */
const since = (start: number) => (performance.now() - start) / 1000;

/** `run` timed, with the worst delay of a 10 ms timer on the main thread meanwhile. */
async function timed<R>(run: () => Promise<R>): Promise<R & { seconds: number; worstDelayMs: number }> {
  let worst = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    worst = Math.max(worst, now - last - 10);
    last = now;
  }, 10);
  const start = performance.now();
  const result = await run();
  const seconds = since(start);
  clearInterval(timer);
  return { ...result, seconds, worstDelayMs: worst };
}

/** A manager routed to `sandbox`. */
const managerFor = (sandbox: Sandbox) => EmailManager.start({ policy: sandboxPolicy(sandbox.baseUrl), workers: Number(values.workers) });

/** The first sync of `kind` through `EmailManager`: pages counted, not stored. */
async function node(sandbox: Sandbox, kind: Provider) {
  const manager = await managerFor(sandbox);
  try {
    const { app, account } = await connect(manager, sandbox, kind);
    return await timed(async () => {
      const { ids, pages } = await syncToEnd(manager, app, account, { maxMessages: messages });
      return { messages: ids.size, pages };
    });
  } finally {
    await manager.close();
  }
}

/** The first sync of `kind` through the example plugin: each page stored in SQLite with its cursor. */
async function example(sandbox: Sandbox, kind: Provider) {
  const dir = mkdtempSync(join(tmpdir(), "email-bench-"));
  const store = new MailStore(join(dir, "plugin.db"), SecretBox.load(undefined, join(dir, "key")));
  const plugin = new EmailPlugin(await managerFor(sandbox), store, () => {}, { maxMessages: messages });
  try {
    const app = sandbox.app(kind);
    await plugin.configureApp({ provider: kind, clientId: app.client_id, clientSecret: app.client_secret, redirectUri: app.redirect_uris[0]! });
    const redirect = new URL(await sandbox.consent(await plugin.beginConnect(kind)));
    const { id } = await plugin.finishConnect(redirect.searchParams);
    return await timed(async () => {
      const tally = await plugin.syncAccount(id);
      return { messages: tally.stored, pages: tally.pages };
    });
  } finally {
    await plugin.manager.close();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The first sync of `kind` through the wasmtime harness CLI: seconds of the sync and of a fixed-cost call. */
async function wasmtime(sandbox: Sandbox, kind: Provider) {
  const store = mkdtempSync(join(tmpdir(), "email-bench-"));
  const app = sandbox.app(kind);
  const cli = (...args: string[]) =>
    run(HARNESS_BIN, ["--component", COMPONENT_WASM, "--store", store, "--sandbox-url", sandbox.baseUrl, ...args], {
      env: { ...process.env, EMAIL_HARNESS_CLIENT_SECRET: app.client_secret },
      maxBuffer: 64 << 20,
    });
  try {
    await cli("configure", "--provider", kind, "--client-id", app.client_id, "--redirect-uri", app.redirect_uris[0]!);
    await cli("connect", "--provider", kind, "--consent");
    const fixedRuns: number[] = [];
    for (let i = 0; i < 3; i++) {
      const start = performance.now();
      await cli("refresh", "--provider", kind);
      fixedRuns.push(since(start));
    }
    const fixed = fixedRuns.sort((a, b) => a - b)[1]!;
    const start = performance.now();
    const { stdout } = await cli("--json", "sync", "--provider", kind, "--max-messages", String(messages));
    const seconds = since(start);
    const report = JSON.parse(stdout) as { messages: number; pages: number; stored: number };
    return { seconds, fixed, messages: report.stored, pages: report.pages };
  } finally {
    rmSync(store, { recursive: true, force: true });
  }
}

/** `measure` against a fresh sandbox (each run gets the provider's whole quota window). */
async function fresh<R>(measure: (sandbox: Sandbox) => Promise<R>): Promise<R> {
  const sandbox = await Sandbox.start({ messages: messages + messages / 4, latencyMs });
  try {
    return await measure(sandbox);
  } finally {
    await sandbox.stop();
  }
}

console.log(`first sync of ${messages} messages, ${latencyMs} ms latency per mail API request, default page size, a fresh sandbox per run`);
console.log(
  "| provider | wasmtime CLI sync (fixed cost) | Node package | Node example, SQLite | package / CLI net | example / CLI net | event loop worst delay (package, example) |",
);
console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
for (const kind of KINDS) {
  const w = await fresh((sandbox) => wasmtime(sandbox, kind));
  const n = await fresh((sandbox) => node(sandbox, kind));
  const e = await fresh((sandbox) => example(sandbox, kind));
  for (const [way, r] of [["wasmtime", w], ["package", n], ["example", e]] as const) {
    if (r.messages !== messages) throw new Error(`${kind}: the ${way} run synced ${r.messages} of ${messages}`);
  }
  const net = w.seconds - w.fixed;
  console.log(
    `| ${kind} | ${w.seconds.toFixed(2)} s (${w.fixed.toFixed(2)} s) | ${n.seconds.toFixed(2)} s | ${e.seconds.toFixed(2)} s | ` +
      `${(n.seconds / net).toFixed(2)} | ${(e.seconds / net).toFixed(2)} | ${n.worstDelayMs.toFixed(1)} ms, ${e.worstDelayMs.toFixed(1)} ms |`,
  );
}
