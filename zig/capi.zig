//! The C ABI (include/pgz.h is the contract; keep the two in step).
//!
//! Handles are not pointers to engine objects: they are ids from a registry, never reused,
//! so a closed or made-up handle is recognised and refused (PGZ_CLOSED) instead of being
//! dereferenced. Every call on a database counts itself in and out, and close waits for
//! calls in flight, so close from one thread cannot free memory another thread is using.

const std = @import("std");
const builtin = @import("builtin");
const types = @import("types.zig");
const db_module = @import("db.zig");
const io = @import("io.zig");

const Db = db_module.Db;
const Txn = db_module.Txn;
const Iterator = db_module.Iterator;
const Error = types.Error;

pub const version_string = "0.1.0";

pub const Status = enum(c_int) {
    ok = 0,
    err = 1,
    not_found = 2,
    corruption = 3,
    io = 4,
    conflict = 5,
    busy = 6,
    invalid_argument = 7,
    buffer_too_small = 8,
    no_space = 9,
    too_large = 10,
    poisoned = 11,
    closed = 12,
    unsupported = 13,
    no_memory = 14,
};

/// The one place engine errors become status codes.
fn statusOf(err: anyerror) Status {
    return switch (err) {
        error.Corruption => .corruption,
        error.InputOutput, error.AccessDenied, error.FileNotFound, error.PathAlreadyExists, error.NotDir, error.IsDir, error.NameTooLong, error.FileTooBig, error.SystemResources, error.Unexpected => .io,
        error.NoSpaceLeft => .no_space,
        error.Conflict => .conflict,
        error.Busy => .busy,
        error.KeyEmpty, error.InvalidArgument => .invalid_argument,
        error.KeyTooLarge, error.ValueTooLarge, error.TransactionTooLarge => .too_large,
        error.Poisoned => .poisoned,
        error.Closed => .closed,
        error.UnsupportedFormat => .unsupported,
        error.OutOfMemory => .no_memory,
        else => .err,
    };
}

fn fail(err: anyerror) c_int {
    const status = statusOf(err);
    // Keep a message the engine set; otherwise say what the error was.
    if (types.errorMessage().len == 0) types.setErrorMessage("{s}", .{@errorName(err)});
    return @intFromEnum(status);
}

fn failWith(status: Status, comptime fmt: []const u8, args: anytype) c_int {
    types.setErrorMessage(fmt, args);
    return @intFromEnum(status);
}

const ok: c_int = @intFromEnum(Status.ok);

const allocator = if (builtin.link_libc) std.heap.c_allocator else std.heap.page_allocator;

// ---------------------------------------------------------------------------- registry

const Kind = enum { db, txn, iter };

const DbEntry = struct {
    db: *Db,
    /// Calls in flight on this database (close waits for zero).
    calls: std.atomic.Value(u32) = .init(0),
    closing: std.atomic.Value(bool) = .init(false),
    jobs: std.atomic.Value(u32) = .init(0),
};

const TxnEntry = struct { txn: *Txn, db: u64 };
const IterEntry = struct {
    iter: *Iterator,
    db: u64,
    txn: u64,
    /// The current entry was not yet delivered (the caller's buffer was too small).
    pending: bool = false,
    done: bool = false,
};

const Entry = union(Kind) { db: *DbEntry, txn: *TxnEntry, iter: *IterEntry };

const Registry = struct {
    mutex: std.Thread.Mutex = .{},
    entries: std.AutoHashMapUnmanaged(u64, Entry) = .empty,
    /// Ids start high so small integers (and null) are never valid handles.
    next_id: u64 = 0x1000,

    fn add(self: *Registry, entry: Entry) error{OutOfMemory}!u64 {
        self.mutex.lock();
        defer self.mutex.unlock();
        const id = self.next_id;
        self.next_id += 8;
        try self.entries.put(allocator, id, entry);
        return id;
    }

    fn get(self: *Registry, id: u64) ?Entry {
        self.mutex.lock();
        defer self.mutex.unlock();
        return self.entries.get(id);
    }

    fn remove(self: *Registry, id: u64) ?Entry {
        self.mutex.lock();
        defer self.mutex.unlock();
        const removed = self.entries.fetchRemove(id) orelse return null;
        return removed.value;
    }

    /// Ids of the txns and iterators that belong to database `db`.
    fn childrenOf(self: *Registry, db: u64, kind: Kind, out: *std.ArrayList(u64)) error{OutOfMemory}!void {
        self.mutex.lock();
        defer self.mutex.unlock();
        var it = self.entries.iterator();
        while (it.next()) |e| switch (e.value_ptr.*) {
            .txn => |t| if (kind == .txn and t.db == db) try out.append(allocator, e.key_ptr.*),
            .iter => |i| if (kind == .iter and i.db == db) try out.append(allocator, e.key_ptr.*),
            .db => {},
        };
    }
};

var registry: Registry = .{};

fn handleId(handle: ?*anyopaque) u64 {
    return @intFromPtr(handle);
}

fn handleOf(id: u64) *anyopaque {
    return @ptrFromInt(id);
}

/// A database entered for one call; `leave` ends the call.
const Entered = struct {
    id: u64,
    entry: *DbEntry,

    fn leave(self: Entered) void {
        _ = self.entry.calls.fetchSub(1, .release);
    }
};

fn enterDb(id: u64) ?Entered {
    registry.mutex.lock();
    defer registry.mutex.unlock();
    const entry = registry.entries.get(id) orelse return null;
    switch (entry) {
        .db => |d| {
            if (d.closing.load(.acquire)) return null;
            _ = d.calls.fetchAdd(1, .acquire);
            return .{ .id = id, .entry = d };
        },
        else => return null,
    }
}

const EnteredTxn = struct { db: Entered, txn: *TxnEntry };

fn enterTxn(id: u64) ?EnteredTxn {
    const entry = registry.get(id) orelse return null;
    const txn = switch (entry) {
        .txn => |t| t,
        else => return null,
    };
    const db = enterDb(txn.db) orelse return null;
    return .{ .db = db, .txn = txn };
}

fn closedHandle(comptime what: []const u8) c_int {
    return failWith(.closed, what ++ " handle is null, closed or not a " ++ what ++ " handle", .{});
}

fn slice(ptr: ?[*]const u8, len: usize) ?[]const u8 {
    if (len == 0) return if (ptr == null) null else &[_]u8{};
    const p = ptr orelse return null;
    return p[0..len];
}

/// A value: (null, 0) is the empty value, since callers may pass empty arrays as null.
fn valueSlice(ptr: ?[*]const u8, len: usize) ?[]const u8 {
    if (len == 0) return &[_]u8{};
    return slice(ptr, len);
}

/// Per-thread buffer for values on their way to a caller's buffer (no allocation per get).
threadlocal var scratch: std.ArrayList(u8) = .empty;

// ---------------------------------------------------------------------------- exports

export fn pgz_version() [*:0]const u8 {
    return version_string;
}

export fn pgz_last_error() [*:0]const u8 {
    const Holder = struct {
        threadlocal var text: [1025]u8 = undefined;
    };
    const message = types.errorMessage();
    @memcpy(Holder.text[0..message.len], message);
    Holder.text[message.len] = 0;
    return @ptrCast(&Holder.text);
}

const OpenOptions = struct {
    sync: ?[]const u8 = null,
    sync_interval_ms: ?u32 = null,
    memtable_size_bytes: ?u64 = null,
    immutable_memtables_max: ?u32 = null,
    l0_compaction_trigger: ?u32 = null,
    l0_slowdown_trigger: ?u32 = null,
    l0_stop_trigger: ?u32 = null,
    level1_size_bytes: ?u64 = null,
    level_size_multiplier: ?u32 = null,
    sstable_size_bytes: ?u64 = null,
    block_size_bytes: ?u32 = null,
    bloom_bits_per_key: ?u32 = null,
    block_cache_size_bytes: ?u64 = null,
    compaction_bytes_per_second: ?u64 = null,
    vacuum_garbage_per_mille: ?u32 = null,
    vlog_segment_size_bytes: ?u64 = null,
    value_inline_threshold_bytes: ?u32 = null,
    background_threads: ?bool = null,
    create_if_missing: ?bool = null,
    error_if_exists: ?bool = null,
    flush_on_close: ?bool = null,
};

fn parseOptions(json: []const u8) Error!db_module.Options {
    var options = db_module.Options{};
    if (json.len == 0) return options;
    const parsed = std.json.parseFromSlice(OpenOptions, allocator, json, .{}) catch |err| {
        types.setErrorMessage("invalid options JSON ({s}); known options are the fields of pgz_open's documentation", .{@errorName(err)});
        return error.InvalidArgument;
    };
    defer parsed.deinit();
    const o = parsed.value;
    if (o.sync) |mode| {
        options.sync_mode = std.meta.stringToEnum(db_module.SyncMode, mode) orelse {
            types.setErrorMessage("sync must be \"full\", \"normal\" or \"off\", not \"{s}\"", .{mode});
            return error.InvalidArgument;
        };
    }
    inline for (.{ "memtable_size_bytes", "immutable_memtables_max", "l0_compaction_trigger", "l0_slowdown_trigger", "l0_stop_trigger", "level1_size_bytes", "level_size_multiplier", "sstable_size_bytes", "block_size_bytes", "bloom_bits_per_key", "block_cache_size_bytes", "compaction_bytes_per_second", "vacuum_garbage_per_mille", "background_threads" }) |name| {
        if (@field(o, name)) |v| @field(options.lsm, name) = v;
    }
    inline for (.{ "sync_interval_ms", "vlog_segment_size_bytes", "value_inline_threshold_bytes", "create_if_missing", "error_if_exists", "flush_on_close" }) |name| {
        if (@field(o, name)) |v| @field(options, name) = v;
    }
    options.validate() catch {
        types.setErrorMessage("an option is out of its allowed range (see include/pgz.h)", .{});
        return error.InvalidArgument;
    };
    return options;
}

export fn pgz_open(path_ptr: ?[*]const u8, path_len: usize, options_ptr: ?[*]const u8, options_len: usize, out: ?*?*anyopaque) c_int {
    types.clearErrorMessage();
    const out_ptr = out orelse return failWith(.invalid_argument, "out must not be null", .{});
    out_ptr.* = null;
    const path = slice(path_ptr, path_len) orelse return failWith(.invalid_argument, "path must not be empty", .{});
    if (path.len == 0 or path.len > 4096) return failWith(.invalid_argument, "path must be 1 to 4096 bytes", .{});
    if (std.mem.indexOfScalar(u8, path, 0) != null) return failWith(.invalid_argument, "path must not contain NUL", .{});
    const options = parseOptions(slice(options_ptr, options_len) orelse "") catch |err| return fail(err);
    const db = Db.openPath(allocator, path, options) catch |err| return fail(err);
    const entry = allocator.create(DbEntry) catch {
        db.close();
        return fail(error.OutOfMemory);
    };
    entry.* = .{ .db = db };
    const id = registry.add(.{ .db = entry }) catch {
        allocator.destroy(entry);
        db.close();
        return fail(error.OutOfMemory);
    };
    out_ptr.* = handleOf(id);
    return ok;
}

/// Closes the database: aborts its open transactions, closes its iterators, waits for
/// calls and jobs in flight, finishes queued commits, and frees it.
export fn pgz_close(handle: ?*anyopaque) c_int {
    types.clearErrorMessage();
    const id = handleId(handle);
    const entry = blk: {
        registry.mutex.lock();
        defer registry.mutex.unlock();
        const e = registry.entries.get(id) orelse return closedHandle("database");
        switch (e) {
            .db => |d| {
                if (d.closing.swap(true, .acq_rel)) return closedHandle("database");
                break :blk d;
            },
            else => return closedHandle("database"),
        }
    };
    // Wait for calls and background jobs in flight on other threads to leave.
    var spins: u64 = 0;
    while (entry.calls.load(.acquire) != 0 or entry.jobs.load(.acquire) != 0) : (spins += 1) {
        std.Thread.sleep(if (spins < 100) 10 * std.time.ns_per_us else std.time.ns_per_ms);
    }
    var children: std.ArrayList(u64) = .empty;
    defer children.deinit(allocator);
    registry.childrenOf(id, .iter, &children) catch {};
    for (children.items) |child| closeIterEntry(child);
    children.clearRetainingCapacity();
    registry.childrenOf(id, .txn, &children) catch {};
    for (children.items) |child| {
        const removed = registry.remove(child) orelse continue;
        const txn = removed.txn;
        entry.db.abort(txn.txn);
        allocator.destroy(txn);
    }
    _ = registry.remove(id);
    entry.db.close();
    allocator.destroy(entry);
    return ok;
}

/// Copies `value` to the caller's buffer, or reports the size needed.
fn deliver(value: []const u8, buffer: ?[*]u8, capacity: usize, value_len: ?*usize) c_int {
    if (value_len) |len| len.* = value.len;
    if (value.len > capacity) return failWith(.buffer_too_small, "value of {d} bytes does not fit the {d}-byte buffer", .{ value.len, capacity });
    if (value.len > 0) @memcpy(buffer.?[0..value.len], value);
    return ok;
}

export fn pgz_get(handle: ?*anyopaque, key_ptr: ?[*]const u8, key_len: usize, buffer: ?[*]u8, capacity: usize, value_len: ?*usize) c_int {
    types.clearErrorMessage();
    const entered = enterDb(handleId(handle)) orelse return closedHandle("database");
    defer entered.leave();
    const key = slice(key_ptr, key_len) orelse return failWith(.invalid_argument, "key must not be null", .{});
    if (buffer == null and capacity > 0) return failWith(.invalid_argument, "buffer is null but capacity is {d}", .{capacity});
    const found = entered.entry.db.get(key, &scratch) catch |err| return fail(err);
    if (!found) {
        if (value_len) |len| len.* = 0;
        return @intFromEnum(Status.not_found);
    }
    return deliver(scratch.items, buffer, capacity, value_len);
}

export fn pgz_put(handle: ?*anyopaque, key_ptr: ?[*]const u8, key_len: usize, value_ptr: ?[*]const u8, value_len: usize) c_int {
    types.clearErrorMessage();
    const entered = enterDb(handleId(handle)) orelse return closedHandle("database");
    defer entered.leave();
    const key = slice(key_ptr, key_len) orelse return failWith(.invalid_argument, "key must not be null", .{});
    const value = valueSlice(value_ptr, value_len) orelse return failWith(.invalid_argument, "value must not be null", .{});
    entered.entry.db.put(key, value) catch |err| return fail(err);
    return ok;
}

export fn pgz_delete(handle: ?*anyopaque, key_ptr: ?[*]const u8, key_len: usize) c_int {
    types.clearErrorMessage();
    const entered = enterDb(handleId(handle)) orelse return closedHandle("database");
    defer entered.leave();
    const key = slice(key_ptr, key_len) orelse return failWith(.invalid_argument, "key must not be null", .{});
    entered.entry.db.delete(key) catch |err| return fail(err);
    return ok;
}

// ---------------------------------------------------------------------------- transactions

const txn_read_only: u32 = 1 << 8;
const txn_isolation_mask: u32 = 0xff;
const get_latest: u32 = 1;

export fn pgz_txn_begin(handle: ?*anyopaque, flags: u32, out: ?*?*anyopaque) c_int {
    types.clearErrorMessage();
    const out_ptr = out orelse return failWith(.invalid_argument, "out must not be null", .{});
    out_ptr.* = null;
    const entered = enterDb(handleId(handle)) orelse return closedHandle("database");
    defer entered.leave();
    if (flags & ~(txn_isolation_mask | txn_read_only) != 0) return failWith(.invalid_argument, "unknown transaction flags 0x{x}", .{flags});
    const isolation = std.meta.intToEnum(db_module.Isolation, flags & txn_isolation_mask) catch
        return failWith(.invalid_argument, "unknown isolation {d}", .{flags & txn_isolation_mask});
    const txn = entered.entry.db.begin(isolation, flags & txn_read_only != 0) catch |err| return fail(err);
    const entry = allocator.create(TxnEntry) catch {
        entered.entry.db.abort(txn);
        return fail(error.OutOfMemory);
    };
    entry.* = .{ .txn = txn, .db = entered.id };
    const id = registry.add(.{ .txn = entry }) catch {
        allocator.destroy(entry);
        entered.entry.db.abort(txn);
        return fail(error.OutOfMemory);
    };
    out_ptr.* = handleOf(id);
    return ok;
}

export fn pgz_txn_get(handle: ?*anyopaque, flags: u32, key_ptr: ?[*]const u8, key_len: usize, buffer: ?[*]u8, capacity: usize, value_len: ?*usize) c_int {
    types.clearErrorMessage();
    const entered = enterTxn(handleId(handle)) orelse return closedHandle("transaction");
    defer entered.db.leave();
    if (flags & ~get_latest != 0) return failWith(.invalid_argument, "unknown get flags 0x{x}", .{flags});
    const key = slice(key_ptr, key_len) orelse return failWith(.invalid_argument, "key must not be null", .{});
    if (buffer == null and capacity > 0) return failWith(.invalid_argument, "buffer is null but capacity is {d}", .{capacity});
    const found = entered.db.entry.db.txnGet(entered.txn.txn, key, flags & get_latest != 0, &scratch) catch |err| return fail(err);
    if (!found) {
        if (value_len) |len| len.* = 0;
        return @intFromEnum(Status.not_found);
    }
    return deliver(scratch.items, buffer, capacity, value_len);
}

export fn pgz_txn_put(handle: ?*anyopaque, key_ptr: ?[*]const u8, key_len: usize, value_ptr: ?[*]const u8, value_len: usize) c_int {
    types.clearErrorMessage();
    const entered = enterTxn(handleId(handle)) orelse return closedHandle("transaction");
    defer entered.db.leave();
    const key = slice(key_ptr, key_len) orelse return failWith(.invalid_argument, "key must not be null", .{});
    const value = valueSlice(value_ptr, value_len) orelse return failWith(.invalid_argument, "value must not be null", .{});
    entered.txn.txn.write(key, value) catch |err| return fail(err);
    return ok;
}

export fn pgz_txn_delete(handle: ?*anyopaque, key_ptr: ?[*]const u8, key_len: usize) c_int {
    types.clearErrorMessage();
    const entered = enterTxn(handleId(handle)) orelse return closedHandle("transaction");
    defer entered.db.leave();
    const key = slice(key_ptr, key_len) orelse return failWith(.invalid_argument, "key must not be null", .{});
    entered.txn.txn.write(key, null) catch |err| return fail(err);
    return ok;
}

/// Applies a batch of writes: records of op u8 (1 put, 2 delete), key_len u32 LE,
/// value_len u32 LE, key, value. All-or-nothing: a bad record applies none of them.
export fn pgz_txn_write_batch(handle: ?*anyopaque, batch_ptr: ?[*]const u8, batch_len: usize) c_int {
    types.clearErrorMessage();
    const entered = enterTxn(handleId(handle)) orelse return closedHandle("transaction");
    defer entered.db.leave();
    const batch = slice(batch_ptr, batch_len) orelse return failWith(.invalid_argument, "batch must not be null", .{});
    // Validate everything first.
    var pos: usize = 0;
    var count: usize = 0;
    while (pos < batch.len) : (count += 1) {
        if (batch.len - pos < 9) return failWith(.invalid_argument, "batch record {d} is cut short at byte {d}", .{ count, pos });
        const op = batch[pos];
        const key_len = std.mem.readInt(u32, batch[pos + 1 ..][0..4], .little);
        const value_len = std.mem.readInt(u32, batch[pos + 5 ..][0..4], .little);
        if (op != 1 and op != 2) return failWith(.invalid_argument, "batch record {d} has unknown op {d}", .{ count, op });
        if (op == 2 and value_len != 0) return failWith(.invalid_argument, "batch record {d}: a delete carries no value", .{count});
        if (key_len == 0 or key_len > types.key_size_bytes_max) return failWith(.too_large, "batch record {d}: key of {d} bytes (1 to {d} allowed)", .{ count, key_len, types.key_size_bytes_max });
        if (value_len > types.value_size_bytes_max) return failWith(.too_large, "batch record {d}: value of {d} bytes exceeds {d}", .{ count, value_len, types.value_size_bytes_max });
        pos += 9;
        if (batch.len - pos < @as(u64, key_len) + value_len) return failWith(.invalid_argument, "batch record {d} is cut short", .{count});
        pos += key_len + value_len;
    }
    const txn = entered.txn.txn;
    const savepoint = txn.savepoint();
    pos = 0;
    while (pos < batch.len) {
        const op = batch[pos];
        const key_len = std.mem.readInt(u32, batch[pos + 1 ..][0..4], .little);
        const value_len = std.mem.readInt(u32, batch[pos + 5 ..][0..4], .little);
        pos += 9;
        const key = batch[pos..][0..key_len];
        pos += key_len;
        const value = batch[pos..][0..value_len];
        pos += value_len;
        txn.write(key, if (op == 1) value else null) catch |err| {
            txn.rollbackTo(savepoint) catch unreachable;
            return fail(err);
        };
    }
    return ok;
}

export fn pgz_txn_savepoint(handle: ?*anyopaque, out: ?*u64) c_int {
    types.clearErrorMessage();
    const entered = enterTxn(handleId(handle)) orelse return closedHandle("transaction");
    defer entered.db.leave();
    const out_ptr = out orelse return failWith(.invalid_argument, "out must not be null", .{});
    out_ptr.* = entered.txn.txn.savepoint();
    return ok;
}

export fn pgz_txn_rollback_to(handle: ?*anyopaque, savepoint: u64) c_int {
    types.clearErrorMessage();
    const entered = enterTxn(handleId(handle)) orelse return closedHandle("transaction");
    defer entered.db.leave();
    entered.txn.txn.rollbackTo(savepoint) catch return failWith(.invalid_argument, "savepoint {d} does not belong to this transaction", .{savepoint});
    return ok;
}

export fn pgz_txn_refresh(handle: ?*anyopaque) c_int {
    types.clearErrorMessage();
    const entered = enterTxn(handleId(handle)) orelse return closedHandle("transaction");
    defer entered.db.leave();
    entered.txn.txn.refreshSnapshot() catch |err| return fail(err);
    return ok;
}

export fn pgz_txn_snapshot(handle: ?*anyopaque, out: ?*u64) c_int {
    types.clearErrorMessage();
    const entered = enterTxn(handleId(handle)) orelse return closedHandle("transaction");
    defer entered.db.leave();
    const out_ptr = out orelse return failWith(.invalid_argument, "out must not be null", .{});
    out_ptr.* = entered.txn.txn.snapshot_ts;
    return ok;
}

/// Removes a transaction's handle, closing its iterators first.
fn takeTxn(id: u64) ?*TxnEntry {
    var children: std.ArrayList(u64) = .empty;
    defer children.deinit(allocator);
    {
        registry.mutex.lock();
        defer registry.mutex.unlock();
        var it = registry.entries.iterator();
        while (it.next()) |e| switch (e.value_ptr.*) {
            .iter => |i| if (i.txn == id) children.append(allocator, e.key_ptr.*) catch {},
            else => {},
        };
    }
    for (children.items) |child| closeIterEntry(child);
    const removed = registry.remove(id) orelse return null;
    return removed.txn;
}

export fn pgz_txn_commit(handle: ?*anyopaque, commit_ts: ?*u64) c_int {
    types.clearErrorMessage();
    const entered = enterTxn(handleId(handle)) orelse return closedHandle("transaction");
    defer entered.db.leave();
    const entry = takeTxn(handleId(handle)) orelse return closedHandle("transaction");
    defer allocator.destroy(entry);
    const ts = entered.db.entry.db.commit(entry.txn) catch |err| return fail(err);
    if (commit_ts) |out| out.* = ts;
    return ok;
}

export fn pgz_txn_commit_async(handle: ?*anyopaque, token: u64) c_int {
    types.clearErrorMessage();
    const entered = enterTxn(handleId(handle)) orelse return closedHandle("transaction");
    defer entered.db.leave();
    const entry = takeTxn(handleId(handle)) orelse return closedHandle("transaction");
    defer allocator.destroy(entry);
    entered.db.entry.db.commitAsync(entry.txn, token) catch |err| {
        entered.db.entry.db.abort(entry.txn);
        return fail(err);
    };
    return ok;
}

export fn pgz_txn_abort(handle: ?*anyopaque) c_int {
    types.clearErrorMessage();
    const entered = enterTxn(handleId(handle)) orelse return closedHandle("transaction");
    defer entered.db.leave();
    const entry = takeTxn(handleId(handle)) orelse return closedHandle("transaction");
    entered.db.entry.db.abort(entry.txn);
    allocator.destroy(entry);
    return ok;
}

// ---------------------------------------------------------------------------- completions

pub const Completion = extern struct {
    token: u64,
    commit_ts: u64,
    status: i32,
    reserved: u32,
};

export fn pgz_set_notify(handle: ?*anyopaque, function: ?*const fn (u64) callconv(.c) void, ctx: u64) c_int {
    types.clearErrorMessage();
    const entered = enterDb(handleId(handle)) orelse return closedHandle("database");
    defer entered.leave();
    entered.entry.db.setNotify(if (function) |f| .{ .ctx = ctx, .function = f } else null);
    return ok;
}

export fn pgz_completions(handle: ?*anyopaque, out: ?[*]Completion, capacity: usize, count: ?*usize) c_int {
    types.clearErrorMessage();
    const entered = enterDb(handleId(handle)) orelse return closedHandle("database");
    defer entered.leave();
    const count_ptr = count orelse return failWith(.invalid_argument, "count must not be null", .{});
    count_ptr.* = 0;
    if (capacity == 0) return ok;
    const out_ptr = out orelse return failWith(.invalid_argument, "out is null but capacity is {d}", .{capacity});
    var records: [256]db_module.CompletionRecord = undefined;
    var total: usize = 0;
    while (total < capacity) {
        const want = @min(records.len, capacity - total);
        const got = entered.entry.db.takeCompletions(records[0..want]);
        for (records[0..got], 0..) |record, i| {
            out_ptr[total + i] = .{
                .token = record.token,
                .commit_ts = record.commit_ts,
                .status = if (record.result) |err| @intFromEnum(statusOf(err)) else 0,
                .reserved = 0,
            };
        }
        total += got;
        if (got < want) break;
    }
    count_ptr.* = total;
    return ok;
}

/// Why the database refuses writes after a failure, or why the last background job failed
/// (empty when neither happened).
export fn pgz_failure(handle: ?*anyopaque, buffer: ?[*]u8, capacity: usize, len: ?*usize) c_int {
    types.clearErrorMessage();
    const entered = enterDb(handleId(handle)) orelse return closedHandle("database");
    defer entered.leave();
    const db = entered.entry.db;
    var job_message: [512]u8 = undefined;
    const text = if (db.committer.poisoned != null)
        db.committer.poisonMessage()
    else if (db.lsm.backgroundError() != null)
        db.lsm.backgroundErrorMessage()
    else
        db.jobErrorMessage(&job_message);
    return deliver(text, buffer, capacity, len);
}

// ---------------------------------------------------------------------------- scans

const scan_reverse: u32 = 1;

export fn pgz_scan(handle: ?*anyopaque, txn_handle: ?*anyopaque, lower_ptr: ?[*]const u8, lower_len: usize, upper_ptr: ?[*]const u8, upper_len: usize, flags: u32, out: ?*?*anyopaque) c_int {
    types.clearErrorMessage();
    const out_ptr = out orelse return failWith(.invalid_argument, "out must not be null", .{});
    out_ptr.* = null;
    if (flags & ~scan_reverse != 0) return failWith(.invalid_argument, "unknown scan flags 0x{x}", .{flags});
    const entered = enterDb(handleId(handle)) orelse return closedHandle("database");
    defer entered.leave();
    var txn: ?*Txn = null;
    const txn_id = handleId(txn_handle);
    if (txn_id != 0) {
        const entry = registry.get(txn_id) orelse return closedHandle("transaction");
        switch (entry) {
            .txn => |t| {
                if (t.db != entered.id) return failWith(.invalid_argument, "the transaction belongs to another database", .{});
                txn = t.txn;
            },
            else => return closedHandle("transaction"),
        }
    }
    const iter = entered.entry.db.scan(txn, .{
        .lower = slice(lower_ptr, lower_len),
        .upper = slice(upper_ptr, upper_len),
        .reverse = flags & scan_reverse != 0,
    }) catch |err| return fail(err);
    const entry = allocator.create(IterEntry) catch {
        iter.close();
        return fail(error.OutOfMemory);
    };
    entry.* = .{ .iter = iter, .db = entered.id, .txn = txn_id };
    const id = registry.add(.{ .iter = entry }) catch {
        allocator.destroy(entry);
        iter.close();
        return fail(error.OutOfMemory);
    };
    out_ptr.* = handleOf(id);
    return ok;
}

const iter_entry_header_bytes = 8;

/// Fills the buffer with as many entries as fit: key_len u32 LE, value_len u32 LE, key,
/// value. `count` 0 with PGZ_OK means the scan is over.
export fn pgz_iter_next(handle: ?*anyopaque, buffer: ?[*]u8, capacity: usize, used: ?*usize, count: ?*u32) c_int {
    types.clearErrorMessage();
    const used_ptr = used orelse return failWith(.invalid_argument, "used must not be null", .{});
    const count_ptr = count orelse return failWith(.invalid_argument, "count must not be null", .{});
    used_ptr.* = 0;
    count_ptr.* = 0;
    const entry = blk: {
        const e = registry.get(handleId(handle)) orelse return closedHandle("iterator");
        break :blk switch (e) {
            .iter => |i| i,
            else => return closedHandle("iterator"),
        };
    };
    const entered = enterDb(entry.db) orelse return closedHandle("iterator");
    defer entered.leave();
    if (buffer == null and capacity > 0) return failWith(.invalid_argument, "buffer is null but capacity is {d}", .{capacity});
    var pos: usize = 0;
    var produced: u32 = 0;
    while (!entry.done) {
        if (!entry.pending) {
            const more = entry.iter.next() catch |err| {
                used_ptr.* = pos;
                count_ptr.* = produced;
                return fail(err);
            };
            if (!more) {
                entry.done = true;
                break;
            }
            entry.pending = true;
        }
        const key = entry.iter.key();
        const value = entry.iter.value();
        const size = iter_entry_header_bytes + key.len + value.len;
        if (size > capacity - pos) {
            if (produced == 0) {
                used_ptr.* = size;
                return failWith(.buffer_too_small, "the next entry needs {d} bytes; the buffer has {d}", .{ size, capacity });
            }
            break;
        }
        const out = buffer.?[pos..][0..size];
        std.mem.writeInt(u32, out[0..4], @intCast(key.len), .little);
        std.mem.writeInt(u32, out[4..8], @intCast(value.len), .little);
        @memcpy(out[8..][0..key.len], key);
        @memcpy(out[8 + key.len ..][0..value.len], value);
        pos += size;
        produced += 1;
        entry.pending = false;
    }
    used_ptr.* = pos;
    count_ptr.* = produced;
    return ok;
}

fn closeIterEntry(id: u64) void {
    const removed = registry.remove(id) orelse return;
    const entry = removed.iter;
    entry.iter.close();
    allocator.destroy(entry);
}

export fn pgz_iter_close(handle: ?*anyopaque) c_int {
    types.clearErrorMessage();
    const id = handleId(handle);
    const entry = registry.get(id) orelse return closedHandle("iterator");
    const db = switch (entry) {
        .iter => |i| i.db,
        else => return closedHandle("iterator"),
    };
    const entered = enterDb(db) orelse return closedHandle("iterator");
    defer entered.leave();
    closeIterEntry(id);
    return ok;
}

// ---------------------------------------------------------------------------- maintenance

export fn pgz_flush(handle: ?*anyopaque) c_int {
    types.clearErrorMessage();
    const entered = enterDb(handleId(handle)) orelse return closedHandle("database");
    defer entered.leave();
    entered.entry.db.flush() catch |err| return fail(err);
    return ok;
}

export fn pgz_sync(handle: ?*anyopaque) c_int {
    types.clearErrorMessage();
    const entered = enterDb(handleId(handle)) orelse return closedHandle("database");
    defer entered.leave();
    entered.entry.db.sync() catch |err| return fail(err);
    return ok;
}

export fn pgz_compact(handle: ?*anyopaque, lower_ptr: ?[*]const u8, lower_len: usize, upper_ptr: ?[*]const u8, upper_len: usize) c_int {
    types.clearErrorMessage();
    const entered = enterDb(handleId(handle)) orelse return closedHandle("database");
    defer entered.leave();
    entered.entry.db.compact(slice(lower_ptr, lower_len), slice(upper_ptr, upper_len)) catch |err| return fail(err);
    return ok;
}

export fn pgz_vacuum(handle: ?*anyopaque, lower_ptr: ?[*]const u8, lower_len: usize, upper_ptr: ?[*]const u8, upper_len: usize) c_int {
    types.clearErrorMessage();
    const entered = enterDb(handleId(handle)) orelse return closedHandle("database");
    defer entered.leave();
    entered.entry.db.vacuum(slice(lower_ptr, lower_len), slice(upper_ptr, upper_len)) catch |err| return fail(err);
    return ok;
}

const Job = struct {
    db_id: u64,
    entry: *DbEntry,
    kind: u32,
    token: u64,
    lower: ?[]u8,
    upper: ?[]u8,

    fn run(job: *Job) void {
        const db = job.entry.db;
        // Compaction and vacuum are background work: readers and committers go first.
        if (job.kind != job_flush) io.lowerThreadPriority();
        const result: Error!void = switch (job.kind) {
            job_flush => db.flush(),
            job_compact => db.compact(job.lower, job.upper),
            job_vacuum => db.vacuum(job.lower, job.upper),
            else => unreachable,
        };
        db.deliverJob(job.token, if (result) |_| null else |err| err);
        if (job.lower) |l| allocator.free(l);
        if (job.upper) |u| allocator.free(u);
        const entry = job.entry;
        allocator.destroy(job);
        _ = entry.jobs.fetchSub(1, .release);
    }
};

const job_flush: u32 = 1;
const job_compact: u32 = 2;
const job_vacuum: u32 = 3;

/// Runs flush (1), compact (2) or vacuum (3) on an engine thread; the outcome arrives as a
/// completion with `token`, like an asynchronous commit.
export fn pgz_job_start(handle: ?*anyopaque, kind: u32, lower_ptr: ?[*]const u8, lower_len: usize, upper_ptr: ?[*]const u8, upper_len: usize, token: u64) c_int {
    types.clearErrorMessage();
    const entered = enterDb(handleId(handle)) orelse return closedHandle("database");
    defer entered.leave();
    if (kind < job_flush or kind > job_vacuum) return failWith(.invalid_argument, "unknown job kind {d}", .{kind});
    const job = allocator.create(Job) catch return fail(error.OutOfMemory);
    job.* = .{ .db_id = entered.id, .entry = entered.entry, .kind = kind, .token = token, .lower = null, .upper = null };
    const cleanup = struct {
        fn f(j: *Job) void {
            if (j.lower) |l| allocator.free(l);
            if (j.upper) |u| allocator.free(u);
            allocator.destroy(j);
        }
    }.f;
    if (slice(lower_ptr, lower_len)) |l| job.lower = allocator.dupe(u8, l) catch {
        cleanup(job);
        return fail(error.OutOfMemory);
    };
    if (slice(upper_ptr, upper_len)) |u| job.upper = allocator.dupe(u8, u) catch {
        cleanup(job);
        return fail(error.OutOfMemory);
    };
    _ = entered.entry.jobs.fetchAdd(1, .acq_rel);
    entered.entry.db.noteJobStarted();
    const thread = std.Thread.spawn(.{}, Job.run, .{job}) catch {
        _ = entered.entry.jobs.fetchSub(1, .release);
        entered.entry.db.deliverJob(token, error.SystemResources);
        cleanup(job);
        return ok;
    };
    thread.detach();
    return ok;
}

export fn pgz_stats(handle: ?*anyopaque, out: ?*?[*]u8, len: ?*usize) c_int {
    types.clearErrorMessage();
    const entered = enterDb(handleId(handle)) orelse return closedHandle("database");
    defer entered.leave();
    const out_ptr = out orelse return failWith(.invalid_argument, "out must not be null", .{});
    const len_ptr = len orelse return failWith(.invalid_argument, "len must not be null", .{});
    const json = entered.entry.db.statsJson(allocator) catch |err| return fail(err);
    // pgz_free needs only the pointer: keep the length in front of the text.
    const block = allocator.alloc(u8, json.len + 16) catch {
        allocator.free(json);
        return fail(error.OutOfMemory);
    };
    std.mem.writeInt(u64, block[0..8], json.len + 16, .little);
    @memcpy(block[16..], json);
    allocator.free(json);
    out_ptr.* = block.ptr + 16;
    len_ptr.* = json.len;
    return ok;
}

export fn pgz_free(ptr: ?*anyopaque) void {
    const p: [*]u8 = @ptrCast(ptr orelse return);
    const block = p - 16;
    const size = std.mem.readInt(u64, block[0..8], .little);
    allocator.free(block[0..size]);
}
