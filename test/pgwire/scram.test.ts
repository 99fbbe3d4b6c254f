import { describe, expect, test } from "bun:test";
import { createHash, X509Certificate } from "node:crypto";
import { tlsServerEndPoint } from "../../ts/pgwire/channel-binding.ts";
import {
  ScramExchange,
  createScramVerifier,
  formatScramVerifier,
  parseScramVerifier,
  saslPrep,
  verifyScramPassword,
} from "../../ts/pgwire/scram.ts";
import { SqlError } from "../../ts/sql/errors.ts";
import { testCertificate } from "./support/tls.ts";

const utf8 = new TextEncoder();
const mockSecret = new Uint8Array(32).fill(9);

// node-postgres' client-side SCRAM, as "a real client" for the exchange.
interface ClientSession {
  mechanism: string;
  response: string;
  message: string;
}
interface PgSasl {
  startSession(mechanisms: string[], stream?: unknown): ClientSession;
  continueSession(session: ClientSession, password: string, serverData: string, stream?: unknown): Promise<void>;
  finalizeSession(session: ClientSession, serverData: string): void;
}
const pgSaslPath = "pg/lib/crypto/sasl.js";
const pgSasl = (await import(pgSaslPath)) as PgSasl;

function expectSqlError(run: () => unknown, code: string, message?: string | RegExp): SqlError {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(SqlError);
  const e = caught as SqlError;
  expect(e.code).toBe(code);
  expect(e.severity).toBe("FATAL");
  if (message !== undefined) {
    if (typeof message === "string") expect(e.message).toBe(message);
    else expect(e.message).toMatch(message);
  }
  return e;
}

describe("RFC 7677 test vector", () => {
  test("the exchange produces the RFC's server messages", async () => {
    const verifier = await createScramVerifier("pencil", {
      salt: Buffer.from("W22ZaJ0SNY7soEsUEjb6gQ==", "base64"),
      iterations: 4096,
    });
    const exchange = new ScramExchange({
      user: "user",
      verifier,
      channelBinding: null,
      mockSecret,
      serverNonce: "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0",
    });
    expect(exchange.mechanisms).toEqual(["SCRAM-SHA-256"]);
    const serverFirst = exchange.initial("SCRAM-SHA-256", utf8.encode("n,,n=user,r=rOprNGfwEbeRWgbNEkqO"));
    expect(serverFirst).toBe("r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096");
    const result = exchange.final(
      utf8.encode("c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="),
    );
    expect(result).toEqual({ ok: true, serverFinal: "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=" });
  });
});

describe("verifiers in PostgreSQL's format", () => {
  // Made by PostgreSQL 15 (SET password_encryption = 'scram-sha-256'; CREATE ROLE ... PASSWORD ...).
  const fromPostgres: [string, string][] = [
    ["pencil", "SCRAM-SHA-256$4096:r2nPDmcR0aErB4qF4jsBnQ==$YU2ohLvteR+cPPLkyV/wLwg4rOB4lu+GKPDZdCyNz3I=:qq+Y6e31uv81nzLlUbmHa1zPXE15eUuXKz9d6bUim4c="],
    ["p€ss wörd", "SCRAM-SHA-256$4096:QQgrXz+Wyjl1zfcuziD5Bg==$+OTWs/9C9sO1iN8+bsFJWadFZHA9N7QHwYUb6c4wmys=:RqOyFXBEEa1UjMgQ8PWJGGEad9Tbd18Jky1BUJz1C54="],
    // SASLprep: ligature → "fi" (NFKC), no-break space → space, soft hyphen removed.
    ["\uFB01\u00A0x\u00AD", "SCRAM-SHA-256$4096:hg3IJm+B0QCj2o2k/MwUPQ==$NTqJ+sUUeDYNe9VEp8z+CcZE/Z48bXe9Hi5RGY8P0p0=:FNj47doIka60e4Cz/BE/979z5eLVwuQ0Dra0ihBumFM="],
    // A prohibited character (BEL): SASLprep fails and the raw password is used.
    ["ab\u0007c", "SCRAM-SHA-256$4096:yBCm9py/YWbVwuTTo5SJtw==$IVUBdsJ3g09sx3W6WYk8s8LDhU0wPf3oWZ6oZgbioYc=:K3vkYXlrZauhHbgqMkfTWYkIlNzdUuWuEKTcItmgyuY="],
  ];
  for (const [password, verifier] of fromPostgres) {
    test(`same salt, same verifier: ${JSON.stringify(password)}`, async () => {
      const parsed = parseScramVerifier(verifier);
      expect(parsed).not.toBeNull();
      const ours = await createScramVerifier(password, { salt: parsed!.salt, iterations: parsed!.iterations });
      expect(ours).toBe(verifier);
      expect(await verifyScramPassword(password, verifier)).toBe(true);
      expect(await verifyScramPassword(password + "x", verifier)).toBe(false);
    });
  }

  test("a new verifier has 4096 iterations, a 16-byte random salt and 32-byte keys", async () => {
    const a = await createScramVerifier("secret");
    const b = await createScramVerifier("secret");
    expect(a).toMatch(/^SCRAM-SHA-256\$4096:[A-Za-z0-9+/]{22}==\$[A-Za-z0-9+/]{43}=:[A-Za-z0-9+/]{43}=$/);
    expect(a).not.toBe(b);
    const parsed = parseScramVerifier(a)!;
    expect(parsed.salt.length).toBe(16);
    expect(formatScramVerifier(parsed)).toBe(a);
  });

  test("malformed verifiers are refused", () => {
    const good = "SCRAM-SHA-256$4096:r2nPDmcR0aErB4qF4jsBnQ==$YU2ohLvteR+cPPLkyV/wLwg4rOB4lu+GKPDZdCyNz3I=:qq+Y6e31uv81nzLlUbmHa1zPXE15eUuXKz9d6bUim4c=";
    expect(parseScramVerifier(good)).not.toBeNull();
    for (const bad of [
      "",
      "md5abcdef",
      good.replace("SCRAM-SHA-256", "SCRAM-SHA-1"),
      good.replace("4096", "0"),
      good.replace("4096", "-1"),
      good.replace("4096", "99999999999"),
      good.replace(":qq+", ":"),
      good.replace("$YU2o", "$YU2"),
      good.replace("r2nPDmcR0aErB4qF4jsBnQ==", ""),
      good + "$",
      good.replace("==$", "=$"),
    ]) {
      expect(parseScramVerifier(bad)).toBeNull();
    }
  });

  test("SASLprep maps, removes, normalises; prohibited input stays as given", () => {
    expect(saslPrep("pencil")).toBe("pencil");
    expect(saslPrep("a\u00A0b")).toBe("a b");
    expect(saslPrep("a\u00ADb")).toBe("ab");
    expect(saslPrep("\u2168")).toBe("IX");
    expect(saslPrep("a\u0007")).toBe("a\u0007");
  });
});

/** Run an exchange with node-postgres' client code. */
async function clientExchange(
  exchange: ScramExchange,
  password: string,
  stream?: unknown,
): Promise<{ ok: boolean; clientAccepted: boolean }> {
  const session = pgSasl.startSession([...exchange.mechanisms], stream);
  const serverFirst = exchange.initial(session.mechanism, utf8.encode(session.response));
  await pgSasl.continueSession(session, password, serverFirst, stream);
  const result = exchange.final(utf8.encode(session.response));
  if (!result.ok) return { ok: false, clientAccepted: false };
  pgSasl.finalizeSession(session, result.serverFinal);
  return { ok: true, clientAccepted: true };
}

describe("exchange with node-postgres' SCRAM client", () => {
  test("right password succeeds and the client verifies the server signature", async () => {
    const verifier = await createScramVerifier("s3cret");
    const exchange = new ScramExchange({ user: "u", verifier, channelBinding: null, mockSecret });
    expect(await clientExchange(exchange, "s3cret")).toEqual({ ok: true, clientAccepted: true });
  });

  test("wrong password fails", async () => {
    const verifier = await createScramVerifier("s3cret");
    const exchange = new ScramExchange({ user: "u", verifier, channelBinding: null, mockSecret });
    expect((await clientExchange(exchange, "nope")).ok).toBe(false);
  });

  test("unknown user: a full exchange with a stable mock salt, then failure", async () => {
    const first = (user: string) =>
      new ScramExchange({ user, verifier: null, channelBinding: null, mockSecret }).initial(
        "SCRAM-SHA-256",
        utf8.encode("n,,n=,r=abc"),
      );
    const a1 = first("ghost");
    const a2 = first("ghost");
    const b = first("phantom");
    const salt = (s: string) => /,s=([^,]+),/.exec(s)![1];
    expect(salt(a1)).toBe(salt(a2));
    expect(salt(a1)).not.toBe(salt(b));
    expect(a1).toMatch(/,i=4096$/);
    const exchange = new ScramExchange({ user: "ghost", verifier: null, channelBinding: null, mockSecret });
    expect((await clientExchange(exchange, "anything")).ok).toBe(false);
  });

  test("an unparsable stored verifier behaves like an unknown user", async () => {
    const exchange = new ScramExchange({ user: "u", verifier: "md5deadbeef", channelBinding: null, mockSecret });
    expect((await clientExchange(exchange, "md5deadbeef")).ok).toBe(false);
  });

  test("SCRAM-SHA-256-PLUS with tls-server-end-point binding", async () => {
    const { cert } = testCertificate();
    const binding = tlsServerEndPoint(cert)!;
    expect(binding.data).toEqual(new Uint8Array(createHash("sha256").update(new X509Certificate(cert).raw).digest()));
    const verifier = await createScramVerifier("s3cret");
    const exchange = new ScramExchange({ user: "u", verifier, channelBinding: binding, mockSecret });
    expect(exchange.mechanisms).toEqual(["SCRAM-SHA-256-PLUS", "SCRAM-SHA-256"]);
    const stream = { getPeerCertificate: () => ({ raw: new X509Certificate(cert).raw }) };
    expect(await clientExchange(exchange, "s3cret", stream)).toEqual({ ok: true, clientAccepted: true });
  });

  test("binding to another certificate fails", async () => {
    const { cert } = testCertificate();
    const verifier = await createScramVerifier("s3cret");
    const exchange = new ScramExchange({
      user: "u",
      verifier,
      channelBinding: { type: "tls-server-end-point", data: new Uint8Array(32).fill(1) },
      mockSecret,
    });
    const stream = { getPeerCertificate: () => ({ raw: new X509Certificate(cert).raw }) };
    await expect(clientExchange(exchange, "s3cret", stream)).rejects.toMatchObject({
      code: "08P01",
      message: "SCRAM channel binding check failed",
    });
  });
});

describe("malformed exchanges end with FATAL errors", () => {
  const fresh = (channelBinding: { type: "tls-server-end-point"; data: Uint8Array } | null = null) =>
    new ScramExchange({ user: "u", verifier: null, channelBinding, mockSecret, serverNonce: "SNONCE" });
  const binding = { type: "tls-server-end-point" as const, data: new Uint8Array(32) };

  const initialCases: [string, string, string, string, (string | RegExp)?][] = [
    ["unknown mechanism", "SCRAM-SHA-1", "n,,n=,r=a", "08P01", "client selected an invalid SASL authentication mechanism"],
    ["bad channel-binding flag", "SCRAM-SHA-256", "x,,n=,r=a", "08P01", "malformed SCRAM message"],
    ["flag without comma", "SCRAM-SHA-256", "nn=,r=a", "08P01", "malformed SCRAM message"],
    ["authorization identity", "SCRAM-SHA-256", "n,a=bob,n=,r=a", "0A000", "client uses authorization identity, but it is not supported"],
    ["mandatory extension", "SCRAM-SHA-256", "n,,m=ext,n=,r=a", "0A000", "client requires an unsupported SCRAM extension"],
    ["missing user attribute", "SCRAM-SHA-256", "n,,r=a", "08P01", "malformed SCRAM message"],
    ["missing nonce", "SCRAM-SHA-256", "n,,n=", "08P01", "malformed SCRAM message"],
    ["unprintable nonce", "SCRAM-SHA-256", "n,,n=,r=a\u0001b", "08P01", "malformed SCRAM message"],
    ["empty nonce", "SCRAM-SHA-256", "n,,n=,r=", "08P01", "malformed SCRAM message"],
    ["binding data with the plain mechanism", "SCRAM-SHA-256", "p=tls-server-end-point,,n=,r=a", "08P01", "malformed SCRAM message"],
  ];
  for (const [name, mechanism, message, code, text] of initialCases) {
    test(name, () => {
      expectSqlError(() => fresh().initial(mechanism, utf8.encode(message)), code, text);
    });
  }

  test("empty and NUL-holding messages", () => {
    expectSqlError(() => fresh().initial("SCRAM-SHA-256", null), "08P01", "malformed SCRAM message");
    expectSqlError(() => fresh().initial("SCRAM-SHA-256", new Uint8Array(0)), "08P01", "malformed SCRAM message");
    expectSqlError(() => fresh().initial("SCRAM-SHA-256", utf8.encode("n,,n=,r=a\0")), "08P01", "malformed SCRAM message");
  });

  test("client supports binding but thinks the server does not ('y' while -PLUS is offered): downgrade refused", () => {
    const e = expectSqlError(() => fresh(binding).initial("SCRAM-SHA-256", utf8.encode("y,,n=,r=a")), "08P01", "SCRAM channel binding negotiation error");
    expect(e.detail).toContain("this server does support channel binding");
  });

  test("'y' without TLS is fine", () => {
    expect(fresh().initial("SCRAM-SHA-256", utf8.encode("y,,n=,r=a"))).toMatch(/^r=aSNONCE,s=/);
  });

  test("-PLUS without binding data, and unknown binding types", () => {
    expectSqlError(() => fresh(binding).initial("SCRAM-SHA-256-PLUS", utf8.encode("n,,n=,r=a")), "08P01", "malformed SCRAM message");
    expectSqlError(
      () => fresh(binding).initial("SCRAM-SHA-256-PLUS", utf8.encode("p=tls-unique,,n=,r=a")),
      "08P01",
      'unsupported SCRAM channel-binding type "tls-unique"',
    );
    expectSqlError(() => fresh().initial("SCRAM-SHA-256-PLUS", utf8.encode("p=tls-server-end-point,,n=,r=a")), "08P01");
  });

  const finalCases: [string, string, string | RegExp][] = [
    ["no proof", "c=biws,r=aSNONCE", "malformed SCRAM message"],
    ["wrong nonce", "c=biws,r=aOTHER,p=" + "A".repeat(43) + "=", "invalid SCRAM response"],
    ["wrong channel binding", "c=eSws,r=aSNONCE,p=" + "A".repeat(43) + "=", "SCRAM channel binding check failed"],
    ["binding not base64", "c=***,r=aSNONCE,p=" + "A".repeat(43) + "=", "malformed SCRAM message"],
    ["short proof", "c=biws,r=aSNONCE,p=AAAA", "malformed SCRAM message"],
    ["proof not base64", "c=biws,r=aSNONCE,p=" + "!".repeat(44), "malformed SCRAM message"],
    ["garbage after proof", "c=biws,r=aSNONCE,p=" + "A".repeat(43) + "=,x=1", "malformed SCRAM message"],
    ["attributes out of order", "r=aSNONCE,c=biws,p=" + "A".repeat(43) + "=", "malformed SCRAM message"],
  ];
  for (const [name, message, text] of finalCases) {
    test(`client-final: ${name}`, () => {
      const exchange = fresh();
      exchange.initial("SCRAM-SHA-256", utf8.encode("n,,n=,r=a"));
      expectSqlError(() => exchange.final(utf8.encode(message)), "08P01", text);
    });
  }

  test("messages out of order", () => {
    const exchange = fresh();
    expectSqlError(() => exchange.final(utf8.encode("c=biws")), "08P01", "invalid SCRAM exchange state");
    exchange.initial("SCRAM-SHA-256", utf8.encode("n,,n=,r=a"));
    expectSqlError(() => exchange.initial("SCRAM-SHA-256", utf8.encode("n,,n=,r=a")), "08P01", "invalid SCRAM exchange state");
  });
});
