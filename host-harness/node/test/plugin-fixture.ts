/**
 * The example plugin for one test: a fresh database and key in a temporary folder, the
 * component routed to a sandbox, the HTTP server on a free port, and every log line, request log
 * entry and response body kept, to look for secrets in.
 */
import { mkdtempSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Server } from "node:http";
import { EmailManager, sandboxPolicy } from "../src/index.js";
import { EmailPlugin } from "../example/plugin.js";
import { SecretBox } from "../example/secrets.js";
import { createPluginServer } from "../example/server.js";
import { MailStore } from "../example/store.js";
import type { Sandbox } from "./sandbox.js";

/** An answer of the plugin's server. */
export interface Answer {
  status: number;
  location: string | null;
  body: any;
}

/** A running example plugin. */
export class PluginFixture {
  readonly dir: string;
  readonly dbPath: string;
  readonly plugin: EmailPlugin;
  /** Every line the plugin logged, request log entry (as JSON) and response body, in order. */
  readonly output: string[];
  readonly #server: Server;
  readonly #base: string;

  private constructor(dir: string, dbPath: string, plugin: EmailPlugin, server: Server, output: string[]) {
    this.output = output;
    this.dir = dir;
    this.dbPath = dbPath;
    this.plugin = plugin;
    this.#server = server;
    this.#base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  /** Starts the plugin against `sandbox`. */
  static async start(sandbox: Sandbox): Promise<PluginFixture> {
    const dir = mkdtempSync(join(tmpdir(), "email-plugin-"));
    const output: string[] = [];
    const manager = await EmailManager.start({
      policy: sandboxPolicy(sandbox.baseUrl),
      workers: 2,
      onRequest: (entry) => output.push(JSON.stringify(entry)),
    });
    const dbPath = join(dir, "plugin.db");
    const store = new MailStore(dbPath, SecretBox.load(undefined, join(dir, "key")));
    const plugin = new EmailPlugin(manager, store, (line) => output.push(line), { pageSize: 100 });
    const server = createPluginServer(plugin, (line) => output.push(line));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return new PluginFixture(dir, dbPath, plugin, server, output);
  }

  /** Calls the plugin's route `method path` with a JSON body; keeps the answer's body. */
  async call(method: string, path: string, body?: unknown): Promise<Answer> {
    const response = await fetch(`${this.#base}${path}`, {
      method,
      redirect: "manual",
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    this.output.push(text);
    return { status: response.status, location: response.headers.get("location"), body: text ? JSON.parse(text) : undefined };
  }

  /** Calls a route and asserts a 2xx answer; its body. */
  async ok(method: string, path: string, body?: unknown): Promise<any> {
    const answer = await this.call(method, path, body);
    if (answer.status >= 300 && answer.status !== 302) {
      throw new Error(`${method} ${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
    }
    return answer.status === 302 ? answer.location : answer.body;
  }

  /** Stops the server and the component, closes the database, removes the folder. */
  async stop(): Promise<void> {
    await new Promise((resolve) => this.#server.close(resolve));
    await this.plugin.manager.close();
    this.plugin.store.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
