// What the sessions of a server are doing, as operations sees it: each statement is reported
// to the server's observer (metrics, logs) when it finishes, and the calls in progress are
// known, so a graceful shutdown can let them finish before it ends the sessions.

import type { Cell, CopyInStream, CopyOptions, CopyOutWriter, ErrorFields, ExecuteSink, Field, QuerySink } from "../pgwire/index.ts";
import type { ConnectionInfo, ServerObserver } from "../metrics/observer.ts";
import type { JobRunner } from "../metrics/jobs.ts";
import { SqlError, toSqlError } from "./errors.ts";

/** What a session uses of the server around it. */
export interface SessionServices {
  readonly activity: Activity;
  /** Runs VACUUM and COMPACT (shared with the HTTP admin endpoints). */
  readonly jobs: JobRunner;
}

export class Activity {
  /** Calls into sessions in progress. */
  #running = 0;
  /** Calls that entered before this epoch are waited for by settle(). */
  #epoch = 0;
  #draining = 0;
  #drained: (() => void) | null = null;
  /** The last command tag reported, and its command and rows. */
  #tag = "";
  #command = "";
  #rows: number | undefined = undefined;

  constructor(readonly observer: ServerObserver | null) {}

  /** A call into a session starts (an async one: a call that completes synchronously cannot be in progress). */
  enter(): number {
    this.#running++;
    return this.#epoch;
  }

  /** That call has ended; `epoch` is what enter() returned. */
  leave(epoch: number): void {
    this.#running--;
    if (epoch < this.#epoch && --this.#draining === 0) this.#drained?.();
  }

  /** Calls in progress now. */
  get running(): number {
    return this.#running;
  }

  /**
   * Resolves true once the calls in progress now have ended, or false after `timeoutMs`
   * (calls that start meanwhile are not waited for).
   */
  async settle(timeoutMs: number): Promise<boolean> {
    this.#epoch++;
    this.#draining = this.#running;
    if (this.#draining === 0) return true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      return await new Promise<boolean>((resolve) => {
        this.#drained = () => resolve(true);
        timer = setTimeout(() => resolve(false), Math.max(0, timeoutMs));
      });
    } finally {
      clearTimeout(timer);
      this.#drained = null;
    }
  }

  connectionOpened(connection: ConnectionInfo): void {
    this.observer?.connectionOpened(connection);
  }

  connectionClosed(connection: ConnectionInfo, durationMs: number): void {
    this.observer?.connectionClosed(connection, durationMs);
  }

  /**
   * Reports a finished statement. `tag` is its command tag (null when it sent none), `error`
   * what it raised; `parsed` is false for a statement that failed before it was identified.
   */
  statementFinished(processId: number, text: string, startedMs: number, tag: string | null, error: unknown, parsed: boolean): void {
    const observer = this.observer;
    if (observer === null) return;
    const durationMs = performance.now() - startedMs;
    if (error === undefined) {
      if (tag === null) return; // an empty query
      if (tag !== this.#tag) {
        // Most statements repeat the previous one's tag (the same string: "SELECT 1").
        const numbers = trailingNumbersAt(tag);
        this.#tag = tag;
        this.#command = numbers === tag.length ? tag : tag.slice(0, numbers);
        this.#rows = numbers === tag.length ? undefined : lastNumberOf(tag);
      }
      const command = this.#command;
      const rows = this.#rows;
      if (rows === undefined) {
        observer.statementFinished({ processId, command, durationMs, sqlstate: null, text });
      } else {
        observer.statementFinished({ processId, command, durationMs, sqlstate: null, text, rows });
      }
      return;
    }
    const sqlstate = toSqlError(error).code;
    const message = error instanceof Error ? error.message : String(error);
    observer.statementFinished({ processId, command: parsed ? commandOfText(text) : "UNKNOWN", durationMs, sqlstate, message, text });
  }
}

/**
 * Where a command tag's trailing numbers begin (the tag's length when it has none): the
 * command is what comes before them ("INSERT 0 5" → "INSERT", "SELECT 3" → "SELECT",
 * "CREATE TABLE" → "CREATE TABLE"). Scanned by character code: this runs for every statement.
 */
function trailingNumbersAt(tag: string): number {
  let end = tag.length;
  for (;;) {
    let i = end;
    while (i > 0 && isDigit(tag.charCodeAt(i - 1))) i--;
    if (i === end || i === 0 || !isSpace(tag.charCodeAt(i - 1))) return end;
    while (i > 0 && isSpace(tag.charCodeAt(i - 1))) i--;
    end = i;
  }
}

/** The rows a command tag reports: its last number ("SELECT 3", "INSERT 0 5", "COPY 10"). */
function lastNumberOf(tag: string): number {
  let i = tag.length;
  while (i > 0 && isDigit(tag.charCodeAt(i - 1))) i--;
  return Number(tag.slice(i));
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/** What the regular expression class \s matches among the characters a tag can hold. */
function isSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

/** A failed statement's command: its first keyword ("SELECT", "CREATE", ...). */
function commandOfText(text: string): string {
  const match = /^(?:\s|--[^\n]*\n|\/\*[\s\S]*?\*\/)*\(*\s*([A-Za-z]+)/.exec(text);
  return match ? match[1]!.toUpperCase() : "UNKNOWN";
}

/** A sink that remembers the command tag sent through it (for statementFinished). */
export class TagRecordingSink implements ExecuteSink {
  tag: string | null = null;
  readonly rowDescription: ((fields: readonly Field[]) => void) | undefined;

  constructor(readonly inner: ExecuteSink & Partial<Pick<QuerySink, "rowDescription">>) {
    const describe = inner.rowDescription;
    this.rowDescription = describe === undefined ? undefined : (fields) => describe.call(inner, fields);
  }

  get congested(): boolean {
    return this.inner.congested;
  }

  drained(): Promise<void> {
    return this.inner.drained();
  }

  dataRow(cells: readonly Cell[]): void {
    this.inner.dataRow(cells);
  }

  commandComplete(tag: string): void {
    this.tag = tag;
    this.inner.commandComplete(tag);
  }

  emptyQuery(): void {
    this.inner.emptyQuery();
  }

  notice(notice: ErrorFields | SqlError): void {
    this.inner.notice(notice);
  }

  parameterStatus(name: string, value: string): void {
    this.inner.parameterStatus(name, value);
  }

  copyIn(options: CopyOptions): CopyInStream {
    return this.inner.copyIn(options);
  }

  copyOut(options: CopyOptions): CopyOutWriter {
    return this.inner.copyOut(options);
  }
}
