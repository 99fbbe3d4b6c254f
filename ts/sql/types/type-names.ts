// Resolving SQL type names to types and typmods: the names PostgreSQL's grammar and
// catalog accept ("int", "double precision", "character varying(10)", "timestamp(3) with
// time zone", "numeric(10,2)[]", "serial"), either from a parse tree or from text.

import { SqlError, SqlState } from "../errors.ts";
import { invalidParameter } from "./input-errors.ts";
import { IntervalRange } from "./datetime/decode-interval.ts";
import { arrayTypeOf, typeByName } from "./registry.ts";
import { NO_TYPMOD, type SqlType } from "./type.ts";

export type SerialKind = "smallserial" | "serial" | "bigserial";

export interface ResolvedType {
  readonly type: SqlType;
  readonly typmod: number;
  /** Set for the serial pseudo-types: the column is an integer with a sequence default. */
  readonly serial?: SerialKind;
}

/** A type name as the grammar produces it (libpg-query's TypeName, simplified). */
export interface TypeNameSpec {
  /** Possibly schema-qualified, e.g. ["pg_catalog", "int4"] or ["numeric"]. */
  readonly names: readonly string[];
  /** The integers in parentheses. */
  readonly typmods?: readonly number[];
  /** Array nesting: 1 for int[], 2 for int[][]. */
  readonly arrayBounds?: number;
}

const serials: Record<string, { typname: string; kind: SerialKind }> = {
  smallserial: { typname: "int2", kind: "smallserial" },
  serial2: { typname: "int2", kind: "smallserial" },
  serial: { typname: "int4", kind: "serial" },
  serial4: { typname: "int4", kind: "serial" },
  bigserial: { typname: "int8", kind: "bigserial" },
  serial8: { typname: "int8", kind: "bigserial" },
};

/** SQL spellings that are not pg_type names. */
const aliases: Record<string, string> = {
  int: "int4",
  integer: "int4",
  smallint: "int2",
  bigint: "int8",
  real: "float4",
  float: "float8",
  "double precision": "float8",
  boolean: "bool",
  decimal: "numeric",
  dec: "numeric",
  character: "bpchar",
  char: "bpchar",
  "character varying": "varchar",
  "char varying": "varchar",
  "timestamp without time zone": "timestamp",
  "timestamp with time zone": "timestamptz",
  "time without time zone": "time",
};

function undefinedType(name: string): SqlError {
  return new SqlError(SqlState.undefinedObject, `type "${name}" does not exist`);
}

function applyModifiers(type: SqlType, modifiers: readonly number[], shownName: string): number {
  if (modifiers.length === 0) return NO_TYPMOD;
  if (!type.typmod) throw new SqlError(SqlState.syntaxError, `type modifier is not allowed for type "${shownName}"`);
  return type.typmod.parse(modifiers);
}

function withArrays(resolved: ResolvedType, arrayBounds: number): ResolvedType {
  if (arrayBounds === 0) return resolved;
  const array = arrayTypeOf(resolved.type);
  if (!array) throw undefinedType(`${resolved.type.typname}[]`);
  return { type: array, typmod: resolved.typmod };
}

/** float(p): real up to 24 bits of precision, double precision up to 53. */
function floatWithPrecision(bits: number): string {
  if (bits < 1) throw invalidParameter("precision for type float must be at least 1 bit");
  if (bits <= 24) return "float4";
  if (bits <= 53) return "float8";
  throw invalidParameter("precision for type float must be less than 54 bits");
}

/** Resolves a grammar TypeName (pg_catalog-qualified system names or plain names). */
export function resolveTypeName(spec: TypeNameSpec): ResolvedType {
  const names = spec.names;
  const name = names[names.length - 1] ?? "";
  const schema = names.length > 1 ? names[names.length - 2] : undefined;
  if (names.length > 3 || (schema !== undefined && schema !== "pg_catalog")) throw undefinedType(names.join("."));
  const modifiers = spec.typmods ?? [];
  const serial = schema === undefined ? serials[name] : undefined;
  if (serial) {
    if (modifiers.length > 0 || (spec.arrayBounds ?? 0) > 0) throw undefinedType(name);
    return { type: typeByName(serial.typname)!, typmod: NO_TYPMOD, serial: serial.kind };
  }
  const type = typeByName(name);
  if (!type || type.elementOid !== 0) throw undefinedType(name);
  return withArrays({ type, typmod: applyModifiers(type, modifiers, name) }, spec.arrayBounds ?? 0);
}

type TypeToken = { kind: "word"; text: string; quoted: boolean } | { kind: "number"; value: number } | { kind: "punct"; text: string };

function tokenizeTypeName(text: string): TypeToken[] {
  const tokens: TypeToken[] = [];
  const pattern = /\s*(?:"((?:[^"]|"")*)"|([A-Za-z_][A-Za-z0-9_$]*)|([+-]?\d+)|([()[\],.]))/y;
  let at = 0;
  while (at < text.length) {
    if (/^\s*$/.test(text.slice(at))) break;
    pattern.lastIndex = at;
    const match = pattern.exec(text);
    if (!match) throw new SqlError(SqlState.syntaxError, `syntax error in type name "${text}"`);
    at = pattern.lastIndex;
    if (match[1] !== undefined) tokens.push({ kind: "word", text: match[1].replaceAll('""', '"'), quoted: true });
    else if (match[2] !== undefined) tokens.push({ kind: "word", text: match[2].toLowerCase(), quoted: false });
    else if (match[3] !== undefined) tokens.push({ kind: "number", value: Number(match[3]) });
    else tokens.push({ kind: "punct", text: match[4]! });
  }
  return tokens;
}

class TypeNameReader {
  private at = 0;
  constructor(
    private readonly tokens: TypeToken[],
    private readonly source: string,
  ) {}

  private peekWord(offset = 0): string | undefined {
    const token = this.tokens[this.at + offset];
    return token?.kind === "word" && !token.quoted ? token.text : undefined;
  }
  private peekPunct(text: string): boolean {
    const token = this.tokens[this.at];
    return token?.kind === "punct" && token.text === text;
  }
  private fail(): never {
    throw new SqlError(SqlState.syntaxError, `syntax error in type name "${this.source}"`);
  }
  private takeWords(...words: string[]): boolean {
    if (!words.every((word, i) => this.peekWord(i) === word)) return false;
    this.at += words.length;
    return true;
  }
  private takePunct(text: string): void {
    if (!this.peekPunct(text)) this.fail();
    this.at++;
  }

  /** "(a, b)" after a name, if present. */
  private modifiers(): number[] {
    if (!this.peekPunct("(")) return [];
    this.at++;
    const values: number[] = [];
    for (;;) {
      const token = this.tokens[this.at++];
      if (token?.kind !== "number") this.fail();
      values.push(token.value);
      if (this.peekPunct(")")) break;
      this.takePunct(",");
    }
    this.at++;
    return values;
  }

  /** "with time zone" / "without time zone" after timestamp or time. */
  private zoneClause(): "with" | "without" | null {
    if (this.takeWords("with", "time", "zone")) return "with";
    if (this.takeWords("without", "time", "zone")) return "without";
    return null;
  }

  private intervalFields(): number {
    const R = IntervalRange;
    const single: Record<string, number> = { year: R.year, month: R.month, day: R.day, hour: R.hour, minute: R.minute, second: R.second };
    const first = this.peekWord();
    if (first === undefined || single[first] === undefined) return R.full;
    this.at++;
    if (!this.takeWords("to")) return single[first]!;
    const last = this.peekWord();
    if (last === undefined || single[last] === undefined) this.fail();
    this.at++;
    let mask = 0;
    const order = ["year", "month", "day", "hour", "minute", "second"];
    for (let i = order.indexOf(first); i <= order.indexOf(last); i++) mask |= single[order[i]!]!;
    return mask;
  }

  /** The element type name and its modifiers, with the grammar's special forms. */
  base(): { names: string[]; typmods: number[] } {
    const first = this.tokens[this.at];
    if (first?.kind !== "word") this.fail();
    this.at++;
    const names = [first.text];
    while (this.peekPunct(".")) {
      this.at++;
      const next = this.tokens[this.at++];
      if (next?.kind !== "word") this.fail();
      names.push(next.text);
    }
    if (first.quoted || names.length > 1) return { names, typmods: this.modifiers() };
    return this.keywordType(first.text);
  }

  private keywordType(word: string): { names: string[]; typmods: number[] } {
    if (word === "double" && this.takeWords("precision")) return { names: ["float8"], typmods: [] };
    if ((word === "character" || word === "char") && this.takeWords("varying")) {
      return { names: ["varchar"], typmods: this.modifiers() };
    }
    if (word === "float") {
      const bits = this.modifiers();
      return { names: [bits.length === 1 ? floatWithPrecision(bits[0]!) : "float8"], typmods: [] };
    }
    if (word === "timestamp" || word === "time") {
      const typmods = this.modifiers();
      const zone = this.zoneClause();
      if (zone === "with" && word === "time") throw new SqlError(SqlState.featureNotSupported, "time with time zone is not supported");
      return { names: [zone === "with" ? "timestamptz" : word], typmods };
    }
    if (word === "interval") {
      const leading = this.modifiers();
      const range = this.intervalFields();
      const trailing = this.modifiers();
      const precision = [...leading, ...trailing];
      return { names: ["interval"], typmods: range === IntervalRange.full && precision.length === 0 ? [] : [range, ...precision] };
    }
    const typmods = this.modifiers();
    // char and character without a length mean char(1).
    if ((word === "char" || word === "character") && typmods.length === 0) return { names: ["bpchar"], typmods: [1] };
    return { names: [aliases[word] ?? word], typmods };
  }

  arrayBounds(): number {
    let bounds = 0;
    for (;;) {
      if (this.peekPunct("[")) {
        this.at++;
        if (this.tokens[this.at]?.kind === "number") this.at++;
        this.takePunct("]");
        bounds++;
      } else if (this.takeWords("array")) {
        if (this.peekPunct("[")) {
          this.at++;
          if (this.tokens[this.at]?.kind === "number") this.at++;
          this.takePunct("]");
        }
        bounds++;
      } else {
        break;
      }
    }
    if (this.at !== this.tokens.length) this.fail();
    return bounds;
  }
}

/** Resolves a type name written in SQL, e.g. "character varying(10)[]" or "int". */
export function parseTypeName(text: string): ResolvedType {
  const reader = new TypeNameReader(tokenizeTypeName(text), text);
  const { names, typmods } = reader.base();
  const arrayBounds = reader.arrayBounds();
  return resolveTypeName({ names, typmods, arrayBounds });
}
