//! The block cache: a sharded LRU of immutable SSTable blocks, keyed by
//! (file number, block offset), shared by every reader and every thread.
//!
//! Each shard has its own mutex, hash map and LRU list. An entry is *pinned* while a handle
//! to it is outstanding (`lookup` and `insert` return pinned handles, `release` unpins). Only
//! unpinned entries sit on the LRU list, so only they are evicted. Invariant, per shard and
//! checked after every operation: the shard is within its capacity, or every entry in it is
//! pinned. Pinned entries therefore push a shard over capacity only by their own bytes, and
//! the number of pinned entries is bounded by the caller (one per live iterator or get in
//! progress); the overshoot disappears as soon as they are released.
//!
//! `evictFile` drops a deleted file's blocks. A pinned block of that file leaves the map at
//! once (a later lookup misses) and is freed by its last `release`.
//!
//! The counters are atomics in each shard, summed by `stats` without taking any lock.

const std = @import("std");
const assert = std.debug.assert;
const types = @import("types.zig");

const FileNumber = types.FileNumber;
const page_size_bytes = types.page_size_bytes;

/// Block buffers are page-aligned so they can be the target of direct I/O reads.
pub const Buffer = []align(page_size_bytes) u8;

pub const BlockCache = struct {
    allocator: std.mem.Allocator,
    capacity_bytes: u64,
    shards: []Shard,
    /// Page-sized buffers of evicted blocks (most blocks are one page), handed out again by
    /// `allocBuffer`: at a steady hit ratio every miss evicts a block, and reusing its
    /// buffer spares an aligned allocation and a free per miss. At most `spare_count_max`.
    spare_mutex: std.Thread.Mutex = .{},
    spare: std.ArrayList(Buffer) = .empty,

    pub const spare_count_max: u32 = 64;

    pub const shard_count_max: u32 = 1024;
    /// A block may be pinned by this many handles at once (the engine pins at most one per
    /// thread per iterator, far below this).
    pub const pin_count_max: u32 = std.math.maxInt(u32) - 1;

    pub const Key = struct {
        file_number: FileNumber,
        block_offset: u64,
    };

    const Entry = struct {
        key: Key,
        buffer: Buffer,
        /// Bytes charged against the shard's capacity: the buffer plus this struct.
        charge_bytes: u64,
        pin_count: u32,
        shard_index: u32,
        /// In the shard's map. False once evicted by `evictFile` while pinned.
        cached: bool,
        /// Linked into the shard's LRU list exactly when `cached` and `pin_count == 0`.
        lru_node: std.DoublyLinkedList.Node = .{},
    };

    /// A pinned block. The bytes stay valid and unchanged until `release`.
    pub const Handle = struct {
        entry: *Entry,

        /// Deliberately typed without the page alignment: Zig 0.15.2 emits element loads
        /// through an over-aligned slice with the slice's alignment, which lets LLVM widen
        /// a one-byte load at the end of a buffer into a read past it.
        pub fn bytes(self: Handle) []const u8 {
            return self.entry.buffer;
        }
    };

    pub const Stats = struct {
        hits: u64,
        misses: u64,
        inserts: u64,
        evictions: u64,
        /// Bytes charged by the entries currently in the cache (pinned or not).
        size_bytes: u64,
        capacity_bytes: u64,
        /// Entries currently in the cache.
        entry_count: u64,
    };

    const Shard = struct {
        mutex: std.Thread.Mutex = .{},
        map: std.AutoHashMapUnmanaged(Key, *Entry) = .{},
        /// Unpinned entries, most recently used first.
        lru: std.DoublyLinkedList = .{},
        capacity_bytes: u64,
        /// Guarded by `mutex`; mirrored into `size_bytes_published` for `stats`.
        size_bytes: u64 = 0,
        /// Removals since the map was last rehashed: the map deletes with tombstones, which
        /// slow lookups down until a rehash clears them.
        removals_since_rehash: u64 = 0,

        hits: std.atomic.Value(u64) = .init(0),
        misses: std.atomic.Value(u64) = .init(0),
        inserts: std.atomic.Value(u64) = .init(0),
        evictions: std.atomic.Value(u64) = .init(0),
        size_bytes_published: std.atomic.Value(u64) = .init(0),
        entry_count_published: std.atomic.Value(u64) = .init(0),
    };

    pub fn init(allocator: std.mem.Allocator, capacity_bytes: u64, shard_count: u32) error{OutOfMemory}!BlockCache {
        assert(shard_count >= 1);
        assert(shard_count <= shard_count_max);
        const shards = try allocator.alloc(Shard, shard_count);
        errdefer allocator.free(shards);
        const shard_capacity_bytes = capacity_bytes / shard_count;
        for (shards) |*shard| shard.* = .{ .capacity_bytes = shard_capacity_bytes };
        var spare: std.ArrayList(Buffer) = .empty;
        try spare.ensureTotalCapacityPrecise(allocator, spare_count_max);
        return .{ .allocator = allocator, .capacity_bytes = capacity_bytes, .shards = shards, .spare = spare };
    }

    /// Frees every block. No handle may be outstanding.
    pub fn deinit(self: *BlockCache) void {
        for (self.shards) |*shard| {
            var it = shard.map.valueIterator();
            while (it.next()) |entry_ptr| {
                const entry = entry_ptr.*;
                assert(entry.cached);
                assert(entry.pin_count == 0); // A handle outlived the cache.
                self.freeEntry(entry);
            }
            shard.map.deinit(self.allocator);
        }
        self.allocator.free(self.shards);
        for (self.spare.items) |buffer| self.allocator.free(buffer);
        self.spare.deinit(self.allocator);
        self.* = undefined;
    }

    /// A buffer for `insert` (its contents are undefined); the cache frees or reuses it when
    /// the block is evicted.
    pub fn allocBuffer(self: *BlockCache, size_bytes: usize) error{OutOfMemory}!Buffer {
        assert(size_bytes > 0);
        if (size_bytes == page_size_bytes) {
            self.spare_mutex.lock();
            const reused = self.spare.pop();
            self.spare_mutex.unlock();
            if (reused) |buffer| {
                assert(buffer.len == page_size_bytes);
                return buffer;
            }
        }
        return self.allocator.alignedAlloc(u8, .fromByteUnits(page_size_bytes), size_bytes);
    }

    /// Gives back a buffer from `allocBuffer` that was not handed to `insert`.
    pub fn freeBuffer(self: *BlockCache, buffer: Buffer) void {
        if (buffer.len == page_size_bytes) {
            self.spare_mutex.lock();
            defer self.spare_mutex.unlock();
            if (self.spare.items.len < spare_count_max) {
                self.spare.appendAssumeCapacity(buffer);
                return;
            }
        }
        self.allocator.free(buffer);
    }

    /// Returns the block pinned, or null (counted as a miss).
    pub fn lookup(self: *BlockCache, file_number: FileNumber, block_offset: u64) ?Handle {
        const key = Key{ .file_number = file_number, .block_offset = block_offset };
        const shard = &self.shards[self.shardIndex(key)];
        shard.mutex.lock();
        defer shard.mutex.unlock();

        const entry = shard.map.get(key) orelse {
            _ = shard.misses.fetchAdd(1, .monotonic);
            return null;
        };
        assert(entry.cached);
        self.pin(shard, entry);
        _ = shard.hits.fetchAdd(1, .monotonic);
        return .{ .entry = entry };
    }

    /// Caches `buffer` (from `allocBuffer`; the cache owns it from now on, on every path,
    /// errors included) and returns it pinned. When another thread inserted the same block
    /// first, `buffer` is freed and the existing block is returned pinned instead.
    pub fn insert(self: *BlockCache, file_number: FileNumber, block_offset: u64, buffer: Buffer) error{OutOfMemory}!Handle {
        assert(buffer.len > 0);
        const key = Key{ .file_number = file_number, .block_offset = block_offset };
        const shard_index = self.shardIndex(key);
        const shard = &self.shards[shard_index];

        // Allocate outside the lock; most inserts do not race.
        const entry_new = self.allocator.create(Entry) catch |err| {
            self.freeBuffer(buffer);
            return err;
        };
        entry_new.* = .{
            .key = key,
            .buffer = buffer,
            .charge_bytes = buffer.len + @sizeOf(Entry),
            .pin_count = 1,
            .shard_index = shard_index,
            .cached = true,
        };

        shard.mutex.lock();
        defer shard.mutex.unlock();

        const gop = shard.map.getOrPut(self.allocator, key) catch |err| {
            self.freeEntry(entry_new);
            return err;
        };
        if (gop.found_existing) {
            self.freeEntry(entry_new);
            const entry = gop.value_ptr.*;
            assert(entry.cached);
            self.pin(shard, entry);
            return .{ .entry = entry };
        }
        gop.value_ptr.* = entry_new;
        shard.size_bytes += entry_new.charge_bytes;
        _ = shard.inserts.fetchAdd(1, .monotonic);
        self.evictOverCapacity(shard);
        self.publish(shard);
        return .{ .entry = entry_new };
    }

    /// Unpins. The handle must not be used afterwards.
    pub fn release(self: *BlockCache, handle: Handle) void {
        const entry = handle.entry;
        const shard = &self.shards[entry.shard_index];
        shard.mutex.lock();
        defer shard.mutex.unlock();

        assert(entry.pin_count > 0);
        entry.pin_count -= 1;
        if (entry.pin_count > 0) return;
        if (entry.cached) {
            shard.lru.prepend(&entry.lru_node);
            self.evictOverCapacity(shard);
            self.publish(shard);
        } else {
            // Evicted by evictFile while pinned: the last holder frees it.
            self.freeEntry(entry);
        }
    }

    /// Drops every block of `file_number` (the file is being deleted).
    pub fn evictFile(self: *BlockCache, file_number: FileNumber) void {
        for (self.shards) |*shard| {
            shard.mutex.lock();
            defer shard.mutex.unlock();

            var it = shard.map.iterator();
            // Removing the current entry during iteration is safe: removal only marks a
            // tombstone and never moves other entries.
            while (it.next()) |map_entry| {
                const entry = map_entry.value_ptr.*;
                if (entry.key.file_number != file_number) continue;
                shard.map.removeByPtr(map_entry.key_ptr);
                self.detach(shard, entry);
            }
            self.maybeRehash(shard);
            self.publish(shard);
        }
    }

    /// Lock-free snapshot of the counters (each counter is exact; the set is not atomic).
    pub fn stats(self: *const BlockCache) Stats {
        var result = Stats{
            .hits = 0,
            .misses = 0,
            .inserts = 0,
            .evictions = 0,
            .size_bytes = 0,
            .capacity_bytes = self.capacity_bytes,
            .entry_count = 0,
        };
        for (self.shards) |*shard| {
            result.hits += shard.hits.load(.monotonic);
            result.misses += shard.misses.load(.monotonic);
            result.inserts += shard.inserts.load(.monotonic);
            result.evictions += shard.evictions.load(.monotonic);
            result.size_bytes += shard.size_bytes_published.load(.monotonic);
            result.entry_count += shard.entry_count_published.load(.monotonic);
        }
        return result;
    }

    fn shardIndex(self: *const BlockCache, key: Key) u32 {
        // splitmix64 finalizer: block offsets are page multiples, so mix before reducing.
        var x = key.file_number *% 0x9E3779B97F4A7C15 ^ key.block_offset;
        x = (x ^ (x >> 30)) *% 0xBF58476D1CE4E5B9;
        x = (x ^ (x >> 27)) *% 0x94D049BB133111EB;
        x ^= x >> 31;
        const index: u32 = @intCast(x % self.shards.len);
        assert(index < self.shards.len);
        return index;
    }

    fn pin(self: *BlockCache, shard: *Shard, entry: *Entry) void {
        _ = self;
        assert(entry.cached);
        assert(entry.pin_count < pin_count_max);
        if (entry.pin_count == 0) shard.lru.remove(&entry.lru_node);
        entry.pin_count += 1;
    }

    /// Evicts least recently used unpinned entries until the shard fits its capacity or
    /// every remaining entry is pinned.
    fn evictOverCapacity(self: *BlockCache, shard: *Shard) void {
        while (shard.size_bytes > shard.capacity_bytes) {
            const node = shard.lru.last orelse break;
            const entry: *Entry = @fieldParentPtr("lru_node", node);
            assert(entry.cached);
            assert(entry.pin_count == 0);
            const removed = shard.map.remove(entry.key);
            assert(removed);
            self.detach(shard, entry);
            _ = shard.evictions.fetchAdd(1, .monotonic);
        }
        self.maybeRehash(shard);
        assert(shard.size_bytes <= shard.capacity_bytes or shard.lru.first == null);
    }

    /// Takes an entry that was just removed from the map out of the shard's accounting;
    /// frees it unless it is pinned.
    fn detach(self: *BlockCache, shard: *Shard, entry: *Entry) void {
        assert(entry.cached);
        assert(shard.size_bytes >= entry.charge_bytes);
        shard.size_bytes -= entry.charge_bytes;
        shard.removals_since_rehash += 1;
        entry.cached = false;
        if (entry.pin_count == 0) {
            shard.lru.remove(&entry.lru_node);
            self.freeEntry(entry);
        }
    }

    fn maybeRehash(self: *BlockCache, shard: *Shard) void {
        _ = self;
        if (shard.removals_since_rehash > @max(64, shard.map.capacity() / 2)) {
            assert(shard.map.capacity() > 0);
            shard.map.rehash(std.hash_map.AutoContext(Key){});
            shard.removals_since_rehash = 0;
        }
    }

    fn publish(self: *BlockCache, shard: *Shard) void {
        _ = self;
        shard.size_bytes_published.store(shard.size_bytes, .monotonic);
        shard.entry_count_published.store(shard.map.count(), .monotonic);
    }

    fn freeEntry(self: *BlockCache, entry: *Entry) void {
        self.freeBuffer(entry.buffer);
        self.allocator.destroy(entry);
    }
};

const testing = std.testing;

fn testBuffer(cache: *BlockCache, size_bytes: usize, fill: u8) !Buffer {
    const buffer = try cache.allocBuffer(size_bytes);
    @memset(buffer, fill);
    return buffer;
}

test "cache: lookup, insert, hit and miss counters" {
    var cache = try BlockCache.init(testing.allocator, 1 << 20, 4);
    defer cache.deinit();

    try testing.expect(cache.lookup(1, 0) == null);
    const handle = try cache.insert(1, 0, try testBuffer(&cache, 4096, 0xab));
    try testing.expectEqual(@as(u8, 0xab), handle.bytes()[4095]);
    cache.release(handle);

    const again = cache.lookup(1, 0).?;
    try testing.expectEqual(handle.entry, again.entry);
    cache.release(again);
    try testing.expect(cache.lookup(1, 4096) == null);
    try testing.expect(cache.lookup(2, 0) == null);

    const stats = cache.stats();
    try testing.expectEqual(@as(u64, 1), stats.hits);
    try testing.expectEqual(@as(u64, 3), stats.misses);
    try testing.expectEqual(@as(u64, 1), stats.inserts);
    try testing.expectEqual(@as(u64, 0), stats.evictions);
    try testing.expectEqual(@as(u64, 1), stats.entry_count);
    try testing.expectEqual(@as(u64, 4096 + @sizeOf(BlockCache.Entry)), stats.size_bytes);
}

test "cache: a racing insert returns the existing block and frees the new buffer" {
    var cache = try BlockCache.init(testing.allocator, 1 << 20, 1);
    defer cache.deinit();

    const first = try cache.insert(7, 8192, try testBuffer(&cache, 4096, 1));
    const second = try cache.insert(7, 8192, try testBuffer(&cache, 4096, 2));
    try testing.expectEqual(first.entry, second.entry);
    try testing.expectEqual(@as(u8, 1), second.bytes()[0]);
    cache.release(first);
    cache.release(second);
    try testing.expectEqual(@as(u64, 1), cache.stats().inserts);
}

test "cache: LRU eviction respects capacity and skips pinned blocks" {
    const entry_bytes = 4096 + @sizeOf(BlockCache.Entry);
    var cache = try BlockCache.init(testing.allocator, 3 * entry_bytes, 1);
    defer cache.deinit();

    const pinned = try cache.insert(1, 0, try testBuffer(&cache, 4096, 0));
    for (1..4) |i| {
        cache.release(try cache.insert(1, i * 4096, try testBuffer(&cache, 4096, @intCast(i))));
    }
    // Four blocks, room for three: the oldest unpinned one (offset 4096) went.
    try testing.expectEqual(@as(u64, 3), cache.stats().entry_count);
    try testing.expectEqual(@as(u64, 1), cache.stats().evictions);
    try testing.expect(cache.lookup(1, 4096) == null);

    // Touch 8192 so 12288 becomes the least recently used.
    cache.release(cache.lookup(1, 8192).?);
    cache.release(try cache.insert(1, 16384, try testBuffer(&cache, 4096, 4)));
    try testing.expect(cache.lookup(1, 12288) == null);
    const touched = cache.lookup(1, 8192).?;
    cache.release(touched);

    // The pinned block survived every eviction.
    try testing.expectEqual(@as(u8, 0), pinned.bytes()[0]);
    try testing.expect(cache.stats().size_bytes <= 3 * entry_bytes);

    // Pin everything: the cache goes over capacity by pinned bytes only, and comes back
    // within capacity once they are released.
    var handles: [4]BlockCache.Handle = undefined;
    for (&handles, 0..) |*handle, i| {
        handle.* = try cache.insert(2, i * 4096, try testBuffer(&cache, 4096, 9));
    }
    try testing.expect(cache.stats().size_bytes > 3 * entry_bytes);
    for (handles) |handle| cache.release(handle);
    cache.release(pinned);
    try testing.expect(cache.stats().size_bytes <= 3 * entry_bytes);
}

test "cache: evictFile drops a file's blocks, pinned ones when released" {
    var cache = try BlockCache.init(testing.allocator, 1 << 20, 4);
    defer cache.deinit();

    for (0..16) |i| {
        cache.release(try cache.insert(1, i * 4096, try testBuffer(&cache, 4096, 1)));
        cache.release(try cache.insert(2, i * 4096, try testBuffer(&cache, 4096, 2)));
    }
    const pinned = cache.lookup(1, 0).?;
    cache.evictFile(1);
    try testing.expectEqual(@as(u64, 16), cache.stats().entry_count);
    for (0..16) |i| {
        try testing.expect(cache.lookup(1, i * 4096) == null);
        cache.release(cache.lookup(2, i * 4096).?);
    }
    // Still readable until released, and a new insert of the same key is a new entry.
    try testing.expectEqual(@as(u8, 1), pinned.bytes()[100]);
    const fresh = try cache.insert(1, 0, try testBuffer(&cache, 4096, 3));
    try testing.expect(fresh.entry != pinned.entry);
    cache.release(pinned);
    cache.release(fresh);
}

test "cache: evicted page-sized buffers are reused, up to a bound" {
    const entry_bytes = 4096 + @sizeOf(BlockCache.Entry);
    var cache = try BlockCache.init(testing.allocator, 2 * entry_bytes, 1);
    defer cache.deinit();
    cache.release(try cache.insert(1, 0, try testBuffer(&cache, 4096, 1)));
    cache.release(try cache.insert(1, 4096, try testBuffer(&cache, 4096, 2)));
    const second = cache.lookup(1, 4096).?;
    const second_buffer = second.entry.buffer.ptr;
    cache.release(second);
    cache.release(cache.lookup(1, 0).?);
    // Evicts 4096 (now the least recently used): the next miss gets its buffer back.
    cache.release(try cache.insert(1, 8192, try testBuffer(&cache, 4096, 3)));
    try testing.expect(cache.lookup(1, 4096) == null);
    const reused = try cache.allocBuffer(4096);
    try testing.expectEqual(second_buffer, reused.ptr);
    @memset(reused, 4);
    const handle = try cache.insert(1, 4096, reused);
    try testing.expectEqual(@as(u8, 4), handle.bytes()[4095]);
    cache.release(handle);
    const other = cache.lookup(1, 8192).?;
    try testing.expectEqual(@as(u8, 3), other.bytes()[0]);
    cache.release(other);
    // Other sizes are not kept, and the spare list never grows past its bound.
    cache.freeBuffer(try cache.allocBuffer(8192));
    var buffers: [BlockCache.spare_count_max + 8]Buffer = undefined;
    for (&buffers) |*b| b.* = try cache.allocator.alignedAlloc(u8, .fromByteUnits(page_size_bytes), 4096);
    for (buffers) |b| cache.freeBuffer(b);
    try testing.expectEqual(@as(usize, BlockCache.spare_count_max), cache.spare.items.len);
}

test "cache: a block larger than a shard's capacity is served and then evicted" {
    var cache = try BlockCache.init(testing.allocator, 8192, 2);
    defer cache.deinit();
    const handle = try cache.insert(3, 0, try testBuffer(&cache, 65536, 5));
    try testing.expectEqual(@as(usize, 65536), handle.bytes().len);
    try testing.expect(std.mem.allEqual(u8, handle.bytes(), 5));
    cache.release(handle);
    try testing.expectEqual(@as(u64, 0), cache.stats().entry_count);
    try testing.expectEqual(@as(u64, 0), cache.stats().size_bytes);
}

test "cache: threads hammering lookups and inserts" {
    const fuzz_scale = @import("build_options").fuzz_scale;
    const thread_count = 8;
    const ops_per_thread: u32 = 20_000 * fuzz_scale;
    const entry_bytes = 512 + @sizeOf(BlockCache.Entry);
    var cache = try BlockCache.init(testing.allocator, 64 * entry_bytes, 4);
    defer cache.deinit();

    const Worker = struct {
        fn fill(file_number: u64, block_offset: u64) u8 {
            return @truncate(file_number *% 31 +% block_offset / 4096);
        }

        fn run(c: *BlockCache, seed: u64, failures: *std.atomic.Value(u32)) void {
            var prng = std.Random.DefaultPrng.init(seed);
            const random = prng.random();
            var held: [4]?BlockCache.Handle = .{null} ** 4;
            for (0..ops_per_thread) |_| {
                const file_number = random.uintLessThan(u64, 4);
                const block_offset = random.uintLessThan(u64, 64) * 4096;
                const expected = fill(file_number, block_offset);
                const slot = random.uintLessThan(usize, held.len);
                if (held[slot]) |handle| {
                    c.release(handle);
                    held[slot] = null;
                }
                if (random.uintLessThan(u32, 1000) == 0) c.evictFile(file_number);
                const handle = c.lookup(file_number, block_offset) orelse blk: {
                    const buffer = c.allocBuffer(512) catch {
                        _ = failures.fetchAdd(1, .monotonic);
                        continue;
                    };
                    @memset(buffer, expected);
                    break :blk c.insert(file_number, block_offset, buffer) catch {
                        _ = failures.fetchAdd(1, .monotonic);
                        continue;
                    };
                };
                for (handle.bytes()) |byte| {
                    if (byte != expected) {
                        _ = failures.fetchAdd(1, .monotonic);
                        break;
                    }
                }
                held[slot] = handle;
            }
            for (held) |maybe| if (maybe) |handle| c.release(handle);
        }
    };

    var failures = std.atomic.Value(u32).init(0);
    var threads: [thread_count]std.Thread = undefined;
    for (&threads, 0..) |*thread, i| {
        thread.* = try std.Thread.spawn(.{}, Worker.run, .{ &cache, 0x5eed + i, &failures });
    }
    for (threads) |thread| thread.join();

    try testing.expectEqual(@as(u32, 0), failures.load(.monotonic));
    const stats = cache.stats();
    try testing.expectEqual(@as(u64, thread_count) * ops_per_thread, stats.hits + stats.misses);
    try testing.expect(stats.size_bytes <= 64 * entry_bytes);
    var counted: u64 = 0;
    for (cache.shards) |*shard| counted += shard.map.count();
    try testing.expectEqual(counted, stats.entry_count);
}
