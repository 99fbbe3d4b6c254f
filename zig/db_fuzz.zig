//! Randomized tests of the whole engine against a simple model, reproducible from a seed:
//! - a model test of puts, deletes, gets, scans, transactions, flush, compact, vacuum,
//!   reopen and crash;
//! - crash points: a workload of single writes, multi-key transactions and group commits
//!   is crashed at every write and sync it makes (unsynced data lost or torn); after each
//!   crash every acknowledged commit is present and no unacknowledged one is partly visible;
//! - faults: EIO and ENOSPC in the value log, commit log, manifest, flush and compaction are
//!   reported, nothing acknowledged is lost, and reopening after the fault clears recovers.
//! Lengths scale with -Dfuzz-scale; PGZ_SEED=<n> in the environment replays one seed.

const std = @import("std");
const assert = std.debug.assert;
const build_options = @import("build_options");
const types = @import("types.zig");
const io = @import("io.zig");
const db_module = @import("db.zig");

const Db = db_module.Db;
const std_testing = std.testing;

/// The testing allocator records a stack trace per allocation, which dominates these long
/// runs; this one still reports leaks (by count and size) without the traces.
const FastLeakCheck = std.heap.DebugAllocator(.{ .stack_trace_frames = 0 });

/// `testing.allocator` here is the leak-checking allocator without traces.
const testing = struct {
    var gpa: FastLeakCheck = .init;
    const allocator = gpa.allocator();
    const expect = std_testing.expect;
    const expectEqual = std_testing.expectEqual;
    const expectEqualSlices = std_testing.expectEqualSlices;
    const expectEqualStrings = std_testing.expectEqualStrings;
    const expectError = std_testing.expectError;

    fn checkLeaks() !void {
        if (gpa.deinit() == .leak) return error.MemoryLeak;
        gpa = .init;
    }
};

fn seedFromEnv() u64 {
    const text = std.posix.getenv("PGZ_SEED") orelse return std.crypto.random.int(u64);
    return std.fmt.parseInt(u64, text, 10) catch std.crypto.random.int(u64);
}

fn smallOptions() db_module.Options {
    var options = db_module.Options{};
    options.lsm.background_threads = false;
    options.lsm.memtable_size_bytes = 64 * 1024;
    options.lsm.level1_size_bytes = 128 * 1024;
    options.lsm.level_size_multiplier = 4;
    options.lsm.sstable_size_bytes = 32 * 1024;
    options.lsm.block_cache_size_bytes = 256 * 1024;
    options.lsm.l0_compaction_trigger = 2;
    options.lsm.l0_slowdown_trigger = 6;
    options.lsm.l0_stop_trigger = 8;
    options.vlog_segment_size_bytes = 1024 * 1024;
    options.value_inline_threshold_bytes = 64;
    options.manifest_checkpoint_size_bytes = 64 * 1024;
    return options;
}

/// The committed state: key → value.
const Model = struct {
    allocator: std.mem.Allocator,
    map: std.StringHashMapUnmanaged([]u8) = .empty,

    fn deinit(self: *Model) void {
        var it = self.map.iterator();
        while (it.next()) |e| {
            self.allocator.free(e.key_ptr.*);
            self.allocator.free(e.value_ptr.*);
        }
        self.map.deinit(self.allocator);
    }

    fn put(self: *Model, key: []const u8, value: []const u8) !void {
        const copy = try self.allocator.dupe(u8, value);
        errdefer self.allocator.free(copy);
        if (self.map.getPtr(key)) |slot| {
            self.allocator.free(slot.*);
            slot.* = copy;
            return;
        }
        const key_copy = try self.allocator.dupe(u8, key);
        errdefer self.allocator.free(key_copy);
        try self.map.put(self.allocator, key_copy, copy);
    }

    fn delete(self: *Model, key: []const u8) void {
        const removed = self.map.fetchRemove(key) orelse return;
        self.allocator.free(removed.key);
        self.allocator.free(removed.value);
    }

    fn get(self: *const Model, key: []const u8) ?[]const u8 {
        return self.map.get(key);
    }

    /// Keys in [lower, upper), sorted.
    fn keysInRange(self: *const Model, allocator: std.mem.Allocator, lower: ?[]const u8, upper: ?[]const u8) ![][]const u8 {
        var list: std.ArrayList([]const u8) = .empty;
        var it = self.map.keyIterator();
        while (it.next()) |k| {
            if (lower) |l| if (std.mem.order(u8, k.*, l) == .lt) continue;
            if (upper) |u| if (std.mem.order(u8, k.*, u) != .lt) continue;
            try list.append(allocator, k.*);
        }
        std.mem.sort([]const u8, list.items, {}, struct {
            fn lessThan(_: void, a: []const u8, b: []const u8) bool {
                return std.mem.order(u8, a, b) == .lt;
            }
        }.lessThan);
        return list.toOwnedSlice(allocator);
    }
};

fn keyFor(buffer: []u8, n: u64) []const u8 {
    return std.fmt.bufPrint(buffer, "key{d:0>6}", .{n}) catch unreachable;
}

fn fillValue(random: std.Random, buffer: []u8) []const u8 {
    const len = if (random.uintLessThan(u32, 8) == 0) random.intRangeAtMost(usize, 65, 3000) else random.uintLessThan(usize, 64);
    random.bytes(buffer[0..len]);
    return buffer[0..len];
}

fn checkAll(db: *Db, model: *const Model) !void {
    var out: std.ArrayList(u8) = .empty;
    defer out.deinit(testing.allocator);
    const keys = try model.keysInRange(testing.allocator, null, null);
    defer testing.allocator.free(keys);
    for (keys) |key| {
        try testing.expect(try db.get(key, &out));
        try testing.expectEqualSlices(u8, model.get(key).?, out.items);
    }
    const it = try db.scan(null, .{});
    defer it.close();
    var count: usize = 0;
    while (try it.next()) : (count += 1) {
        try testing.expect(count < keys.len);
        try testing.expectEqualStrings(keys[count], it.key());
    }
    try testing.expectEqual(keys.len, count);
}

test "db model: random operations against an in-memory model (seeded)" {
    const seed = seedFromEnv();
    errdefer std.debug.print("db model test failed: PGZ_SEED={d}\n", .{seed});
    var prng = std.Random.DefaultPrng.init(seed);
    const random = prng.random();
    var sim = try io.SimFs.init(testing.allocator, seed);
    defer sim.deinit();
    var model = Model{ .allocator = testing.allocator };
    defer model.deinit();

    var db = try Db.open(testing.allocator, sim.fs(), smallOptions());
    defer db.close();
    var out: std.ArrayList(u8) = .empty;
    defer out.deinit(testing.allocator);
    var key_buffer: [32]u8 = undefined;
    var key_buffer2: [32]u8 = undefined;
    var value_buffer: [4096]u8 = undefined;
    const key_space = 600;
    const ops = 100_000 * @as(u64, build_options.fuzz_scale);
    var reopens: u64 = 0;
    var vacuums: u64 = 0;

    for (0..ops) |_| {
        const roll = random.uintLessThan(u32, 1000);
        if (roll < 350) {
            const key = keyFor(&key_buffer, random.uintLessThan(u64, key_space));
            const value = fillValue(random, &value_buffer);
            try db.put(key, value);
            try model.put(key, value);
        } else if (roll < 450) {
            const key = keyFor(&key_buffer, random.uintLessThan(u64, key_space));
            try db.delete(key);
            model.delete(key);
        } else if (roll < 700) {
            const key = keyFor(&key_buffer, random.uintLessThan(u64, key_space));
            const found = try db.get(key, &out);
            if (model.get(key)) |expected| {
                try testing.expect(found);
                try testing.expectEqualSlices(u8, expected, out.items);
            } else try testing.expect(!found);
        } else if (roll < 760) {
            const a = random.uintLessThan(u64, key_space + 10);
            const b = random.uintLessThan(u64, key_space + 10);
            const lower: ?[]const u8 = if (random.boolean()) keyFor(&key_buffer, @min(a, b)) else null;
            const upper: ?[]const u8 = if (random.boolean()) keyFor(&key_buffer2, @max(a, b)) else null;
            const reverse = random.boolean();
            const expected = try model.keysInRange(testing.allocator, lower, upper);
            defer testing.allocator.free(expected);
            const it = try db.scan(null, .{ .lower = lower, .upper = upper, .reverse = reverse });
            defer it.close();
            var i: usize = 0;
            while (try it.next()) : (i += 1) {
                try testing.expect(i < expected.len);
                const want = if (reverse) expected[expected.len - 1 - i] else expected[i];
                try testing.expectEqualStrings(want, it.key());
                try testing.expectEqualSlices(u8, model.get(want).?, it.value());
            }
            try testing.expectEqual(expected.len, i);
        } else if (roll < 960) {
            // A transaction of a few operations, committed or aborted.
            const txn = try db.begin(.snapshot, false);
            var staged = Model{ .allocator = testing.allocator };
            defer staged.deinit();
            var deleted: std.StringHashMapUnmanaged(void) = .empty;
            defer {
                var dit = deleted.keyIterator();
                while (dit.next()) |k| testing.allocator.free(k.*);
                deleted.deinit(testing.allocator);
            }
            const count = random.intRangeAtMost(u32, 1, 8);
            for (0..count) |_| {
                const key = keyFor(&key_buffer, random.uintLessThan(u64, key_space));
                if (random.uintLessThan(u32, 4) == 0) {
                    try db.txnDelete(txn, key);
                    staged.delete(key);
                    if (!deleted.contains(key)) try deleted.put(testing.allocator, try testing.allocator.dupe(u8, key), {});
                } else {
                    const value = fillValue(random, &value_buffer);
                    try db.txnPut(txn, key, value);
                    try staged.put(key, value);
                    if (deleted.fetchRemove(key)) |r| testing.allocator.free(r.key);
                }
                // Reads inside see the transaction's own writes.
                const probe = keyFor(&key_buffer2, random.uintLessThan(u64, key_space));
                const found = try db.txnGet(txn, probe, false, &out);
                const expected = staged.get(probe) orelse (if (deleted.contains(probe)) null else model.get(probe));
                if (expected) |e| {
                    try testing.expect(found);
                    try testing.expectEqualSlices(u8, e, out.items);
                } else try testing.expect(!found);
            }
            if (random.uintLessThan(u32, 5) == 0) {
                db.abort(txn);
            } else {
                _ = try db.commit(txn);
                var sit = staged.map.iterator();
                while (sit.next()) |e| try model.put(e.key_ptr.*, e.value_ptr.*);
                var dit = deleted.keyIterator();
                while (dit.next()) |k| model.delete(k.*);
            }
        } else if (roll < 975) {
            try db.flush();
        } else if (roll < 983) {
            const a = random.uintLessThan(u64, key_space);
            try db.compact(if (random.boolean()) keyFor(&key_buffer, a) else null, null);
        } else if (roll < 988) {
            try db.vacuum(null, null);
            vacuums += 1;
        } else if (roll < 995) {
            db.close();
            db = try Db.open(testing.allocator, sim.fs(), smallOptions());
            reopens += 1;
        } else {
            // Power loss: everything acknowledged was synced, so nothing may be lost.
            db.close();
            sim.crash(.random_subset);
            db = try Db.open(testing.allocator, sim.fs(), smallOptions());
            reopens += 1;
        }
    }
    try checkAll(db, &model);
    db.close();
    db = try Db.open(testing.allocator, sim.fs(), smallOptions());
    try checkAll(db, &model);
    try testing.expect(reopens > 0 and vacuums > 0);
}

/// A deterministic workload for the crash tests. Every operation reports whether it was
/// acknowledged; after the disk freezes, operations fail and are "in doubt".
const CrashWorkload = struct {
    model: Model,
    /// Transactions whose commit was submitted but not acknowledged (at most one group).
    in_doubt: std.ArrayList(Model) = .empty,
    in_doubt_deletes: std.ArrayList([]const u8) = .empty,

    fn deinit(self: *CrashWorkload) void {
        self.model.deinit();
        for (self.in_doubt.items) |*m| m.deinit();
        self.in_doubt.deinit(testing.allocator);
        self.in_doubt_deletes.deinit(testing.allocator);
    }

    /// Runs the workload until it ends or the disk freezes. Returns false if it stopped.
    fn run(self: *CrashWorkload, sim: *io.SimFs, seed: u64) !void {
        var prng = std.Random.DefaultPrng.init(seed);
        const random = prng.random();
        const db = Db.open(testing.allocator, sim.fs(), smallOptions()) catch return;
        defer db.close();
        var key_buffer: [32]u8 = undefined;
        var value_buffer: [4096]u8 = undefined;
        var next_key: u64 = 0;
        for (0..240) |step| {
            if (step == 80 or step == 160) {
                db.flush() catch return;
                continue;
            }
            if (step == 200) {
                db.vacuum(null, null) catch return;
                continue;
            }
            if (step % 3 == 2) {
                // A group of concurrent transactions committed together, each writing keys
                // of its own plus a shared counter key.
                var txns: [3]*db_module.Txn = undefined;
                var staged: [3]Model = undefined;
                for (&txns, &staged) |*t, *m| {
                    t.* = try db.begin(.unchecked, false);
                    m.* = .{ .allocator = testing.allocator };
                    for (0..3) |_| {
                        const key = keyFor(&key_buffer, next_key);
                        next_key += 1;
                        const value = fillValue(random, &value_buffer);
                        try db.txnPut(t.*, key, value);
                        try m.put(key, value);
                    }
                }
                for (txns, 0..) |t, i| try db.commitAsync(t, i);
                db.runQueuedCommits();
                var records: [3]db_module.CompletionRecord = undefined;
                const count = db.takeCompletions(&records);
                try testing.expectEqual(@as(usize, 3), count);
                var failed = false;
                for (records[0..count]) |record| {
                    const m = &staged[@intCast(record.token)];
                    if (record.result == null) {
                        var it = m.map.iterator();
                        while (it.next()) |e| try self.model.put(e.key_ptr.*, e.value_ptr.*);
                        m.deinit();
                    } else {
                        failed = true;
                        try self.in_doubt.append(testing.allocator, m.*);
                    }
                }
                if (failed) return;
                continue;
            }
            // A single put, sometimes overwriting, sometimes a delete.
            const roll = random.uintLessThan(u32, 10);
            if (roll < 2 and next_key > 0) {
                const key = keyFor(&key_buffer, random.uintLessThan(u64, next_key));
                const owned = self.model.map.getKey(key) orelse continue;
                db.delete(key) catch {
                    try self.in_doubt_deletes.append(testing.allocator, owned);
                    return;
                };
                self.model.delete(key);
                continue;
            }
            const key = keyFor(&key_buffer, if (roll < 5 and next_key > 0) random.uintLessThan(u64, next_key) else blk: {
                next_key += 1;
                break :blk next_key - 1;
            });
            const value = fillValue(random, &value_buffer);
            db.put(key, value) catch {
                var m = Model{ .allocator = testing.allocator };
                try m.put(key, value);
                try self.in_doubt.append(testing.allocator, m);
                return;
            };
            try self.model.put(key, value);
        }
    }

    /// After recovery: every acknowledged write is there; each in-doubt transaction is
    /// entirely there or entirely absent.
    fn verify(self: *CrashWorkload, db: *Db) !void {
        var out: std.ArrayList(u8) = .empty;
        defer out.deinit(testing.allocator);
        var doubted: std.StringHashMapUnmanaged(void) = .empty;
        defer doubted.deinit(testing.allocator);
        for (self.in_doubt.items) |*m| {
            var applied: ?bool = null;
            var it = m.map.iterator();
            while (it.next()) |e| {
                try doubted.put(testing.allocator, e.key_ptr.*, {});
                const found = try db.get(e.key_ptr.*, &out);
                const is_new = found and std.mem.eql(u8, out.items, e.value_ptr.*);
                const is_old = if (self.model.get(e.key_ptr.*)) |old| found and std.mem.eql(u8, out.items, old) else !found;
                try testing.expect(is_new or is_old);
                const this_applied = is_new and !is_old;
                if (is_new != is_old) {
                    if (applied) |a| try testing.expectEqual(a, this_applied) else applied = this_applied;
                }
            }
        }
        for (self.in_doubt_deletes.items) |key| try doubted.put(testing.allocator, key, {});
        var it = self.model.map.iterator();
        while (it.next()) |e| {
            if (doubted.contains(e.key_ptr.*)) continue;
            try testing.expect(try db.get(e.key_ptr.*, &out));
            try testing.expectEqualSlices(u8, e.value_ptr.*, out.items);
        }
    }
};

test "db crash points: every write and sync boundary, acknowledged commits survive, none partly visible" {
    // Three workloads (seeds), each crashed at every one of its durability operations.
    const base_seed = seedFromEnv();
    var checked: u64 = 0;
    for (0..3 * @as(u64, build_options.fuzz_scale)) |round| {
        checked += try crashSweep(base_seed +% round);
    }
    try testing.expect(checked >= 2000);
}

fn crashSweep(seed: u64) !u64 {
    errdefer std.debug.print("crash-point test failed: PGZ_SEED={d}\n", .{seed});
    // Count the workload's durability operations on a disk that never fails.
    const total_ops = blk: {
        var sim = try io.SimFs.init(testing.allocator, seed);
        defer sim.deinit();
        var workload = CrashWorkload{ .model = .{ .allocator = testing.allocator } };
        defer workload.deinit();
        try workload.run(&sim, seed);
        try testing.expect(workload.in_doubt.items.len == 0);
        break :blk sim.durabilityOpCount();
    };
    try testing.expect(total_ops > 600);
    const modes = [_]io.SimFs.CrashMode{ .lose_unsynced, .torn_prefix, .random_subset };
    var crash_point: u64 = 1;
    var checked: u64 = 0;
    while (crash_point <= total_ops) : (crash_point += 1) {
        const mode = modes[crash_point % modes.len];
        errdefer std.debug.print("crash point {d} of {d}, mode {s}\n", .{ crash_point, total_ops, @tagName(mode) });
        var sim = try io.SimFs.init(testing.allocator, seed +% crash_point);
        defer sim.deinit();
        var workload = CrashWorkload{ .model = .{ .allocator = testing.allocator } };
        defer workload.deinit();
        sim.setCrashAtOp(crash_point);
        try workload.run(&sim, seed);
        sim.crash(mode);
        sim.setCrashAtOp(null);
        const db = try Db.open(testing.allocator, sim.fs(), smallOptions());
        defer db.close();
        try workload.verify(db);
        checked += 1;
    }
    return checked;
}

const FaultCase = struct {
    name: []const u8,
    rule: io.SimFs.FaultRule,
    /// What triggers the faulty I/O.
    action: enum { put_large, put_small, flush, compact, vacuum },
};

test "db faults: EIO and ENOSPC are reported, nothing acknowledged is lost, reopen recovers" {
    const cases = [_]FaultCase{
        .{ .name = "value-log append", .rule = .{ .op = .write, .path_contains = "vlog/", .err = error.InputOutput }, .action = .put_large },
        .{ .name = "value-log full", .rule = .{ .op = .write, .path_contains = "vlog/", .err = error.NoSpaceLeft, .partial_write = true }, .action = .put_large },
        .{ .name = "value-log sync", .rule = .{ .op = .sync, .path_contains = "vlog/", .err = error.InputOutput }, .action = .put_large },
        .{ .name = "commit-log append", .rule = .{ .op = .write, .path_contains = "wal/", .err = error.NoSpaceLeft, .partial_write = true }, .action = .put_small },
        .{ .name = "commit-log sync", .rule = .{ .op = .sync, .path_contains = "wal/", .err = error.InputOutput }, .action = .put_small },
        .{ .name = "flush write", .rule = .{ .op = .write, .path_contains = "sst/", .err = error.NoSpaceLeft }, .action = .flush },
        .{ .name = "flush sync", .rule = .{ .op = .sync, .path_contains = "sst/", .err = error.InputOutput }, .action = .flush },
        .{ .name = "manifest update", .rule = .{ .op = .write, .path_contains = "MANIFEST", .err = error.InputOutput }, .action = .flush },
        .{ .name = "manifest sync", .rule = .{ .op = .sync, .path_contains = "MANIFEST", .err = error.NoSpaceLeft }, .action = .flush },
        .{ .name = "compaction write", .rule = .{ .op = .write, .path_contains = "sst/", .err = error.InputOutput }, .action = .compact },
        .{ .name = "vacuum relocation", .rule = .{ .op = .write, .path_contains = "vlog/", .err = error.NoSpaceLeft }, .action = .vacuum },
    };
    for (cases, 0..) |case, case_index| {
        errdefer std.debug.print("fault case: {s}\n", .{case.name});
        var sim = try io.SimFs.init(testing.allocator, 100 + case_index);
        defer sim.deinit();
        var model = Model{ .allocator = testing.allocator };
        defer model.deinit();
        var key_buffer: [32]u8 = undefined;
        const big = [_]u8{'v'} ** 2000;
        {
            const db = try Db.open(testing.allocator, sim.fs(), smallOptions());
            defer db.close();
            for (0..200) |i| {
                const key = keyFor(&key_buffer, i);
                const value: []const u8 = if (i % 3 == 0) &big else "small";
                try db.put(key, value);
                try model.put(key, value);
            }
            // Overwrite half so compaction and vacuum have garbage to work on.
            for (0..100) |i| {
                const key = keyFor(&key_buffer, i);
                try db.put(key, &big);
                try model.put(key, &big);
            }
            try sim.addFault(case.rule);
            const result: anyerror!void = switch (case.action) {
                .put_large => db.put("faulty", &big),
                .put_small => db.put("faulty", "x"),
                .flush => db.flush(),
                .compact => db.compact(null, null),
                .vacuum => db.vacuum(null, null),
            };
            try testing.expect(std.meta.isError(result));
            const err = result catch |e| e;
            try testing.expect(err == error.InputOutput or err == error.NoSpaceLeft or err == error.Poisoned);
            // Reads still give acknowledged data.
            var out: std.ArrayList(u8) = .empty;
            defer out.deinit(testing.allocator);
            try testing.expect(try db.get(keyFor(&key_buffer, 3), &out));
            try testing.expectEqualSlices(u8, model.get(keyFor(&key_buffer, 3)).?, out.items);
            // Writes are refused until reopen (the engine cannot trust its state).
            if (db.put("after", "x")) |_| {
                try model.put("after", "x");
            } else |refused| try testing.expect(refused == error.Poisoned or refused == error.InputOutput or refused == error.NoSpaceLeft);
            sim.clearFaults();
        }
        sim.crash(.lose_unsynced);
        const db = try Db.open(testing.allocator, sim.fs(), smallOptions());
        defer db.close();
        try checkAllAllowingExtra(db, &model, "faulty");
        try db.put("later", "works");
    }
}

/// Like checkAll, but `extra` may or may not exist (a write that failed mid-way may or may
/// not have become durable; either way it is whole).
fn checkAllAllowingExtra(db: *Db, model: *const Model, extra: []const u8) !void {
    var out: std.ArrayList(u8) = .empty;
    defer out.deinit(testing.allocator);
    var it = model.map.iterator();
    while (it.next()) |e| {
        try testing.expect(try db.get(e.key_ptr.*, &out));
        try testing.expectEqualSlices(u8, e.value_ptr.*, out.items);
    }
    const scan = try db.scan(null, .{});
    defer scan.close();
    var count: usize = 0;
    while (try scan.next()) {
        if (std.mem.eql(u8, scan.key(), extra)) continue;
        count += 1;
    }
    try testing.expectEqual(model.map.count(), count);
}

test "db tests: no leaks" {
    try testing.checkLeaks();
}
