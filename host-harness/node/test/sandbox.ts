/**
 * A sandbox process for one test: `email-harness sandbox` on a free loopback port, its start-up
 * document, consent as its user, and its control API (`/_sandbox/v1/`).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Provider } from "../src/index.js";

/** The package folder (`host-harness/node`). */
export const PACKAGE_DIR = resolve(fileURLToPath(new URL("../..", import.meta.url)));

/** The email-harness binary: `$EMAIL_HARNESS_BIN`, else `../../target/debug/email-harness`. */
export const HARNESS_BIN = resolve(PACKAGE_DIR, process.env.EMAIL_HARNESS_BIN ?? "../../target/debug/email-harness");

/** The component: `$EMAIL_MANAGER_WASM`, else `../../target/email-manager.wasm`. */
export const COMPONENT_WASM = resolve(PACKAGE_DIR, process.env.EMAIL_MANAGER_WASM ?? "../../target/email-manager.wasm");

/** An OAuth app the sandbox accepts. */
export interface SandboxApp {
  client_id: string;
  client_secret: string;
  redirect_uris: string[];
}

/** One provider as the sandbox serves it. */
export interface SandboxProvider {
  provider: Provider;
  apps: SandboxApp[];
  user: string;
  display_name: string;
  messages: number;
}

/** An address as the control API shows it. */
export interface SandboxAddress {
  name: string | null;
  address: string;
}

/** A message sent through the sandbox, as its control API parsed it. */
export interface SentMessage {
  id: string;
  thread_id: string;
  subject: string | null;
  from: SandboxAddress | null;
  to: SandboxAddress[];
  cc: SandboxAddress[];
  bcc: SandboxAddress[];
  message_id: string | null;
  in_reply_to: string | null;
  references: string[];
  text_body: string | null;
  html_body: string | null;
  attachments: Array<{ filename: string | null; mime_type: string; size: number; sha256: string; content_id: string | null; inline: boolean }>;
}

/** A provider request the sandbox received, without secrets. */
export interface ReceivedRequest {
  method: string;
  host: string;
  path: string;
  has_bearer: boolean;
}

/** Options of {@link startSandbox}. */
export interface SandboxOptions {
  messages?: number;
  seed?: number;
  latencyMs?: number;
}

/** A running sandbox. */
export class Sandbox {
  readonly baseUrl: string;
  readonly providers: SandboxProvider[];
  readonly #child: ChildProcess;
  readonly #dir: string;

  private constructor(child: ChildProcess, dir: string, info: { base_url: string; providers: SandboxProvider[] }) {
    this.#child = child;
    this.#dir = dir;
    this.baseUrl = info.base_url.replace(/\/$/, "");
    this.providers = info.providers;
  }

  /** Starts `email-harness sandbox` and waits for its start-up document. */
  static async start(options: SandboxOptions = {}): Promise<Sandbox> {
    const dir = mkdtempSync(join(tmpdir(), "email-sandbox-"));
    const infoFile = join(dir, "info.json");
    const args = ["sandbox", "--messages", String(options.messages ?? 30), "--seed", String(options.seed ?? 7), "--info", infoFile];
    if (options.latencyMs) args.push("--latency-ms", String(options.latencyMs));
    const child = spawn(HARNESS_BIN, args, { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", (error) => (stderr += `${error.message} (set EMAIL_HARNESS_BIN)`));
    if (child.pid === undefined) await new Promise((r) => child.once("error", r));
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) throw new Error(`the sandbox exited (${child.exitCode}): ${stderr}`);
      try {
        const info = JSON.parse(readFileSync(infoFile, "utf8"));
        return new Sandbox(child, dir, info);
      } catch {
        if (Date.now() > deadline) {
          child.kill();
          throw new Error(`the sandbox did not start: ${stderr}`);
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  /** The provider `kind` as served. */
  provider(kind: Provider): SandboxProvider {
    return this.providers.find((p) => p.provider === kind)!;
  }

  /** The first app of `kind`. */
  app(kind: Provider): SandboxApp {
    return this.provider(kind).apps[0]!;
  }

  /**
   * Consents at the sandbox as its user: GETs the authorization URL in path-prefix form without
   * following the redirect, and returns the redirect's `Location` (the redirect URI with code and state).
   */
  async consent(authorizationUrl: string): Promise<string> {
    const url = new URL(authorizationUrl);
    const response = await fetch(`${this.baseUrl}/${url.host}${url.pathname}${url.search}`, { redirect: "manual" });
    const location = response.headers.get("location");
    if (response.status !== 302 || !location) throw new Error(`the sandbox did not consent: ${response.status}`);
    return location;
  }

  /** Delivers `count` new messages to `kind`'s mailbox; their ids. */
  async deliver(kind: Provider, count: number): Promise<string[]> {
    const body = await this.#control("POST", `${kind}/deliver`, { count });
    return body.ids;
  }

  /** Every message sent through `kind`, in order. */
  async sent(kind: Provider): Promise<SentMessage[]> {
    return (await this.#control("GET", `${kind}/sent`)).sent;
  }

  /** The ids of the messages a sync of `kind` sees (Outlook: immutable ids). */
  async messageIds(kind: Provider): Promise<string[]> {
    return (await this.#control("GET", `${kind}/messages`)).ids;
  }

  /** One message's state in `kind`'s mailbox; undefined when there is no such message. */
  async messageState(
    kind: Provider,
    id: string,
  ): Promise<{ id: string; labels: string[]; unread: boolean; starred: boolean; draft: boolean } | undefined> {
    const response = await fetch(`${this.baseUrl}/_sandbox/v1/${kind}/messages/${encodeURIComponent(id)}`);
    if (response.status === 404) return undefined;
    if (!response.ok) throw new Error(`sandbox control GET message: ${response.status}`);
    return response.json() as Promise<{ id: string; labels: string[]; unread: boolean; starred: boolean; draft: boolean }>;
  }

  /** The provider requests received since the last {@link clearRequests}, in order. */
  async requests(): Promise<ReceivedRequest[]> {
    return (await this.#control("GET", "requests")).requests;
  }

  /** Forgets the provider requests received. */
  async clearRequests(): Promise<void> {
    await this.#control("DELETE", "requests");
  }

  /** Every access token of `kind` issued so far counts as expired (401 until refreshed). */
  async expireTokens(kind: Provider): Promise<void> {
    await this.#control("POST", `${kind}/tokens/expire`);
  }

  /** Revokes every refresh token of `kind` (refreshes answer `invalid_grant`). */
  async revokeTokens(kind: Provider): Promise<void> {
    await this.#control("POST", `${kind}/tokens/revoke`);
  }

  async #control(method: string, path: string, body?: unknown): Promise<any> {
    const response = await fetch(`${this.baseUrl}/_sandbox/v1/${path}`, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`sandbox control ${method} ${path}: ${response.status} ${await response.text()}`);
    return response.status === 204 ? undefined : response.json();
  }

  /** Kills the process and removes its folder. */
  async stop(): Promise<void> {
    if (this.#child.exitCode === null) {
      const exited = new Promise((r) => this.#child.once("exit", r));
      this.#child.kill("SIGTERM");
      await exited;
    }
    rmSync(this.#dir, { recursive: true, force: true });
  }
}
