//! MVCC transactions and the commit pipeline.
//!
//! - The Oracle hands out snapshots (the newest visible commit timestamp), tracks the live
//!   ones (compaction keeps every version they may read), and remembers recent commits'
//!   keys while serializable transactions need them for range validation.
//! - A Txn buffers its writes in a private skiplist (key, operation sequence number), so
//!   savepoints can be rolled back and an iterator sees only the writes made before it.
//! - The Committer is the single thread that owns commit ordering: it takes every commit
//!   request waiting, checks conflicts (first committer wins), assigns timestamps, appends
//!   large values to the value log and commit records to the commit log, makes both durable
//!   with one sync each for the whole batch (value log first: a commit record is durable
//!   only after the values it points to), applies the batch to the memtable, publishes the
//!   new visible timestamp, and completes the requests.

const std = @import("std");
const assert = std.debug.assert;
const types = @import("types.zig");
const io = @import("io.zig");
const memtable = @import("memtable.zig");
const commit_log = @import("commit_log.zig");
const vlog = @import("vlog.zig");
const lsm_module = @import("lsm.zig");

const Timestamp = types.Timestamp;
const EntryKind = types.EntryKind;
const FileNumber = types.FileNumber;
const Lsm = lsm_module.Lsm;

pub const Isolation = enum(u8) {
    /// Snapshot isolation: write–write conflicts abort the later committer.
    snapshot = 0,
    /// Also validates the read set (point reads and scanned ranges) against later commits.
    serializable = 1,
    /// No engine conflict check: the caller serializes writers itself (row locks) and
    /// reads the latest version after locking (PostgreSQL's READ COMMITTED).
    unchecked = 2,
};

pub const SyncMode = enum(u8) {
    /// Acknowledge after fdatasync: a crash loses nothing acknowledged.
    full = 0,
    /// Acknowledge after the write reaches the OS; sync every `sync_interval_ms`. A power
    /// loss (not a process crash) may lose the last interval's commits.
    normal = 1,
    /// Never sync commits. A power loss may lose any commit since the last flush.
    off = 2,
};

// ---------------------------------------------------------------------------- oracle

const RecentCommit = struct {
    ts: Timestamp,
    /// Sorted keys this commit wrote (owned).
    keys: [][]u8,
    bytes: u64,
};

pub const Oracle = struct {
    allocator: std.mem.Allocator,
    mutex: std.Thread.Mutex = .{},
    /// Snapshots start here: the newest commit that is visible (durable, in full mode).
    visible_ts: Timestamp,
    /// Live snapshots and how many readers hold each.
    snapshots: std.AutoHashMapUnmanaged(Timestamp, u32) = .empty,
    serializable_active: u32 = 0,
    /// Commits since the oldest live serializable snapshot, oldest first.
    recent: std.ArrayList(RecentCommit) = .empty,
    recent_bytes: u64 = 0,
    /// Serializable transactions with a snapshot below this cannot be validated (the list
    /// was cut to stay within its bound): they fail with Conflict.
    recent_floor_ts: Timestamp = 0,

    pub const recent_bytes_max: u64 = 64 * 1024 * 1024;

    pub fn init(allocator: std.mem.Allocator, visible_ts: Timestamp) Oracle {
        return .{ .allocator = allocator, .visible_ts = visible_ts, .recent_floor_ts = visible_ts };
    }

    pub fn deinit(self: *Oracle) void {
        self.snapshots.deinit(self.allocator);
        for (self.recent.items) |commit| freeRecent(self.allocator, commit);
        self.recent.deinit(self.allocator);
        self.* = undefined;
    }

    fn freeRecent(allocator: std.mem.Allocator, commit: RecentCommit) void {
        for (commit.keys) |key| allocator.free(key);
        allocator.free(commit.keys);
    }

    /// Registers and returns a snapshot at the newest visible commit.
    pub fn acquireSnapshot(self: *Oracle, serializable: bool) error{OutOfMemory}!Timestamp {
        self.mutex.lock();
        defer self.mutex.unlock();
        const ts = self.visible_ts;
        const entry = try self.snapshots.getOrPut(self.allocator, ts);
        if (!entry.found_existing) entry.value_ptr.* = 0;
        entry.value_ptr.* += 1;
        if (serializable) self.serializable_active += 1;
        return ts;
    }

    pub fn releaseSnapshot(self: *Oracle, ts: Timestamp, serializable: bool) void {
        self.mutex.lock();
        defer self.mutex.unlock();
        const entry = self.snapshots.getPtr(ts).?;
        assert(entry.* > 0);
        entry.* -= 1;
        if (entry.* == 0) _ = self.snapshots.remove(ts);
        if (serializable) {
            assert(self.serializable_active > 0);
            self.serializable_active -= 1;
            if (self.serializable_active == 0) self.clearRecentLocked();
        }
    }

    fn clearRecentLocked(self: *Oracle) void {
        for (self.recent.items) |commit| freeRecent(self.allocator, commit);
        self.recent.clearRetainingCapacity();
        self.recent_bytes = 0;
        self.recent_floor_ts = self.visible_ts;
    }

    /// The oldest live snapshot, or the visible timestamp when there is none.
    pub fn oldestSnapshot(self: *Oracle) Timestamp {
        self.mutex.lock();
        defer self.mutex.unlock();
        var oldest = self.visible_ts;
        var it = self.snapshots.keyIterator();
        while (it.next()) |ts| oldest = @min(oldest, ts.*);
        return oldest;
    }

    pub fn visible(self: *Oracle) Timestamp {
        self.mutex.lock();
        defer self.mutex.unlock();
        return self.visible_ts;
    }

    fn oldestFloor(ctx: *anyopaque) Timestamp {
        const self: *Oracle = @ptrCast(@alignCast(ctx));
        return self.oldestSnapshot();
    }

    pub fn snapshotFloor(self: *Oracle) lsm_module.SnapshotFloor {
        return .{ .ctx = self, .oldest = oldestFloor };
    }
};

// ---------------------------------------------------------------------------- transaction

pub const Range = struct { lower: ?[]const u8, upper: ?[]const u8 };

pub const Txn = struct {
    allocator: std.mem.Allocator,
    oracle: *Oracle,
    snapshot_ts: Timestamp,
    isolation: Isolation,
    read_only: bool,
    /// Buffered writes: key ascending, sequence number descending (in the `ts` slot).
    writes: memtable.SkipList,
    /// Write nodes in sequence order, for rolling back to a savepoint.
    write_log: std.ArrayList(*memtable.Node) = .empty,
    next_seq: u64 = 1,
    write_bytes: u64 = 0,
    /// Serializable only: what was read, for validation at commit.
    read_arena: std.heap.ArenaAllocator,
    read_keys: std.ArrayList([]const u8) = .empty,
    read_ranges: std.ArrayList(Range) = .empty,
    /// Iterators open over this transaction's writes.
    open_iterators: u32 = 0,
    state: State = .active,

    pub const State = enum { active, committing, finished };

    pub fn create(allocator: std.mem.Allocator, oracle: *Oracle, isolation: Isolation, read_only: bool) error{OutOfMemory}!*Txn {
        const self = try allocator.create(Txn);
        errdefer allocator.destroy(self);
        var writes = try memtable.SkipList.init(allocator, @intFromPtr(self));
        errdefer writes.deinit();
        const snapshot_ts = try oracle.acquireSnapshot(isolation == .serializable);
        self.* = .{
            .allocator = allocator,
            .oracle = oracle,
            .snapshot_ts = snapshot_ts,
            .isolation = isolation,
            .read_only = read_only,
            .writes = writes,
            .read_arena = std.heap.ArenaAllocator.init(allocator),
        };
        return self;
    }

    /// Releases everything; the snapshot goes back to the oracle.
    pub fn destroy(self: *Txn) void {
        assert(self.open_iterators == 0);
        self.oracle.releaseSnapshot(self.snapshot_ts, self.isolation == .serializable);
        self.writes.deinit();
        self.write_log.deinit(self.allocator);
        self.read_keys.deinit(self.allocator);
        self.read_ranges.deinit(self.allocator);
        self.read_arena.deinit();
        self.allocator.destroy(self);
    }

    /// A new snapshot for the next statement (READ COMMITTED), keeping the writes.
    pub fn refreshSnapshot(self: *Txn) error{OutOfMemory}!void {
        assert(self.state == .active);
        const serializable = self.isolation == .serializable;
        const fresh = try self.oracle.acquireSnapshot(serializable);
        self.oracle.releaseSnapshot(self.snapshot_ts, serializable);
        self.snapshot_ts = fresh;
    }

    pub fn hasWrites(self: *const Txn) bool {
        return self.write_log.items.len > 0;
    }

    /// Buffers a put (value null) or delete. Validates limits.
    pub fn write(self: *Txn, key: []const u8, value: ?[]const u8) types.StorageError!void {
        if (self.state != .active) return error.Closed;
        if (self.read_only) return error.InvalidArgument;
        if (key.len == 0) return error.KeyEmpty;
        if (key.len > types.key_size_bytes_max) {
            types.setErrorMessage("key of {d} bytes exceeds the maximum of {d}", .{ key.len, types.key_size_bytes_max });
            return error.KeyTooLarge;
        }
        const bytes = key.len + (if (value) |v| v.len else 0);
        if (value) |v| if (v.len > types.value_size_bytes_max) {
            types.setErrorMessage("value of {d} bytes exceeds the maximum of {d}", .{ v.len, types.value_size_bytes_max });
            return error.ValueTooLarge;
        };
        if (self.write_bytes + bytes > types.txn_size_bytes_max or self.write_log.items.len >= types.txn_ops_max) {
            types.setErrorMessage("transaction exceeds {d} bytes or {d} operations", .{ types.txn_size_bytes_max, types.txn_ops_max });
            return error.TransactionTooLarge;
        }
        try self.write_log.ensureUnusedCapacity(self.allocator, 1);
        const node = try self.writes.insert(key, self.next_seq, if (value == null) .delete else .put, value orelse "");
        self.write_log.appendAssumeCapacity(node);
        self.next_seq += 1;
        self.write_bytes += bytes;
    }

    /// The transaction's own newest write to `key`, if any.
    pub fn ownWrite(self: *const Txn, key: []const u8) ?*memtable.Node {
        return self.writes.get(key, std.math.maxInt(u64));
    }

    /// A savepoint: rolling back to it undoes every write made after.
    pub fn savepoint(self: *const Txn) u64 {
        return self.next_seq;
    }

    pub fn rollbackTo(self: *Txn, savepoint_seq: u64) error{InvalidArgument}!void {
        if (savepoint_seq == 0 or savepoint_seq > self.next_seq) return error.InvalidArgument;
        while (self.write_log.items.len > 0) {
            const node = self.write_log.items[self.write_log.items.len - 1];
            if (node.ts < savepoint_seq) break;
            node.dead.store(true, .release);
            _ = self.write_log.pop();
        }
    }

    pub fn recordRead(self: *Txn, key: []const u8) error{OutOfMemory}!void {
        if (self.isolation != .serializable or self.read_only) return;
        const copy = try self.read_arena.allocator().dupe(u8, key);
        try self.read_keys.append(self.allocator, copy);
    }

    pub fn recordRange(self: *Txn, lower: ?[]const u8, upper: ?[]const u8) error{OutOfMemory}!void {
        if (self.isolation != .serializable or self.read_only) return;
        const arena = self.read_arena.allocator();
        const range = Range{
            .lower = if (lower) |l| try arena.dupe(u8, l) else null,
            .upper = if (upper) |u| try arena.dupe(u8, u) else null,
        };
        try self.read_ranges.append(self.allocator, range);
    }

    /// Iterates the newest live write per key (what a commit applies), in key order.
    pub const FinalWrites = struct {
        it: memtable.SkipList.Iterator,

        pub fn next(self: *FinalWrites) ?*memtable.Node {
            while (self.it.valid()) {
                const node = self.it.entry();
                const key = node.key();
                var chosen: ?*memtable.Node = null;
                while (self.it.valid() and std.mem.eql(u8, self.it.entry().key(), key)) : (self.it.next()) {
                    const candidate = self.it.entry();
                    if (chosen == null and !candidate.isDead()) chosen = candidate;
                }
                if (chosen) |c| return c;
            }
            return null;
        }
    };

    pub fn finalWrites(self: *const Txn) FinalWrites {
        var it = self.writes.iterator();
        it.seekToFirst();
        return .{ .it = it };
    }
};

fn rangeContains(range: Range, key: []const u8) bool {
    if (range.lower) |lower| if (std.mem.order(u8, key, lower) == .lt) return false;
    if (range.upper) |upper| if (std.mem.order(u8, key, upper) != .lt) return false;
    return true;
}

// ---------------------------------------------------------------------------- committer

pub const Request = struct {
    kind: Kind,
    /// For commits; the committer does not free it (the completion does).
    txn: ?*Txn = null,
    /// The outcome; set before completion.
    result: ?types.Error = null,
    /// Error text for `result`.
    message: [256]u8 = undefined,
    message_len: usize = 0,
    /// The commit timestamp, for commits that succeeded.
    commit_ts: Timestamp = 0,
    /// Caller's data for the completion (a token for asynchronous callers).
    token: u64 = 0,
    next: ?*Request = null,

    pub const Kind = enum {
        commit,
        /// Makes the active memtable immutable (so a flush can take it).
        rotate_memtable,
        /// Starts a new value-log segment so the old one can be collected.
        rotate_vlog,
        /// Syncs what was written (normal and off sync modes).
        sync,
    };

    pub fn messageText(self: *const Request) []const u8 {
        return self.message[0..self.message_len];
    }

    fn fail(self: *Request, err: types.Error, text: []const u8) void {
        self.result = err;
        const len = @min(text.len, self.message.len);
        @memcpy(self.message[0..len], text[0..len]);
        self.message_len = len;
    }
};

/// Called once per finished request, on the committer's thread (or the caller's in inline
/// mode). It must not block.
pub const Completion = struct {
    ctx: *anyopaque,
    complete: *const fn (ctx: *anyopaque, request: *Request) void,
};

pub const CommitterOptions = struct {
    sync_mode: SyncMode = .full,
    /// Values longer than this go to the value log.
    value_inline_threshold_bytes: u32 = 1024,
    sync_interval_ms: u32 = 200,
    /// Commits taken into one group at most.
    batch_max: u32 = 1024,
    threaded: bool = true,
};

/// Histogram buckets (upper bounds) for group-commit batch sizes and sync latencies.
pub const batch_size_buckets = [_]u64{ 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024 };
pub const sync_latency_buckets_us = [_]u64{ 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 25_000, 50_000, 100_000, 250_000, 1_000_000 };

pub const CommitCounters = struct {
    commits: std.atomic.Value(u64) = .init(0),
    conflicts: std.atomic.Value(u64) = .init(0),
    batches: std.atomic.Value(u64) = .init(0),
    syncs: std.atomic.Value(u64) = .init(0),
    sync_ns: std.atomic.Value(u64) = .init(0),
    wal_bytes_written: std.atomic.Value(u64) = .init(0),
    vlog_bytes_written: std.atomic.Value(u64) = .init(0),
    user_bytes_written: std.atomic.Value(u64) = .init(0),
    /// Observations per bucket, not cumulative (the last bucket counts everything above the
    /// bounds).
    batch_size_histogram: [batch_size_buckets.len + 1]std.atomic.Value(u64) = @splat(.init(0)),
    sync_latency_histogram: [sync_latency_buckets_us.len + 1]std.atomic.Value(u64) = @splat(.init(0)),

    fn observe(histogram: []std.atomic.Value(u64), bounds: []const u64, value: u64) void {
        const index = for (bounds, 0..) |bound, i| {
            if (value <= bound) break i;
        } else bounds.len;
        _ = histogram[index].fetchAdd(1, .monotonic);
    }
};

pub const Committer = struct {
    allocator: std.mem.Allocator,
    fs: io.Fs,
    lsm: *Lsm,
    value_log: *vlog.ValueLog,
    oracle: *Oracle,
    options: CommitterOptions,
    completion: Completion,
    counters: CommitCounters = .{},

    wal: commit_log.Writer,
    appender: vlog.Appender,
    last_ts: Timestamp,

    /// The queue of requests (intrusive list) and its signal.
    mutex: std.Thread.Mutex = .{},
    cond: std.Thread.Condition = .{},
    head: ?*Request = null,
    tail: ?*Request = null,
    queued: u32 = 0,
    stopping: bool = false,
    thread: ?std.Thread = null,

    /// After a failed write or sync, nothing more is accepted until reopen.
    poisoned: ?types.Error = null,
    poison_message: [256]u8 = undefined,
    poison_message_len: usize = 0,
    /// Written but not synced (normal and off modes).
    dirty: bool = false,
    /// When the oldest write not yet synced was made (normal mode: it is synced within
    /// sync_interval_ms of this, whether or not commits keep arriving).
    dirty_since_ns: i128 = 0,

    // Per-batch scratch, reused.
    wal_buffer: std.ArrayList(u8) = .empty,
    batch: std.ArrayList(*Request) = .empty,
    ops: std.ArrayList(commit_log.Op) = .empty,
    batch_arena: std.heap.ArenaAllocator,
    /// Keys written by earlier commits of the batch being built (conflicts inside a batch).
    batch_keys: std.StringHashMapUnmanaged(void) = .empty,

    /// The per-group scratch above is kept between groups up to these sizes and freed past
    /// them, so one huge group (a bulk load writes millions of keys) leaves neither its
    /// memory behind nor, for the key table, whose clearing touches every slot, a cost on
    /// every later group however small.
    pub const batch_keys_capacity_kept = 4096;
    pub const scratch_bytes_kept = 4 * 1024 * 1024;

    pub fn init(
        allocator: std.mem.Allocator,
        fs: io.Fs,
        lsm: *Lsm,
        value_log: *vlog.ValueLog,
        oracle: *Oracle,
        options: CommitterOptions,
        completion: Completion,
        wal: commit_log.Writer,
        appender: vlog.Appender,
        last_ts: Timestamp,
    ) Committer {
        return .{
            .allocator = allocator,
            .fs = fs,
            .lsm = lsm,
            .value_log = value_log,
            .oracle = oracle,
            .options = options,
            .completion = completion,
            .wal = wal,
            .appender = appender,
            .last_ts = last_ts,
            .batch_arena = std.heap.ArenaAllocator.init(allocator),
        };
    }

    pub fn start(self: *Committer) std.Thread.SpawnError!void {
        assert(self.options.threaded and self.thread == null);
        self.thread = try std.Thread.spawn(.{}, loop, .{self});
    }

    /// Finishes every queued request, stops the thread, syncs and closes the logs.
    pub fn deinit(self: *Committer) void {
        {
            self.mutex.lock();
            defer self.mutex.unlock();
            self.stopping = true;
            self.cond.broadcast();
        }
        if (self.thread) |t| t.join() else self.runQueued();
        if (self.poisoned == null) {
            self.appender.writePending() catch {};
            self.appender.sync() catch {};
            self.wal.sync() catch {};
            if (self.wal.synced_offset == self.wal.end_offset) self.wal.trimTail() catch {};
        }
        self.appender.discardPending();
        self.appender.seal();
        self.wal.close();
        self.wal_buffer.deinit(self.allocator);
        self.batch.deinit(self.allocator);
        self.ops.deinit(self.allocator);
        self.batch_keys.deinit(self.allocator);
        self.batch_arena.deinit();
    }

    /// Queues a request. In threaded mode the committer thread picks it up; inline, the
    /// caller runs `runQueued`.
    pub fn submit(self: *Committer, request: *Request) void {
        request.next = null;
        self.mutex.lock();
        if (self.stopping) {
            self.mutex.unlock();
            request.fail(error.Closed, "the database is closing");
            self.completion.complete(self.completion.ctx, request);
            return;
        }
        if (self.tail) |t| t.next = request else self.head = request;
        self.tail = request;
        self.queued += 1;
        self.mutex.unlock();
        // Signalled after unlocking: a committer woken while the mutex is still held would
        // block on it at once and need a second wake-up (two context switches per commit
        // when the machine's cores are busy). A committer not yet waiting checks the queue
        // under the mutex before it waits, so the request cannot be missed.
        self.cond.signal();
    }

    fn takeBatch(self: *Committer) void {
        self.batch.clearRetainingCapacity();
        while (self.head) |request| {
            if (self.batch.items.len >= self.options.batch_max) break;
            self.head = request.next;
            if (self.head == null) self.tail = null;
            self.queued -= 1;
            // Capacity is reserved up front (batch_max), so this cannot fail.
            self.batch.appendAssumeCapacity(request);
        }
    }

    fn loop(self: *Committer) void {
        self.batch.ensureTotalCapacity(self.allocator, self.options.batch_max) catch {
            self.poison(error.OutOfMemory, "out of memory starting the commit pipeline");
        };
        self.mutex.lock();
        const interval_ns: i128 = @as(i128, self.options.sync_interval_ms) * std.time.ns_per_ms;
        while (true) {
            if (self.dirty and self.options.sync_mode == .normal) {
                // Due whether or not commits keep arriving: under a steady stream of
                // commits the queue is never empty, and the interval is a promise.
                const waited_ns = std.time.nanoTimestamp() - self.dirty_since_ns;
                if (waited_ns >= interval_ns) {
                    self.mutex.unlock();
                    self.syncNow() catch {};
                    self.mutex.lock();
                    continue;
                }
                if (self.head == null) {
                    self.cond.timedWait(&self.mutex, @intCast(interval_ns - waited_ns)) catch {};
                    continue;
                }
            }
            if (self.head == null) {
                if (self.stopping) break;
                self.cond.wait(&self.mutex);
                continue;
            }
            self.takeBatch();
            self.mutex.unlock();
            self.processBatch();
            self.mutex.lock();
        }
        self.mutex.unlock();
    }

    /// Inline mode: processes everything queued, in groups as the thread would.
    pub fn runQueued(self: *Committer) void {
        self.batch.ensureTotalCapacity(self.allocator, self.options.batch_max) catch {
            self.poison(error.OutOfMemory, "out of memory in the commit pipeline");
        };
        while (true) {
            self.mutex.lock();
            self.takeBatch();
            self.mutex.unlock();
            if (self.batch.items.len == 0) return;
            self.processBatch();
        }
    }

    fn poison(self: *Committer, err: types.Error, text: []const u8) void {
        if (self.poisoned != null) return;
        self.poisoned = err;
        const len = @min(text.len, self.poison_message.len);
        @memcpy(self.poison_message[0..len], text[0..len]);
        self.poison_message_len = len;
    }

    pub fn poisonMessage(self: *const Committer) []const u8 {
        return self.poison_message[0..self.poison_message_len];
    }

    fn failPoisoned(self: *Committer, request: *Request) void {
        var text: [256]u8 = undefined;
        const message = std.fmt.bufPrint(&text, "the database stopped accepting writes after an I/O failure and must be reopened: {s}", .{self.poisonMessage()}) catch self.poisonMessage();
        request.fail(error.Poisoned, message);
    }

    /// Handles a batch: control requests split it, commits between them go as one group.
    fn processBatch(self: *Committer) void {
        var group_start: usize = 0;
        for (self.batch.items, 0..) |request, i| {
            if (request.kind == .commit) continue;
            self.commitGroup(self.batch.items[group_start..i]);
            self.control(request);
            group_start = i + 1;
        }
        self.commitGroup(self.batch.items[group_start..]);
        for (self.batch.items) |request| self.completion.complete(self.completion.ctx, request);
        self.batch.clearRetainingCapacity();
    }

    fn control(self: *Committer, request: *Request) void {
        if (self.poisoned != null) return self.failPoisoned(request);
        const result = switch (request.kind) {
            .commit => unreachable,
            .rotate_memtable => self.rotateMemtable(),
            .rotate_vlog => self.rotateVlog(),
            .sync => self.syncNow(),
        };
        result catch |err| request.fail(err, types.errorMessage());
    }

    fn syncNow(self: *Committer) types.Error!void {
        if (self.poisoned) |err| return err;
        if (!self.dirty) return;
        const started = std.time.nanoTimestamp();
        self.appender.sync() catch |err| {
            self.poison(err, "value-log sync failed");
            return err;
        };
        self.wal.sync() catch |err| {
            self.poison(err, "commit-log sync failed");
            return err;
        };
        self.noteSync(started);
        self.dirty = false;
    }

    fn noteSync(self: *Committer, started: i128) void {
        const elapsed_ns: u64 = @intCast(@max(0, std.time.nanoTimestamp() - started));
        _ = self.counters.syncs.fetchAdd(1, .monotonic);
        _ = self.counters.sync_ns.fetchAdd(elapsed_ns, .monotonic);
        CommitCounters.observe(&self.counters.sync_latency_histogram, &sync_latency_buckets_us, elapsed_ns / std.time.ns_per_us);
    }

    /// New memtable and commit-log segment; the old memtable queues for flush.
    fn rotateMemtable(self: *Committer) types.Error!void {
        if (self.lsm.memtableEmpty()) return;
        // Everything the old memtable points to and every record of its segment is durable
        // before the segment stops being the last one (recovery treats damage in a
        // segment that is not the last as corruption).
        try self.appender.writePending();
        self.appender.sync() catch |err| {
            self.poison(err, "value-log sync failed");
            return err;
        };
        self.wal.sync() catch |err| {
            self.poison(err, "commit-log sync failed");
            return err;
        };
        self.dirty = false;
        self.wal.trimTail() catch |err| {
            self.poison(err, "cutting the zero-filled tail of a commit-log segment failed");
            return err;
        };
        const number = self.lsm.newFileNumber();
        const fresh = commit_log.Writer.create(self.fs, number, self.wal.number, self.walFlags()) catch |err| {
            self.poison(err, "creating a commit-log segment failed");
            return err;
        };
        self.wal.close();
        self.wal = fresh;
        try self.lsm.rotateMemtable(number, self.appender.id(), self.appender.synced_offset);
    }

    pub fn walFlags(self: *const Committer) u32 {
        return if (self.options.sync_mode == .full) commit_log.flag_synced_commits else 0;
    }

    fn rotateVlog(self: *Committer) types.Error!void {
        try self.appender.writePending();
        self.appender.sync() catch |err| {
            self.poison(err, "value-log sync failed");
            return err;
        };
        const fresh = self.value_log.createAppender(self.lsm.newFileNumber()) catch |err| {
            self.poison(err, "creating a value-log segment failed");
            return err;
        };
        self.appender.seal();
        self.appender = fresh;
    }

    /// Conflict check for one transaction against committed data and earlier commits of
    /// the batch. Null when it may commit.
    fn conflict(self: *Committer, txn: *Txn, view: *const lsm_module.ReadView) types.Error!?[]const u8 {
        if (txn.isolation == .unchecked) return null;
        var writes = txn.finalWrites();
        while (writes.next()) |node| {
            if (self.batch_keys.contains(node.key())) return "a concurrent transaction wrote the same key";
            if (try self.lsm.newestTimestamp(view, node.key())) |ts| {
                if (ts > txn.snapshot_ts) return "a concurrent transaction wrote the same key";
            }
        }
        if (txn.isolation != .serializable) return null;
        for (txn.read_keys.items) |key| {
            if (self.batch_keys.contains(key)) return "a key this transaction read was changed by a concurrent transaction";
            if (try self.lsm.newestTimestamp(view, key)) |ts| {
                if (ts > txn.snapshot_ts) return "a key this transaction read was changed by a concurrent transaction";
            }
        }
        if (txn.read_ranges.items.len == 0) return null;
        self.oracle.mutex.lock();
        defer self.oracle.mutex.unlock();
        if (txn.snapshot_ts < self.oracle.recent_floor_ts) return "too many concurrent commits to validate this serializable transaction";
        for (self.oracle.recent.items) |commit| {
            if (commit.ts <= txn.snapshot_ts) continue;
            for (commit.keys) |key| for (txn.read_ranges.items) |range| {
                if (rangeContains(range, key)) return "a range this transaction read was changed by a concurrent transaction";
            };
        }
        var batch_it = self.batch_keys.keyIterator();
        while (batch_it.next()) |key| for (txn.read_ranges.items) |range| {
            if (rangeContains(range, key.*)) return "a range this transaction read was changed by a concurrent transaction";
        };
        return null;
    }

    /// Empties the per-group scratch, freeing what a huge group grew past the kept sizes.
    fn resetScratch(self: *Committer) void {
        _ = self.batch_arena.reset(.{ .retain_with_limit = scratch_bytes_kept });
        if (self.batch_keys.capacity() > batch_keys_capacity_kept) {
            self.batch_keys.clearAndFree(self.allocator);
        } else if (self.batch_keys.count() > 0) {
            self.batch_keys.clearRetainingCapacity();
        }
        emptyList(u8, &self.wal_buffer, self.allocator);
        emptyList(commit_log.Op, &self.ops, self.allocator);
        assert(self.batch_keys.count() == 0 and self.wal_buffer.items.len == 0 and self.ops.items.len == 0);
        assert(self.batch_keys.capacity() <= batch_keys_capacity_kept);
    }

    fn emptyList(comptime T: type, list: *std.ArrayList(T), allocator: std.mem.Allocator) void {
        if (list.capacity * @sizeOf(T) > scratch_bytes_kept) list.clearAndFree(allocator) else list.clearRetainingCapacity();
    }

    const Accepted = struct { request: *Request, ts: Timestamp, ops_start: usize, ops_end: usize };

    /// One group commit: conflicts, timestamps, value log, commit log, one sync each,
    /// memtable, visibility.
    fn commitGroup(self: *Committer, requests: []const *Request) void {
        if (requests.len == 0) return;
        self.resetScratch();
        const arena = self.batch_arena.allocator();

        // Read-only and empty transactions commit without touching the logs.
        var writers: usize = 0;
        for (requests) |request| {
            if (self.poisoned != null) {
                self.failPoisoned(request);
                continue;
            }
            if (!request.txn.?.hasWrites()) {
                request.result = null;
                request.commit_ts = request.txn.?.snapshot_ts;
            } else writers += 1;
        }
        if (writers == 0 or self.poisoned != null) return;

        // Backpressure and memtable rotation happen between groups.
        self.lsm.waitForRoom() catch |err| {
            for (requests) |request| if (request.txn.?.hasWrites() and request.result == null) request.fail(err, self.lsm.backgroundErrorMessage());
            return;
        };
        if (self.lsm.memtableFull()) self.rotateMemtable() catch |err| {
            for (requests) |request| if (request.txn.?.hasWrites() and request.result == null) request.fail(err, types.errorMessage());
            return;
        };

        var view = self.lsm.acquireView();
        defer view.release();
        var accepted: std.ArrayList(Accepted) = .empty;
        var ts = self.last_ts;
        var user_bytes: u64 = 0;
        var failure: ?struct { err: types.Error, text: []const u8 } = null;

        for (requests) |request| {
            const txn = request.txn.?;
            if (!txn.hasWrites() or request.result != null) continue;
            if (failure) |f| {
                request.fail(f.err, f.text);
                continue;
            }
            const reason = self.conflict(txn, &view) catch |err| {
                request.fail(err, types.errorMessage());
                continue;
            };
            if (reason) |text| {
                request.fail(error.Conflict, text);
                _ = self.counters.conflicts.fetchAdd(1, .monotonic);
                continue;
            }
            const commit_ts = ts + 1;
            const ops_start = self.ops.items.len;
            const built = self.buildOps(txn, arena, &user_bytes);
            built catch |err| {
                // Values buffered for this transaction were never referenced; a failed
                // append of the value log poisons below.
                self.ops.shrinkRetainingCapacity(ops_start);
                if (err == error.InputOutput or err == error.NoSpaceLeft) {
                    failure = .{ .err = err, .text = "value-log write failed" };
                }
                request.fail(err, if (failure != null) "value-log write failed" else types.errorMessage());
                continue;
            };
            const ops = self.ops.items[ops_start..];
            commit_log.encodeCommit(self.allocator, &self.wal_buffer, commit_ts, ops) catch |err| {
                self.ops.shrinkRetainingCapacity(ops_start);
                request.fail(err, "the transaction is too large for one commit record");
                continue;
            };
            for (ops) |op| self.batch_keys.put(self.allocator, op.key, {}) catch {};
            accepted.append(arena, .{ .request = request, .ts = commit_ts, .ops_start = ops_start, .ops_end = self.ops.items.len }) catch |err| {
                request.fail(err, "out of memory");
                continue;
            };
            ts = commit_ts;
        }
        if (failure) |f| self.poison(f.err, f.text);
        if (accepted.items.len == 0) {
            self.appender.discardPending();
            return;
        }

        // Durability: values first, then the commit records that point to them.
        self.writeAndSync() catch {
            for (accepted.items) |a| self.failPoisoned(a.request);
            return;
        };

        for (accepted.items) |a| {
            for (self.ops.items[a.ops_start..a.ops_end]) |op| {
                self.lsm.apply(op.key, a.ts, op.kind, op.value) catch {
                    // The commit is durable but could not be applied in memory: the
                    // memtable no longer matches the log. Refuse everything until reopen
                    // (recovery replays the log).
                    self.poison(error.OutOfMemory, "out of memory applying a durable commit; reopen the database");
                };
            }
            a.request.commit_ts = a.ts;
        }
        self.last_ts = ts;
        self.publish(accepted.items);

        _ = self.counters.commits.fetchAdd(accepted.items.len, .monotonic);
        _ = self.counters.batches.fetchAdd(1, .monotonic);
        _ = self.counters.wal_bytes_written.fetchAdd(self.wal_buffer.items.len, .monotonic);
        _ = self.counters.user_bytes_written.fetchAdd(user_bytes, .monotonic);
        CommitCounters.observe(&self.counters.batch_size_histogram, &batch_size_buckets, accepted.items.len);
    }

    /// Turns a transaction's final writes into commit-log ops, moving large values to the
    /// value log.
    fn buildOps(self: *Committer, txn: *Txn, arena: std.mem.Allocator, user_bytes: *u64) types.Error!void {
        var writes = txn.finalWrites();
        while (writes.next()) |node| {
            const key = node.key();
            user_bytes.* += key.len + node.value_len;
            switch (node.kind) {
                .delete => try self.ops.append(self.allocator, .{ .kind = .delete, .key = key, .value = "" }),
                .put => {
                    const value = node.value();
                    if (value.len <= self.options.value_inline_threshold_bytes) {
                        try self.ops.append(self.allocator, .{ .kind = .put, .key = key, .value = value });
                        continue;
                    }
                    if (self.appender.needsRotation(key.len, value.len)) try self.rotateVlogInBatch();
                    const pointer = self.appender.append(key, value) catch |err| return switch (err) {
                        error.OutOfMemory => error.OutOfMemory,
                        error.KeyTooLarge => error.KeyTooLarge,
                        error.ValueTooLarge => error.ValueTooLarge,
                    };
                    const bytes = try arena.alloc(u8, types.ValuePointer.encoded_size_bytes);
                    pointer.encode(bytes[0..types.ValuePointer.encoded_size_bytes]);
                    try self.ops.append(self.allocator, .{ .kind = .put_pointer, .key = key, .value = bytes });
                    _ = self.counters.vlog_bytes_written.fetchAdd(vlog.recordSize(key.len, value.len), .monotonic);
                },
                .put_pointer => unreachable,
            }
        }
    }

    /// The value-log segment is full in the middle of a group: its records are written and
    /// synced (so records pointing into it are safe), then a new one starts.
    fn rotateVlogInBatch(self: *Committer) types.Error!void {
        try self.appender.writePending();
        try self.appender.sync();
        const fresh = try self.value_log.createAppender(self.lsm.newFileNumber());
        self.appender.seal();
        self.appender = fresh;
    }

    /// Values first, then the commit records that point to them: in full mode the value log
    /// is synced before the records are even written, so no record can reach the disk
    /// (written back early by the OS) ahead of the values it names.
    fn writeAndSync(self: *Committer) types.Error!void {
        const started = std.time.nanoTimestamp();
        const full = self.options.sync_mode == .full;
        self.appender.writePending() catch |err| {
            self.poison(err, "value-log write failed");
            return err;
        };
        if (full and self.appender.needsSync()) self.appender.sync() catch |err| {
            self.poison(err, "value-log sync failed");
            return err;
        };
        self.wal.append(self.wal_buffer.items) catch |err| {
            self.poison(err, "commit-log write failed");
            return err;
        };
        if (!full) {
            if (!self.dirty) self.dirty_since_ns = std.time.nanoTimestamp();
            self.dirty = true;
            return;
        }
        self.wal.sync() catch |err| {
            self.poison(err, "commit-log sync failed");
            return err;
        };
        self.noteSync(started);
    }

    /// Makes the group visible and, while serializable transactions are live, remembers
    /// what it wrote. Both under the oracle's lock, so a snapshot taken concurrently either
    /// sees the group or is registered before it is recorded.
    fn publish(self: *Committer, accepted: []const Accepted) void {
        self.oracle.mutex.lock();
        defer self.oracle.mutex.unlock();
        self.oracle.visible_ts = self.last_ts;
        if (self.oracle.serializable_active == 0) return;
        for (accepted) |a| {
            const ops = self.ops.items[a.ops_start..a.ops_end];
            const keys = self.allocator.alloc([]u8, ops.len) catch {
                self.oracle.recent_floor_ts = a.ts;
                continue;
            };
            var bytes: u64 = 0;
            var copied: usize = 0;
            for (ops) |op| {
                keys[copied] = self.allocator.dupe(u8, op.key) catch break;
                bytes += op.key.len;
                copied += 1;
            }
            if (copied != ops.len) {
                for (keys[0..copied]) |k| self.allocator.free(k);
                self.allocator.free(keys);
                self.oracle.recent_floor_ts = a.ts;
                continue;
            }
            self.oracle.recent.append(self.allocator, .{ .ts = a.ts, .keys = keys, .bytes = bytes }) catch {
                Oracle.freeRecent(self.allocator, .{ .ts = a.ts, .keys = keys, .bytes = bytes });
                self.oracle.recent_floor_ts = a.ts;
                continue;
            };
            self.oracle.recent_bytes += bytes;
        }
        self.pruneRecentLocked();
    }

    /// Drops recent commits no live serializable snapshot needs, and the oldest ones past
    /// the memory bound (raising the validation floor).
    fn pruneRecentLocked(self: *Committer) void {
        const oracle = self.oracle;
        var oldest: Timestamp = oracle.visible_ts;
        var it = oracle.snapshots.keyIterator();
        while (it.next()) |ts| oldest = @min(oldest, ts.*);
        var drop: usize = 0;
        while (drop < oracle.recent.items.len) : (drop += 1) {
            const commit = oracle.recent.items[drop];
            const needed = commit.ts > oldest and oracle.recent_bytes <= Oracle.recent_bytes_max;
            if (needed) break;
            if (commit.ts > oldest) oracle.recent_floor_ts = commit.ts;
            oracle.recent_bytes -= commit.bytes;
            Oracle.freeRecent(self.allocator, commit);
        }
        if (drop > 0) {
            const rest = oracle.recent.items.len - drop;
            std.mem.copyForwards(RecentCommit, oracle.recent.items[0..rest], oracle.recent.items[drop..]);
            oracle.recent.shrinkRetainingCapacity(rest);
        }
    }
};
