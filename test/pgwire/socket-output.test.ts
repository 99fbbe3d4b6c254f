import { describe, expect, test } from "bun:test";
import { SocketOutput } from "../../ts/pgwire/socket-output.ts";

/** A socket that takes at most `capacity` bytes until drained by the test. */
class FakeSocket {
  received: number[] = [];
  capacity: number;
  closed = false;
  constructor(capacity: number) {
    this.capacity = capacity;
  }
  write(data: Uint8Array): number {
    if (this.closed) return -1;
    const n = Math.min(this.capacity, data.length);
    for (let i = 0; i < n; i++) this.received.push(data[i]!);
    this.capacity -= n;
    return n;
  }
}

describe("SocketOutput", () => {
  test("keeps what the socket refused, copied, and sends it in order on drain", () => {
    const socket = new FakeSocket(3);
    let overflow = 0;
    const out = new SocketOutput(socket, { lowWaterBytes: 0, queueBytesMax: 1000 }, () => overflow++);
    // A Buffer the caller reuses, as the encoder does: the queue must not alias it.
    const scratch = Buffer.alloc(4);
    scratch.set([1, 2, 3, 4]);
    out.write(scratch.subarray(0, 4));
    scratch.set([5, 6, 7, 8]);
    out.write(scratch.subarray(0, 4));
    scratch.fill(0);
    expect(socket.received).toEqual([1, 2, 3]);
    expect(out.bufferedBytes).toBe(5);
    socket.capacity = 2;
    out.onDrain();
    expect(socket.received).toEqual([1, 2, 3, 4, 5]);
    socket.capacity = 100;
    out.onDrain();
    expect(socket.received).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(out.bufferedBytes).toBe(0);
    expect(overflow).toBe(0);
  });

  test("drained() waits for the low-water mark; flushed() for an empty queue", async () => {
    const socket = new FakeSocket(0);
    const out = new SocketOutput(socket, { lowWaterBytes: 4, queueBytesMax: 1000 }, () => {});
    out.write(new Uint8Array(10));
    let drained = false;
    let flushed = false;
    void out.drained().then(() => (drained = true));
    void out.flushed().then(() => (flushed = true));
    socket.capacity = 5;
    out.onDrain();
    await Bun.sleep(0);
    expect([drained, flushed]).toEqual([false, false]);
    socket.capacity = 1;
    out.onDrain();
    await Bun.sleep(0);
    expect([drained, flushed]).toEqual([true, false]);
    socket.capacity = 100;
    out.onDrain();
    await Bun.sleep(0);
    expect(flushed).toBe(true);
  });

  test("a client that stops reading is cut off at the limit, and waiters learn the connection is lost", async () => {
    const socket = new FakeSocket(0);
    let overflow = 0;
    const out = new SocketOutput(socket, { lowWaterBytes: 10, queueBytesMax: 100 }, () => overflow++);
    const waiting = out.drained();
    out.write(new Uint8Array(60));
    expect(overflow).toBe(0);
    out.write(new Uint8Array(60));
    expect(overflow).toBe(1);
    expect(out.isClosed).toBe(true);
    expect(out.bufferedBytes).toBe(0);
    await expect(waiting).resolves.toBeUndefined(); // resolved before: nothing was queued then
    await expect(out.drained()).rejects.toMatchObject({ code: "08006" });
    out.write(new Uint8Array(5)); // ignored after close
    expect(socket.received.length).toBe(0);
  });

  test("one message larger than the limit is still sent when the queue is empty", () => {
    const socket = new FakeSocket(0);
    let overflow = 0;
    const out = new SocketOutput(socket, { lowWaterBytes: 10, queueBytesMax: 100 }, () => overflow++);
    out.write(new Uint8Array(500));
    expect(overflow).toBe(0);
    expect(out.bufferedBytes).toBe(500);
  });

  test("a closed socket (-1) closes the output", async () => {
    const socket = new FakeSocket(10);
    socket.closed = true;
    const out = new SocketOutput(socket, { lowWaterBytes: 0, queueBytesMax: 100 }, () => {});
    out.write(new Uint8Array(3));
    expect(out.isClosed).toBe(true);
    await expect(out.flushed()).rejects.toMatchObject({ code: "08006" });
  });
});
