//! Randomized tests of sstable.zig against a model (a sorted array of entries):
//! - tables of random shapes (key and value sizes, versions, kinds, block sizes, bloom
//!   settings), read back through every iterator operation, get and newestTimestamp;
//! - corruption: bit flips, overwrites and truncations of a valid table only ever produce
//!   error.Corruption (or error.UnsupportedFormat), or the table's exact contents;
//! - many threads reading one table through one small block cache.
//! Every failure prints the seed that reproduces it; `-Dfuzz-scale=N` runs N times longer.

const std = @import("std");
const assert = std.debug.assert;
const types = @import("types.zig");
const sstable = @import("sstable.zig");
const BlockCache = @import("cache.zig").BlockCache;
const fuzz_scale = @import("build_options").fuzz_scale;

const support = sstable.testing_support;
const ModelEntry = support.ModelEntry;
const MemoryFile = support.MemoryFile;
const Timestamp = types.Timestamp;
const testing = std.testing;

const Model = struct {
    entries: []const ModelEntry,

    /// The first entry ≥ (key, ts), or entries.len.
    fn lowerBound(self: Model, key: []const u8, ts: Timestamp) usize {
        var low: usize = 0;
        var high: usize = self.entries.len;
        while (low < high) {
            const mid = low + (high - low) / 2;
            const entry = self.entries[mid];
            if (types.compareInternal(entry.key, entry.ts, key, ts) == .lt) low = mid + 1 else high = mid;
        }
        return low;
    }

    /// The first entry > (key, ts), or entries.len.
    fn upperBound(self: Model, key: []const u8, ts: Timestamp) usize {
        var low: usize = 0;
        var high: usize = self.entries.len;
        while (low < high) {
            const mid = low + (high - low) / 2;
            const entry = self.entries[mid];
            if (types.compareInternal(entry.key, entry.ts, key, ts) != .gt) low = mid + 1 else high = mid;
        }
        return low;
    }

    fn get(self: Model, key: []const u8, snapshot_ts: Timestamp) ?ModelEntry {
        const index = self.lowerBound(key, snapshot_ts);
        if (index == self.entries.len) return null;
        if (!std.mem.eql(u8, self.entries[index].key, key)) return null;
        return self.entries[index];
    }
};

/// Keys share prefixes and come with several versions, so seeks and gets hit every case:
/// exact matches, between versions, between keys, before the first and after the last.
fn randomKey(arena: std.mem.Allocator, random: std.Random) ![]u8 {
    const alphabet = "\x00abc\xff";
    const size: usize = switch (random.uintLessThan(u32, 100)) {
        0 => types.key_size_bytes_max,
        1...4 => 100 + random.uintLessThan(usize, 400),
        else => 1 + random.uintLessThan(usize, 6),
    };
    const key = try arena.alloc(u8, size);
    for (key) |*byte| byte.* = alphabet[random.uintLessThan(usize, alphabet.len)];
    return key;
}

fn randomTs(random: std.Random) Timestamp {
    return switch (random.uintLessThan(u32, 50)) {
        0 => types.timestamp_max,
        1 => 0,
        else => 1 + random.uintLessThan(Timestamp, 200),
    };
}

fn randomEntries(arena: std.mem.Allocator, random: std.Random, count_max: usize) ![]ModelEntry {
    const count = 1 + random.uintLessThan(usize, count_max);
    var keys: std.ArrayList([]const u8) = .empty;
    const distinct = 1 + random.uintLessThan(usize, count);
    for (0..distinct) |_| try keys.append(arena, try randomKey(arena, random));

    var entries: std.ArrayList(ModelEntry) = .empty;
    for (0..count) |_| {
        const key = keys.items[random.uintLessThan(usize, keys.items.len)];
        const kind: types.EntryKind = switch (random.uintLessThan(u32, 10)) {
            0, 1 => .delete,
            2, 3 => .put_pointer,
            else => .put,
        };
        const value: []const u8 = switch (kind) {
            .delete => "",
            .put_pointer => blk: {
                const buffer = try arena.alloc(u8, types.ValuePointer.encoded_size_bytes);
                types.ValuePointer.encode(.{
                    .segment = random.uintLessThan(u64, 5),
                    .offset = random.int(u32),
                    .size = random.uintLessThan(u32, 1 << 20),
                }, buffer[0..types.ValuePointer.encoded_size_bytes]);
                break :blk buffer;
            },
            .put => blk: {
                const size: usize = switch (random.uintLessThan(u32, 100)) {
                    0...1 => 4000 + random.uintLessThan(usize, 20000),
                    2...9 => 100 + random.uintLessThan(usize, 2000),
                    else => random.uintLessThan(usize, 40),
                };
                const buffer = try arena.alloc(u8, size);
                random.bytes(buffer);
                break :blk buffer;
            },
        };
        try entries.append(arena, .{ .key = key, .ts = randomTs(random), .kind = kind, .value = value });
    }
    std.mem.sort(ModelEntry, entries.items, {}, ModelEntry.lessThan);
    // Internal keys are unique: keep the first of equal (key, ts) pairs.
    var unique: usize = 0;
    for (entries.items) |entry| {
        if (unique > 0) {
            const last = entries.items[unique - 1];
            if (types.compareInternal(last.key, last.ts, entry.key, entry.ts) == .eq) continue;
        }
        entries.items[unique] = entry;
        unique += 1;
    }
    return entries.items[0..unique];
}

fn randomOptions(random: std.Random) sstable.WriterOptions {
    const block_sizes = [_]u32{ 64, 128, 256, 512, 1024, 4096, 4096, 8192, 65536 };
    const bloom_bits = [_]u32{ 0, 1, 4, 10, 10, 20 };
    return .{
        .block_size_bytes = block_sizes[random.uintLessThan(usize, block_sizes.len)],
        .bloom_bits_per_key = bloom_bits[random.uintLessThan(usize, bloom_bits.len)],
    };
}

/// A probe target: often an existing internal key, sometimes a neighbour or a random one.
fn randomTarget(arena: std.mem.Allocator, random: std.Random, model: Model) !ModelEntry {
    const base = model.entries[random.uintLessThan(usize, model.entries.len)];
    return switch (random.uintLessThan(u32, 6)) {
        0, 1 => base,
        2 => .{ .key = base.key, .ts = randomTs(random), .kind = .put, .value = "" },
        3 => .{ .key = base.key, .ts = if (random.boolean()) base.ts +| 1 else base.ts -| 1, .kind = .put, .value = "" },
        4 => blk: {
            // A key just after or just before `base.key` in byte order.
            const key = try arena.alloc(u8, base.key.len + 1);
            @memcpy(key[0..base.key.len], base.key);
            key[base.key.len] = if (random.boolean()) 0 else 0xff;
            const longer = random.boolean() and key.len <= types.key_size_bytes_max;
            const shorter_len = base.key.len - @intFromBool(base.key.len > 1);
            break :blk .{ .key = if (longer) key else key[0..shorter_len], .ts = randomTs(random), .kind = .put, .value = "" };
        },
        else => .{ .key = try randomKey(arena, random), .ts = randomTs(random), .kind = .put, .value = "" },
    };
}

fn expectAt(it: *const sstable.Iterator, model: Model, index: ?usize) !void {
    if (index) |i| {
        if (i < model.entries.len) return support.expectEntry(it, model.entries[i]);
    }
    try testing.expect(!it.valid());
}

/// Walks a few random steps from the iterator's position, checking each against the model.
fn walk(it: *sstable.Iterator, model: Model, start: ?usize, random: std.Random) !void {
    var position = start;
    try expectAt(it, model, position);
    for (0..random.uintLessThan(usize, 8)) |_| {
        const i = position orelse return;
        if (i >= model.entries.len) return;
        if (random.boolean()) {
            try it.next();
            position = i + 1;
        } else {
            try it.prev();
            position = if (i == 0) null else i - 1;
        }
        try expectAt(it, model, position);
    }
}

fn checkModel(seed: u64) !void {
    var arena_state = std.heap.ArenaAllocator.init(testing.allocator);
    defer arena_state.deinit();
    const arena = arena_state.allocator();
    var prng = std.Random.DefaultPrng.init(seed);
    const random = prng.random();

    const model = Model{ .entries = try randomEntries(arena, random, 1 + random.uintLessThan(usize, 2000)) };
    const options = randomOptions(random);

    var memory = MemoryFile.init(testing.allocator);
    defer memory.deinit();
    var meta = try support.writeTable(testing.allocator, memory.file(), model.entries, options);
    defer meta.deinit(testing.allocator);

    var cache = try BlockCache.init(testing.allocator, random.uintLessThan(u64, 256 * 1024), 1 + random.uintLessThan(u32, 4));
    defer cache.deinit();
    const use_cache = random.boolean();
    const reader = try sstable.Reader.open(testing.allocator, memory.file(), 1, "fuzz.sst", if (use_cache) &cache else null);
    defer reader.close();

    // Properties.
    var tombstones: u64 = 0;
    var pointers: u64 = 0;
    var keys: u64 = 0;
    var ts_min: Timestamp = std.math.maxInt(Timestamp);
    var ts_max: Timestamp = 0;
    for (model.entries, 0..) |entry, i| {
        if (entry.kind == .delete) tombstones += 1;
        if (entry.kind == .put_pointer) pointers += 1;
        if (i == 0 or !std.mem.eql(u8, model.entries[i - 1].key, entry.key)) keys += 1;
        ts_min = @min(ts_min, entry.ts);
        ts_max = @max(ts_max, entry.ts);
    }
    for ([_]*const sstable.Meta{ &meta, &reader.meta }) |m| {
        try testing.expectEqual(@as(u64, model.entries.len), m.entry_count);
        try testing.expectEqual(tombstones, m.tombstone_count);
        try testing.expectEqual(pointers, m.pointer_count);
        try testing.expectEqual(keys, m.key_count);
        try testing.expectEqual(ts_min, m.min_ts);
        try testing.expectEqual(ts_max, m.max_ts);
        try testing.expectEqual(meta.file_size_bytes, m.file_size_bytes);
        var segment_total: u64 = 0;
        for (m.segments) |segment| segment_total += segment.pointer_count;
        try testing.expectEqual(pointers, segment_total);
    }

    var it = reader.iteratorWithOptions(.{ .fill_cache = random.uintLessThan(u32, 4) != 0 });
    defer it.close();

    // Full scans both ways.
    try it.seekToFirst();
    for (model.entries) |entry| {
        try support.expectEntry(&it, entry);
        try it.next();
    }
    try testing.expect(!it.valid());
    try it.seekToLast();
    var i = model.entries.len;
    while (i > 0) {
        i -= 1;
        try support.expectEntry(&it, model.entries[i]);
        try it.prev();
    }
    try testing.expect(!it.valid());

    // Seeks to every entry, each followed by a short random walk.
    for (model.entries, 0..) |entry, index| {
        try it.seekGE(entry.key, entry.ts);
        try walk(&it, model, index, random);
        try it.seekLE(entry.key, entry.ts);
        try walk(&it, model, index, random);
    }

    // Seeks, gets and newest timestamps at random targets.
    var value: std.ArrayList(u8) = .empty;
    defer value.deinit(testing.allocator);
    for (0..200) |_| {
        const target = try randomTarget(arena, random, model);
        try it.seekGE(target.key, target.ts);
        try walk(&it, model, model.lowerBound(target.key, target.ts), random);

        const upper = model.upperBound(target.key, target.ts);
        try it.seekLE(target.key, target.ts);
        try walk(&it, model, if (upper == 0) null else upper - 1, random);

        const expected = model.get(target.key, target.ts);
        const found = try reader.get(testing.allocator, target.key, target.ts, &value);
        if (expected) |e| {
            try testing.expectEqual(sstable.Found{ .ts = e.ts, .kind = e.kind }, found.?);
            try testing.expectEqualSlices(u8, e.value, value.items);
            try testing.expect(reader.mayContain(target.key));
        } else {
            try testing.expectEqual(@as(?sstable.Found, null), found);
        }

        const newest = model.get(target.key, std.math.maxInt(Timestamp));
        try testing.expectEqual(if (newest) |e| e.ts else null, try reader.newestTimestamp(target.key));
    }
}

test "sstable fuzz: random tables against a sorted model" {
    const seed_base = testing.random_seed;
    for (0..24 * fuzz_scale) |i| {
        const seed = seed_base +% i;
        checkModel(seed) catch |err| {
            std.debug.print("sstable model test failed with seed {d}\n", .{seed});
            return err;
        };
    }
}

const Mutation = enum { bit_flip, bit_flips, overwrite, truncate, truncate_page };

/// Applies one random mutation to a copy of a valid table and checks that reading it gives
/// either corruption or exactly the original contents.
fn checkCorruption(seed: u64, original: []const u8, model: Model, cache: *BlockCache, file_number: u64) !Mutation {
    var prng = std.Random.DefaultPrng.init(seed);
    const random = prng.random();

    var memory = MemoryFile.init(testing.allocator);
    defer memory.deinit();
    try memory.bytes.appendSlice(testing.allocator, original);
    const bytes = memory.bytes.items;

    const mutation = random.enumValue(Mutation);
    switch (mutation) {
        .bit_flip => {
            const bit = random.uintLessThan(usize, bytes.len * 8);
            bytes[bit / 8] ^= @as(u8, 1) << @intCast(bit % 8);
        },
        .bit_flips => for (0..2 + random.uintLessThan(usize, 8)) |_| {
            const bit = random.uintLessThan(usize, bytes.len * 8);
            bytes[bit / 8] ^= @as(u8, 1) << @intCast(bit % 8);
        },
        .overwrite => {
            const start = random.uintLessThan(usize, bytes.len);
            const end = @min(bytes.len, start + 1 + random.uintLessThan(usize, 64));
            if (random.boolean()) random.bytes(bytes[start..end]) else @memset(bytes[start..end], 0);
        },
        .truncate => try memory.file().truncate(random.uintLessThan(usize, bytes.len)),
        .truncate_page => try memory.file().truncate(random.uintLessThan(usize, bytes.len / types.page_size_bytes) * types.page_size_bytes),
    }

    const use_cache = random.boolean();
    const reader = sstable.Reader.open(testing.allocator, memory.file(), file_number, "fuzz.sst", if (use_cache) cache else null) catch |err| switch (err) {
        error.Corruption, error.UnsupportedFormat => return mutation,
        else => return err,
    };
    defer reader.close();
    // Blocks of this file must not outlive it in the shared cache.
    defer cache.evictFile(file_number);

    readAll(reader, model, random) catch |err| switch (err) {
        error.Corruption => return mutation,
        else => return err,
    };
    return mutation;
}

/// Reads everything through every path; any difference from the model fails the test.
fn readAll(reader: *const sstable.Reader, model: Model, random: std.Random) !void {
    var it = reader.iterator();
    defer it.close();
    try it.seekToFirst();
    for (model.entries) |entry| {
        try support.expectEntry(&it, entry);
        try it.next();
    }
    try testing.expect(!it.valid());
    try it.seekToLast();
    var i = model.entries.len;
    while (i > 0) {
        i -= 1;
        try support.expectEntry(&it, model.entries[i]);
        try it.prev();
    }
    var value: std.ArrayList(u8) = .empty;
    defer value.deinit(testing.allocator);
    for (0..8) |_| {
        const entry = model.entries[random.uintLessThan(usize, model.entries.len)];
        const found = (try reader.get(testing.allocator, entry.key, std.math.maxInt(Timestamp), &value)).?;
        const newest = model.get(entry.key, std.math.maxInt(Timestamp)).?;
        try testing.expectEqual(newest.ts, found.ts);
        try testing.expectEqualSlices(u8, newest.value, value.items);
    }
}

test "sstable fuzz: bit flips and truncations give corruption or the exact contents" {
    var arena_state = std.heap.ArenaAllocator.init(testing.allocator);
    defer arena_state.deinit();
    const arena = arena_state.allocator();
    const seed_base = testing.random_seed;
    var prng = std.Random.DefaultPrng.init(seed_base);
    const random = prng.random();

    var cache = try BlockCache.init(testing.allocator, 1 << 20, 4);
    defer cache.deinit();
    var mutation_counts = std.EnumArray(Mutation, u32).initFill(0);
    var file_number: u64 = 1;
    for (0..4) |table| {
        const model = Model{ .entries = try randomEntries(arena, random, 300) };
        var memory = MemoryFile.init(testing.allocator);
        defer memory.deinit();
        var options = randomOptions(random);
        options.block_size_bytes = @min(options.block_size_bytes, 1024);
        var meta = try support.writeTable(testing.allocator, memory.file(), model.entries, options);
        defer meta.deinit(testing.allocator);

        for (0..500 * fuzz_scale) |i| {
            const seed = seed_base +% table *% 1_000_003 +% i;
            file_number += 1;
            const mutation = checkCorruption(seed, memory.bytes.items, model, &cache, file_number) catch |err| {
                std.debug.print("sstable corruption test failed with seed {d} (table {d}, base seed {d})\n", .{ seed, table, seed_base });
                return err;
            };
            mutation_counts.getPtr(mutation).* += 1;
        }
    }
    for (std.enums.values(Mutation)) |mutation| try testing.expect(mutation_counts.get(mutation) > 0);
}

test "sstable fuzz: every single-bit flip of a small table" {
    // Exhaustive over every byte that carries data in a table of two blocks (and a sample
    // of the padding): no flip may go unnoticed or crash.
    const entries = [_]ModelEntry{
        .{ .key = "alpha", .ts = 9, .kind = .put, .value = "one" },
        .{ .key = "alpha", .ts = 4, .kind = .delete, .value = "" },
        .{ .key = "beta", .ts = 7, .kind = .put, .value = "two" },
    };
    const model = Model{ .entries = &entries };
    var memory = MemoryFile.init(testing.allocator);
    defer memory.deinit();
    var meta = try support.writeTable(testing.allocator, memory.file(), &entries, .{ .block_size_bytes = 64 });
    defer meta.deinit(testing.allocator);
    try testing.expectEqual(@as(u32, 2), meta.block_count);

    // The byte ranges that hold data: each block's payload and trailer, the index, bloom and
    // meta blocks, the footer.
    var ranges: std.ArrayList([2]u64) = .empty;
    defer ranges.deinit(testing.allocator);
    {
        const reader = try sstable.Reader.open(testing.allocator, memory.file(), 1, "flip.sst", null);
        defer reader.close();
        for (reader.fences) |fence| try ranges.append(testing.allocator, .{ fence.offset, fence.offset + fence.size_bytes });
        const footer = memory.bytes.items[memory.bytes.items.len - sstable.footer_size_bytes ..];
        const meta_end = std.mem.readInt(u64, footer[24..32], .little) + std.mem.readInt(u32, footer[40..44], .little);
        try ranges.append(testing.allocator, .{ meta.data_size_bytes, meta_end });
        try ranges.append(testing.allocator, .{ meta.file_size_bytes - sstable.footer_size_bytes, meta.file_size_bytes });
    }

    var copy = MemoryFile.init(testing.allocator);
    defer copy.deinit();
    try copy.bytes.appendSlice(testing.allocator, memory.bytes.items);
    var prng = std.Random.DefaultPrng.init(1);
    var detected: u32 = 0;
    var harmless: u32 = 0;
    for (0..memory.bytes.items.len * 8) |bit| {
        const byte_index = bit / 8;
        const in_data = for (ranges.items) |range| {
            if (byte_index >= range[0] and byte_index < range[1]) break true;
        } else false;
        // Padding: one bit in every 61 bytes.
        if (!in_data and bit % (61 * 8) != 0) continue;

        const mask = @as(u8, 1) << @intCast(bit % 8);
        copy.bytes.items[byte_index] ^= mask;
        defer copy.bytes.items[byte_index] ^= mask;

        const reader = sstable.Reader.open(testing.allocator, copy.file(), 1, "flip.sst", null) catch |err| {
            try testing.expectEqual(error.Corruption, err);
            try testing.expect(in_data);
            detected += 1;
            continue;
        };
        defer reader.close();
        if (readAll(reader, model, prng.random())) {
            try testing.expect(!in_data);
            harmless += 1;
        } else |err| {
            if (err != error.Corruption or !in_data) {
                std.debug.print("bit {d}: {s}\n", .{ bit, @errorName(err) });
                return error.TestUnexpectedResult;
            }
            detected += 1;
        }
    }
    try testing.expect(detected > 0);
    try testing.expect(harmless > 0);
}

test "sstable fuzz: threads reading one table through a small shared cache" {
    var arena_state = std.heap.ArenaAllocator.init(testing.allocator);
    defer arena_state.deinit();
    const arena = arena_state.allocator();
    const seed = testing.random_seed;
    var prng = std.Random.DefaultPrng.init(seed);
    // Enough entries for many more blocks than the cache holds (a seed may draw a table of a
    // few entries, which would never evict).
    var entries = try randomEntries(arena, prng.random(), 3000);
    while (entries.len < 1000) entries = try randomEntries(arena, prng.random(), 3000);
    const model = Model{ .entries = entries };

    var memory = MemoryFile.init(testing.allocator);
    defer memory.deinit();
    var meta = try support.writeTable(testing.allocator, memory.file(), model.entries, .{ .block_size_bytes = 512 });
    defer meta.deinit(testing.allocator);

    // Room for a handful of blocks, so blocks are evicted and re-read all the time.
    var cache = try BlockCache.init(testing.allocator, 8 * (types.page_size_bytes + 256), 2);
    defer cache.deinit();
    const reader = try sstable.Reader.open(testing.allocator, memory.file(), 77, "shared.sst", &cache);
    defer reader.close();

    const Worker = struct {
        fn run(r: *const sstable.Reader, m: Model, worker_seed: u64, failures: *std.atomic.Value(u32)) void {
            var worker_arena = std.heap.ArenaAllocator.init(std.heap.page_allocator);
            defer worker_arena.deinit();
            var worker_prng = std.Random.DefaultPrng.init(worker_seed);
            const worker_random = worker_prng.random();
            var value: std.ArrayList(u8) = .empty;
            defer value.deinit(std.heap.page_allocator);
            for (0..300 * fuzz_scale) |_| {
                step(r, m, worker_arena.allocator(), worker_random, &value) catch {
                    _ = failures.fetchAdd(1, .monotonic);
                    return;
                };
            }
        }

        fn step(r: *const sstable.Reader, m: Model, a: std.mem.Allocator, random: std.Random, value: *std.ArrayList(u8)) !void {
            const target = try randomTarget(a, random, m);
            const expected = m.get(target.key, target.ts);
            const found = try r.get(std.heap.page_allocator, target.key, target.ts, value);
            if ((expected == null) != (found == null)) return error.TestUnexpectedResult;
            if (expected) |e| {
                if (e.ts != found.?.ts or !std.mem.eql(u8, e.value, value.items)) return error.TestUnexpectedResult;
            }
            var it = r.iterator();
            defer it.close();
            try it.seekGE(target.key, target.ts);
            var index = m.lowerBound(target.key, target.ts);
            for (0..20) |_| {
                if (index == m.entries.len) {
                    if (it.valid()) return error.TestUnexpectedResult;
                    break;
                }
                const e = m.entries[index];
                if (!it.valid() or !std.mem.eql(u8, e.key, it.key()) or e.ts != it.ts() or
                    !std.mem.eql(u8, e.value, it.value()))
                {
                    return error.TestUnexpectedResult;
                }
                try it.next();
                index += 1;
            }
        }
    };

    var failures = std.atomic.Value(u32).init(0);
    var threads: [8]std.Thread = undefined;
    for (&threads, 0..) |*thread, i| {
        thread.* = try std.Thread.spawn(.{}, Worker.run, .{ reader, model, seed +% i, &failures });
    }
    for (threads) |thread| thread.join();
    if (failures.load(.monotonic) != 0) {
        std.debug.print("concurrent sstable reads failed with seed {d}\n", .{seed});
        return error.TestUnexpectedResult;
    }
    const stats = cache.stats();
    try testing.expect(stats.hits > 0);
    try testing.expect(stats.evictions > 0);
    try testing.expect(stats.size_bytes <= stats.capacity_bytes);
}
