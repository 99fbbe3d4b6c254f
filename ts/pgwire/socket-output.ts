// Output side of a connection: writes encoded bytes to the transport and keeps what the
// socket did not accept (backpressure) in a bounded queue, written out on `drain`. Producers
// learn about congestion through `bufferedBytes` and wait with `drained()`.

import { SqlError, SqlState } from "../sql/errors.ts";

/** The part of a transport the output needs. */
export interface ByteSink {
  /** Bytes accepted (fewer than offered under backpressure), or -1 when closed. */
  write(data: Uint8Array): number;
}

export interface OutputLimits {
  /** drained() resolves when the queue is at or below this. */
  readonly lowWaterBytes: number;
  /** Queue beyond this (holding more than one message) means the client stopped reading while the producer ignored congestion. */
  readonly queueBytesMax: number;
}

/** The error a producer sees when the client is gone. */
export function connectionLost(): SqlError {
  return new SqlError(SqlState.connectionFailure, "connection to client lost", { severity: "FATAL" });
}

export class SocketOutput {
  private readonly queue: Uint8Array[] = [];
  private queueBytes = 0;
  private drainWaiters: { resolve: () => void; reject: (error: Error) => void }[] = [];
  private flushWaiters: { resolve: () => void; reject: (error: Error) => void }[] = [];
  private closed = false;

  constructor(
    private readonly sink: ByteSink,
    private readonly limits: OutputLimits,
    /** Called once when the queue limit is exceeded; the owner ends the connection. */
    private readonly onOverflow: () => void,
  ) {
    if (!(limits.lowWaterBytes >= 0 && limits.queueBytesMax > limits.lowWaterBytes)) {
      throw new RangeError("output limits: need 0 <= lowWaterBytes < queueBytesMax");
    }
  }

  /** Bytes accepted by write() but not yet by the socket. */
  get bufferedBytes(): number {
    return this.queueBytes;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Send `data`. It may alias a buffer the caller reuses: whatever must wait is copied. */
  write(data: Uint8Array): void {
    if (this.closed || data.length === 0) return;
    let rest = data;
    if (this.queue.length === 0) {
      const written = this.sink.write(data);
      if (written < 0) {
        this.close();
        return;
      }
      if (written === data.length) return;
      rest = data.subarray(written);
    }
    // Copy: `data` aliases the encoder's reused buffer (and Buffer#slice would not copy).
    const copy = new Uint8Array(rest.length);
    copy.set(rest, 0);
    this.queue.push(copy);
    this.queueBytes += rest.length;
    if (this.queueBytes > this.limits.queueBytesMax && this.queue.length > 1) {
      this.close();
      this.onOverflow();
    }
  }

  /** The socket can take more: write queued bytes in order. */
  onDrain(): void {
    while (!this.closed && this.queue.length > 0) {
      const head = this.queue[0]!;
      const written = this.sink.write(head);
      if (written < 0) {
        this.close();
        return;
      }
      this.queueBytes -= Math.max(written, 0);
      if (written < head.length) {
        this.queue[0] = head.subarray(written);
        break;
      }
      this.queue.shift();
    }
    if (this.queueBytes <= this.limits.lowWaterBytes) settle(this.drainWaiters, null);
    if (this.queue.length === 0) settle(this.flushWaiters, null);
  }

  /** Resolves when the queue is at or below the low-water mark; rejects if the connection closes. */
  drained(): Promise<void> {
    if (this.closed) return Promise.reject(connectionLost());
    if (this.queueBytes <= this.limits.lowWaterBytes) return Promise.resolve();
    return new Promise((resolve, reject) => this.drainWaiters.push({ resolve, reject }));
  }

  /** Resolves when every queued byte has been handed to the socket. */
  flushed(): Promise<void> {
    if (this.closed) return Promise.reject(connectionLost());
    if (this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) => this.flushWaiters.push({ resolve, reject }));
  }

  /** Stop writing; waiting producers get connectionLost(). Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue.length = 0;
    this.queueBytes = 0;
    const error = connectionLost();
    settle(this.drainWaiters, error);
    settle(this.flushWaiters, error);
  }
}

function settle(waiters: { resolve: () => void; reject: (error: Error) => void }[], error: Error | null): void {
  if (waiters.length === 0) return;
  const all = waiters.splice(0, waiters.length);
  for (const w of all) {
    if (error === null) w.resolve();
    else w.reject(error);
  }
}
