// SCRAM-SHA-256 (RFC 5802, RFC 7677), server side, as PostgreSQL does it:
// - verifiers in pg_authid's format: SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>
// - the user name inside the SCRAM messages is ignored (the startup packet's user counts);
// - an unknown user or a missing verifier still gets a full exchange with a mock salt derived
//   from the user name, and fails at the end like a wrong password, so users cannot be probed;
// - channel binding: tls-server-end-point only, used when the client selects SCRAM-SHA-256-PLUS.

import { createHash, createHmac, pbkdf2, randomBytes, timingSafeEqual } from "node:crypto";
import { SqlError, SqlState } from "../sql/errors.ts";

export const scramMechanism = "SCRAM-SHA-256";
export const scramPlusMechanism = "SCRAM-SHA-256-PLUS";
/** PostgreSQL's scram_iterations default. */
export const scramIterationsDefault = 4096;
/** PostgreSQL's SCRAM_DEFAULT_SALT_LEN. */
const saltBytes = 16;
/** PostgreSQL's SCRAM_RAW_NONCE_LEN. */
const serverNonceBytes = 18;
const keyBytes = 32;

export interface ScramSecret {
  readonly iterations: number;
  readonly salt: Uint8Array;
  readonly storedKey: Uint8Array;
  readonly serverKey: Uint8Array;
}

// ---------------------------------------------------------------------------------------------
// Verifiers

export interface VerifierOptions {
  readonly iterations?: number;
  /** Fixed salt (tests); random 16 bytes by default. */
  readonly salt?: Uint8Array;
}

/** Build a verifier for pg_authid-style storage from a plaintext password. */
export async function createScramVerifier(password: string, options: VerifierOptions = {}): Promise<string> {
  const iterations = options.iterations ?? scramIterationsDefault;
  if (!Number.isInteger(iterations) || iterations < 1) throw new RangeError("SCRAM iterations must be a positive integer");
  const salt = options.salt ?? randomBytes(saltBytes);
  if (salt.length === 0) throw new RangeError("SCRAM salt must not be empty");
  const salted = await saltedPassword(saslPrep(password), salt, iterations);
  const clientKey = hmac(salted, "Client Key");
  const storedKey = sha256(clientKey);
  const serverKey = hmac(salted, "Server Key");
  return formatScramVerifier({ iterations, salt, storedKey, serverKey });
}

export function formatScramVerifier(secret: ScramSecret): string {
  return `${scramMechanism}$${secret.iterations}:${b64(secret.salt)}$${b64(secret.storedKey)}:${b64(secret.serverKey)}`;
}

/** Parse a stored verifier; null if it is not a well-formed SCRAM-SHA-256 verifier. */
export function parseScramVerifier(verifier: string): ScramSecret | null {
  const match = /^SCRAM-SHA-256\$(\d{1,10}):([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+):([A-Za-z0-9+/=]+)$/.exec(verifier);
  if (match === null) return null;
  const iterations = Number(match[1]);
  if (!Number.isSafeInteger(iterations) || iterations < 1 || iterations > 0x7fffffff) return null;
  const salt = unb64(match[2]!);
  const storedKey = unb64(match[3]!);
  const serverKey = unb64(match[4]!);
  if (salt === null || salt.length === 0 || storedKey?.length !== keyBytes || serverKey?.length !== keyBytes) return null;
  return { iterations, salt, storedKey, serverKey };
}

/** Check a plaintext password against a verifier (for password-method logins). */
export async function verifyScramPassword(password: string, verifier: string): Promise<boolean> {
  const secret = parseScramVerifier(verifier);
  if (secret === null) return false;
  const salted = await saltedPassword(saslPrep(password), secret.salt, secret.iterations);
  return timingSafeEqual(hmac(salted, "Server Key"), secret.serverKey);
}

/**
 * SASLprep (RFC 4013) as far as it changes bytes: non-ASCII spaces become U+0020, characters
 * "commonly mapped to nothing" go, then NFKC. Like PostgreSQL, a password that still holds
 * prohibited characters (controls, private use, non-characters) is used as given. The
 * unassigned-code-point and bidirectional checks are not made; libpq and node-postgres
 * normalise the same way, so logins agree.
 */
export function saslPrep(password: string): string {
  const mapped = password
    .replace(/[\u00A0\u1680\u2000-\u200B\u202F\u205F\u3000]/g, " ")
    .replace(/[\u00AD\u034F\u1806\u180B-\u180D\u200C\u200D\u2060\uFE00-\uFE0F\uFEFF]/g, "")
    .normalize("NFKC");
  // C.2.1/C.2.2 controls, C.3 private use, C.4 non-characters, C.5 surrogates, C.6-C.9.
  const prohibited =
    /[\u0000-\u001F\u007F-\u009F\u06DD\u070F\u180E\u200E\u200F\u2028-\u202E\u2060-\u2063\u206A-\u206F\uD800-\uDFFF\uE000-\uF8FF\uFDD0-\uFDEF\uFFF9-\uFFFF]|[\u{1D173}-\u{1D17A}\u{F0000}-\u{10FFFF}\u{E0001}\u{E0020}-\u{E007F}]/u;
  return prohibited.test(mapped) ? password : mapped;
}

// ---------------------------------------------------------------------------------------------
// The exchange

/** tls-server-end-point channel binding data: the hash of the server certificate. */
export interface ChannelBinding {
  readonly type: "tls-server-end-point";
  readonly data: Uint8Array;
}

export interface ScramExchangeOptions {
  /** The user from the startup packet (used for the mock salt and nothing else). */
  readonly user: string;
  /** The stored verifier, or null to run a doomed exchange for an unknown user. */
  readonly verifier: string | null;
  /** Present when the connection is TLS and binding data is known: then -PLUS is offered. */
  readonly channelBinding: ChannelBinding | null;
  /** Server-wide random secret mixed into mock salts, so they are stable per user but unpredictable. */
  readonly mockSecret: Uint8Array;
  /** Fixed server nonce (tests); random by default. */
  readonly serverNonce?: string;
}

export type ScramFinalResult = { readonly ok: true; readonly serverFinal: string } | { readonly ok: false };

type State = "initial" | "challenged" | "finished";

export class ScramExchange {
  private state: State = "initial";
  private readonly secret: ScramSecret;
  private readonly doomed: boolean;
  private readonly channelBinding: ChannelBinding | null;
  private mechanism = "";
  private gs2Header = "";
  private clientFirstBare = "";
  private serverFirst = "";
  private nonce = "";
  private readonly serverNonce: string;

  constructor(options: ScramExchangeOptions) {
    const parsed = options.verifier === null ? null : parseScramVerifier(options.verifier);
    this.doomed = parsed === null;
    this.secret = parsed ?? mockSecret(options.user, options.mockSecret);
    this.channelBinding = options.channelBinding;
    this.serverNonce = options.serverNonce ?? randomBytes(serverNonceBytes).toString("base64");
    if (!isPrintable(this.serverNonce)) throw new Error("SCRAM server nonce must be printable");
  }

  /** Mechanisms for AuthenticationSASL, preferred first (as PostgreSQL orders them). */
  get mechanisms(): readonly string[] {
    return this.channelBinding === null ? [scramMechanism] : [scramPlusMechanism, scramMechanism];
  }

  /** SASLInitialResponse: returns the server-first-message for AuthenticationSASLContinue. */
  initial(mechanism: string, data: Uint8Array | null): string {
    this.expectState("initial");
    if (!this.mechanisms.includes(mechanism)) {
      throw authError(SqlState.protocolViolation, "client selected an invalid SASL authentication mechanism");
    }
    this.mechanism = mechanism;
    const input = scramText(data);
    let rest = input;

    // gs2-header: cbind-flag "," [authzid] ","
    const flag = rest[0];
    if (flag === "p") {
      const comma = rest.indexOf(",");
      if (!rest.startsWith("p=") || comma === -1) throw malformed("Unexpected channel-binding flag.");
      const cbName = rest.slice(2, comma);
      if (mechanism !== scramPlusMechanism) {
        throw authError(
          SqlState.protocolViolation,
          "malformed SCRAM message",
          "The client selected SCRAM-SHA-256 without channel binding, but the SCRAM message includes channel binding data.",
        );
      }
      if (cbName !== "tls-server-end-point") {
        throw authError(SqlState.protocolViolation, `unsupported SCRAM channel-binding type "${asciiOnly(cbName)}"`);
      }
      rest = rest.slice(comma + 1);
    } else if (flag === "y" || flag === "n") {
      if (rest[1] !== ",") throw malformed("Unexpected channel-binding flag.");
      if (mechanism === scramPlusMechanism) {
        throw authError(
          SqlState.protocolViolation,
          "malformed SCRAM message",
          "The client selected SCRAM-SHA-256-PLUS, but the SCRAM message does not include channel binding data.",
        );
      }
      if (flag === "y" && this.channelBinding !== null) {
        // The client would have used binding had it seen -PLUS: someone stripped it (downgrade).
        throw authError(
          SqlState.protocolViolation,
          "SCRAM channel binding negotiation error",
          "The client supports SCRAM channel binding but thinks the server does not.  However, this server does support channel binding.",
        );
      }
      rest = rest.slice(2);
    } else {
      throw malformed("Unexpected channel-binding flag.");
    }
    if (rest.startsWith("a=")) {
      throw authError(SqlState.featureNotSupported, "client uses authorization identity, but it is not supported");
    }
    if (rest[0] !== ",") throw malformed("Unexpected attribute in client-first-message.");
    this.gs2Header = input.slice(0, input.length - rest.length + 1);
    rest = rest.slice(1);
    this.clientFirstBare = rest;

    // client-first-message-bare: [reserved-mext ","] username "," nonce ["," extensions]
    const attrs = rest.split(",");
    if (attrs[0]?.startsWith("m=")) {
      throw authError(SqlState.featureNotSupported, "client requires an unsupported SCRAM extension");
    }
    if (!attrs[0]?.startsWith("n=")) throw malformed("Expected attribute \"n\" in client-first-message.");
    const nonceAttr = attrs[1];
    if (nonceAttr === undefined || !nonceAttr.startsWith("r=")) {
      throw malformed("Expected attribute \"r\" in client-first-message.");
    }
    const clientNonce = nonceAttr.slice(2);
    if (clientNonce.length === 0 || !isPrintable(clientNonce)) throw malformed("Could not parse the client nonce.");
    for (const extra of attrs.slice(2)) {
      if (!/^[A-Za-z]=/.test(extra)) throw malformed("Malformed attribute in client-first-message.");
    }

    this.nonce = clientNonce + this.serverNonce;
    this.serverFirst = `r=${this.nonce},s=${b64(this.secret.salt)},i=${this.secret.iterations}`;
    this.state = "challenged";
    return this.serverFirst;
  }

  /**
   * SASLResponse with the client-final-message: ok with the server-final-message for
   * AuthenticationSASLFinal, or not ok (wrong password, unknown user). Malformed input throws.
   */
  final(data: Uint8Array): ScramFinalResult {
    this.expectState("challenged");
    this.state = "finished";
    const input = scramText(data);
    const proofAt = input.lastIndexOf(",p=");
    if (proofAt === -1) throw malformed("Could not find proof in client-final-message.");
    const withoutProof = input.slice(0, proofAt);
    const proofText = input.slice(proofAt + 3);
    const attrs = withoutProof.split(",");
    const cAttr = attrs[0];
    const rAttr = attrs[1];
    if (cAttr === undefined || !cAttr.startsWith("c=")) throw malformed("Expected attribute \"c\" in client-final-message.");
    if (rAttr === undefined || !rAttr.startsWith("r=")) throw malformed("Expected attribute \"r\" in client-final-message.");
    for (const extra of attrs.slice(2)) {
      if (!/^[A-Za-z]=/.test(extra)) throw malformed("Malformed attribute in client-final-message.");
    }

    const cbind = unb64(cAttr.slice(2));
    if (cbind === null) throw malformed("Invalid channel binding data.");
    const expectedCbind =
      this.mechanism === scramPlusMechanism && this.channelBinding !== null
        ? concat(utf8(this.gs2Header), this.channelBinding.data)
        : utf8(this.gs2Header);
    if (cbind.length !== expectedCbind.length || !timingSafeEqual(cbind, expectedCbind)) {
      throw authError(
        SqlState.protocolViolation,
        "SCRAM channel binding check failed",
      );
    }
    if (rAttr.slice(2) !== this.nonce) throw authError(SqlState.protocolViolation, "invalid SCRAM response", "Nonce does not match.");
    const proof = unb64(proofText);
    if (proof === null || proof.length !== keyBytes) throw malformed("Malformed proof in client-final-message.");

    // Verify even a doomed exchange, so timing does not tell a missing user from a wrong password.
    const authMessage = `${this.clientFirstBare},${this.serverFirst},${withoutProof}`;
    const clientSignature = hmac(this.secret.storedKey, authMessage);
    const clientKey = xor(proof, clientSignature);
    const proofValid = timingSafeEqual(sha256(clientKey), this.secret.storedKey);
    if (!proofValid || this.doomed) return { ok: false };
    return { ok: true, serverFinal: `v=${b64(hmac(this.secret.serverKey, authMessage))}` };
  }

  private expectState(expected: State): void {
    if (this.state !== expected) throw authError(SqlState.protocolViolation, "invalid SCRAM exchange state");
  }
}

// ---------------------------------------------------------------------------------------------
// Helpers

function mockSecret(user: string, secret: Uint8Array): ScramSecret {
  const digest = createHash("sha256").update(user).update(secret).digest();
  // Keys the client can never match: derived from the secret, not from any password.
  const keys = createHash("sha256").update(secret).update(digest).digest();
  return { iterations: scramIterationsDefault, salt: digest.subarray(0, saltBytes), storedKey: keys, serverKey: keys };
}

function saltedPassword(password: string, salt: Uint8Array, iterations: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    pbkdf2(password, salt, iterations, keyBytes, "sha256", (error, key) => (error ? reject(error) : resolve(key)));
  });
}

function hmac(key: Uint8Array, text: string): Buffer {
  return createHmac("sha256", key).update(text).digest();
}

function sha256(data: Uint8Array): Buffer {
  return createHash("sha256").update(data).digest();
}

function xor(a: Uint8Array, b: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! ^ b[i]!;
  return out;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

function b64(data: Uint8Array): string {
  return Buffer.from(data.buffer, data.byteOffset, data.length).toString("base64");
}

/** Strict base64 decode (RFC 4648 alphabet and padding); null if malformed. */
function unb64(text: string): Buffer | null {
  if (text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return null;
  return Buffer.from(text, "base64");
}

const utf8Encoder = new TextEncoder();
function utf8(text: string): Uint8Array {
  return utf8Encoder.encode(text);
}

/** printable = %x21-2B / %x2D-7E (printable ASCII except ","). */
function isPrintable(text: string): boolean {
  return /^[\x21-\x2b\x2d-\x7e]+$/.test(text);
}

/** SCRAM messages are ASCII-compatible text with no NUL (PostgreSQL checks strlen == length). */
function scramText(data: Uint8Array | null): string {
  if (data === null || data.length === 0) throw malformed("empty message");
  if (data.includes(0)) throw malformed("length mismatch");
  const text = new TextDecoder("utf-8", { fatal: false }).decode(data);
  return text;
}

function asciiOnly(text: string): string {
  return /^[\x20-\x7e]*$/.test(text) ? text : "?";
}

function malformed(detail: string): SqlError {
  return authError(SqlState.protocolViolation, "malformed SCRAM message", detail);
}

function authError(code: string, message: string, detail?: string): SqlError {
  return new SqlError(code, message, detail === undefined ? { severity: "FATAL" } : { severity: "FATAL", detail });
}
