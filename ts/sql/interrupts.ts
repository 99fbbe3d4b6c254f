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
    this.statementDeadline = statementTimeoutMs > 0 ? Date.now() + statementTimeoutMs : 0;
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

  /**
   * Waits for `work` unless the statement is canceled or times out first (the work itself
   * goes on; only the wait ends).
   */
  until<T>(work: Promise<T>): Promise<T> {
    this.check();
    return new Promise<T>((resolve, reject) => {
      let deadlineTimer: ReturnType<typeof setTimeout> | undefined;
      const finish = (): void => {
        clearTimeout(deadlineTimer);
        unregister();
      };
      const unregister = this.onCancel((error) => {
        finish();
        reject(error);
      });
      if (this.statementDeadline > 0) {
        deadlineTimer = setTimeout(() => {
          finish();
          reject(canceledByTimeout());
        }, Math.max(0, this.statementDeadline - Date.now()));
      }
      work.then(
        (value) => {
          finish();
          resolve(value);
        },
        (error: unknown) => {
          finish();
          reject(error);
        },
      );
    });
  }

  /** Waits `ms` unless canceled or timed out first. */
  sleep(ms: number): Promise<void> {
    this.check();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const slept = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, Math.max(0, ms));
    });
    return this.until(slept).finally(() => clearTimeout(timer));
  }
}
