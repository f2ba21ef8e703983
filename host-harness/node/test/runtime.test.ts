/**
 * The runtime: the worker pool running the component against the sandbox, the policy's
 * routing and denial, typed errors for bad input, the per-call time limit and the per-mailbox
 * queue.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import {
  EmailManager,
  EmailManagerError,
  HostError,
  KeyedQueue,
  PROVIDER_HOSTS,
  decide,
  sandboxPolicy,
  type RequestLogEntry,
} from "../src/index.js";
import { logEntry } from "../src/policy.js";
import { guardedHandler } from "../src/outgoing.js";
import { connect, syncToEnd } from "./connect.js";
import { Sandbox } from "./sandbox.js";

describe("policy", () => {
  const policy = sandboxPolicy("http://127.0.0.1:9999");

  test("routes a provider host to the sandbox in path-prefix form, keeping path and query", () => {
    assert.deepEqual(decide(policy, "https", "graph.microsoft.com", "/v1.0/me?$select=mail"), {
      denied: false,
      scheme: "http",
      authority: "127.0.0.1:9999",
      pathWithQuery: "/graph.microsoft.com/v1.0/me?$select=mail",
      routed: true,
    });
  });

  test("allows the same provider hosts as the wasmtime harness", () => {
    // host-harness/src/policy.rs, from dist/test/ of this package
    const rust = readFileSync(new URL("../../../src/policy.rs", import.meta.url), "utf8");
    const list = /pub const PROVIDER_HOSTS: &\[&str\] = &\[([^\]]*)\]/.exec(rust);
    assert.ok(list, "PROVIDER_HOSTS in host-harness/src/policy.rs");
    const hosts = [...list[1]!.matchAll(/"([^"]+)"/g)].map((m) => m[1]);
    assert.deepEqual([...PROVIDER_HOSTS], hosts);
  });

  test("denies other hosts, look-alikes and other ports", () => {
    for (const authority of ["evil.example", "graph.microsoft.com.evil.example", "graph.microsoft.com:8443", "127.0.0.1:9999"]) {
      assert.deepEqual(decide(policy, "https", authority, "/"), { denied: true }, authority);
    }
  });

  test("an allowed host without a route goes where it points", () => {
    const real = { allow: [...PROVIDER_HOSTS], routes: {} };
    const d = decide(real, "https", "oauth2.googleapis.com", "/token");
    assert.deepEqual(d, { denied: false, scheme: "https", authority: "oauth2.googleapis.com", pathWithQuery: "/token", routed: false });
  });

  test("a log entry keeps query names and drops their values", () => {
    const entry = logEntry("get", "accounts.google.com", "/o/oauth2/v2/auth?client_id=abc&code=SECRET", { denied: true });
    assert.deepEqual(entry, { method: "GET", host: "accounts.google.com", path: "/o/oauth2/v2/auth", query: ["client_id", "code"], denied: true, routed: false });
  });
});

describe("the guarded outgoing handler", () => {
  /** A stand-in for the shim's request and options resources, recording what is set. */
  const fakeRequest = (authority: string, path: string) => {
    const state = { scheme: { tag: "HTTPS" } as { tag: string; val?: string }, authority, path };
    return {
      state,
      method: () => ({ tag: "post" }),
      scheme: () => state.scheme,
      setScheme: (s: { tag: string }) => (state.scheme = s),
      authority: () => state.authority,
      setAuthority: (a: string) => (state.authority = a),
      pathWithQuery: () => state.path,
      setPathWithQuery: (p: string) => (state.path = p),
    };
  };
  const fakeOptions = (connect?: bigint, firstByte?: bigint, between?: bigint) => {
    const t = { connect, firstByte, between };
    return {
      t,
      connectTimeout: () => t.connect,
      setConnectTimeout: (v: bigint) => (t.connect = v),
      firstByteTimeout: () => t.firstByte,
      setFirstByteTimeout: (v: bigint) => (t.firstByte = v),
      betweenBytesTimeout: () => t.between,
      setBetweenBytesTimeout: (v: bigint) => (t.between = v),
    };
  };
  const s = 1_000_000_000n;

  test("routes an allowed request, keeps the component's shorter timeouts and bounds the rest", () => {
    const sent: unknown[] = [];
    const log: RequestLogEntry[] = [];
    const handler = guardedHandler(sandboxPolicy("http://127.0.0.1:9999"), { handle: (r, o) => sent.push(r, o) }, (e) => log.push(e), () => fakeOptions());
    const request = fakeRequest("oauth2.googleapis.com", "/token");
    const options = fakeOptions(5n * s, 900n * s);
    handler.handle(request, options);
    assert.deepEqual(request.state, { scheme: { tag: "HTTP" }, authority: "127.0.0.1:9999", path: "/oauth2.googleapis.com/token" });
    assert.deepEqual(options.t, { connect: 5n * s, firstByte: 120n * s, between: 60n * s });
    assert.equal(sent.length, 2);
    assert.deepEqual(log, [{ method: "POST", host: "oauth2.googleapis.com", path: "/token", query: [], denied: false, routed: true }]);
  });

  test("refuses a host off the list with HTTP-request-denied, before the shim sees it", () => {
    const sent: unknown[] = [];
    const handler = guardedHandler(sandboxPolicy("http://127.0.0.1:9999"), { handle: (r) => sent.push(r) }, () => {}, () => fakeOptions());
    assert.throws(() => handler.handle(fakeRequest("attacker.example", "/steal?token=x"), undefined), (e: unknown) => {
      assert.deepEqual(e, { tag: "HTTP-request-denied" });
      return true;
    });
    assert.equal(sent.length, 0);
  });
});

describe("per-mailbox queue", () => {
  test("runs tasks of one key one at a time, in order, and keys side by side", async () => {
    const queue = new KeyedQueue();
    const events: string[] = [];
    const task = (name: string, ms: number) => async () => {
      events.push(`${name}+`);
      await new Promise((r) => setTimeout(r, ms));
      events.push(`${name}-`);
      return name;
    };
    const results = await Promise.all([queue.run("a", task("a1", 30)), queue.run("a", task("a2", 1)), queue.run("b", task("b1", 5))]);
    assert.deepEqual(results, ["a1", "a2", "b1"]);
    assert.ok(events.indexOf("a1-") < events.indexOf("a2+"), events.join(" "));
    assert.ok(events.indexOf("b1+") < events.indexOf("a1-"), events.join(" "));
    await assert.rejects(queue.run("a", async () => Promise.reject(new Error("boom"))), /boom/);
    assert.equal(await queue.run("a", async () => "after a failure"), "after a failure");
  });
});

describe("the component in workers, against the sandbox", () => {
  let sandbox: Sandbox;
  let manager: EmailManager;
  const log: RequestLogEntry[] = [];

  before(async () => {
    sandbox = await Sandbox.start({ messages: 40 });
    manager = await EmailManager.start({ policy: sandboxPolicy(sandbox.baseUrl), workers: 2, onRequest: (e) => log.push(e) });
  });
  after(async () => {
    await manager.close();
    await sandbox.stop();
  });

  test("connects a Google account and syncs the whole mailbox", async () => {
    const { app, account } = await connect(manager, sandbox, "google");
    assert.equal(account.email, sandbox.provider("google").user);
    assert.equal(typeof account.expiresAt, "bigint");
    const { ids, pages } = await syncToEnd(manager, app, account, { pageSize: 15 });
    assert.equal(ids.size, sandbox.provider("google").messages);
    assert.ok(pages >= 3, `${pages} pages of at most 15`);
    assert.ok(log.some((e) => e.host === "gmail.googleapis.com" && e.routed && !e.denied));
  });

  test("bad input is a typed error naming the field, and nothing is sent", async () => {
    const registered = sandbox.app("google");
    const error = await manager
      .configureApp({ provider: "google", clientId: registered.client_id, clientSecret: registered.client_secret, redirectUri: "ftp://example.com/cb" })
      .catch((e: unknown) => e);
    assert.ok(error instanceof EmailManagerError, String(error));
    assert.equal(error.tag, "invalid-input");
    assert.equal(error.field, "redirect-uri");

    const { app, account } = await connect(manager, sandbox, "google");
    const before = log.length;
    const bad = await manager
      .send(app, account, { to: [{ address: "bob@example.com" }], cc: [], bcc: [], replyTo: [], subject: "hi\r\nBcc: eve@example.com", textBody: "x", attachments: [] })
      .catch((e: unknown) => e);
    assert.ok(bad instanceof EmailManagerError && bad.tag === "invalid-input", String(bad));
    assert.equal(bad.field, "subject");
    assert.equal(log.length, before, "no request was made");
    assert.deepEqual(await sandbox.sent("google"), []);
  });

  test("with a fresh instance per call, calls still work one after another", async () => {
    const fresh = await EmailManager.start({ policy: sandboxPolicy(sandbox.baseUrl), workers: 1, freshInstancePerCall: true });
    try {
      const { app, account } = await connect(fresh, sandbox, "microsoft");
      const folders = await fresh.listFolders(app, account);
      assert.ok(folders.folders.some((f) => f.role === "inbox"));
    } finally {
      await fresh.close();
    }
  });

  test("an argument the WIT cannot carry is a host error, and the worker goes on", async () => {
    const config = { provider: "yahoo", clientId: "id", clientSecret: "secret", redirectUri: "http://127.0.0.1:1/cb" };
    const error = await manager.configureApp(config as never).catch((e: unknown) => e);
    assert.ok(error instanceof HostError && error.reason === "invalid-argument", String(error));
    assert.equal((await manager.configureApp({ ...config, provider: "google" })).provider, "google");
  });

  test("a host off the allowlist is denied: a transport error, and the request never leaves", async () => {
    const { app, account } = await connect(manager, sandbox, "google");
    const seen: RequestLogEntry[] = [];
    const narrow = await EmailManager.start({
      workers: 1,
      policy: { allow: PROVIDER_HOSTS.filter((h) => h !== "gmail.googleapis.com"), routes: sandboxPolicy(sandbox.baseUrl).routes },
      onRequest: (e) => seen.push(e),
    });
    try {
      await sandbox.clearRequests();
      const message = { to: [{ address: "bob@example.com" }], cc: [], bcc: [], replyTo: [], subject: "never sent", textBody: "x", attachments: [] };
      const error = await narrow.send(app, account, message).catch((e: unknown) => e);
      assert.ok(error instanceof EmailManagerError, String(error));
      assert.equal(error.tag, "transport");
      assert.ok(seen.length > 0 && seen.every((e) => e.host === "gmail.googleapis.com" && e.denied && !e.routed), JSON.stringify(seen));
      assert.deepEqual(await sandbox.requests(), [], "the sandbox received nothing");
      assert.deepEqual(await sandbox.sent("google"), []);
    } finally {
      await narrow.close();
    }
  });

  test("a call past its time limit ends with a host error, and the pool goes on", async () => {
    const slow = await Sandbox.start({ messages: 5, latencyMs: 3000 });
    try {
      const slowManager = await EmailManager.start({ policy: sandboxPolicy(slow.baseUrl), workers: 1, timeoutMs: 20_000 });
      try {
        const { app, account } = await connect(slowManager, slow, "google");
        const started = Date.now();
        const error = await slowManager.sync(app, account, { folders: [] }, { timeoutMs: 500 }).catch((e: unknown) => e);
        assert.ok(error instanceof HostError && error.reason === "timeout", String(error));
        assert.ok(Date.now() - started < 2500, "ended at the limit, not at the answer");
        const again = await slowManager.configureApp({ provider: "microsoft", clientId: "id", clientSecret: "s", redirectUri: "http://127.0.0.1:1/cb" });
        assert.equal(again.provider, "microsoft");
      } finally {
        await slowManager.close();
      }
    } finally {
      await slow.stop();
    }
  });
});
