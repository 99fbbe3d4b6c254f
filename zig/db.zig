//! The engine's high-level API: open (with crash recovery) and close, reads, writes,
//! transactions, scans, flush, compaction, value-log vacuum and statistics.
//!
//! Recovery on open: lock the directory; read the superblock and replay the manifest; open
//! the tables it names; open the value-log segments; replay commit records newer than the
//! last flush into a memtable, checking that every value pointer lands inside the value log
//! as recovered; cut a torn tail off the newest value-log segment (never below what
//! anything references); remove files the manifest does not name; start a new commit-log
//! segment.

const std = @import("std");
const assert = std.debug.assert;
const types = @import("types.zig");
const io = @import("io.zig");
const memtable = @import("memtable.zig");
const manifest = @import("manifest.zig");
const commit_log = @import("commit_log.zig");
const vlog = @import("vlog.zig");
const lsm_module = @import("lsm.zig");
const txn_module = @import("txn.zig");
const iterator = @import("iterator.zig");

const Timestamp = types.Timestamp;
const FileNumber = types.FileNumber;
const SegmentId = types.SegmentId;
const Error = types.Error;
const Lsm = lsm_module.Lsm;
pub const Txn = txn_module.Txn;
pub const Isolation = txn_module.Isolation;
pub const SyncMode = txn_module.SyncMode;

pub const lock_path = "LOCK";

pub const Options = struct {
    lsm: lsm_module.Options = .{},
    vlog_segment_size_bytes: u64 = 128 * 1024 * 1024,
    /// Values longer than this are stored in the value log.
    value_inline_threshold_bytes: u32 = 1024,
    sync_mode: SyncMode = .full,
    sync_interval_ms: u32 = 200,
    manifest_checkpoint_size_bytes: u64 = manifest.Manifest.default_checkpoint_size_bytes,
    create_if_missing: bool = true,
    error_if_exists: bool = false,
    /// Flush the memtable on close, so the next open replays nothing.
    flush_on_close: bool = true,

    pub fn validate(self: Options) error{InvalidArgument}!void {
        try self.lsm.validate();
        if (self.vlog_segment_size_bytes < 1024 * 1024 or self.vlog_segment_size_bytes < types.value_size_bytes_max / 4) {
            // A segment must hold at least a few of the largest values.
            if (self.vlog_segment_size_bytes < 1024 * 1024) return error.InvalidArgument;
        }
        if (self.value_inline_threshold_bytes > 64 * 1024) return error.InvalidArgument;
        if (self.sync_interval_ms == 0 or self.sync_interval_ms > 60_000) return error.InvalidArgument;
    }
};

/// A finished asynchronous commit, for the caller to collect.
pub const CompletionRecord = struct {
    token: u64,
    commit_ts: Timestamp,
    result: ?Error,
};

/// Called (on an engine thread) when completions are waiting and the last notification
/// has been consumed; must not block.
pub const Notify = struct {
    ctx: u64,
    function: *const fn (ctx: u64) callconv(.c) void,
};

const Pending = struct {
    request: txn_module.Request,
    mode: enum { wait, deliver },
    event: std.Thread.ResetEvent = .{},
};

pub const Db = struct {
    allocator: std.mem.Allocator,
    fs: io.Fs,
    /// Owned when the database was opened by path.
    posix: ?*io.PosixFs = null,
    lock: io.Lock,
    options: Options,
    value_log: vlog.ValueLog,
    lsm: *Lsm,
    oracle: txn_module.Oracle,
    committer: txn_module.Committer,

    completion_mutex: std.Thread.Mutex = .{},
    completions: std.ArrayList(CompletionRecord) = .empty,
    notify: ?Notify = null,
    notify_pending: std.atomic.Value(bool) = .init(false),
    /// Asynchronous commits and jobs submitted and not yet collected.
    async_in_flight: std.atomic.Value(u64) = .init(0),
    job_error_message: [512]u8 = undefined,
    job_error_message_len: usize = 0,

    /// Opens (creating when allowed) the database in directory `path`.
    pub fn openPath(allocator: std.mem.Allocator, path: []const u8, options: Options) Error!*Db {
        const posix = try allocator.create(io.PosixFs);
        errdefer allocator.destroy(posix);
        posix.* = try io.PosixFs.init(path);
        errdefer posix.deinit();
        const db = try open(allocator, posix.fs(), options);
        db.posix = posix;
        return db;
    }

    /// Opens the database on `fs`, recovering from a crash if there was one.
    pub fn open(allocator: std.mem.Allocator, fs: io.Fs, options: Options) Error!*Db {
        try options.validate();
        const lock = fs.lock(lock_path) catch |err| switch (err) {
            error.Busy => {
                types.setErrorMessage("the data directory is in use by another process (LOCK is held)", .{});
                return error.Busy;
            },
            else => |e| return e,
        };
        errdefer lock.release();
        for ([_][]const u8{ "wal", "vlog", "sst" }) |dir| try fs.makeDir(dir);
        try fs.syncDir("");

        const self = try allocator.create(Db);
        errdefer allocator.destroy(self);
        self.* = .{
            .allocator = allocator,
            .fs = fs,
            .lock = lock,
            .options = options,
            .value_log = vlog.ValueLog.init(allocator, fs, .{ .segment_size_bytes = options.vlog_segment_size_bytes }),
            .lsm = undefined,
            .oracle = undefined,
            .committer = undefined,
        };
        errdefer self.value_log.deinit();
        try self.recover();
        return self;
    }

    fn recover(self: *Db) Error!void {
        const allocator = self.allocator;
        const fs = self.fs;
        var state = manifest.State.init(allocator);
        var state_owned = true;
        errdefer if (state_owned) state.deinit();

        const exists = blk: {
            const file = fs.open(manifest.superblock_path, .{ .read_only = true }) catch |err| switch (err) {
                error.FileNotFound => break :blk false,
                else => return err,
            };
            file.close();
            break :blk true;
        };
        if (exists and self.options.error_if_exists) {
            types.setErrorMessage("a database already exists in this directory", .{});
            return error.InvalidArgument;
        }
        if (!exists and !self.options.create_if_missing) {
            types.setErrorMessage("no database in this directory", .{});
            return error.FileNotFound;
        }
        var manifest_log = if (exists)
            try manifest.Manifest.open(allocator, fs, &state, self.options.manifest_checkpoint_size_bytes)
        else
            try manifest.Manifest.create(allocator, fs, &state, self.options.manifest_checkpoint_size_bytes);
        var manifest_owned = true;
        errdefer if (manifest_owned) manifest_log.close();

        // What is on disk.
        var listing = try Listing.read(allocator, fs);
        defer listing.deinit(allocator);
        // File numbers handed out after the last manifest edit may be on disk already.
        state.next_file_number = @max(state.next_file_number, listing.max_number + 1);

        // Value log: every segment opens for reading; the newest is recovered later.
        const newest_segment: ?SegmentId = if (listing.vlog.items.len > 0) listing.vlog.items[listing.vlog.items.len - 1] else null;
        for (listing.vlog.items) |segment| {
            if (segment == newest_segment) continue;
            try self.value_log.openSealed(segment);
        }

        // The newest segment may end in a torn tail: find where its valid records end,
        // never below what the manifest recorded as durable.
        var newest_end: u64 = 0;
        if (newest_segment) |segment| {
            const synced_end = if (state.segments.get(segment)) |s| s.synced_end else 0;
            newest_end = try self.value_log.scanValidEnd(segment, @max(synced_end, vlog.header_size_bytes));
        }

        // Commit log replay into a recovery memtable.
        const replay_seed = state.next_file_number;
        const recovered = try memtable.Memtable.create(allocator, 0, replay_seed, self.options.lsm.memtable_size_bytes);
        defer recovered.unref();
        var referenced: std.AutoHashMapUnmanaged(SegmentId, void) = .empty;
        defer referenced.deinit(allocator);
        var max_ts = state.max_ts;
        var last_replayed_ts: Timestamp = 0;
        var first_replayed: FileNumber = 0;
        var last_replayed: FileNumber = 0;
        for (listing.wal.items, 0..) |segment, i| {
            if (segment < state.log_number) continue;
            const is_last = i == listing.wal.items.len - 1;
            var reader = try commit_log.Reader.open(allocator, fs, segment);
            defer reader.close();
            if (last_replayed != 0 and reader.header.previous != last_replayed) {
                return types.corruption(reader.path(), 24, "commit-log segment follows segment {d}, but segment {d} is the one before it on disk", .{ reader.header.previous, last_replayed });
            }
            if (first_replayed == 0) first_replayed = segment;
            last_replayed = segment;
            const synced_commits = reader.header.flags & commit_log.flag_synced_commits != 0;
            replay: while (true) {
                const next = try reader.next();
                const record = switch (next) {
                    .end => break,
                    .invalid => |offset| {
                        if (!is_last) return types.corruption(reader.path(), offset, "damaged commit record in a segment that is not the last", .{});
                        // A torn tail: the commits in it were never acknowledged.
                        try truncateWal(fs, reader.path(), offset);
                        break;
                    },
                    .record => |r| r,
                };
                if (record.ts <= last_replayed_ts) {
                    return types.corruption(reader.path(), reader.record_offset, "commit timestamps go backwards ({d} after {d})", .{ record.ts, last_replayed_ts });
                }
                last_replayed_ts = record.ts;
                if (record.ts <= state.flushed_ts) continue;
                // Every value pointer must land inside the value log as recovered.
                var check_ops = record.ops();
                while (check_ops.next()) |op| {
                    if (op.kind != .put_pointer) continue;
                    const pointer = types.ValuePointer.decode(op.value[0..types.ValuePointer.encoded_size_bytes]);
                    const end = pointer.offset + vlog.recordSize(op.key.len, pointer.size);
                    const available = if (pointer.segment == newest_segment) newest_end else self.value_log.segmentEnd(pointer.segment) orelse 0;
                    if (end <= available) continue;
                    if (!synced_commits and is_last) {
                        // Written without syncs (sync mode normal or off) and cut by a power
                        // loss: this commit and the ones after it were not durable.
                        try truncateWal(fs, reader.path(), reader.record_offset);
                        break :replay;
                    }
                    var path_buffer: [64]u8 = undefined;
                    return types.corruption(vlog.segmentPath(&path_buffer, pointer.segment), available, "a commit in {s} at offset {d} points to a value at {d}..{d}, past the end of the value log", .{ reader.path(), reader.record_offset, pointer.offset, end });
                }
                var ops = record.ops();
                while (ops.next()) |op| {
                    if (op.kind == .put_pointer) {
                        const pointer = types.ValuePointer.decode(op.value[0..types.ValuePointer.encoded_size_bytes]);
                        try referenced.put(allocator, pointer.segment, {});
                        recovered.notePointer(pointer.segment);
                    }
                    try recovered.put(op.key, record.ts, op.kind, op.value);
                }
                max_ts = @max(max_ts, record.ts);
            }
        }

        var appender: vlog.Appender = undefined;
        if (newest_segment) |segment| {
            appender = try self.value_log.recoverAppender(segment, newest_end);
        } else {
            const number = state.next_file_number;
            state.next_file_number += 1;
            appender = try self.value_log.createAppender(number);
        }
        var appender_owned = true;
        errdefer if (appender_owned) {
            appender.discardPending();
            appender.seal();
        };

        // Remove what the manifest does not name (leftovers of interrupted work).
        try self.removeStrayFiles(&listing, &state, &referenced, appender.id(), manifest_log.number);

        // A new commit-log segment for new commits.
        const wal_number = state.next_file_number;
        state.next_file_number += 1;
        const wal_flags: u32 = if (self.options.sync_mode == .full) commit_log.flag_synced_commits else 0;
        var wal = try commit_log.Writer.create(fs, wal_number, last_replayed, wal_flags);
        var wal_owned = true;
        errdefer if (wal_owned) wal.close();

        self.oracle = txn_module.Oracle.init(allocator, max_ts);
        errdefer self.oracle.deinit();
        state_owned = false;
        manifest_owned = false;
        self.lsm = try Lsm.open(allocator, fs, self.options.lsm, state, manifest_log, &self.value_log, self.oracle.snapshotFloor(), wal_number);
        errdefer self.lsm.close();
        if (recovered.entryCount() > 0) {
            assert(first_replayed != 0);
            recovered.wal_segment = first_replayed;
            try self.lsm.adoptRecovered(recovered, appender.id(), appender.endOffset());
        }

        appender_owned = false;
        wal_owned = false;
        self.committer = txn_module.Committer.init(allocator, fs, self.lsm, &self.value_log, &self.oracle, .{
            .sync_mode = self.options.sync_mode,
            .value_inline_threshold_bytes = self.options.value_inline_threshold_bytes,
            .sync_interval_ms = self.options.sync_interval_ms,
            .threaded = self.options.lsm.background_threads,
        }, .{ .ctx = self, .complete = completeRequest }, wal, appender, max_ts);
        errdefer self.committer.deinit();
        if (self.options.lsm.background_threads) {
            self.lsm.startBackground() catch return error.SystemResources;
            self.committer.start() catch return error.SystemResources;
        } else {
            // Settle recovered work now, as the threads would.
            try self.lsm.settleInline();
        }
    }

    fn removeStrayFiles(self: *Db, listing: *const Listing, state: *const manifest.State, referenced: *const std.AutoHashMapUnmanaged(SegmentId, void), active_segment: SegmentId, manifest_number: FileNumber) Error!void {
        const fs = self.fs;
        var path_buffer: [64]u8 = undefined;
        for (listing.sst.items) |number| {
            const named = blk: {
                for (state.levels) |level| for (level.items) |meta| {
                    if (meta.number == number) break :blk true;
                };
                break :blk false;
            };
            if (!named) try deleteIfPresent(fs, lsm_module.sstPath(&path_buffer, number));
        }
        for (listing.vlog.items) |segment| {
            if (segment == active_segment or state.segments.contains(segment) or referenced.contains(segment)) continue;
            try self.value_log.deleteSegment(segment);
        }
        for (listing.wal.items) |segment| {
            if (segment < state.log_number) try deleteIfPresent(fs, commit_log.segmentPath(&path_buffer, segment));
        }
        for (listing.manifests.items) |number| {
            if (number != manifest_number) try deleteIfPresent(fs, manifest.manifestPath(&path_buffer, number));
        }
    }

    fn truncateWal(fs: io.Fs, path: []const u8, offset: u64) Error!void {
        const file = try fs.open(path, .{});
        defer file.close();
        try file.truncate(offset);
        try file.sync();
    }

    fn deleteIfPresent(fs: io.Fs, path: []const u8) Error!void {
        fs.delete(path) catch |err| switch (err) {
            error.FileNotFound => {},
            else => return err,
        };
    }

    /// Stops background work, finishes queued commits, optionally flushes, closes files.
    pub fn close(self: *Db) void {
        if (self.options.flush_on_close and self.committer.poisoned == null and self.lsm.backgroundError() == null) {
            self.flush() catch {};
        }
        self.committer.deinit();
        self.lsm.close();
        self.value_log.deinit();
        self.oracle.deinit();
        self.completions.deinit(self.allocator);
        self.lock.release();
        const allocator = self.allocator;
        if (self.posix) |posix| {
            posix.deinit();
            allocator.destroy(posix);
        }
        allocator.destroy(self);
    }

    // ------------------------------------------------------------ transactions

    pub fn begin(self: *Db, isolation: Isolation, read_only: bool) Error!*Txn {
        if (!read_only) try self.writable();
        return Txn.create(self.allocator, &self.oracle, isolation, read_only);
    }

    fn writable(self: *Db) Error!void {
        if (self.committer.poisoned != null) {
            types.setErrorMessage("the database stopped accepting writes after an I/O failure and must be reopened: {s}", .{self.committer.poisonMessage()});
            return error.Poisoned;
        }
        if (self.lsm.backgroundError()) |err| {
            types.setErrorMessage("background work failed and the database must be reopened: {s}", .{self.lsm.backgroundErrorMessage()});
            return err;
        }
    }

    /// Reads `key` as the transaction sees it into `out` (cleared first); false when absent.
    /// `latest` reads the newest committed version instead of the snapshot's (for a caller
    /// that holds a lock on the key).
    pub fn txnGet(self: *Db, txn: *Txn, key: []const u8, latest: bool, out: *std.ArrayList(u8)) Error!bool {
        if (txn.state != .active) return error.Closed;
        try validateKey(key);
        out.clearRetainingCapacity();
        if (txn.ownWrite(key)) |node| {
            if (node.kind == .delete) return false;
            try out.appendSlice(self.allocator, node.value());
            return true;
        }
        try txn.recordRead(key);
        const snapshot = if (latest) self.oracle.visible() else txn.snapshot_ts;
        return self.getAt(key, snapshot, out);
    }

    /// Reads the newest version of `key` visible at `snapshot_ts`.
    pub fn getAt(self: *Db, key: []const u8, snapshot_ts: Timestamp, out: *std.ArrayList(u8)) Error!bool {
        var view = self.lsm.acquireView();
        defer view.release();
        out.clearRetainingCapacity();
        const found = try self.lsm.get(&view, key, snapshot_ts, out) orelse return false;
        switch (found.kind) {
            .delete => return false,
            .put => return true,
            .put_pointer => {
                if (out.items.len != types.ValuePointer.encoded_size_bytes) return types.corruption("value pointer", 0, "entry for a separated value has {d} bytes", .{out.items.len});
                const pointer = types.ValuePointer.decode(out.items[0..types.ValuePointer.encoded_size_bytes]);
                out.clearRetainingCapacity();
                try self.value_log.read(pointer, key, out);
                return true;
            },
        }
    }

    pub fn txnPut(self: *Db, txn: *Txn, key: []const u8, value: []const u8) Error!void {
        _ = self;
        try txn.write(key, value);
    }

    pub fn txnDelete(self: *Db, txn: *Txn, key: []const u8) Error!void {
        _ = self;
        try txn.write(key, null);
    }

    /// Commits and waits until the commit is durable (or failed). Frees the transaction.
    pub fn commit(self: *Db, txn: *Txn) Error!Timestamp {
        if (txn.state != .active) return error.Closed;
        if (txn.open_iterators > 0) return error.Busy;
        txn.state = .committing;
        var pending = Pending{ .request = .{ .kind = .commit, .txn = txn }, .mode = .wait };
        self.committer.submit(&pending.request);
        if (!self.options.lsm.background_threads) self.committer.runQueued();
        pending.event.wait();
        txn.state = .finished;
        txn.destroy();
        if (pending.request.result) |err| {
            types.setErrorMessage("{s}", .{pending.request.messageText()});
            return err;
        }
        return pending.request.commit_ts;
    }

    /// Starts a commit; its outcome arrives through `takeCompletions` (with `token`), with
    /// the notification called first. Frees the transaction when done.
    pub fn commitAsync(self: *Db, txn: *Txn, token: u64) Error!void {
        if (txn.state != .active) return error.Closed;
        if (txn.open_iterators > 0) return error.Busy;
        const pending = try self.allocator.create(Pending);
        pending.* = .{ .request = .{ .kind = .commit, .txn = txn, .token = token }, .mode = .deliver };
        txn.state = .committing;
        _ = self.async_in_flight.fetchAdd(1, .monotonic);
        self.committer.submit(&pending.request);
    }

    /// Inline mode: processes the commits queued so far as group commits (in threaded mode
    /// the committer thread does this by itself).
    pub fn runQueuedCommits(self: *Db) void {
        if (!self.options.lsm.background_threads) self.committer.runQueued();
    }

    pub fn abort(self: *Db, txn: *Txn) void {
        _ = self;
        assert(txn.state == .active);
        assert(txn.open_iterators == 0);
        txn.state = .finished;
        txn.destroy();
    }

    fn completeRequest(ctx: *anyopaque, request: *txn_module.Request) void {
        const self: *Db = @ptrCast(@alignCast(ctx));
        const pending: *Pending = @fieldParentPtr("request", request);
        switch (pending.mode) {
            .wait => pending.event.set(),
            .deliver => {
                const txn = request.txn.?;
                txn.state = .finished;
                txn.destroy();
                const record = CompletionRecord{ .token = request.token, .commit_ts = request.commit_ts, .result = request.result };
                self.allocator.destroy(pending);
                self.pushCompletion(record);
            },
        }
    }

    fn pushCompletion(self: *Db, record: CompletionRecord) void {
        {
            self.completion_mutex.lock();
            defer self.completion_mutex.unlock();
            // Losing a completion would leave its caller waiting forever; the list is
            // drained continuously, so running out of memory here is not recoverable.
            self.completions.append(self.allocator, record) catch @panic("out of memory queueing a completion");
        }
        if (!self.notify_pending.swap(true, .acq_rel)) {
            self.completion_mutex.lock();
            const notify = self.notify;
            self.completion_mutex.unlock();
            if (notify) |n| n.function(n.ctx);
        }
    }

    /// A background job (flush, compact, vacuum) is starting; its completion will come
    /// through `deliverJob`.
    pub fn noteJobStarted(self: *Db) void {
        _ = self.async_in_flight.fetchAdd(1, .monotonic);
    }

    pub fn deliverJob(self: *Db, token: u64, result: ?Error) void {
        if (result != null) {
            // Keep the message for the caller: it is on this (job) thread's error slot.
            self.rememberJobError(types.errorMessage());
        }
        self.pushCompletion(.{ .token = token, .commit_ts = 0, .result = result });
    }

    fn rememberJobError(self: *Db, message: []const u8) void {
        self.completion_mutex.lock();
        defer self.completion_mutex.unlock();
        const len = @min(message.len, self.job_error_message.len);
        @memcpy(self.job_error_message[0..len], message[0..len]);
        self.job_error_message_len = len;
    }

    /// The message of the last failed background job.
    pub fn jobErrorMessage(self: *Db, buffer: []u8) []const u8 {
        self.completion_mutex.lock();
        defer self.completion_mutex.unlock();
        const len = @min(buffer.len, self.job_error_message_len);
        @memcpy(buffer[0..len], self.job_error_message[0..len]);
        return buffer[0..len];
    }

    pub fn setNotify(self: *Db, notify: ?Notify) void {
        self.completion_mutex.lock();
        defer self.completion_mutex.unlock();
        self.notify = notify;
    }

    /// Moves finished asynchronous commits into `out`; returns how many. Re-arms the
    /// notification first, so a completion arriving meanwhile notifies again.
    pub fn takeCompletions(self: *Db, out: []CompletionRecord) usize {
        self.runQueuedCommits();
        self.notify_pending.store(false, .release);
        self.completion_mutex.lock();
        defer self.completion_mutex.unlock();
        const count = @min(out.len, self.completions.items.len);
        @memcpy(out[0..count], self.completions.items[0..count]);
        const rest = self.completions.items.len - count;
        std.mem.copyForwards(CompletionRecord, self.completions.items[0..rest], self.completions.items[count..]);
        self.completions.shrinkRetainingCapacity(rest);
        if (rest > 0) self.notify_pending.store(true, .release);
        _ = self.async_in_flight.fetchSub(count, .monotonic);
        return count;
    }

    // ------------------------------------------------------------ single operations

    /// Reads the newest committed version of `key`.
    pub fn get(self: *Db, key: []const u8, out: *std.ArrayList(u8)) Error!bool {
        try validateKey(key);
        return self.getAt(key, self.oracle.visible(), out);
    }

    /// A transaction of one put, committed and durable on return.
    pub fn put(self: *Db, key: []const u8, value: []const u8) Error!void {
        const txn = try self.begin(.unchecked, false);
        self.txnPut(txn, key, value) catch |err| {
            self.abort(txn);
            return err;
        };
        _ = try self.commit(txn);
    }

    pub fn delete(self: *Db, key: []const u8) Error!void {
        const txn = try self.begin(.unchecked, false);
        self.txnDelete(txn, key) catch |err| {
            self.abort(txn);
            return err;
        };
        _ = try self.commit(txn);
    }

    // ------------------------------------------------------------ scans

    pub const ScanOptions = struct {
        lower: ?[]const u8 = null,
        upper: ?[]const u8 = null,
        reverse: bool = false,
    };

    /// A scan of committed data at the newest snapshot (or, with `txn`, at its snapshot
    /// with its own writes made so far). Close it before committing the transaction.
    pub fn scan(self: *Db, txn: ?*Txn, options: ScanOptions) Error!*Iterator {
        if (options.lower) |l| try validateKey(l);
        if (options.upper) |u| try validateKey(u);
        if (txn) |t| {
            if (t.state != .active) return error.Closed;
            try t.recordRange(options.lower, options.upper);
        }
        const it = try self.allocator.create(Iterator);
        errdefer self.allocator.destroy(it);
        it.* = .{ .db = self, .txn = txn, .view = undefined, .snapshot_ts = undefined, .inner = undefined, .bounds_storage = .empty };
        errdefer it.bounds_storage.deinit(self.allocator);
        // The iterator owns copies of its bounds.
        try it.bounds_storage.appendSlice(self.allocator, options.lower orelse "");
        try it.bounds_storage.appendSlice(self.allocator, options.upper orelse "");
        const lower_len = if (options.lower) |l| l.len else 0;
        const bounds = iterator.Bounds{
            .lower = if (options.lower != null) it.bounds_storage.items[0..lower_len] else null,
            .upper = if (options.upper != null) it.bounds_storage.items[lower_len..] else null,
        };
        if (txn) |t| {
            it.snapshot_ts = t.snapshot_ts;
        } else {
            it.snapshot_ts = try self.oracle.acquireSnapshot(false);
            it.owns_snapshot = true;
        }
        errdefer if (it.owns_snapshot) self.oracle.releaseSnapshot(it.snapshot_ts, false);
        it.view = self.lsm.acquireView();
        errdefer it.view.release();
        const merged = try self.lsm.newMerging(&it.view, self.allocator, if (options.reverse) .reverse else .forward);
        const writes: ?iterator.WriteSetView = if (txn) |t| .{ .list = &t.writes, .seq_bound = t.next_seq } else null;
        it.inner = iterator.Snapshot.init(self.allocator, merged, it.snapshot_ts, bounds, &self.value_log, writes);
        if (txn) |t| t.open_iterators += 1;
        return it;
    }

    // ------------------------------------------------------------ maintenance

    /// Makes the memtable's contents durable in tables (so the commit log can be dropped).
    pub fn flush(self: *Db) Error!void {
        try self.control(.rotate_memtable);
        try self.lsm.waitForFlushes();
    }

    fn control(self: *Db, kind: txn_module.Request.Kind) Error!void {
        var pending = Pending{ .request = .{ .kind = kind }, .mode = .wait };
        self.committer.submit(&pending.request);
        if (!self.options.lsm.background_threads) self.committer.runQueued();
        pending.event.wait();
        if (pending.request.result) |err| {
            types.setErrorMessage("{s}", .{pending.request.messageText()});
            return err;
        }
    }

    /// Syncs commits acknowledged without a sync (normal and off modes).
    pub fn sync(self: *Db) Error!void {
        try self.control(.sync);
    }

    /// Compacts [start, end] (null: all) so obsolete versions are dropped and the range
    /// ends in one level.
    pub fn compact(self: *Db, start: ?[]const u8, end: ?[]const u8) Error!void {
        try self.writable();
        try self.flush();
        try self.lsm.compactRange(start, end);
    }

    /// Value-log garbage collection: compacts [start, end] (null: all) to count garbage,
    /// then rewrites the segments past the garbage threshold and deletes fully collected
    /// ones.
    pub fn vacuum(self: *Db, start: ?[]const u8, end: ?[]const u8) Error!void {
        try self.writable();
        try self.control(.rotate_vlog);
        try self.flush();
        try self.lsm.compactRange(start, end);
        try self.lsm.vacuum();
    }

    /// Statistics as a JSON object (caller frees).
    pub fn statsJson(self: *Db, allocator: std.mem.Allocator) error{OutOfMemory}![]u8 {
        const lsm_counters = &self.lsm.counters;
        const commit_counters = &self.committer.counters;
        const levels = self.lsm.levelStats();
        const mem = self.lsm.memStats();
        const segments = try self.lsm.segmentStats(allocator);
        defer allocator.free(segments);
        const cache_stats = self.lsm.cache.stats();

        var level_list: [lsm_module.level_count]struct { level: u8, files: u64, bytes: u64 } = undefined;
        for (levels, 0..) |l, i| level_list[i] = .{ .level = @intCast(i), .files = l.files, .bytes = l.bytes };
        const SegmentOut = struct { segment: u64, live_bytes: u64, garbage_bytes: u64, file_bytes: u64 };
        const segment_list = try allocator.alloc(SegmentOut, segments.len);
        defer allocator.free(segment_list);
        var vlog_live: u64 = 0;
        var vlog_garbage: u64 = 0;
        for (segments, 0..) |s, i| {
            segment_list[i] = .{ .segment = s.segment, .live_bytes = s.stats.live_bytes -| s.stats.garbage_bytes, .garbage_bytes = s.stats.garbage_bytes, .file_bytes = self.value_log.segmentEnd(s.segment) orelse 0 };
            vlog_live += s.stats.live_bytes -| s.stats.garbage_bytes;
            vlog_garbage += s.stats.garbage_bytes;
        }
        const load = struct {
            fn f(v: *const std.atomic.Value(u64)) u64 {
                return v.load(.monotonic);
            }
        }.f;
        const user_bytes = load(&commit_counters.user_bytes_written);
        const disk_bytes = load(&commit_counters.wal_bytes_written) + load(&commit_counters.vlog_bytes_written) +
            load(&lsm_counters.flush_bytes_written) + load(&lsm_counters.compaction_bytes_written) + load(&lsm_counters.vlog_bytes_written);
        var batch_hist: [txn_module.batch_size_buckets.len + 1]u64 = undefined;
        for (&batch_hist, 0..) |*h, i| h.* = load(&commit_counters.batch_size_histogram[i]);
        var sync_hist: [txn_module.sync_latency_buckets_us.len + 1]u64 = undefined;
        for (&sync_hist, 0..) |*h, i| h.* = load(&commit_counters.sync_latency_histogram[i]);

        const hits = cache_stats.hits;
        const misses = cache_stats.misses;
        const stats = .{
            .levels = level_list[0..],
            .memtable = .{ .active_bytes = mem.active_bytes, .immutable_count = mem.immutable_count, .immutable_bytes = mem.immutable_bytes, .reserved_bytes = mem.reserved_bytes },
            .flush = .{ .count = load(&lsm_counters.flush_count), .bytes_written = load(&lsm_counters.flush_bytes_written), .duration_ns = load(&lsm_counters.flush_ns) },
            .compaction = .{
                .count = load(&lsm_counters.compaction_count),
                .trivial_moves = load(&lsm_counters.trivial_move_count),
                .bytes_read = load(&lsm_counters.compaction_bytes_read),
                .bytes_written = load(&lsm_counters.compaction_bytes_written),
                .duration_ns = load(&lsm_counters.compaction_ns),
                .running = lsm_counters.compaction_running.load(.monotonic),
            },
            .manual_jobs = .{
                .done = load(&lsm_counters.manual_jobs_done),
                .bytes_done = load(&lsm_counters.manual_job_bytes_done),
                .bytes_total = load(&lsm_counters.manual_job_bytes_total),
            },
            .write_amplification = if (user_bytes == 0) 0.0 else @as(f64, @floatFromInt(disk_bytes)) / @as(f64, @floatFromInt(user_bytes)),
            .user_bytes_written = user_bytes,
            .disk_bytes_written = disk_bytes,
            .vlog = .{
                .live_bytes = vlog_live,
                .garbage_bytes = vlog_garbage,
                .file_bytes = self.value_log.totalBytes(),
                .segments = segment_list,
                .vacuum_count = load(&lsm_counters.vacuum_count),
                .bytes_relocated = load(&lsm_counters.vacuum_bytes_relocated),
                .segments_deleted = load(&lsm_counters.vlog_segments_deleted),
            },
            .block_cache = .{
                .hits = hits,
                .misses = misses,
                .hit_ratio = if (hits + misses == 0) 0.0 else @as(f64, @floatFromInt(hits)) / @as(f64, @floatFromInt(hits + misses)),
                .bytes = cache_stats.size_bytes,
                .capacity_bytes = self.options.lsm.block_cache_size_bytes,
            },
            .stalls = .{
                .stop_count = load(&lsm_counters.stall_count),
                .stop_ns = load(&lsm_counters.stall_ns),
                .slowdown_count = load(&lsm_counters.slowdown_count),
                .slowdown_ns = load(&lsm_counters.slowdown_ns),
            },
            .commits = .{
                .count = load(&commit_counters.commits),
                .conflicts = load(&commit_counters.conflicts),
                .batches = load(&commit_counters.batches),
                .syncs = load(&commit_counters.syncs),
                .sync_ns = load(&commit_counters.sync_ns),
                .wal_bytes_written = load(&commit_counters.wal_bytes_written),
                .vlog_bytes_written = load(&commit_counters.vlog_bytes_written),
                .batch_size_buckets = txn_module.batch_size_buckets[0..],
                .batch_size_histogram = batch_hist[0..],
                .sync_latency_buckets_us = txn_module.sync_latency_buckets_us[0..],
                .sync_latency_histogram = sync_hist[0..],
            },
            .visible_ts = self.oracle.visible(),
            // False after a failed write, sync or background job: writes are refused until
            // the database is reopened.
            .writable = self.committer.poisoned == null and self.lsm.backgroundError() == null,
        };
        return std.json.Stringify.valueAlloc(allocator, stats, .{});
    }
};

fn validateKey(key: []const u8) Error!void {
    if (key.len == 0) {
        types.setErrorMessage("keys must not be empty", .{});
        return error.KeyEmpty;
    }
    if (key.len > types.key_size_bytes_max) {
        types.setErrorMessage("key of {d} bytes exceeds the maximum of {d}", .{ key.len, types.key_size_bytes_max });
        return error.KeyTooLarge;
    }
}

/// A scan in progress: pins a read view (and a snapshot) until closed.
pub const Iterator = struct {
    db: *Db,
    txn: ?*Txn,
    view: lsm_module.ReadView,
    snapshot_ts: Timestamp,
    owns_snapshot: bool = false,
    inner: iterator.Snapshot,
    bounds_storage: std.ArrayList(u8),

    /// Advances; false at the end. key() and value() are valid until the next call.
    pub fn next(self: *Iterator) Error!bool {
        return self.inner.next();
    }

    pub fn key(self: *const Iterator) []const u8 {
        return self.inner.key();
    }

    pub fn value(self: *const Iterator) []const u8 {
        return self.inner.value();
    }

    pub fn close(self: *Iterator) void {
        const db = self.db;
        self.inner.deinit();
        self.view.release();
        if (self.owns_snapshot) db.oracle.releaseSnapshot(self.snapshot_ts, false);
        if (self.txn) |t| {
            assert(t.open_iterators > 0);
            t.open_iterators -= 1;
        }
        self.bounds_storage.deinit(db.allocator);
        db.allocator.destroy(self);
    }
};

/// The files of a data directory, by kind, sorted by number.
const Listing = struct {
    sst: std.ArrayList(FileNumber) = .empty,
    vlog: std.ArrayList(FileNumber) = .empty,
    wal: std.ArrayList(FileNumber) = .empty,
    manifests: std.ArrayList(FileNumber) = .empty,
    max_number: FileNumber = 0,

    fn read(allocator: std.mem.Allocator, fs: io.Fs) Error!Listing {
        var self = Listing{};
        errdefer self.deinit(allocator);
        try self.collect(allocator, fs, "sst", ".sst", &self.sst);
        try self.collect(allocator, fs, "vlog", ".vlog", &self.vlog);
        try self.collect(allocator, fs, "wal", ".log", &self.wal);
        var names: std.ArrayList([]u8) = .empty;
        defer freeNames(allocator, &names);
        try fs.list(allocator, "", &names);
        for (names.items) |name| {
            if (!std.mem.startsWith(u8, name, "MANIFEST-")) continue;
            const number = std.fmt.parseInt(FileNumber, name["MANIFEST-".len..], 10) catch continue;
            try self.manifests.append(allocator, number);
            self.max_number = @max(self.max_number, number);
        }
        return self;
    }

    fn collect(self: *Listing, allocator: std.mem.Allocator, fs: io.Fs, dir: []const u8, suffix: []const u8, out: *std.ArrayList(FileNumber)) Error!void {
        var names: std.ArrayList([]u8) = .empty;
        defer freeNames(allocator, &names);
        try fs.list(allocator, dir, &names);
        for (names.items) |name| {
            const number = lsm_module.parseNumbered(name, suffix) orelse continue;
            try out.append(allocator, number);
            self.max_number = @max(self.max_number, number);
        }
        std.mem.sort(FileNumber, out.items, {}, std.sort.asc(FileNumber));
    }

    fn freeNames(allocator: std.mem.Allocator, names: *std.ArrayList([]u8)) void {
        for (names.items) |name| allocator.free(name);
        names.deinit(allocator);
    }

    fn deinit(self: *Listing, allocator: std.mem.Allocator) void {
        self.sst.deinit(allocator);
        self.vlog.deinit(allocator);
        self.wal.deinit(allocator);
        self.manifests.deinit(allocator);
    }
};

const testing = std.testing;

fn testOptions() Options {
    var options = Options{};
    options.lsm.background_threads = false;
    options.lsm.memtable_size_bytes = 64 * 1024;
    options.lsm.level1_size_bytes = 128 * 1024;
    options.lsm.sstable_size_bytes = 32 * 1024;
    options.lsm.block_cache_size_bytes = 1024 * 1024;
    options.vlog_segment_size_bytes = 1024 * 1024;
    options.value_inline_threshold_bytes = 64;
    return options;
}

fn expectValue(db: *Db, key: []const u8, expected: ?[]const u8) !void {
    var out: std.ArrayList(u8) = .empty;
    defer out.deinit(testing.allocator);
    const found = try db.get(key, &out);
    if (expected) |e| {
        try testing.expect(found);
        try testing.expectEqualSlices(u8, e, out.items);
    } else try testing.expect(!found);
}

test "db: put, get, delete, scan, flush, close, reopen" {
    var sim = try io.SimFs.init(testing.allocator, 1);
    defer sim.deinit();
    const big = [_]u8{'B'} ** 300;
    {
        const db = try Db.open(testing.allocator, sim.fs(), testOptions());
        defer db.close();
        try db.put("apple", "red");
        try db.put("banana", "yellow");
        try db.put("cherry", &big);
        try db.put("date", "brown");
        try db.delete("banana");
        try expectValue(db, "apple", "red");
        try expectValue(db, "banana", null);
        try expectValue(db, "cherry", &big);
        try db.flush();
        try db.put("apple", "green");
        try expectValue(db, "apple", "green");

        const it = try db.scan(null, .{ .lower = "b", .upper = "d" });
        defer it.close();
        try testing.expect(try it.next());
        try testing.expectEqualStrings("cherry", it.key());
        try testing.expectEqualSlices(u8, &big, it.value());
        try testing.expect(!try it.next());
    }
    {
        const db = try Db.open(testing.allocator, sim.fs(), testOptions());
        defer db.close();
        try expectValue(db, "apple", "green");
        try expectValue(db, "banana", null);
        try expectValue(db, "cherry", &big);
        try expectValue(db, "date", "brown");
        const it = try db.scan(null, .{ .reverse = true });
        defer it.close();
        const want = [_][]const u8{ "date", "cherry", "apple" };
        for (want) |w| {
            try testing.expect(try it.next());
            try testing.expectEqualStrings(w, it.key());
        }
        try testing.expect(!try it.next());
    }
}

test "db: a second open of the same directory is refused" {
    var sim = try io.SimFs.init(testing.allocator, 2);
    defer sim.deinit();
    const db = try Db.open(testing.allocator, sim.fs(), testOptions());
    defer db.close();
    try testing.expectError(error.Busy, Db.open(testing.allocator, sim.fs(), testOptions()));
}

test "db: transactions apply atomically; snapshot isolation; conflicts" {
    var sim = try io.SimFs.init(testing.allocator, 3);
    defer sim.deinit();
    const db = try Db.open(testing.allocator, sim.fs(), testOptions());
    defer db.close();
    try db.put("x", "0");

    const t1 = try db.begin(.snapshot, false);
    const t2 = try db.begin(.snapshot, false);
    var out: std.ArrayList(u8) = .empty;
    defer out.deinit(testing.allocator);
    try testing.expect(try db.txnGet(t1, "x", false, &out));
    try db.txnPut(t1, "x", "1");
    try db.txnPut(t1, "y", "1");
    try testing.expect(try db.txnGet(t1, "x", false, &out));
    try testing.expectEqualStrings("1", out.items);
    // Not visible outside before commit.
    try expectValue(db, "y", null);
    _ = try db.commit(t1);
    try expectValue(db, "x", "1");
    try expectValue(db, "y", "1");
    // t2's snapshot predates t1: it still sees 0, and its write conflicts.
    try testing.expect(try db.txnGet(t2, "x", false, &out));
    try testing.expectEqualStrings("0", out.items);
    try db.txnPut(t2, "x", "2");
    try testing.expectError(error.Conflict, db.commit(t2));
    try expectValue(db, "x", "1");
}

fn dirFiles(sim: *io.SimFs, dir: []const u8, suffix: []const u8) !std.ArrayList(FileNumber) {
    var names: std.ArrayList([]u8) = .empty;
    defer {
        for (names.items) |n| testing.allocator.free(n);
        names.deinit(testing.allocator);
    }
    try sim.fs().list(testing.allocator, dir, &names);
    var numbers: std.ArrayList(FileNumber) = .empty;
    for (names.items) |name| {
        if (lsm_module.parseNumbered(name, suffix)) |n| try numbers.append(testing.allocator, n);
    }
    std.mem.sort(FileNumber, numbers.items, {}, std.sort.asc(FileNumber));
    return numbers;
}

/// After a clean reopen the manifest names exactly the tables on disk.
fn expectManifestMatchesDisk(db: *Db, sim: *io.SimFs) !void {
    const live = try db.lsm.liveTableNumbers(testing.allocator);
    defer testing.allocator.free(live);
    std.mem.sort(FileNumber, live, {}, std.sort.asc(FileNumber));
    var on_disk = try dirFiles(sim, "sst", ".sst");
    defer on_disk.deinit(testing.allocator);
    try testing.expectEqualSlices(FileNumber, live, on_disk.items);
}

test "db: sustained writes reach three levels, every key reads back, manifest equals disk" {
    var sim = try io.SimFs.init(testing.allocator, 40);
    defer sim.deinit();
    var options = testOptions();
    options.lsm.l0_compaction_trigger = 2;
    options.lsm.level_size_multiplier = 4;
    const memtable_bytes = options.lsm.memtable_size_bytes;
    var prng = std.Random.DefaultPrng.init(40);
    const random = prng.random();
    const key_count = 3000;
    var expected: [key_count]?u32 = @splat(null);
    var value_buffer: [200]u8 = undefined;
    var written_bytes: u64 = 0;
    var db = try Db.open(testing.allocator, sim.fs(), options);
    defer db.close();
    var round: u32 = 0;
    while (written_bytes < 20 * memtable_bytes) : (round += 1) {
        const k = random.uintLessThan(u32, key_count);
        var key_buffer: [16]u8 = undefined;
        const key = std.fmt.bufPrint(&key_buffer, "k{d:0>6}", .{k}) catch unreachable;
        if (random.uintLessThan(u32, 10) == 0) {
            try db.delete(key);
            expected[k] = null;
        } else {
            const tag = random.int(u32);
            @memset(&value_buffer, @truncate(tag));
            std.mem.writeInt(u32, value_buffer[0..4], tag, .little);
            const len = 20 + tag % 180;
            try db.put(key, value_buffer[0..len]);
            expected[k] = tag;
            written_bytes += key.len + len;
        }
        if (round == 4000) {
            // Close and reopen in the middle.
            db.close();
            db = try Db.open(testing.allocator, sim.fs(), options);
        }
    }
    var deepest: usize = 0;
    for (db.lsm.levelStats(), 0..) |level, i| {
        if (level.files > 0) deepest = i;
    }
    try testing.expect(deepest >= 2); // L0, L1 and L2 at least: three levels
    var out: std.ArrayList(u8) = .empty;
    defer out.deinit(testing.allocator);
    for (0..2) |pass| {
        for (expected, 0..) |maybe, k| {
            var key_buffer: [16]u8 = undefined;
            const key = std.fmt.bufPrint(&key_buffer, "k{d:0>6}", .{k}) catch unreachable;
            const found = try db.get(key, &out);
            if (maybe) |tag| {
                try testing.expect(found);
                try testing.expectEqual(tag, std.mem.readInt(u32, out.items[0..4], .little));
                try testing.expectEqual(@as(usize, 20 + tag % 180), out.items.len);
            } else try testing.expect(!found);
        }
        if (pass == 0) {
            db.close();
            db = try Db.open(testing.allocator, sim.fs(), options);
            try expectManifestMatchesDisk(db, &sim);
        }
    }
}

test "db: after overwriting every large value twice and vacuuming, the value log is at most 1.5x live data" {
    var sim = try io.SimFs.init(testing.allocator, 41);
    defer sim.deinit();
    var options = testOptions();
    options.vlog_segment_size_bytes = 1024 * 1024;
    const db = try Db.open(testing.allocator, sim.fs(), options);
    defer db.close();
    const value_size = 4000;
    var value: [value_size]u8 = undefined;
    const key_count = 600;
    for (0..3) |generation| {
        for (0..key_count) |k| {
            var key_buffer: [16]u8 = undefined;
            const key = std.fmt.bufPrint(&key_buffer, "big{d:0>5}", .{k}) catch unreachable;
            @memset(&value, @intCast(generation * 50 + k % 50));
            try db.put(key, &value);
        }
    }
    try db.vacuum(null, null);
    var vlog_bytes: u64 = 0;
    var segments = try dirFiles(&sim, "vlog", ".vlog");
    defer segments.deinit(testing.allocator);
    for (segments.items) |segment| {
        var path_buffer: [64]u8 = undefined;
        vlog_bytes += try sim.fileSize(vlog.segmentPath(&path_buffer, segment));
    }
    const live_bytes: u64 = key_count * vlog.recordSize(8, value_size);
    try testing.expect(vlog_bytes * 2 <= live_bytes * 3);
    // And every value is the newest one.
    var out: std.ArrayList(u8) = .empty;
    defer out.deinit(testing.allocator);
    for (0..key_count) |k| {
        var key_buffer: [16]u8 = undefined;
        const key = std.fmt.bufPrint(&key_buffer, "big{d:0>5}", .{k}) catch unreachable;
        try testing.expect(try db.get(key, &out));
        try testing.expectEqual(@as(u8, @intCast(100 + k % 50)), out.items[0]);
    }
}

test "db: compaction keeps what a live snapshot reads and drops the rest" {
    var sim = try io.SimFs.init(testing.allocator, 42);
    defer sim.deinit();
    const db = try Db.open(testing.allocator, sim.fs(), testOptions());
    defer db.close();
    try db.put("k", "v0");
    const reader = try db.begin(.snapshot, true);
    for (1..50) |i| {
        var buffer: [8]u8 = undefined;
        try db.put("k", std.fmt.bufPrint(&buffer, "v{d}", .{i}) catch unreachable);
    }
    try db.compact(null, null);
    var out: std.ArrayList(u8) = .empty;
    defer out.deinit(testing.allocator);
    try testing.expect(try db.txnGet(reader, "k", false, &out));
    try testing.expectEqualStrings("v0", out.items);
    // Versions between the snapshot and the newest are kept only if a snapshot needs them;
    // once the reader is gone, compaction leaves one version.
    db.abort(reader);
    try db.compact(null, null);
    var entries: u64 = 0;
    for (db.lsm.levelStats()) |level| _ = level;
    {
        var view = db.lsm.acquireView();
        defer view.release();
        for (view.version.levels) |tables| for (tables) |t| {
            entries += t.meta.entry_count;
        };
    }
    try testing.expectEqual(@as(u64, 1), entries);
    try testing.expect(try db.get("k", &out));
    try testing.expectEqualStrings("v49", out.items);
}

test "db: commit timestamps keep increasing across restarts" {
    var sim = try io.SimFs.init(testing.allocator, 43);
    defer sim.deinit();
    var last: Timestamp = 0;
    for (0..4) |round| {
        const db = try Db.open(testing.allocator, sim.fs(), testOptions());
        for (0..5) |_| {
            const txn = try db.begin(.snapshot, false);
            try db.txnPut(txn, "k", "v");
            const ts = try db.commit(txn);
            try testing.expect(ts > last);
            last = ts;
        }
        if (round == 1) try db.flush();
        db.close();
        if (round == 2) sim.crash(.lose_unsynced);
    }
}

test "db: a commit group after a huge transaction does not keep the huge group's scratch" {
    var sim = try io.SimFs.init(testing.allocator, 45);
    defer sim.deinit();
    const db = try Db.open(testing.allocator, sim.fs(), testOptions());
    defer db.close();
    const big = try db.begin(.snapshot, false);
    var key_buffer: [16]u8 = undefined;
    // Enough keys of inline values for the commit record and the op list to outgrow what is kept.
    const value = [_]u8{'v'} ** 48;
    const keys = txn_module.Committer.scratch_bytes_kept / @sizeOf(commit_log.Op) + 1;
    comptime assert(keys > txn_module.Committer.batch_keys_capacity_kept);
    comptime assert(keys * value.len > txn_module.Committer.scratch_bytes_kept);
    for (0..keys) |i| try db.txnPut(big, try std.fmt.bufPrint(&key_buffer, "k{d:0>8}", .{i}), &value);
    _ = try db.commit(big);
    try testing.expect(db.committer.batch_keys.capacity() >= keys);
    try testing.expect(db.committer.wal_buffer.capacity > txn_module.Committer.scratch_bytes_kept);
    try testing.expect(db.committer.ops.capacity * @sizeOf(commit_log.Op) > txn_module.Committer.scratch_bytes_kept);
    const small = try db.begin(.snapshot, false);
    try db.txnPut(small, "k00000001", "w");
    _ = try db.commit(small);
    try testing.expect(db.committer.batch_keys.capacity() <= txn_module.Committer.batch_keys_capacity_kept);
    try testing.expect(db.committer.wal_buffer.capacity <= txn_module.Committer.scratch_bytes_kept);
    try testing.expect(db.committer.ops.capacity * @sizeOf(commit_log.Op) <= txn_module.Committer.scratch_bytes_kept);
    var out: std.ArrayList(u8) = .empty;
    defer out.deinit(testing.allocator);
    try testing.expect(try db.get("k00000001", &out));
    try testing.expectEqualStrings("w", out.items);
    try testing.expect(try db.get("k00012287", &out));
    try testing.expectEqualSlices(u8, &value, out.items);
}

test "db: damaged value-log record is reported with file and offset; other keys still read" {
    var sim = try io.SimFs.init(testing.allocator, 44);
    defer sim.deinit();
    const big_a = [_]u8{'a'} ** 500;
    const big_b = [_]u8{'b'} ** 500;
    {
        const db = try Db.open(testing.allocator, sim.fs(), testOptions());
        defer db.close();
        try db.put("a", &big_a);
        try db.put("b", &big_b);
    }
    var segments = try dirFiles(&sim, "vlog", ".vlog");
    defer segments.deinit(testing.allocator);
    var path_buffer: [64]u8 = undefined;
    const path = vlog.segmentPath(&path_buffer, segments.items[0]);
    // The first record starts right after the header: damage its value.
    sim.flipBit(path, vlog.header_size_bytes + vlog.record_header_size_bytes + 1 + 100, 3);
    const db = try Db.open(testing.allocator, sim.fs(), testOptions());
    defer db.close();
    var out: std.ArrayList(u8) = .empty;
    defer out.deinit(testing.allocator);
    try testing.expectError(error.Corruption, db.get("a", &out));
    try testing.expect(std.mem.indexOf(u8, types.errorMessage(), path) != null);
    try testing.expect(try db.get("b", &out));
    try testing.expectEqualSlices(u8, &big_b, out.items);
}

test "db: sync mode normal syncs every interval while commits keep arriving" {
    var dir = testing.tmpDir(.{});
    defer dir.cleanup();
    var path_buffer: [std.fs.max_path_bytes]u8 = undefined;
    const path = try dir.dir.realpath(".", &path_buffer);
    var options = Options{};
    options.sync_mode = .normal;
    options.sync_interval_ms = 10;
    const db = try Db.openPath(testing.allocator, path, options);
    defer db.close();
    // A steady stream of commits, one right after another: the commit queue is hardly ever
    // empty, and the writes must still be synced every 10 ms.
    const started = std.time.nanoTimestamp();
    var i: u32 = 0;
    while (std.time.nanoTimestamp() - started < 200 * std.time.ns_per_ms) : (i += 1) {
        var key_buffer: [16]u8 = undefined;
        try db.put(std.fmt.bufPrint(&key_buffer, "k{d}", .{i}) catch unreachable, "v");
    }
    try testing.expect(db.committer.counters.syncs.load(.monotonic) >= 2);
}

test "db: a put during a running compaction returns promptly; stalls are counted" {
    var dir = testing.tmpDir(.{});
    defer dir.cleanup();
    var path_buffer: [std.fs.max_path_bytes]u8 = undefined;
    const path = try dir.dir.realpath(".", &path_buffer);
    var options = Options{};
    options.lsm.memtable_size_bytes = 256 * 1024;
    options.lsm.l0_compaction_trigger = 2;
    options.lsm.level1_size_bytes = 512 * 1024;
    options.lsm.compaction_bytes_per_second = 2 * 1024 * 1024; // slow compactions
    options.sync_mode = .off;
    const db = try Db.openPath(testing.allocator, path, options);
    defer db.close();
    var value: [1000]u8 = undefined;
    var slowest_ns: u64 = 0;
    var during_compaction: u64 = 0;
    for (0..6000) |i| {
        var key_buffer: [16]u8 = undefined;
        const key = std.fmt.bufPrint(&key_buffer, "k{d:0>8}", .{i * 7919 % 6000}) catch unreachable;
        @memset(&value, @truncate(i));
        const compacting = db.lsm.counters.compaction_running.load(.monotonic) > 0;
        const before_stalls = db.lsm.counters.stall_count.load(.monotonic) + db.lsm.counters.slowdown_count.load(.monotonic);
        const started = std.time.nanoTimestamp();
        try db.put(key, &value);
        const elapsed: u64 = @intCast(std.time.nanoTimestamp() - started);
        const stalled = db.lsm.counters.stall_count.load(.monotonic) + db.lsm.counters.slowdown_count.load(.monotonic) > before_stalls;
        if (compacting and !stalled) {
            during_compaction += 1;
            slowest_ns = @max(slowest_ns, elapsed);
        }
    }
    // Puts overlapped compactions, and those that were not told to wait did not wait on it.
    try testing.expect(during_compaction > 0);
    try testing.expect(slowest_ns < 200 * std.time.ns_per_ms);
}
