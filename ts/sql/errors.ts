// PostgreSQL errors: the one place SQLSTATE codes are named, and the error class every layer
// throws so the wire protocol can send an ErrorResponse with the right fields.

import {
  ClosedError,
  ConflictError,
  CorruptionError,
  EngineError,
  EngineIOError,
  EngineOutOfMemoryError,
  NoSpaceError,
  PoisonedError,
  TooLargeError,
} from "../engine/errors.ts";

/** SQLSTATE codes pgz raises, named as in PostgreSQL's errcodes.txt. */
export const SqlState = {
  successfulCompletion: "00000",
  warning: "01000",
  noData: "02000",
  connectionException: "08000",
  connectionFailure: "08006",
  protocolViolation: "08P01",
  featureNotSupported: "0A000",
  invalidTransactionInitiation: "0B000",
  cardinalityViolation: "21000",
  dataException: "22000",
  stringDataRightTruncation: "22001",
  numericValueOutOfRange: "22003",
  nullValueNotAllowed: "22004",
  invalidDatetimeFormat: "22007",
  datetimeFieldOverflow: "22008",
  invalidTimeZoneDisplacementValue: "22009",
  invalidParameterValue: "22023",
  sequenceGeneratorLimitExceeded: "2200H",
  invalidArgumentForLogarithm: "2201E",
  invalidArgumentForPowerFunction: "2201F",
  substringError: "22011",
  invalidEscapeCharacter: "22019",
  nonstandardUseOfEscapeCharacter: "22P06",
  zeroLengthCharacterString: "2200F",
  invalidSavepointSpecification: "3B001",
  invalidPreparedStatementDefinition: "42P14",
  invalidForeignKey: "42830",
  dependentObjectsStillExist: "2BP01",
  queryCanceledLockTimeout: "55P03",
  idleInTransactionSessionTimeout: "25P03",
  divisionByZero: "22012",
  invalidEscapeSequence: "22025",
  invalidTextRepresentation: "22P02",
  invalidBinaryRepresentation: "22P03",
  badCopyFileFormat: "22P04",
  untranslatableCharacter: "22P05",
  characterNotInRepertoire: "22021",
  invalidJsonText: "22P02",
  arraySubscriptError: "2202E",
  invalidRegularExpression: "2201B",
  invalidRowCountInLimitClause: "2201W",
  invalidRowCountInResultOffsetClause: "2201X",
  integrityConstraintViolation: "23000",
  generatedAlways: "428C9",
  notNullViolation: "23502",
  foreignKeyViolation: "23503",
  uniqueViolation: "23505",
  checkViolation: "23514",
  invalidCursorState: "24000",
  invalidTransactionState: "25000",
  activeSqlTransaction: "25001",
  noActiveSqlTransaction: "25P01",
  inFailedSqlTransaction: "25P02",
  readOnlySqlTransaction: "25006",
  invalidSqlStatementName: "26000",
  invalidAuthorizationSpecification: "28000",
  invalidPassword: "28P01",
  invalidCursorName: "34000",
  invalidCatalogName: "3D000",
  invalidSchemaName: "3F000",
  transactionRollback: "40000",
  serializationFailure: "40001",
  deadlockDetected: "40P01",
  syntaxErrorOrAccessRuleViolation: "42000",
  syntaxError: "42601",
  insufficientPrivilege: "42501",
  groupingError: "42803",
  windowingError: "42P20",
  invalidRecursion: "42P19",
  datatypeMismatch: "42804",
  wrongObjectType: "42809",
  undefinedColumn: "42703",
  undefinedFunction: "42883",
  undefinedTable: "42P01",
  undefinedParameter: "42P02",
  undefinedObject: "42704",
  duplicateColumn: "42701",
  duplicateDatabase: "42P04",
  duplicateFunction: "42723",
  duplicatePreparedStatement: "42P05",
  duplicateSchema: "42P06",
  duplicateTable: "42P07",
  duplicateAlias: "42712",
  duplicateObject: "42710",
  ambiguousColumn: "42702",
  ambiguousFunction: "42725",
  ambiguousParameter: "42P08",
  invalidColumnReference: "42P10",
  invalidColumnDefinition: "42611",
  invalidTableDefinition: "42P16",
  invalidObjectDefinition: "42P17",
  reservedName: "42939",
  indeterminateDatatype: "42P18",
  cannotCoerce: "42846",
  invalidName: "42602",
  nameTooLong: "42622",
  objectNotInPrerequisiteState: "55000",
  cantChangeRuntimeParam: "55P02",
  objectInUse: "55006",
  lockNotAvailable: "55P03",
  insufficientResources: "53000",
  diskFull: "53100",
  outOfMemory: "53200",
  tooManyConnections: "53300",
  programLimitExceeded: "54000",
  statementTooComplex: "54001",
  tooManyColumns: "54011",
  operatorIntervention: "57000",
  queryCanceled: "57014",
  adminShutdown: "57P01",
  crashShutdown: "57P02",
  cannotConnectNow: "57P03",
  databaseDropped: "57P04",
  systemError: "58000",
  ioError: "58030",
  dataCorrupted: "XX001",
  indexCorrupted: "XX002",
  internalError: "XX000",
} as const;

export type SqlStateCode = (typeof SqlState)[keyof typeof SqlState];

export type Severity = "ERROR" | "FATAL" | "PANIC" | "WARNING" | "NOTICE" | "DEBUG" | "INFO" | "LOG";

export interface SqlErrorFields {
  severity?: Severity;
  detail?: string;
  hint?: string;
  /** 1-based character position in the statement text (syntax errors). */
  position?: number;
  schema?: string;
  table?: string;
  column?: string;
  dataType?: string;
  constraint?: string;
}

/** An error with a SQLSTATE, sent to the client as an ErrorResponse (or NoticeResponse). */
export class SqlError extends Error {
  override readonly name = "SqlError";
  readonly code: string;
  readonly severity: Severity;
  readonly detail: string | undefined;
  readonly hint: string | undefined;
  position: number | undefined;
  readonly schema: string | undefined;
  readonly table: string | undefined;
  readonly column: string | undefined;
  readonly dataType: string | undefined;
  readonly constraint: string | undefined;

  constructor(code: string, message: string, fields: SqlErrorFields = {}) {
    super(message);
    this.code = code;
    this.severity = fields.severity ?? "ERROR";
    this.detail = fields.detail;
    this.hint = fields.hint;
    this.position = fields.position;
    this.schema = fields.schema;
    this.table = fields.table;
    this.column = fields.column;
    this.dataType = fields.dataType;
    this.constraint = fields.constraint;
  }
}

/** A feature pgz does not support yet: SQLSTATE 0A000 naming it. */
export function notSupported(feature: string, hint?: string): SqlError {
  return new SqlError(SqlState.featureNotSupported, `${feature} is not supported`, hint ? { hint } : {});
}

/**
 * What a client is told for any error: an SqlError as it is; a storage-engine error with the
 * SQLSTATE PostgreSQL gives the same failure (a full disk 53100, an I/O error 58030, damaged
 * data XX001, ...) and the engine's message, which names the file; anything else XX000.
 */
export function toSqlError(error: unknown): SqlError {
  if (error instanceof SqlError) return error;
  if (error instanceof EngineError) {
    const engineState = engineSqlState(error);
    if (engineState !== null) return new SqlError(engineState.code, error.message, engineState.hint ? { hint: engineState.hint } : {});
  }
  return new SqlError(SqlState.internalError, `internal error: ${error instanceof Error ? error.message : String(error)}`);
}

function engineSqlState(error: EngineError): { code: string; hint?: string } | null {
  if (error instanceof NoSpaceError) return { code: SqlState.diskFull, hint: "Free disk space; the transaction was not committed." };
  if (error instanceof EngineIOError) return { code: SqlState.ioError };
  if (error instanceof CorruptionError) return { code: SqlState.dataCorrupted };
  if (error instanceof EngineOutOfMemoryError) return { code: SqlState.outOfMemory };
  if (error instanceof TooLargeError) return { code: SqlState.programLimitExceeded };
  if (error instanceof PoisonedError) return { code: SqlState.ioError, hint: "The storage engine stopped accepting writes after a failed write; restart the server." };
  if (error instanceof ClosedError) return { code: SqlState.adminShutdown };
  if (error instanceof ConflictError) return { code: SqlState.serializationFailure, hint: "The transaction might succeed if retried." };
  return null;
}
