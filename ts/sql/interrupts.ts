// Statement cancellation: cancel requests, statement_timeout and lock_timeout, checked by
// long-running loops and observed by lock waits and sleeps.

import { SqlError, SqlState } from "./errors.ts";
import type { WaitLimits } from "./lock-manager.ts";

export function canceledByUser(): SqlError {
  return new SqlError(SqlState.queryCanceled, "canceling statement due to user request");
}

export function canceledByTimeout(): SqlError {
  return new SqlError(SqlState.queryCanceled, "canceling statement due to statement timeout");
}

export class Interrupts implements WaitLimits {
  private canceled = false;
  statementDeadline = 0;
  lockTimeoutMs = 0;
  private readonly listeners = new Set<(error: SqlError) => void>();

  /** A statement starts: clear an old cancel request, arm the timeouts. */
  start(statementTimeoutMs: number, lockTimeoutMs: number): void {
    this.canceled = false;
    const now = Date.now();
    this.statementDeadline = statementTimeoutMs > 0 ? now + statementTimeoutMs : 0;
    this.lockTimeoutMs = lockTimeoutMs;
  }

  cancel(): void {
    this.canceled = true;
    const error = canceledByUser();
    for (const listener of [...this.listeners]) listener(error);
  }

  /** Throws 57014 when canceled or past statement_timeout. */
  check(): void {
    if (this.canceled) throw canceledByUser();
    if (this.statementDeadline > 0 && Date.now() >= this.statementDeadline) throw canceledByTimeout();
  }

  onCancel(callback: (error: SqlError) => void): () => void {
    this.listeners.add(callback);
    return () => this.listeners.delete(callback);
  }

  /** Waits `ms` unless canceled or timed out first. */
  sleep(ms: number): Promise<void> {
    this.check();
    return new Promise<void>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      let deadlineTimer: ReturnType<typeof setTimeout> | undefined;
      const finish = (): void => {
        clearTimeout(timer);
        clearTimeout(deadlineTimer);
        unregister();
      };
      const unregister = this.onCancel((error) => {
        finish();
        reject(error);
      });
      timer = setTimeout(() => {
        finish();
        resolve();
      }, Math.max(0, ms));
      if (this.statementDeadline > 0) {
        deadlineTimer = setTimeout(() => {
          finish();
          reject(canceledByTimeout());
        }, Math.max(0, this.statementDeadline - Date.now()));
      }
    });
  }
}
