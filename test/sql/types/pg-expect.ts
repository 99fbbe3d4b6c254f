// Comparing pgz with PostgreSQL's recorded answers.

import { expect } from "bun:test";
import { SqlError } from "../../../ts/sql/errors.ts";
import { JsonInputError } from "../../../ts/sql/types/json-parse.ts";
import { coerceToTypmod } from "../../../ts/sql/types/cast.ts";
import { parseTypeName } from "../../../ts/sql/types/type-names.ts";
import { Oid } from "../../../ts/sql/types/oids.ts";
import type { TypeContext } from "../../../ts/sql/types/context.ts";
import type { Datum } from "../../../ts/sql/types/value.ts";
import type { PgResult } from "./fixture-format.ts";

/** Runs `produce` and checks it gives PostgreSQL's output or its error, field by field. */
export function expectPgResult(produce: () => string | null, result: PgResult, label: string): void {
  let actual: PgResult;
  try {
    actual = { output: produce() };
  } catch (error) {
    if (!(error instanceof SqlError)) throw new Error(`${label}: ${String(error)}`, { cause: error });
    actual = {
      error: {
        code: error.code,
        message: error.message,
        ...(error.detail ? { detail: error.detail } : {}),
        ...(error.hint ? { hint: error.hint } : {}),
        ...(error instanceof JsonInputError ? { context: error.context } : {}),
      },
    };
  }
  expect({ label, ...actual }).toEqual({ label, ...result });
}

/** What a literal cast 'text'::type(mods) does: input without typmod, then an explicit length coercion. */
export function literalCast(typeName: string, input: string, ctx: TypeContext): { value: Datum; format: () => string } {
  const { type, typmod } = parseTypeName(typeName);
  // interval input needs its typmod to read unitless numbers (SQL's "interval '1' day").
  const inputTypmod = type.oid === Oid.interval || type.elementOid === Oid.interval ? typmod : -1;
  const value = coerceToTypmod(type.parse(input, inputTypmod, ctx), type, typmod, true);
  return { value, format: () => type.format(value, ctx) };
}
