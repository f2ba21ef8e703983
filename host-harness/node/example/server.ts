/**
 * The plugin's HTTP routes (`node:http`, JSON in and out), as a NocoBase plugin registers
 * resource actions and one public callback route:
 *
 * | route | action |
 * | --- | --- |
 * | `POST /api/email/apps` | configure a provider's OAuth app (`AppConfig` JSON) |
 * | `GET /api/email/oauth/:provider/start` | 302 to the provider's consent page |
 * | `GET /api/email/oauth/callback` | the redirect URI's route: completes the connect (also at `/callback`, the path the sandbox's apps register) |
 * | `GET /api/email/accounts` | the accounts, without tokens |
 * | `POST /api/email/accounts/:id/sync` | sync now, to the end |
 * | `GET /api/email/accounts/:id/messages` | stored messages (`?unread=true`, `?label=`) |
 * | `GET /api/email/accounts/:id/folders` | list the folders (and store them) |
 * | `POST /api/email/accounts/:id/send` | send (`Outgoing` JSON; attachments' `content` in base64) |
 * | `POST /api/email/accounts/:id/messages/:mid/reply` | `{ mode: reply, reply-all or forward, ... }` |
 * | `POST /api/email/accounts/:id/modify` | `{ ids, action }`; action `"mark-read"` or `{ tag, val }` |
 * | `POST /api/email/accounts/:id/drafts` | save a draft (`draftId` to replace one) |
 * | `POST /api/email/accounts/:id/drafts/:did/send` | send a draft |
 * | `DELETE /api/email/accounts/:id/drafts/:did` | delete a draft |
 *
 * Errors answer `{ error: { tag, message, ... } }` with a status that says whose fault it is.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { EmailManagerError, HostError, type MailboxAddress, type ModifyAction, type Outgoing, type Provider } from "../src/index.js";
import { toResponse } from "./json.js";
import { emptyOutgoing, PluginError, type EmailPlugin, type Logger } from "./plugin.js";

type Handler = (plugin: EmailPlugin, params: string[], body: any, url: URL) => Promise<Answer>;
/** A JSON answer, or a redirect. */
type Answer = { status?: number; json?: unknown; redirect?: string };

/** The routes: method, path pattern (`:x` segments become parameters, in order), handler. */
const ROUTES: Array<[string, string, Handler]> = [
  ["POST", "/api/email/apps", async (p, _, body) => ({ json: await p.configureApp(body) })],
  ["GET", "/api/email/oauth/:provider/start", async (p, [provider], _, url) => ({
    redirect: await p.beginConnect(providerNamed(provider!), url.searchParams.get("login_hint") ?? undefined),
  })],
  ["GET", "/api/email/oauth/callback", async (p, _, __, url) => ({ json: await p.finishConnect(url.searchParams) })],
  ["GET", "/callback", async (p, _, __, url) => ({ json: await p.finishConnect(url.searchParams) })],
  ["GET", "/api/email/accounts", async (p) => ({ json: p.store.accounts() })],
  ["POST", "/api/email/accounts/:id/sync", async (p, [id]) => ({ json: await p.syncAccount(Number(id)) })],
  ["GET", "/api/email/accounts/:id/messages", async (p, [id], _, url) => ({
    json: p.store.messages(Number(id), {
      unread: url.searchParams.has("unread") ? url.searchParams.get("unread") === "true" : undefined,
      label: url.searchParams.get("label") ?? undefined,
    }),
  })],
  ["GET", "/api/email/accounts/:id/folders", async (p, [id]) => ({ json: await p.listFolders(Number(id)) })],
  ["POST", "/api/email/accounts/:id/send", async (p, [id], body) => ({ json: await p.send(Number(id), outgoing(body)) })],
  ["POST", "/api/email/accounts/:id/messages/:mid/reply", async (p, [id, mid], body) => ({
    json: await p.reply(Number(id), mid!, { ...outgoing(body), mode: body.mode ?? "reply" }),
  })],
  ["POST", "/api/email/accounts/:id/modify", async (p, [id], body) => ({
    json: await p.modify(Number(id), body.ids, modifyAction(body.action)),
  })],
  ["POST", "/api/email/accounts/:id/drafts", async (p, [id], body) => ({
    json: await p.saveDraft(Number(id), body.draftId ?? undefined, outgoing(body)),
  })],
  ["POST", "/api/email/accounts/:id/drafts/:did/send", async (p, [id, did]) => ({ json: await p.sendDraft(Number(id), did!) })],
  ["DELETE", "/api/email/accounts/:id/drafts/:did", async (p, [id, did]) => {
    await p.deleteDraft(Number(id), did!);
    return { status: 204 };
  }],
];

/** The plugin's HTTP server (not yet listening). */
export function createPluginServer(plugin: EmailPlugin, log: Logger): Server {
  return createServer((req, res) => {
    handle(plugin, req, res).catch((error: unknown) => {
      const { status, body } = errorAnswer(error);
      log(`${req.method} ${new URL(req.url ?? "/", "http://x").pathname}: ${status} ${body.error.message}`);
      send(res, status, body);
    });
  });
}

async function handle(plugin: EmailPlugin, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", "http://plugin");
  for (const [method, pattern, handler] of ROUTES) {
    const params = match(pattern, url.pathname);
    if (req.method !== method || !params) continue;
    const answer = await handler(plugin, params, method === "POST" ? await readJson(req) : undefined, url);
    if (answer.redirect) {
      res.writeHead(302, { location: answer.redirect }).end();
    } else {
      send(res, answer.status ?? 200, answer.json);
    }
    return;
  }
  throw new PluginError(404, "not-found", `no route ${req.method} ${url.pathname}`);
}

/** The parameters of `path` under `pattern`, or undefined when it does not match. */
function match(pattern: string, path: string): string[] | undefined {
  const want = pattern.split("/");
  const got = path.split("/");
  if (want.length !== got.length) return undefined;
  const params: string[] = [];
  for (let i = 0; i < want.length; i++) {
    if (want[i]!.startsWith(":")) params.push(decodeURIComponent(got[i]!));
    else if (want[i] !== got[i]) return undefined;
  }
  return params;
}

/** The status and body for an error: the component's case, a host limit, or the plugin's refusal. */
function errorAnswer(error: unknown): { status: number; body: { error: { tag: string; message: string; [k: string]: unknown } } } {
  if (error instanceof EmailManagerError) {
    const status: Record<string, number> = {
      "invalid-input": 400,
      "auth-rejected": 400,
      "reauthorization-required": 409,
      "retry-later": 503,
      "outcome-unknown": 502,
      provider: 502,
      transport: 502,
      unsupported: 501,
    };
    const detail = error.payload;
    return { status: status[error.tag] ?? 500, body: { error: { ...detail, tag: error.tag, message: error.message } } };
  }
  if (error instanceof HostError) {
    return { status: error.reason === "timeout" ? 504 : 500, body: { error: { tag: `host-${error.reason}`, message: error.message } } };
  }
  if (error instanceof PluginError) {
    return { status: error.status, body: { error: { tag: error.code, message: error.message } } };
  }
  return { status: 500, body: { error: { tag: "internal", message: error instanceof Error ? error.name : "internal error" } } };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (status === 204) {
    res.writeHead(204).end();
    return;
  }
  const text = toResponse(body ?? null);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text) }).end(text);
}

async function readJson(req: IncomingMessage): Promise<any> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  if (!text) return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new PluginError(400, "bad-json", "the body is not JSON");
  }
}

function providerNamed(name: string): Provider {
  if (name === "google" || name === "microsoft") return name;
  throw new PluginError(404, "no-provider", `no provider ${name}`);
}

/** An `Outgoing` from JSON: addresses as `{ name, address }` or `"Name <address>"`, attachments' content in base64. */
function outgoing(body: any): Outgoing {
  const list = (v: unknown): MailboxAddress[] => (Array.isArray(v) ? v.map(address) : []);
  return {
    ...emptyOutgoing(),
    from: body.from ? address(body.from) : undefined,
    to: list(body.to),
    cc: list(body.cc),
    bcc: list(body.bcc),
    replyTo: list(body.replyTo),
    subject: typeof body.subject === "string" ? body.subject : "",
    textBody: body.textBody ?? undefined,
    htmlBody: body.htmlBody ?? undefined,
    attachments: Array.isArray(body.attachments)
      ? body.attachments.map((a: any) => ({
          filename: String(a.filename),
          mimeType: String(a.mimeType ?? "application/octet-stream"),
          content: new Uint8Array(Buffer.from(String(a.content ?? ""), "base64")),
          contentId: a.contentId ?? undefined,
        }))
      : [],
  };
}

function address(v: unknown): MailboxAddress {
  if (typeof v === "string") {
    const m = /^\s*(.*?)\s*<([^>]*)>\s*$/.exec(v);
    return m ? { name: m[1] || undefined, address: m[2]! } : { address: v.trim() };
  }
  const o = v as { name?: string; address?: string };
  return { name: o.name ?? undefined, address: String(o.address ?? "") };
}

/** A `ModifyAction` from JSON: a case name, or `{ tag, val }`. */
function modifyAction(v: unknown): ModifyAction {
  return (typeof v === "string" ? { tag: v } : v) as ModifyAction;
}
