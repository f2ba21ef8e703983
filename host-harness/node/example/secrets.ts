/**
 * Secrets at rest: AES-256-GCM under a key from the environment (`EMAIL_MANAGER_KEY`, 64 hex
 * digits or base64 of 32 bytes) or from a key file created owner-only on first use. Each sealed
 * value is bound to where it is stored (its `context`), so that it cannot be moved to another row.
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

const VERSION = "v1";

/** Seals and opens strings with one 256-bit key. */
export class SecretBox {
  readonly #key: Buffer;

  /** A box over `key` (32 bytes). */
  constructor(key: Buffer) {
    if (key.length !== 32) throw new Error("the secret key must be 32 bytes");
    this.#key = key;
  }

  /** The key from `fromEnv` when set (64 hex digits or base64), else from `keyFile` (made when missing). */
  static load(fromEnv: string | undefined, keyFile: string): SecretBox {
    if (fromEnv) {
      const key = /^[0-9a-f]{64}$/i.test(fromEnv) ? Buffer.from(fromEnv, "hex") : Buffer.from(fromEnv, "base64");
      return new SecretBox(key);
    }
    if (!existsSync(keyFile)) {
      mkdirSync(dirname(keyFile), { recursive: true });
      writeFileSync(keyFile, randomBytes(32).toString("hex"), { mode: 0o600, flag: "wx" });
    }
    return new SecretBox(Buffer.from(readFileSync(keyFile, "utf8").trim(), "hex"));
  }

  /** `plaintext` sealed for `context`: `v1.` then base64 of nonce, tag and ciphertext. */
  seal(plaintext: string, context: string): string {
    const nonce = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.#key, nonce);
    cipher.setAAD(Buffer.from(context));
    const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
    return `${VERSION}.${Buffer.concat([nonce, cipher.getAuthTag(), body]).toString("base64")}`;
  }

  /** The plaintext of `sealed`; throws when it was not sealed by this key for `context`. */
  open(sealed: string, context: string): string {
    const [version, data] = sealed.split(".");
    if (version !== VERSION || !data) throw new Error("not a sealed value");
    const raw = Buffer.from(data, "base64");
    const decipher = createDecipheriv("aes-256-gcm", this.#key, raw.subarray(0, 12));
    decipher.setAAD(Buffer.from(context));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString("utf8");
  }
}
