import { describe, expect, test } from "bun:test";
import type { StartupMessage } from "../../ts/pgwire/frontend-messages.ts";
import { readStartup } from "../../ts/pgwire/startup.ts";

const facts = { remoteAddress: "127.0.0.1", unixSocket: false, tls: true };

function message(parameters: Record<string, string>, version = 3 << 16): StartupMessage {
  return { type: "startup", protocolVersion: version, parameters: new Map(Object.entries(parameters)) };
}

describe("readStartup", () => {
  test("3.0 with user, database, options and GUCs", () => {
    const decision = readStartup(message({ user: "u", database: "d", options: "-c x=1", application_name: "app", TimeZone: "UTC" }), facts);
    expect(decision.negotiate).toBeNull();
    expect(decision.startup).toEqual({
      user: "u",
      database: "d",
      applicationName: "app",
      options: "-c x=1",
      parameters: new Map([
        ["user", "u"],
        ["database", "d"],
        ["options", "-c x=1"],
        ["application_name", "app"],
        ["TimeZone", "UTC"],
      ]),
      remoteAddress: "127.0.0.1",
      unixSocket: false,
      tls: true,
    });
  });

  test("the database defaults to the user (also when empty)", () => {
    expect(readStartup(message({ user: "u" }), facts).startup.database).toBe("u");
    expect(readStartup(message({ user: "u", database: "" }), facts).startup.database).toBe("u");
  });

  test("a newer minor version or _pq_ options → negotiate 3.0 and list the options", () => {
    expect(readStartup(message({ user: "u" }, (3 << 16) | 2), facts).negotiate).toEqual({ version: 3 << 16, unrecognizedOptions: [] });
    const decision = readStartup(message({ user: "u", "_pq_.a": "1", "_pq_.b": "2" }), facts);
    expect(decision.negotiate).toEqual({ version: 3 << 16, unrecognizedOptions: ["_pq_.a", "_pq_.b"] });
    expect([...decision.startup.parameters.keys()]).toEqual(["user"]);
  });

  test("refusals are FATAL with PostgreSQL's codes", () => {
    expect(() => readStartup(message({ user: "u" }, 2 << 16), facts)).toThrow(
      expect.objectContaining({ code: "0A000", severity: "FATAL", message: "unsupported frontend protocol 2.0: server supports 3.0 to 3.0" }),
    );
    expect(() => readStartup(message({ user: "u" }, 4 << 16), facts)).toThrow(expect.objectContaining({ code: "0A000" }));
    expect(() => readStartup(message({ database: "d" }), facts)).toThrow(expect.objectContaining({ code: "28000", severity: "FATAL" }));
    expect(() => readStartup(message({ user: "" }), facts)).toThrow(expect.objectContaining({ code: "28000" }));
    for (const value of ["true", "on", "1", "database", "yes"]) {
      expect(() => readStartup(message({ user: "u", replication: value }), facts)).toThrow(expect.objectContaining({ code: "0A000" }));
    }
    expect(readStartup(message({ user: "u", replication: "false" }), facts).startup.user).toBe("u");
  });
});
