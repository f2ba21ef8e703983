/**
 * The first-sync benchmark: the same sandbox mailbox (a first sync bounded to the newest
 * `--messages`, default 2000, of a mailbox a quarter larger; latency per mail API request
 * `--latency-ms`, default 25) synced from the start through this package and
 * through the wasmtime harness CLI (`email-harness sync`), for both providers. Prints wall times
 * and the ratio Node / wasmtime.
 *
 * The CLI's sync time is a whole process (start, loading the component, the sync); its fixed
 * cost is measured apart (a `refresh`: start, load, one token request) and shown, with the ratio
 * against the sync net of it.
 *
 * Usage: `npm run bench -- [--messages N] [--latency-ms MS] [--workers N]`, with
 * `EMAIL_MANAGER_WASM` and `EMAIL_HARNESS_BIN` as for the tests.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs, promisify } from "node:util";
import { EmailManager, sandboxPolicy, type ProviderKind } from "../src/index.js";
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
const KINDS: ProviderKind[] = ["google", "microsoft"];

/** Seconds since `start` (a `performance.now()`). */
const since = (start: number) => (performance.now() - start) / 1000;

/** The first sync of `kind` through this package: seconds, messages, and the event loop's worst delay. */
async function node(sandbox: Sandbox, kind: ProviderKind) {
  const manager = await EmailManager.start({ policy: sandboxPolicy(sandbox.baseUrl), workers: Number(values.workers) });
  try {
    const { provider, account } = await connect(manager, sandbox, kind);
    let worst = 0;
    let last = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      worst = Math.max(worst, now - last - 10);
      last = now;
    }, 10);
    const start = performance.now();
    const { ids, pages } = await syncToEnd(manager, provider, account, { maxMessages: messages });
    const seconds = since(start);
    clearInterval(timer);
    return { seconds, messages: ids.size, pages, worstDelayMs: worst };
  } finally {
    await manager.close();
  }
}

/** The first sync of `kind` through the wasmtime harness CLI: seconds of the sync and of a fixed-cost call. */
async function wasmtime(sandbox: Sandbox, kind: ProviderKind) {
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
    let start = performance.now();
    await cli("refresh", "--provider", kind);
    const fixed = since(start);
    start = performance.now();
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
console.log("| provider | Node (jco, worker pool) | wasmtime CLI sync | CLI fixed cost | Node / wasmtime | Node / (wasmtime - fixed) | event loop worst delay |");
console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
for (const kind of KINDS) {
  const w = await fresh((sandbox) => wasmtime(sandbox, kind));
  const n = await fresh((sandbox) => node(sandbox, kind));
  if (n.messages !== messages || w.messages !== messages) {
    throw new Error(`${kind}: synced ${n.messages} (Node) and ${w.messages} (wasmtime) of ${messages}`);
  }
  console.log(
    `| ${kind} | ${n.seconds.toFixed(2)} s (${n.pages} pages) | ${w.seconds.toFixed(2)} s (${w.pages} pages) | ${w.fixed.toFixed(2)} s | ` +
      `${(n.seconds / w.seconds).toFixed(2)} | ${(n.seconds / (w.seconds - w.fixed)).toFixed(2)} | ${n.worstDelayMs.toFixed(1)} ms |`,
  );
}
