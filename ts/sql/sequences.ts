// Sequences (serial, identity, nextval, the hidden row id, and the cluster's OID counter):
// non-transactional, as in PostgreSQL. The counter lives in memory; a high-water mark is
// persisted ahead of use (LOG_AHEAD values at a time) by a separate engine transaction whose
// commit is submitted before any value under it is handed out. Engine commits are durable
// in submission order, so a user transaction that used a value commits after the mark that
// covers it: after a crash no committed value is handed out again. The JavaScript thread
// never waits for these commits.

import type { Db } from "../engine/index.ts";
import { SqlError, SqlState } from "./errors.ts";
import { sequenceKey } from "./keyspace.ts";

/** Values persisted ahead of use (PostgreSQL's SEQ_LOG_VALS). */
const LOG_AHEAD = 32n;

export interface SequenceOptions {
  readonly name: string;
  readonly start: bigint;
  readonly increment: bigint;
  readonly min: bigint;
  readonly max: bigint;
  readonly cycle: boolean;
}

/** The hidden sequence that numbers rows of a table without a primary key. */
export const ROW_ID_SEQUENCE: SequenceOptions = { name: "row id", start: 1n, increment: 1n, min: 1n, max: 9223372036854775807n, cycle: false };

interface State {
  /** The last value handed out (or the next one, while !called). */
  last: bigint;
  called: boolean;
  /** Persisted: values up to here may have been handed out. */
  logged: bigint;
}

function encodeState(value: bigint, called: boolean): Uint8Array {
  const bytes = new Uint8Array(9);
  new DataView(bytes.buffer).setBigInt64(0, value);
  bytes[8] = called ? 1 : 0;
  return bytes;
}

function decodeState(bytes: Uint8Array): { value: bigint; called: boolean } {
  return { value: new DataView(bytes.buffer, bytes.byteOffset).getBigInt64(0), called: bytes[8] === 1 };
}

export class SequenceManager {
  private readonly states = new Map<number, State>();
  private failure: Error | null = null;

  constructor(
    private readonly db: Db,
    private readonly onError: (error: Error) => void = () => {},
  ) {}

  /** Persists a state in its own engine transaction; the commit is submitted now. */
  private persist(oid: number, value: bigint, called: boolean): void {
    if (this.failure) throw this.failure;
    const txn = this.db.begin({ isolation: "unchecked" });
    txn.put(sequenceKey(oid), encodeState(value, called));
    txn.commit().catch((error: Error) => {
      this.failure = error;
      this.onError(error);
    });
  }

  private state(oid: number, options: SequenceOptions): State {
    let state = this.states.get(oid);
    if (state) return state;
    const stored = this.db.get(sequenceKey(oid));
    if (stored) {
      const { value, called } = decodeState(stored);
      state = { last: value, called, logged: value };
    } else {
      state = { last: options.start, called: false, logged: options.start };
    }
    this.states.set(oid, state);
    return state;
  }

  /** Sets up a new sequence's persisted state (CREATE SEQUENCE, serial columns). */
  create(oid: number, options: SequenceOptions): void {
    this.states.set(oid, { last: options.start, called: false, logged: options.start });
    this.persist(oid, options.start, false);
  }

  /** Forgets a dropped sequence (its key is removed with the catalog change). */
  forget(oid: number): void {
    this.states.delete(oid);
  }

  nextval(oid: number, options: SequenceOptions): bigint {
    const state = this.state(oid, options);
    let next = state.called ? state.last + options.increment : state.last;
    const ascending = options.increment > 0n;
    if (state.called && (ascending ? next > options.max : next < options.min)) {
      if (!options.cycle) {
        const bound = ascending ? options.max : options.min;
        throw new SqlError(
          SqlState.sequenceGeneratorLimitExceeded,
          `nextval: reached ${ascending ? "maximum" : "minimum"} value of sequence "${options.name}" (${bound})`,
        );
      }
      next = ascending ? options.min : options.max;
    }
    const beyond = !state.called || (ascending ? next > state.logged : next < state.logged);
    if (beyond) {
      let logged = next + options.increment * (LOG_AHEAD - 1n);
      if (ascending && logged > options.max) logged = options.max;
      if (!ascending && logged < options.min) logged = options.min;
      this.persist(oid, logged, true);
      state.logged = logged;
    }
    state.last = next;
    state.called = true;
    return next;
  }

  /** setval(seq, value, isCalled). */
  setval(oid: number, options: SequenceOptions, value: bigint, called: boolean): void {
    if (value < options.min || value > options.max) {
      throw new SqlError(
        SqlState.numericValueOutOfRange,
        `setval: value ${value} is out of bounds for sequence "${options.name}" (${options.min}..${options.max})`,
      );
    }
    const state = this.state(oid, options);
    state.last = value;
    state.called = called;
    state.logged = value;
    this.persist(oid, value, called);
  }

  /**
   * A clean shutdown records each sequence's exact position (as PostgreSQL's shutdown
   * checkpoint does), so no values are skipped after a graceful restart.
   */
  async persistExact(): Promise<void> {
    if (this.failure) return;
    const txn = this.db.begin({ isolation: "unchecked" });
    let writes = 0;
    for (const [oid, state] of this.states) {
      if (state.logged === state.last) continue;
      txn.put(sequenceKey(oid), encodeState(state.last, state.called));
      writes++;
    }
    if (writes === 0) {
      txn.abort();
      return;
    }
    await txn.commit();
  }

  /** last_value and is_called, for SELECT * FROM a sequence. */
  peek(oid: number, options: SequenceOptions): { last: bigint; called: boolean } {
    const state = this.state(oid, options);
    return { last: state.last, called: state.called };
  }
}
