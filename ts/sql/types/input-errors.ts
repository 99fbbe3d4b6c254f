// Constructors for the errors PostgreSQL's input functions raise, with its exact wording.

import { SqlError, SqlState } from "../errors.ts";

/** 22P02 `invalid input syntax for type integer: "abc"`. */
export function invalidSyntax(typeName: string, input: string): SqlError {
  return new SqlError(SqlState.invalidTextRepresentation, `invalid input syntax for type ${typeName}: "${input}"`);
}

/** 22003 `value "99999999999" is out of range for type integer`. */
export function valueOutOfRange(typeName: string, input: string): SqlError {
  return new SqlError(SqlState.numericValueOutOfRange, `value "${input}" is out of range for type ${typeName}`);
}

/** 22003 with a message as given, e.g. "integer out of range". */
export function outOfRange(message: string): SqlError {
  return new SqlError(SqlState.numericValueOutOfRange, message);
}

/** 22P03: binary input that does not follow the type's send format. */
export function invalidBinary(message: string): SqlError {
  return new SqlError(SqlState.invalidBinaryRepresentation, message);
}

/** 22023 invalid_parameter_value: bad type modifiers and similar. */
export function invalidParameter(message: string): SqlError {
  return new SqlError(SqlState.invalidParameterValue, message);
}
