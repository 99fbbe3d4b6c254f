// PostgreSQL's type resolution for operators, functions and UNION/CASE/VALUES (the rules of
// "Type Conversion" in its manual): exact matches first, then implicit casts, preferred
// types, and the category heuristics for unknown literals.

import { SqlError, SqlState } from "../errors.ts";
import { findCastPath, formatType, NO_TYPMOD, Oid, textType, type SqlType } from "../types/index.ts";
import { isRegType, isUnknown } from "./pseudo-types.ts";

/** Whether a value of `from` may be used where `to` is expected without an explicit cast. */
export function canCoerceImplicitly(from: SqlType, to: SqlType): boolean {
  if (from.oid === to.oid || isUnknown(from)) return true;
  if (isUnknown(to)) return false;
  // The OID alias types (regclass, ...) are OIDs: oid, integer and bigint convert to them, and they to oid.
  if (isRegType(from)) return to.oid === Oid.oid;
  if (isRegType(to)) return from.oid === Oid.oid || from.oid === Oid.int4 || from.oid === Oid.int8;
  return findCastPath(from, to, "implicit") !== null;
}

/** A candidate signature: its argument types. */
export interface Candidate {
  readonly args: readonly SqlType[];
}

function category(type: SqlType): string {
  return type.category;
}

/**
 * func_select_candidate: the best candidate for the argument types, or null when none
 * fits; throws 42725 when several fit equally well.
 */
export function selectCandidate<C extends Candidate>(candidates: readonly C[], argTypes: readonly SqlType[], ambiguous: () => SqlError): C | null {
  const arity = candidates.filter((c) => c.args.length === argTypes.length);
  if (arity.length === 0) return null;
  // Exact match; a binary operator's unknown side counts as the other side's type.
  let probe = argTypes;
  if (argTypes.length === 2 && isUnknown(argTypes[0]!) !== isUnknown(argTypes[1]!)) {
    const known = isUnknown(argTypes[0]!) ? argTypes[1]! : argTypes[0]!;
    probe = [known, known];
  }
  const exact = arity.find((c) => c.args.every((t, i) => t.oid === probe[i]!.oid));
  if (exact) return exact;
  let viable = arity.filter((c) => c.args.every((t, i) => canCoerceImplicitly(argTypes[i]!, t)));
  if (viable.length <= 1) return viable[0] ?? null;
  // Most exact matches on known arguments.
  const exactCount = (c: C): number => c.args.filter((t, i) => !isUnknown(argTypes[i]!) && t.oid === argTypes[i]!.oid).length;
  viable = keepBest(viable, exactCount);
  if (viable.length === 1) return viable[0]!;
  // Most preferred types where a conversion is needed.
  const preferredCount = (c: C): number => c.args.filter((t, i) => t.oid !== argTypes[i]!.oid && t.preferred).length;
  viable = keepBest(viable, preferredCount);
  if (viable.length === 1) return viable[0]!;
  // Unknown arguments: pick a category per position (string wins, else a unanimous one).
  const unknownPositions = argTypes.map((t, i) => (isUnknown(t) ? i : -1)).filter((i) => i >= 0);
  if (unknownPositions.length > 0) {
    for (const position of unknownPositions) {
      const categories = new Set(viable.map((c) => category(c.args[position]!)));
      let chosen: string | null = null;
      if (categories.has("S")) chosen = "S";
      else if (categories.size === 1) chosen = [...categories][0]!;
      if (chosen === null) throw ambiguous();
      const inCategory = viable.filter((c) => category(c.args[position]!) === chosen);
      const preferred = inCategory.filter((c) => c.args[position]!.preferred);
      viable = preferred.length > 0 ? preferred : inCategory;
    }
    if (viable.length === 1) return viable[0]!;
    // All known arguments of one type: assume the unknowns are of that type too.
    const known = argTypes.filter((t) => !isUnknown(t));
    if (known.length > 0 && known.every((t) => t.oid === known[0]!.oid)) {
      const same = viable.filter((c) => unknownPositions.every((p) => c.args[p]!.oid === known[0]!.oid));
      if (same.length === 1) return same[0]!;
    }
  }
  if (viable.length === 1) return viable[0]!;
  throw ambiguous();
}

function keepBest<C>(items: readonly C[], score: (item: C) => number): C[] {
  let best = -1;
  let kept: C[] = [];
  for (const item of items) {
    const value = score(item);
    if (value > best) {
      best = value;
      kept = [item];
    } else if (value === best) kept.push(item);
  }
  return kept;
}

/**
 * select_common_type: the type UNION, CASE, COALESCE, VALUES, IN and ARRAY[] resolve
 * their inputs to. `context` names the construct in the 42804 message ("UNION", "CASE");
 * `positions` (1-based, per input) place the error at the input that does not match.
 */
export function commonType(types: readonly SqlType[], context: string, positions?: readonly (number | undefined)[]): SqlType {
  const mismatch = (a: SqlType, b: SqlType, index: number): SqlError => {
    const position = positions?.[index];
    return new SqlError(SqlState.datatypeMismatch, `${context} types ${formatType(a, NO_TYPMOD)} and ${formatType(b, NO_TYPMOD)} cannot be matched`, position === undefined ? {} : { position });
  };
  let chosen: SqlType | null = null;
  for (const [index, type] of types.entries()) {
    if (isUnknown(type)) continue;
    if (chosen === null) {
      chosen = type;
      continue;
    }
    if (type.oid === chosen.oid) continue;
    if (type.category !== chosen.category) throw mismatch(chosen, type, index);
    if (!chosen.preferred && canCoerceImplicitly(chosen, type) && !canCoerceImplicitly(type, chosen)) chosen = type;
  }
  const result = chosen ?? textType;
  for (const [index, type] of types.entries()) {
    if (!canCoerceImplicitly(type, result)) throw mismatch(result, type, index);
  }
  return result;
}
