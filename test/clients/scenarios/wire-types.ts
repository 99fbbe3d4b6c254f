// Every type of type-cases.ts written as a parameter and read back, at byte level, with each
// format chosen explicitly: a text parameter with an unspecified type (as pg sends), a binary
// parameter with the declared type (the bytes PostgreSQL itself sends for the value), each
// read back in text and in binary format in the same row; invalid text and binary input;
// the stored rows read through the simple protocol, and timestamptz under several session
// time zones. The transcript is compared with the one recorded from PostgreSQL.

import type { WireResult } from "../support/wire.ts";
import { WireSession } from "../support/wire.ts";
import { readTimeZones, tableFor, typeCases, writeTimeZone, type TypeCase } from "../support/type-cases.ts";

export interface WireStep {
  readonly step: string;
  readonly command?: string | null;
  readonly error?: { code: string; message: string; detail?: string; position?: string } | null;
  /** "<type oid>/<format>" per column. */
  readonly columns?: string[];
  /** Text cells as strings, binary cells as "\\x<hex>", NULL as null. */
  readonly rows?: (string | null)[][];
}

export type WireTranscript = Record<string, WireStep[]>;

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString("hex");

function summarize(step: string, result: WireResult): WireStep {
  if (result.error !== null) return { step, error: result.error };
  return {
    step,
    command: result.command,
    ...(result.columns.length > 0
      ? {
          columns: result.columns.map((c) => `${c.typeOid}/${c.format}`),
          rows: result.rows.map((row) =>
            row.map((cell, i) => {
              if (cell === null) return null;
              return result.columns[i]!.format === 1 ? `\\x${hex(cell)}` : new TextDecoder().decode(cell);
            }),
          ),
        }
      : {}),
  };
}

/** The binary bytes of a read-back row: the second column of "SELECT v, v" (binary format). */
function binaryOf(step: WireStep | undefined): string | null | undefined {
  const cell = step?.rows?.[0]?.[1];
  if (typeof cell !== "string" || !cell.startsWith("\\x")) return cell === null ? null : undefined;
  return cell.slice(2);
}

async function runCase(session: WireSession, typeCase: TypeCase, expected: WireStep[] | undefined): Promise<WireStep[]> {
  const steps: WireStep[] = [];
  const table = tableFor(typeCase.type);
  const create = await session.simple(`CREATE TABLE ${table} (id int4 PRIMARY KEY, v ${typeCase.type})`);
  if (create.error !== null) throw new Error(`CREATE TABLE ${table}: ${create.error.message}`);
  const insert = `INSERT INTO ${table} VALUES ($1, $2)`;
  const select = `SELECT v, v FROM ${table} WHERE id = $1`;
  const read = async (label: string, id: number): Promise<WireStep> => {
    const step = summarize(label, await session.extended(select, [23], [{ format: 0, value: String(id) }], [0, 1]));
    steps.push(step);
    return step;
  };

  for (const [k, input] of typeCase.inputs.entries()) {
    const label = JSON.stringify(input);
    const textId = 2 * k;
    steps.push(summarize(`text in ${label}`, await session.extended(insert, [23, 0], [{ format: 0, value: String(textId) }, { format: 0, value: input }])));
    const readBack = await read(`read ${label}`, textId);
    // The binary form to send: what PostgreSQL answered (recorded), or what it answers now.
    const binaryHex = expected === undefined ? binaryOf(readBack) : binaryOf(expected.find((s) => s.step === `read ${label}`));
    if (binaryHex === undefined) continue;
    const binaryId = 2 * k + 1;
    const bytes = binaryHex === null ? null : Buffer.from(binaryHex, "hex");
    steps.push(
      summarize(
        `binary in ${label}`,
        await session.extended(insert, [23, typeCase.oid], [{ format: 0, value: String(binaryId) }, { format: 1, value: bytes }]),
      ),
    );
    await read(`read binary ${label}`, binaryId);
  }

  for (const [k, input] of typeCase.badText.entries()) {
    const id = 1000 + k;
    steps.push(summarize(`bad text ${JSON.stringify(input)}`, await session.extended(insert, [23, typeCase.oid], [{ format: 0, value: String(id) }, { format: 0, value: input }])));
  }
  for (const [k, input] of typeCase.badBinary.entries()) {
    const id = 2000 + k;
    steps.push(
      summarize(
        `bad binary ${input}`,
        await session.extended(insert, [23, typeCase.oid], [{ format: 0, value: String(id) }, { format: 1, value: Buffer.from(input, "hex") }]),
      ),
    );
  }

  // Everything stored, through the simple protocol (text, the path psql takes).
  steps.push(summarize("all rows, simple protocol", await session.simple(`SELECT id, v FROM ${table} ORDER BY id`)));
  if (typeCase.type.startsWith("timestamptz")) {
    for (const zone of readTimeZones) {
      await session.simple(`SET TimeZone = '${zone}'`);
      steps.push(summarize(`all rows, TimeZone ${zone}`, await session.simple(`SELECT id, v FROM ${table} ORDER BY id`)));
    }
    await session.simple(`SET TimeZone = '${writeTimeZone}'`);
  }
  return steps;
}

export async function wireTypesTranscript(
  target: { host: string; port: number },
  expected?: WireTranscript,
  only?: (typeCase: TypeCase) => boolean,
): Promise<WireTranscript> {
  const session = await WireSession.connect(target);
  try {
    await session.simple(`SET TimeZone = '${writeTimeZone}'`);
    const transcript: WireTranscript = {};
    for (const typeCase of typeCases) {
      if (only !== undefined && !only(typeCase)) continue;
      transcript[typeCase.type] = await runCase(session, typeCase, expected?.[typeCase.type]);
    }
    return transcript;
  } finally {
    session.close();
  }
}
