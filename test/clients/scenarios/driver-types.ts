// Every valid value of type-cases.ts through a driver: written as a text parameter, read back
// (pg: in text and in binary result format), written again as the value the driver itself
// produced (a Buffer, a Date, a number, an object: the driver picks the parameter format, and
// Bun.sql and pg send some of them in binary), and read back once more. The transcript of what
// the driver returned is compared with the one recorded from PostgreSQL with the same driver.

import { canonical, canonicalError, type Canonical } from "../support/canonical.ts";
import type { Connection } from "../support/drivers.ts";
import { tableFor, typeCases, writeTimeZone, type TypeCase } from "../support/type-cases.ts";

export interface DriverStep {
  readonly input: string | null;
  /** Each operation's outcome, in order: what was read back, or the error. */
  readonly results: Record<string, Canonical>;
}

export type DriverTranscript = Record<string, DriverStep[]>;

async function attempt(run: () => Promise<unknown>): Promise<{ ok: true; value: unknown } | { ok: false; error: Canonical }> {
  try {
    return { ok: true, value: await run() };
  } catch (error) {
    return { ok: false, error: canonicalError(error).error };
  }
}

async function runCase(connection: Connection, typeCase: TypeCase): Promise<DriverStep[]> {
  const table = `${connection.driver.replace(/\W/g, "").toLowerCase()}_${tableFor(typeCase.type)}`;
  await connection.simple(`CREATE TABLE ${table} (id int4 PRIMARY KEY, v ${typeCase.type})`);
  const insert = `INSERT INTO ${table} VALUES ($1, $2)`;
  const select = `SELECT v FROM ${table} WHERE id = $1`;
  const steps: DriverStep[] = [];
  for (const [k, input] of typeCase.inputs.entries()) {
    const results: Record<string, Canonical> = {};
    const write = async (label: string, id: number, value: unknown): Promise<boolean> => {
      const outcome = await attempt(() => connection.query(insert, [id, value]));
      if (!outcome.ok) results[label] = outcome;
      return outcome.ok;
    };
    const read = async (label: string, id: number, binary: boolean): Promise<unknown> => {
      const outcome = await attempt(() => connection.query(select, [id], { binary }));
      if (!outcome.ok) {
        results[label] = outcome;
        return undefined;
      }
      const rows = outcome.value as unknown[][];
      results[label] = rows.length === 1 ? canonical(rows[0]![0]) : { rows: rows.length };
      return rows.length === 1 ? rows[0]![0] : undefined;
    };
    const textId = 3 * k;
    if (await write("write text", textId, input)) {
      const value = await read("read", textId, false);
      if (connection.driver === "pg") await read("read binary", textId, true);
      // The driver's own value as the parameter (undefined: the read failed). An invalid Date
      // (what drivers make of 'infinity') is not sent back: postgres.js never settles such a
      // query, and pg only warns before sending it.
      if (value instanceof Date && Number.isNaN(value.getTime())) results["write driver value"] = "not sent: invalid Date";
      else if (value !== undefined && (await write("write driver value", textId + 1, value))) {
        await read("read driver value", textId + 1, false);
        if (connection.driver === "pg") await read("read driver value binary", textId + 1, true);
      }
    }
    steps.push({ input, results });
  }
  // The whole table without parameters (the simple protocol: text results for every driver).
  const all = await attempt(() => connection.simple(`SELECT id, v FROM ${table} ORDER BY id`));
  steps.push({ input: "(all rows, simple protocol)", results: { rows: all.ok ? canonical(all.value) : all.error } });
  return steps;
}

export async function driverTypesTranscript(connection: Connection, only?: (typeCase: TypeCase) => boolean): Promise<DriverTranscript> {
  await connection.simple(`SET TimeZone = '${writeTimeZone}'`);
  const transcript: DriverTranscript = {};
  for (const typeCase of typeCases) {
    if (only !== undefined && !only(typeCase)) continue;
    transcript[typeCase.type] = await runCase(connection, typeCase);
  }
  return transcript;
}
