// Engine status codes (include/pgz.h, enum pgz_status) and the errors they become. The one
// place a status code is turned into an Error.

export const Status = {
  ok: 0,
  err: 1,
  notFound: 2,
  corruption: 3,
  io: 4,
  conflict: 5,
  busy: 6,
  invalidArgument: 7,
  bufferTooSmall: 8,
  noSpace: 9,
  tooLarge: 10,
  poisoned: 11,
  closed: 12,
  unsupported: 13,
  noMemory: 14,
} as const;

export type StatusCode = (typeof Status)[keyof typeof Status];

/** Any failure reported by the storage engine. */
export class EngineError extends Error {
  override name = "EngineError";
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

/** On-disk data failed a check; the message names the file and offset. */
export class CorruptionError extends EngineError {
  override name = "CorruptionError";
}
/** The operating system reported an I/O error. */
export class EngineIOError extends EngineError {
  override name = "EngineIOError";
}
/** The disk is full. */
export class NoSpaceError extends EngineError {
  override name = "NoSpaceError";
}
/** A concurrent transaction committed a conflicting change first; retrying may succeed. */
export class ConflictError extends EngineError {
  override name = "ConflictError";
}
/** The data directory is locked by another process (or a transaction has open scans). */
export class BusyError extends EngineError {
  override name = "BusyError";
}
/** A bad argument: rejected before or at the engine boundary. */
export class InvalidArgumentError extends EngineError {
  override name = "InvalidArgumentError";
}
/** A key, value or transaction over its limit. */
export class TooLargeError extends EngineError {
  override name = "TooLargeError";
}
/** A write or sync failed earlier; the database must be closed and reopened. */
export class PoisonedError extends EngineError {
  override name = "PoisonedError";
}
/** The handle (database, transaction, iterator) is closed. */
export class ClosedError extends EngineError {
  override name = "ClosedError";
}
/** The data directory was written by a newer pgz. */
export class UnsupportedFormatError extends EngineError {
  override name = "UnsupportedFormatError";
}
/** The engine ran out of memory. */
export class EngineOutOfMemoryError extends EngineError {
  override name = "EngineOutOfMemoryError";
}

type ErrorClass = new (status: number, message: string) => EngineError;

const classes: Record<number, ErrorClass> = {
  [Status.corruption]: CorruptionError,
  [Status.io]: EngineIOError,
  [Status.noSpace]: NoSpaceError,
  [Status.conflict]: ConflictError,
  [Status.busy]: BusyError,
  [Status.invalidArgument]: InvalidArgumentError,
  [Status.tooLarge]: TooLargeError,
  [Status.poisoned]: PoisonedError,
  [Status.closed]: ClosedError,
  [Status.unsupported]: UnsupportedFormatError,
  [Status.noMemory]: EngineOutOfMemoryError,
};

export function errorFromStatus(status: number, message: string): EngineError {
  const ErrorType = classes[status] ?? EngineError;
  return new ErrorType(status, message || `engine status ${status}`);
}
