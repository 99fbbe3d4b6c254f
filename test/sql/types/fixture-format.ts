// Shapes of the PostgreSQL fixture files, shared by the generator and the tests.

export interface PgErrorFixture {
  readonly code: string;
  readonly message: string;
  readonly detail?: string;
  readonly hint?: string;
  readonly context?: string;
}

/** What PostgreSQL returned: text output, or an error. */
export type PgResult = { readonly output: string | null } | { readonly error: PgErrorFixture };

export interface TextInputFixture {
  readonly type: string;
  readonly input: string;
  readonly zone: string;
  readonly result: PgResult;
}

export interface TypmodFixture {
  readonly type: string;
  readonly input: string;
  readonly explicit: PgResult;
  readonly assignment: PgResult;
}

export interface CastFixture {
  readonly from: string;
  readonly to: string;
  readonly input: string;
  readonly zone: string;
  readonly result: PgResult;
}

export interface OrderingFixture {
  readonly type: string;
  readonly values: readonly string[];
  readonly ranks: readonly number[];
}

export interface BinaryFixture {
  readonly type: string;
  readonly input: string;
  /** typsend() output as lower-case hex. */
  readonly hex: string;
  readonly text: string;
}

export interface NumericFixture {
  readonly op: "+" | "-" | "*" | "/" | "%" | "typmod";
  readonly a: string;
  readonly b: string;
  readonly result: PgResult;
}

export interface FloatFixture {
  readonly type: "real" | "double precision";
  /** A literal that reads back as the exact value (17 significant digits). */
  readonly literal: string;
  readonly output: string;
}

export interface FixtureFile<T> {
  readonly server: string;
  readonly cases: readonly T[];
}

export const fixtureDir = `${import.meta.dir}/fixtures`;

export async function loadFixture<T>(name: string): Promise<FixtureFile<T>> {
  return (await Bun.file(`${fixtureDir}/${name}`).json()) as FixtureFile<T>;
}
