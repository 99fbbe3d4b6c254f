// Session settings that change how values are read and printed.

/** The part of a session the value layer needs. */
export interface TypeContext {
  /** The TimeZone setting: 'UTC', an IANA name, or a POSIX-style offset such as '+05:30'. */
  readonly timeZone: string;
  /**
   * Start of the current transaction in microseconds since 2000-01-01 00:00:00 UTC. The
   * inputs 'now', 'today', 'tomorrow' and 'yesterday' read it; when absent the clock is read.
   */
  readonly transactionTimestamp?: bigint;
  /**
   * The name an OID alias type (regclass, regtype, regnamespace, regrole; by its type OID)
   * prints for an object, or null when there is no such object (the number is printed).
   */
  regName?(type: number, oid: number): string | null;
}

export const defaultTypeContext: TypeContext = { timeZone: "UTC" };
