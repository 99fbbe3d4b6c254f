// Runs date/time input through field splitting and decoding, turning decoder failures into
// PostgreSQL's errors for the type being read.

import { SqlError, SqlState } from "../../errors.ts";
import type { TypeContext } from "../context.ts";
import { BadFormat, FieldOverflow, parseDateTimeFields, UnknownZone, ZoneDisplacementOverflow, type Field } from "./parse-fields.ts";
import { resolveTimeZoneSetting, type TimeZone } from "./time-zone.ts";
import type { DecodeEnvironment } from "./decode-datetime.ts";

const UNIX_EPOCH_IN_POSTGRES_SECONDS = 946684800;

/** The current transaction time in microseconds since 2000-01-01 UTC. */
export function transactionTimestamp(ctx: TypeContext): bigint {
  if (ctx.transactionTimestamp !== undefined) return ctx.transactionTimestamp;
  return BigInt(Date.now() - UNIX_EPOCH_IN_POSTGRES_SECONDS * 1000) * 1000n;
}

export function sessionZone(ctx: TypeContext): TimeZone {
  return resolveTimeZoneSetting(ctx.timeZone);
}

export function decodeEnvironment(ctx: TypeContext): DecodeEnvironment {
  return {
    zone: sessionZone(ctx),
    now() {
      const micros = transactionTimestamp(ctx);
      const seconds = micros / 1_000_000n - (micros % 1_000_000n < 0n ? 1n : 0n);
      return { unixSeconds: Number(seconds) + UNIX_EPOCH_IN_POSTGRES_SECONDS, microsecond: Number(micros - seconds * 1_000_000n) };
    },
  };
}

export function datetimeOutOfRange(what: string, text: string): SqlError {
  return new SqlError(SqlState.datetimeFieldOverflow, `${what} out of range: "${text}"`);
}

/** Decodes `text` for a type called `typeName` in messages, mapping decoder failures. */
export function decodeInput<T>(text: string, typeName: string, decode: (fields: Field[]) => T, intervalInput = false): T {
  try {
    return decode(parseDateTimeFields(text));
  } catch (error) {
    throw translateDecodeError(error, text, typeName, intervalInput);
  }
}

export function translateDecodeError(error: unknown, text: string, typeName: string, intervalInput = false): unknown {
  if (error instanceof BadFormat) {
    return new SqlError(SqlState.invalidDatetimeFormat, `invalid input syntax for type ${typeName}: "${text}"`);
  }
  if (error instanceof FieldOverflow) {
    if (intervalInput) return new SqlError("22015", `interval field value out of range: "${text}"`);
    const hint = error.dateStyleHint ? { hint: 'Perhaps you need a different "datestyle" setting.' } : {};
    return new SqlError(SqlState.datetimeFieldOverflow, `date/time field value out of range: "${text}"`, hint);
  }
  if (error instanceof ZoneDisplacementOverflow) {
    return new SqlError(SqlState.invalidTimeZoneDisplacementValue, `time zone displacement out of range: "${text}"`);
  }
  if (error instanceof UnknownZone) {
    return new SqlError(SqlState.invalidParameterValue, `time zone "${error.zone}" not recognized`);
  }
  return error;
}
