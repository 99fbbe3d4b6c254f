// Where a column (rel, col) sits in a plan node's rows.

import { SqlError, SqlState } from "../errors.ts";
import type { RelSlot } from "../plan/nodes.ts";

export class Layout {
  private readonly offsets = new Map<number, { offset: number; map: readonly number[] | undefined }>();
  readonly width: number;

  constructor(readonly slots: readonly RelSlot[]) {
    let offset = 0;
    for (const slot of slots) {
      this.offsets.set(slot.rel, { offset, map: slot.map });
      offset += slot.width;
    }
    this.width = offset;
  }

  has(rel: number): boolean {
    return this.offsets.has(rel);
  }

  position(rel: number, col: number): number {
    const found = this.offsets.get(rel);
    if (!found) throw new SqlError(SqlState.internalError, `column of rel ${rel} is not available here`);
    if (found.map) {
      const mapped = found.map[col];
      if (mapped === undefined || mapped < 0) throw new SqlError(SqlState.internalError, `column ${col} of rel ${rel} was not read`);
      return found.offset + mapped;
    }
    return found.offset + col;
  }
}
