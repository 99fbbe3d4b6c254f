// PostgreSQL's hint for a column that does not exist: "Perhaps you meant to reference the
// column "t.name"." It picks the closest column names (Levenshtein distance at most 3 and
// at most half the length of the name asked for) over every FROM item in scope, as
// parse_relation.c does, and gives up when more than two are equally close.

import type { RangeEntry, Scope } from "./scope.ts";

const MAX_FUZZY_DISTANCE = 3;

function levenshtein(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}

interface Match {
  readonly entry: RangeEntry;
  readonly column: string;
}

/** The hint for `qualifier.name` (or bare `name`) not found in `scope`, if any column is close. */
export function missingColumnHint(scope: Scope, qualifier: string | null, name: string): string | undefined {
  let distance = MAX_FUZZY_DISTANCE + 1;
  let first: Match | null = null;
  let second: Match | null = null;
  for (let level: Scope | null = scope; level; level = level.parent) {
    for (const entry of level.entries) {
      if (entry.alias === "") continue;
      const penalty = qualifier === null ? 0 : levenshtein(qualifier, entry.alias);
      if (penalty > distance) continue;
      for (const column of entry.columns) {
        const columnDistance = levenshtein(column.name, name);
        // More than half the characters different: not a helpful suggestion.
        if (columnDistance > Math.floor(name.length / 2)) continue;
        const total = columnDistance + penalty;
        if (total < distance) {
          distance = total;
          first = { entry, column: column.name };
          second = null;
        } else if (total === distance) {
          if (second) {
            first = null;
            second = null;
            distance = total - 1;
          } else if (first) second = { entry, column: column.name };
          else if (distance <= MAX_FUZZY_DISTANCE) first = { entry, column: column.name };
        }
      }
    }
  }
  if (!first) return undefined;
  const quoted = (match: Match) => `"${match.entry.alias}.${match.column}"`;
  return second ? `Perhaps you meant to reference the column ${quoted(first)} or the column ${quoted(second)}.` : `Perhaps you meant to reference the column ${quoted(first)}.`;
}
