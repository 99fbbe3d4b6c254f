// What a client is told for an error that is not an SqlError: the storage engine's errors
// with PostgreSQL's SQLSTATE for the same failure, anything else XX000.

import { describe, expect, test } from "bun:test";
import { SqlError, SqlState, toSqlError } from "../../ts/sql/errors.ts";
import {
  BusyError,
  ClosedError,
  ConflictError,
  CorruptionError,
  EngineIOError,
  EngineOutOfMemoryError,
  NoSpaceError,
  PoisonedError,
  Status,
  TooLargeError,
} from "../../ts/engine/index.ts";

describe("toSqlError", () => {
  test("an SqlError is passed on as it is", () => {
    const error = new SqlError(SqlState.uniqueViolation, "duplicate key");
    expect(toSqlError(error)).toBe(error);
  });

  test("engine errors keep their message and get PostgreSQL's SQLSTATE", () => {
    const cases: [Error, string][] = [
      [new NoSpaceError(Status.noSpace, "value-log write failed: NoSpaceLeft"), SqlState.diskFull],
      [new EngineIOError(Status.io, "commit-log sync failed"), SqlState.ioError],
      [new CorruptionError(Status.corruption, "data block 3 of sst/00000012.sst at offset 12288: checksum mismatch"), SqlState.dataCorrupted],
      [new EngineOutOfMemoryError(Status.noMemory, "out of memory"), SqlState.outOfMemory],
      [new TooLargeError(Status.tooLarge, "value of 9000000 bytes exceeds the maximum of 8388608"), SqlState.programLimitExceeded],
      [new PoisonedError(Status.poisoned, "commit-log sync failed earlier"), SqlState.ioError],
      [new ClosedError(Status.closed, "the database is closing"), SqlState.adminShutdown],
      [new ConflictError(Status.conflict, "a concurrent transaction wrote the same key"), SqlState.serializationFailure],
    ];
    for (const [error, code] of cases) {
      const sqlError = toSqlError(error);
      expect(sqlError.code).toBe(code);
      expect(sqlError.message).toBe(error.message);
      expect(sqlError.severity).toBe("ERROR");
    }
    expect(toSqlError(new NoSpaceError(Status.noSpace, "x")).hint).toContain("disk space");
  });

  test("anything else is an internal error naming what happened", () => {
    expect(toSqlError(new TypeError("x is not a function"))).toMatchObject({ code: SqlState.internalError, message: "internal error: x is not a function" });
    expect(toSqlError("thrown string")).toMatchObject({ code: SqlState.internalError, message: "internal error: thrown string" });
    // An engine error that means a bug in the caller, not a condition to report, is internal too.
    expect(toSqlError(new BusyError(Status.busy, "open iterators")).code).toBe(SqlState.internalError);
  });
});
