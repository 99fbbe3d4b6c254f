//! Sorted tables (SSTables): an immutable file of internal entries
//! `(user_key, ts, kind, value)` in strictly increasing internal order (user key ascending,
//! then timestamp descending; `types.compareInternal`). `Writer` builds one, `Reader` serves
//! point reads and iterators from it, many threads at once.
//!
//! ## File format (version 1)
//!
//! Every integer is little-endian. Every CRC is CRC32C (Castagnoli). A file is:
//!
//! ```
//! data block 0 | data block 1 | ... | index block | bloom block | meta block | padding | footer
//! ```
//!
//! The file's size is a multiple of the page size (4096 bytes). Each data block starts at a
//! page-aligned offset and is zero-padded to a multiple of the page size, so a block read is
//! page-aligned (direct I/O friendly). The index, bloom and meta blocks follow the data
//! region back to back, starting at its (page-aligned) end; zero padding then places the
//! footer in the last 64 bytes of the file. Padding is never read as data.
//!
//! ### Data block
//!
//! ```
//! entry 0 | entry 1 | ... | entry n-1 | offsets: u32 × n | n: u32 | crc: u32 | zero padding
//! ```
//!
//! An entry is a 15-byte header and two byte strings:
//!
//! ```
//! ts: u64 | value_size: u32 | key_size: u16 | kind: u8 | key [key_size] | value [value_size]
//! ```
//!
//! `kind` is `types.EntryKind` (1 put, 2 put_pointer, 3 delete); `key_size` is 1..4096;
//! a put_pointer's value is a 20-byte `types.ValuePointer`, a delete's value is empty.
//! `offsets[i]` is entry i's position from the block start; entries are contiguous
//! (`offsets[0] == 0`, each entry ends where the next begins, the last one where the
//! offsets array begins). `n >= 1`. `crc` covers every byte before it. The block's size
//! ("payload and trailer", everything up to and including `crc`) is recorded in the index;
//! the writer closes a block before it would exceed the target block size (a writer option,
//! default 4096), except that an entry bigger than the target gets a block of its own. A
//! block's size is at most `block_size_bytes_max` (15 + 4096 + 64 MiB + 12 bytes: one entry
//! with the largest key and inline value). Within a block, and across blocks,
//! entries are strictly increasing in internal order; a block's last entry equals its fence
//! in the index.
//!
//! ### Index block
//!
//! One fence per data block, in file order, then a count and a CRC:
//!
//! ```
//! fence × count | count: u32 | crc: u32
//! fence: block_offset: u64 | block_size: u32 | key_size: u16 | ts: u64 | key [key_size]
//! ```
//!
//! The fence key is the block's last internal key. Block 0 is at offset 0 and each next
//! block at the previous offset plus its size rounded up to the page size; the index block
//! starts where the last data block's padding ends.
//!
//! ### Bloom block
//!
//! ```
//! hash_count: u32 | bits_size: u32 | bits [bits_size] | crc: u32
//! ```
//!
//! A bloom filter over the distinct user keys (not timestamps). `bits_size` is a multiple of
//! 8 and `bit_count = 8 * bits_size`; bit `i` is `bits[i / 8] >> (i % 8) & 1`. A key's hash
//! is XXH64(seed 0) of the user key; probe j (0 ≤ j < hash_count) tests bit `h_j % bit_count`
//! with `h_0 = hash`, `h_{j+1} = h_j + delta` (wrapping) and `delta = rotr64(hash, 33)`.
//! `hash_count` is 0 (no filter; every key may be present) exactly when `bits_size` is 0,
//! and at most 30. The writer uses `bits_per_key × distinct user keys` bits rounded up to a
//! multiple of 64 (at least 64) and `hash_count = round(bits_per_key × ln 2)`, 1..30.
//!
//! ### Meta block
//!
//! ```
//!  0 entry_count: u64         entries in the table (≥ 1)
//!  8 tombstone_count: u64     entries of kind delete
//! 16 pointer_count: u64       entries of kind put_pointer
//! 24 key_count: u64           distinct user keys
//! 32 min_ts: u64              smallest timestamp of any entry
//! 40 max_ts: u64              largest timestamp of any entry
//! 48 data_size: u64           bytes of the data region (= the index block's offset)
//! 56 block_count: u32         data blocks (= the index's count)
//! 60 segment_count: u32       entries in the segment list below
//! 64 smallest_key_size: u16
//! 66 largest_key_size: u16
//! 68 smallest_ts: u64
//! 76 largest_ts: u64
//! 84 smallest_key [smallest_key_size] | largest_key [largest_key_size]
//!    segment × segment_count  (strictly increasing by segment)
//!    crc: u32
//! segment: segment: u64 | pointer_count: u64 | pointer_bytes: u64
//! ```
//!
//! smallest/largest are the first and last internal keys. For each value-log segment that
//! put_pointer entries point into: how many do, and the sum of their pointers' `size`
//! fields (value-log garbage accounting). The counts sum to `pointer_count`.
//!
//! ### Footer (the last 64 bytes of the file)
//!
//! ```
//!  0 crc: u32             CRC32C of footer bytes 4..footer_size
//!  4 reserved: u32        zero
//!  8 index_offset: u64
//! 16 bloom_offset: u64    index_offset + index_size
//! 24 meta_offset: u64     bloom_offset + bloom_size
//! 32 index_size: u32
//! 36 bloom_size: u32
//! 40 meta_size: u32
//! 44 reserved: u32        zero
//! 48 footer_size: u32     64
//! 52 format_version: u32  1
//! 56 magic: u64           the ASCII bytes "pgz.sst\n"
//! ```
//!
//! The last 16 bytes (`footer_size`, `format_version`, `magic`) and the leading CRC keep
//! their places in every format version, so a reader checks the magic (unknown: corruption),
//! then the CRC over `footer_size` bytes (mismatch: corruption), and only then the version
//! (newer than it knows: `error.UnsupportedFormat`). A flipped bit in the version therefore
//! reads as corruption, never as a newer format.
//!
//! ## Reading safely
//!
//! The reader checks the footer, index, bloom and meta blocks (CRC, every length and offset
//! against the file size, the cross-references between them) when it opens a table, and a
//! data block's CRC and complete structure (entry bounds, kinds, sizes, order, the fence)
//! when it loads one. A failed check reports `types.corruption` with the file and offset.
//! Blocks in the block cache were checked when they were inserted.

const std = @import("std");
const builtin = @import("builtin");
const assert = std.debug.assert;
const types = @import("types.zig");
const io = @import("io.zig");
const crc32c = @import("crc32c.zig").crc32c;
const cache_module = @import("cache.zig");

pub const BlockCache = cache_module.BlockCache;
const Timestamp = types.Timestamp;
const EntryKind = types.EntryKind;
const FileNumber = types.FileNumber;
const page_size_bytes = types.page_size_bytes;
const key_size_bytes_max = types.key_size_bytes_max;

pub const magic: u64 = std.mem.readInt(u64, "pgz.sst\n", .little);
pub const format_version: u32 = 1;
pub const footer_size_bytes: u32 = 64;

const entry_header_size_bytes: u32 = 15;
const block_trailer_size_bytes: u32 = 8;
const fence_header_size_bytes: u32 = 22;
const meta_fixed_size_bytes: u32 = 84;
const segment_size_bytes: u32 = 24;
const bloom_header_size_bytes: u32 = 8;
const crc_size_bytes: u32 = 4;
const bloom_hash_count_max: u32 = 30;

/// The smallest valid data block: one entry with a one-byte key, its offset, the trailer.
const block_size_bytes_min: u32 = entry_header_size_bytes + 1 + 4 + block_trailer_size_bytes;
/// The largest data block: one entry with the largest key and value.
pub const block_size_bytes_max: u32 = entry_header_size_bytes + key_size_bytes_max +
    types.value_size_bytes_max + 4 + block_trailer_size_bytes;

comptime {
    assert(key_size_bytes_max <= std.math.maxInt(u16));
    assert(block_size_bytes_max < std.math.maxInt(u32) - page_size_bytes);
    assert(footer_size_bytes <= page_size_bytes);
    assert(std.mem.readInt(u64, "pgz.sst\n", .little) == magic);
}

/// Errors of the read path.
pub const ReadError = io.IOError || types.CorruptionError || error{ UnsupportedFormat, OutOfMemory };
/// Errors of the write path.
pub const WriteError = io.IOError || error{OutOfMemory};

/// Pointer accounting for one value-log segment.
pub const SegmentPointers = struct {
    segment: types.SegmentId,
    pointer_count: u64,
    /// Sum of the pointers' `size` fields.
    pointer_bytes: u64,
};

/// A table's properties. Returned by `Writer.finish` and held by `Reader.meta`; the key
/// and segment slices are owned (free with `deinit` and the allocator that made them).
pub const Meta = struct {
    smallest_key: []const u8,
    smallest_ts: Timestamp,
    largest_key: []const u8,
    largest_ts: Timestamp,
    entry_count: u64,
    tombstone_count: u64,
    pointer_count: u64,
    /// Distinct user keys.
    key_count: u64,
    min_ts: Timestamp,
    max_ts: Timestamp,
    block_count: u32,
    /// The data region, padding included.
    data_size_bytes: u64,
    file_size_bytes: u64,
    /// Sorted by segment, strictly.
    segments: []const SegmentPointers,

    /// A copy whose slices are owned by `allocator` (a reader's meta lives as long as the
    /// reader; the engine's version set keeps its own).
    pub fn clone(self: *const Meta, allocator: std.mem.Allocator) error{OutOfMemory}!Meta {
        const smallest_key = try allocator.dupe(u8, self.smallest_key);
        errdefer allocator.free(smallest_key);
        const largest_key = try allocator.dupe(u8, self.largest_key);
        errdefer allocator.free(largest_key);
        var copy = self.*;
        copy.smallest_key = smallest_key;
        copy.largest_key = largest_key;
        copy.segments = try allocator.dupe(SegmentPointers, self.segments);
        return copy;
    }

    pub fn deinit(self: *Meta, allocator: std.mem.Allocator) void {
        allocator.free(self.smallest_key);
        allocator.free(self.largest_key);
        allocator.free(self.segments);
        self.* = undefined;
    }
};

pub const WriterOptions = struct {
    /// Target size of a data block's payload and trailer, before page padding.
    block_size_bytes: u32 = 4096,
    /// 0 writes no filter.
    bloom_bits_per_key: u32 = 10,

    pub const block_size_bytes_min: u32 = 64;
    pub const block_size_bytes_max: u32 = 1 << 20;
    pub const bloom_bits_per_key_max: u32 = 32;
};

const PageAlignedList = std.array_list.Aligned(u8, std.mem.Alignment.fromByteUnits(page_size_bytes));

/// Builds one table. Entries go in through `add` in strictly increasing internal order; a
/// full block is written with one `pwriteAll`; `finish` writes the index, bloom and meta
/// blocks and the footer with one more. The writer never syncs: the caller syncs the file
/// before recording it anywhere. After any error the file is unusable: `deinit` and delete
/// it.
pub const Writer = struct {
    allocator: std.mem.Allocator,
    file: io.File,
    /// For error messages; borrowed, must outlive the writer.
    path: []const u8,
    options: WriterOptions,
    state: enum { writing, finished, failed },

    /// The block being built; reused for the tail (index, bloom, meta, footer) in `finish`.
    block: PageAlignedList,
    /// Entry positions in `block`.
    offsets: std.ArrayList(u32),
    /// Encoded fences of the blocks written so far.
    index: std.ArrayList(u8),
    /// One hash per distinct user key, for the bloom filter.
    key_hashes: std.ArrayList(u64),
    segments: std.ArrayList(SegmentPointers),
    /// The last key added (capacity `key_size_bytes_max`, so copying into it never allocates).
    last_key: std.ArrayList(u8),
    last_ts: Timestamp,
    smallest_key: std.ArrayList(u8),
    smallest_ts: Timestamp,

    file_offset_bytes: u64,
    block_count: u32,
    entry_count: u64,
    tombstone_count: u64,
    pointer_count: u64,
    min_ts: Timestamp,
    max_ts: Timestamp,

    /// `file` must be empty. The writer does not own it; `path_for_errors` is borrowed.
    pub fn init(allocator: std.mem.Allocator, file: io.File, path_for_errors: []const u8, options: WriterOptions) WriteError!Writer {
        assert(options.block_size_bytes >= WriterOptions.block_size_bytes_min);
        assert(options.block_size_bytes <= WriterOptions.block_size_bytes_max);
        assert(options.bloom_bits_per_key <= WriterOptions.bloom_bits_per_key_max);
        assert(try file.size() == 0);

        var self = Writer{
            .allocator = allocator,
            .file = file,
            .path = path_for_errors,
            .options = options,
            .state = .writing,
            .block = .empty,
            .offsets = .empty,
            .index = .empty,
            .key_hashes = .empty,
            .segments = .empty,
            .last_key = .empty,
            .last_ts = 0,
            .smallest_key = .empty,
            .smallest_ts = 0,
            .file_offset_bytes = 0,
            .block_count = 0,
            .entry_count = 0,
            .tombstone_count = 0,
            .pointer_count = 0,
            .min_ts = std.math.maxInt(Timestamp),
            .max_ts = 0,
        };
        errdefer self.deinit();
        try self.block.ensureTotalCapacity(allocator, types.alignForward(options.block_size_bytes, page_size_bytes));
        try self.last_key.ensureTotalCapacity(allocator, key_size_bytes_max);
        try self.smallest_key.ensureTotalCapacity(allocator, key_size_bytes_max);
        return self;
    }

    pub fn deinit(self: *Writer) void {
        self.block.deinit(self.allocator);
        self.offsets.deinit(self.allocator);
        self.index.deinit(self.allocator);
        self.key_hashes.deinit(self.allocator);
        self.segments.deinit(self.allocator);
        self.last_key.deinit(self.allocator);
        self.smallest_key.deinit(self.allocator);
        self.* = undefined;
    }

    /// Appends an entry. Its internal key must be greater than the previous entry's. `value`
    /// is the inline value (put), an encoded ValuePointer (put_pointer) or empty (delete).
    pub fn add(self: *Writer, key: []const u8, ts: Timestamp, kind: EntryKind, value: []const u8) WriteError!void {
        assert(self.state == .writing);
        assert(key.len >= 1);
        assert(key.len <= key_size_bytes_max);
        assert(ts <= types.timestamp_max);
        switch (kind) {
            .put => assert(value.len <= types.value_size_bytes_max),
            .put_pointer => assert(value.len == types.ValuePointer.encoded_size_bytes),
            .delete => assert(value.len == 0),
        }
        if (self.entry_count > 0) {
            assert(types.compareInternal(self.last_key.items, self.last_ts, key, ts) == .lt);
        }
        errdefer self.state = .failed;

        const entry_size_bytes: u32 = entry_header_size_bytes + @as(u32, @intCast(key.len)) +
            @as(u32, @intCast(value.len));
        if (self.offsets.items.len > 0 and
            self.blockSizeWith(entry_size_bytes) > self.options.block_size_bytes)
        {
            try self.flushBlock();
        }

        // Reserve everything first so that nothing below can fail half-way.
        try self.block.ensureUnusedCapacity(self.allocator, entry_size_bytes);
        try self.offsets.ensureUnusedCapacity(self.allocator, 1);
        const new_user_key = self.entry_count == 0 or !std.mem.eql(u8, self.last_key.items, key);
        if (new_user_key) try self.key_hashes.ensureUnusedCapacity(self.allocator, 1);
        if (kind == .put_pointer) try self.ensureSegmentSlot(value);

        self.offsets.appendAssumeCapacity(@intCast(self.block.items.len));
        const entry: []u8 = self.block.addManyAsSliceAssumeCapacity(entry_size_bytes);
        encodeEntry(entry, key, ts, kind, value);

        if (new_user_key) self.key_hashes.appendAssumeCapacity(keyHash(key));
        if (self.entry_count == 0) {
            self.smallest_key.appendSliceAssumeCapacity(key);
            self.smallest_ts = ts;
        }
        self.last_key.clearRetainingCapacity();
        self.last_key.appendSliceAssumeCapacity(key);
        self.last_ts = ts;

        self.entry_count += 1;
        self.min_ts = @min(self.min_ts, ts);
        self.max_ts = @max(self.max_ts, ts);
        switch (kind) {
            .put => {},
            .delete => self.tombstone_count += 1,
            .put_pointer => {
                self.pointer_count += 1;
                const pointer = types.ValuePointer.decode(value[0..types.ValuePointer.encoded_size_bytes]);
                const slot = self.segmentSlot(pointer.segment);
                assert(slot.found);
                const segment = &self.segments.items[slot.index];
                segment.pointer_count += 1;
                segment.pointer_bytes += pointer.size;
            },
        }
    }

    /// Writes the last block, the index, bloom and meta blocks and the footer. At least one
    /// entry must have been added. Returns the table's properties (owned by the caller).
    pub fn finish(self: *Writer) WriteError!Meta {
        assert(self.state == .writing);
        assert(self.entry_count > 0);
        errdefer self.state = .failed;

        if (self.offsets.items.len > 0) try self.flushBlock();
        assert(self.block.items.len == 0);
        assert(self.block_count > 0);
        const index_offset = self.file_offset_bytes;
        assert(types.isAligned(index_offset, page_size_bytes));

        // The properties are allocated before anything else is written, so a successful
        // write is never followed by a failure.
        const smallest_key = try self.allocator.dupe(u8, self.smallest_key.items);
        errdefer self.allocator.free(smallest_key);
        const largest_key = try self.allocator.dupe(u8, self.last_key.items);
        errdefer self.allocator.free(largest_key);
        const segments = try self.allocator.dupe(SegmentPointers, self.segments.items);
        errdefer self.allocator.free(segments);

        const key_count: u64 = self.key_hashes.items.len;
        const bloom_bits_size: u32 = bloomBitsSize(key_count, self.options.bloom_bits_per_key);
        const index_size: u32 = @intCast(self.index.items.len + 4 + crc_size_bytes);
        const bloom_size: u32 = bloom_header_size_bytes + bloom_bits_size + crc_size_bytes;
        const meta_size: u32 = @intCast(meta_fixed_size_bytes + smallest_key.len + largest_key.len +
            segments.len * segment_size_bytes + crc_size_bytes);
        const meta_end = index_offset + index_size + bloom_size + meta_size;
        const file_size = types.alignForward(meta_end + footer_size_bytes, page_size_bytes);
        const tail_size: usize = @intCast(file_size - index_offset);

        try self.block.ensureTotalCapacity(self.allocator, tail_size);
        const tail: []u8 = self.block.addManyAsSliceAssumeCapacity(tail_size);
        @memset(tail, 0);
        var encoder = Encoder{ .bytes = tail };

        // Index block.
        encoder.putBytes(self.index.items);
        encoder.int(u32, self.block_count);
        encoder.crc(0);
        assert(encoder.position == index_size);

        // Bloom block.
        const bloom_start = encoder.position;
        const bloom_hash_count = bloomHashCount(bloom_bits_size, self.options.bloom_bits_per_key);
        encoder.int(u32, bloom_hash_count);
        encoder.int(u32, bloom_bits_size);
        const bits = encoder.take(bloom_bits_size);
        const bloom = Bloom{ .bits = bits, .hash_count = bloom_hash_count };
        if (bloom_bits_size > 0) {
            for (self.key_hashes.items) |hash| bloom.add(bits, hash);
        }
        encoder.crc(bloom_start);
        assert(encoder.position - bloom_start == bloom_size);

        // Meta block.
        const meta_start = encoder.position;
        encoder.int(u64, self.entry_count);
        encoder.int(u64, self.tombstone_count);
        encoder.int(u64, self.pointer_count);
        encoder.int(u64, key_count);
        encoder.int(u64, self.min_ts);
        encoder.int(u64, self.max_ts);
        encoder.int(u64, index_offset);
        encoder.int(u32, self.block_count);
        encoder.int(u32, @intCast(segments.len));
        encoder.int(u16, @intCast(smallest_key.len));
        encoder.int(u16, @intCast(largest_key.len));
        encoder.int(u64, self.smallest_ts);
        encoder.int(u64, self.last_ts);
        assert(encoder.position - meta_start == meta_fixed_size_bytes);
        encoder.putBytes(smallest_key);
        encoder.putBytes(largest_key);
        for (segments) |segment| {
            encoder.int(u64, segment.segment);
            encoder.int(u64, segment.pointer_count);
            encoder.int(u64, segment.pointer_bytes);
        }
        encoder.crc(meta_start);
        assert(encoder.position - meta_start == meta_size);

        // Padding (already zero), then the footer.
        encoder.position = tail_size - footer_size_bytes;
        const footer_start = encoder.position;
        encoder.int(u32, 0); // The CRC, filled in below.
        encoder.int(u32, 0);
        encoder.int(u64, index_offset);
        encoder.int(u64, index_offset + index_size);
        encoder.int(u64, index_offset + index_size + bloom_size);
        encoder.int(u32, index_size);
        encoder.int(u32, bloom_size);
        encoder.int(u32, meta_size);
        encoder.int(u32, 0);
        encoder.int(u32, footer_size_bytes);
        encoder.int(u32, format_version);
        encoder.int(u64, magic);
        assert(encoder.position == tail_size);
        std.mem.writeInt(u32, tail[footer_start..][0..4], crc32c(tail[footer_start + 4 ..]), .little);

        try self.write(tail, index_offset);
        self.block.clearRetainingCapacity();
        self.file_offset_bytes = file_size;
        self.state = .finished;

        const meta = Meta{
            .smallest_key = smallest_key,
            .smallest_ts = self.smallest_ts,
            .largest_key = largest_key,
            .largest_ts = self.last_ts,
            .entry_count = self.entry_count,
            .tombstone_count = self.tombstone_count,
            .pointer_count = self.pointer_count,
            .key_count = key_count,
            .min_ts = self.min_ts,
            .max_ts = self.max_ts,
            .block_count = self.block_count,
            .data_size_bytes = index_offset,
            .file_size_bytes = file_size,
            .segments = segments,
        };
        assert(meta.tombstone_count + meta.pointer_count <= meta.entry_count);
        assert(meta.key_count <= meta.entry_count);
        assert(types.isAligned(meta.file_size_bytes, page_size_bytes));
        return meta;
    }

    fn write(self: *Writer, bytes: []const u8, offset: u64) io.IOError!void {
        assert(types.isAligned(offset, page_size_bytes));
        assert(types.isAligned(bytes.len, page_size_bytes));
        self.file.pwriteAll(bytes, offset) catch |err| {
            types.setErrorMessage("writing {d} bytes to {s} at offset {d}: {s}", .{ bytes.len, self.path, offset, @errorName(err) });
            return err;
        };
    }

    /// The current block's size (payload and trailer) if an entry of this size joined it.
    fn blockSizeWith(self: *const Writer, entry_size_bytes: u32) u64 {
        return self.block.items.len + entry_size_bytes +
            4 * (self.offsets.items.len + 1) + block_trailer_size_bytes;
    }

    fn flushBlock(self: *Writer) WriteError!void {
        const entry_count: u32 = @intCast(self.offsets.items.len);
        assert(entry_count > 0);
        assert(self.block_count < std.math.maxInt(u32));
        const size: u32 = @intCast(self.block.items.len + 4 * entry_count + block_trailer_size_bytes);
        assert(size >= block_size_bytes_min);
        assert(size <= block_size_bytes_max);
        const padded_size = types.alignForward(size, page_size_bytes);

        try self.block.ensureTotalCapacity(self.allocator, padded_size);
        try self.index.ensureUnusedCapacity(self.allocator, fence_header_size_bytes + self.last_key.items.len);

        const payload_size = self.block.items.len;
        const trailer: []u8 = self.block.addManyAsSliceAssumeCapacity(@intCast(padded_size - payload_size));
        @memset(trailer, 0);
        const bytes: []u8 = self.block.items;
        var encoder = Encoder{ .bytes = bytes, .position = payload_size };
        for (self.offsets.items) |offset| encoder.int(u32, offset);
        encoder.int(u32, entry_count);
        encoder.crc(0);
        assert(encoder.position == size);

        try self.write(bytes, self.file_offset_bytes);

        var fence: [fence_header_size_bytes]u8 = undefined;
        var fence_encoder = Encoder{ .bytes = &fence };
        fence_encoder.int(u64, self.file_offset_bytes);
        fence_encoder.int(u32, size);
        fence_encoder.int(u16, @intCast(self.last_key.items.len));
        fence_encoder.int(u64, self.last_ts);
        assert(fence_encoder.position == fence.len);
        self.index.appendSliceAssumeCapacity(&fence);
        self.index.appendSliceAssumeCapacity(self.last_key.items);

        self.file_offset_bytes += padded_size;
        self.block_count += 1;
        self.block.clearRetainingCapacity();
        self.offsets.clearRetainingCapacity();
    }

    const SegmentSlot = struct { index: usize, found: bool };

    fn segmentSlot(self: *const Writer, segment: types.SegmentId) SegmentSlot {
        var low: usize = 0;
        var high: usize = self.segments.items.len;
        while (low < high) {
            const mid = low + (high - low) / 2;
            if (self.segments.items[mid].segment < segment) low = mid + 1 else high = mid;
        }
        const found = low < self.segments.items.len and self.segments.items[low].segment == segment;
        return .{ .index = low, .found = found };
    }

    /// Makes sure the pointer's segment has an entry in the (sorted) segment list.
    fn ensureSegmentSlot(self: *Writer, pointer_bytes: []const u8) error{OutOfMemory}!void {
        const pointer = types.ValuePointer.decode(pointer_bytes[0..types.ValuePointer.encoded_size_bytes]);
        const slot = self.segmentSlot(pointer.segment);
        if (slot.found) return;
        try self.segments.insert(self.allocator, slot.index, .{
            .segment = pointer.segment,
            .pointer_count = 0,
            .pointer_bytes = 0,
        });
    }
};

fn encodeEntry(out: []u8, key: []const u8, ts: Timestamp, kind: EntryKind, value: []const u8) void {
    assert(out.len == entry_header_size_bytes + key.len + value.len);
    var encoder = Encoder{ .bytes = out };
    encoder.int(u64, ts);
    encoder.int(u32, @intCast(value.len));
    encoder.int(u16, @intCast(key.len));
    encoder.int(u8, @intFromEnum(kind));
    assert(encoder.position == entry_header_size_bytes);
    encoder.putBytes(key);
    encoder.putBytes(value);
    assert(encoder.position == out.len);
}

/// Writes little-endian integers into a buffer sized in advance (overruns are bugs).
const Encoder = struct {
    bytes: []u8,
    position: usize = 0,

    fn int(self: *Encoder, comptime T: type, value: T) void {
        const size = @sizeOf(T);
        assert(self.position + size <= self.bytes.len);
        std.mem.writeInt(T, self.bytes[self.position..][0..size], value, .little);
        self.position += size;
    }

    fn putBytes(self: *Encoder, bytes: []const u8) void {
        @memcpy(self.take(bytes.len), bytes);
    }

    fn take(self: *Encoder, size: usize) []u8 {
        assert(self.position + size <= self.bytes.len);
        const slice = self.bytes[self.position..][0..size];
        self.position += size;
        return slice;
    }

    /// Appends the CRC32C of the bytes from `start` to here.
    fn crc(self: *Encoder, start: usize) void {
        assert(start <= self.position);
        self.int(u32, crc32c(self.bytes[start..self.position]));
    }
};

/// Reads little-endian integers from untrusted bytes: every read is bounds-checked and
/// returns null when it would run past the end.
const Decoder = struct {
    bytes: []const u8,
    position: usize = 0,

    fn int(self: *Decoder, comptime T: type) ?T {
        const size = @sizeOf(T);
        if (self.bytes.len - self.position < size) return null;
        const value = std.mem.readInt(T, self.bytes[self.position..][0..size], .little);
        self.position += size;
        return value;
    }

    fn take(self: *Decoder, size: usize) ?[]const u8 {
        if (self.bytes.len - self.position < size) return null;
        const slice = self.bytes[self.position..][0..size];
        self.position += size;
        return slice;
    }
};

/// The hash a bloom filter is built from. Exposed so that a caller probing many tables
/// for the same key hashes it once (`Reader.mayContainHash`).
pub fn keyHash(user_key: []const u8) u64 {
    return types.keyHash(user_key);
}

fn bloomBitsSize(key_count: u64, bits_per_key: u32) u32 {
    if (bits_per_key == 0) return 0;
    const bit_count = types.alignForward(@max(64, key_count * bits_per_key), 64);
    assert(bit_count / 8 <= std.math.maxInt(u32) - page_size_bytes);
    return @intCast(bit_count / 8);
}

fn bloomHashCount(bits_size: u32, bits_per_key: u32) u32 {
    if (bits_size == 0) return 0;
    // round(bits_per_key × ln 2), the count that minimizes the false-positive rate.
    const count: u32 = (bits_per_key * 69 + 50) / 100;
    return std.math.clamp(count, 1, bloom_hash_count_max);
}

const Bloom = struct {
    /// Empty: no filter.
    bits: []const u8,
    hash_count: u32,

    fn add(self: Bloom, bits: []u8, hash: u64) void {
        assert(bits.len == self.bits.len);
        assert(bits.len > 0);
        const bit_count: u64 = @as(u64, bits.len) * 8;
        const delta = std.math.rotr(u64, hash, 33);
        var h = hash;
        for (0..self.hash_count) |_| {
            const bit = h % bit_count;
            bits[@intCast(bit / 8)] |= @as(u8, 1) << @intCast(bit % 8);
            h +%= delta;
        }
    }

    fn mayContain(self: Bloom, hash: u64) bool {
        if (self.bits.len == 0) return true;
        const bit_count: u64 = @as(u64, self.bits.len) * 8;
        const delta = std.math.rotr(u64, hash, 33);
        var h = hash;
        for (0..self.hash_count) |_| {
            const bit = h % bit_count;
            if (self.bits[@intCast(bit / 8)] & (@as(u8, 1) << @intCast(bit % 8)) == 0) return false;
            h +%= delta;
        }
        return true;
    }
};

/// A decoded entry; the slices point into a block.
const Entry = struct {
    key: []const u8,
    ts: Timestamp,
    kind: EntryKind,
    value: []const u8,
};

/// A data block that passed `Reader.verifyBlock`, so decoding it needs no checks.
const Block = struct {
    bytes: []const u8,
    entry_count: u32,
    offsets_start: u32,

    fn init(bytes: []const u8) Block {
        assert(bytes.len >= block_size_bytes_min);
        const entry_count = std.mem.readInt(u32, bytes[bytes.len - 8 ..][0..4], .little);
        assert(entry_count >= 1);
        const offsets_start = bytes.len - block_trailer_size_bytes - 4 * @as(usize, entry_count);
        return .{ .bytes = bytes, .entry_count = entry_count, .offsets_start = @intCast(offsets_start) };
    }

    fn entryOffset(self: Block, index: u32) u32 {
        assert(index < self.entry_count);
        return std.mem.readInt(u32, self.bytes[self.offsets_start + 4 * index ..][0..4], .little);
    }

    fn entry(self: Block, index: u32) Entry {
        const offset = self.entryOffset(index);
        const header = self.bytes[offset..][0..entry_header_size_bytes];
        const ts = std.mem.readInt(u64, header[0..8], .little);
        const value_size = std.mem.readInt(u32, header[8..12], .little);
        const key_size = std.mem.readInt(u16, header[12..14], .little);
        const kind = EntryKind.fromByte(header[14]).?;
        const key_start = offset + entry_header_size_bytes;
        const value_start = key_start + key_size;
        assert(value_start + value_size <= self.offsets_start);
        return .{
            .key = self.bytes[key_start..value_start],
            .ts = ts,
            .kind = kind,
            .value = self.bytes[value_start..][0..value_size],
        };
    }

    /// The key and timestamp of an entry, without decoding the rest.
    fn entryKey(self: Block, index: u32, ts: *Timestamp) []const u8 {
        const offset = self.entryOffset(index);
        const header = self.bytes[offset..][0..entry_header_size_bytes];
        ts.* = std.mem.readInt(u64, header[0..8], .little);
        const key_size = std.mem.readInt(u16, header[12..14], .little);
        return self.bytes[offset + entry_header_size_bytes ..][0..key_size];
    }

    /// The first entry ≥ (key, ts) in internal order, or `entry_count`.
    fn lowerBound(self: Block, key: []const u8, ts: Timestamp) u32 {
        var low: u32 = 0;
        var high: u32 = self.entry_count;
        while (low < high) {
            const mid = low + (high - low) / 2;
            var mid_ts: Timestamp = undefined;
            const mid_key = self.entryKey(mid, &mid_ts);
            if (types.compareInternal(mid_key, mid_ts, key, ts) == .lt) low = mid + 1 else high = mid;
        }
        return low;
    }

    /// The first entry > (key, ts) in internal order, or `entry_count`.
    fn upperBound(self: Block, key: []const u8, ts: Timestamp) u32 {
        var low: u32 = 0;
        var high: u32 = self.entry_count;
        while (low < high) {
            const mid = low + (high - low) / 2;
            var mid_ts: Timestamp = undefined;
            const mid_key = self.entryKey(mid, &mid_ts);
            if (types.compareInternal(mid_key, mid_ts, key, ts) != .gt) low = mid + 1 else high = mid;
        }
        return low;
    }
};

/// A data block's place in the file and its last internal key (the key points into the
/// reader's tail buffer).
const Fence = struct {
    offset: u64,
    size_bytes: u32,
    ts: Timestamp,
    key: []const u8,
    /// `keyPrefix(key)`: a block search settles most comparisons on these, without reading
    /// the key bytes.
    prefix: KeyPrefix,
};

/// A key's first 16 bytes, zero-padded, as two big-endian integers. When two keys' prefixes
/// differ, they order as the keys do (a key that ends inside the prefix pads with zeros,
/// which sort first, as the shorter key does); when they are equal, the keys must be compared.
const KeyPrefix = [2]u64;

fn keyPrefix(key: []const u8) KeyPrefix {
    var bytes: [16]u8 = @splat(0);
    const n = @min(key.len, bytes.len);
    @memcpy(bytes[0..n], key[0..n]);
    return .{ std.mem.readInt(u64, bytes[0..8], .big), std.mem.readInt(u64, bytes[8..16], .big) };
}

/// True when fence < (key, ts), `probe` being `keyPrefix(key)`.
fn fenceBefore(fence: *const Fence, probe: KeyPrefix, key: []const u8, ts: Timestamp) bool {
    if (fence.prefix[0] != probe[0]) return fence.prefix[0] < probe[0];
    if (fence.prefix[1] != probe[1]) return fence.prefix[1] < probe[1];
    return types.compareInternal(fence.key, fence.ts, key, ts) == .lt;
}

pub const Found = struct {
    ts: Timestamp,
    kind: EntryKind,
};

pub const IteratorOptions = struct {
    /// Insert blocks read from the file into the block cache. Compactions turn this off so
    /// a one-time scan does not push the hot blocks out.
    fill_cache: bool = true,
};

/// An open table. Immutable after `open`, so any number of threads may call its methods
/// and run iterators over it at once (its allocator must then be thread-safe).
pub const Reader = struct {
    allocator: std.mem.Allocator,
    file: io.File,
    file_number: FileNumber,
    path: []const u8,
    cache: ?*BlockCache,
    file_size_bytes: u64,
    /// Index, bloom and meta blocks and the footer, as read from the file.
    tail: []align(page_size_bytes) u8,
    fences: []Fence,
    bloom: Bloom,
    meta: Meta,

    /// Reads and checks the footer, index, bloom and meta blocks. The reader does not own
    /// `file` (close it after `close`); `path_for_errors` is copied.
    pub fn open(
        allocator: std.mem.Allocator,
        file: io.File,
        file_number: FileNumber,
        path_for_errors: []const u8,
        cache: ?*BlockCache,
    ) ReadError!*Reader {
        const self = try allocator.create(Reader);
        errdefer allocator.destroy(self);
        const path = try allocator.dupe(u8, path_for_errors);
        errdefer allocator.free(path);

        const file_size = try file.size();
        if (file_size < page_size_bytes or !types.isAligned(file_size, page_size_bytes)) {
            return types.corruption(path, file_size, "sstable size {d} is not a positive multiple of {d} bytes", .{ file_size, page_size_bytes });
        }

        var footer_page: [page_size_bytes]u8 align(page_size_bytes) = undefined;
        const footer_page_offset = file_size - page_size_bytes;
        if (try file.preadAll(&footer_page, footer_page_offset) != page_size_bytes) {
            return types.corruption(path, footer_page_offset, "short read of the footer page", .{});
        }
        const footer = try parseFooter(path, file_size, &footer_page);

        const tail_size: usize = @intCast(file_size - footer.index_offset);
        const tail = try allocator.alignedAlloc(u8, .fromByteUnits(page_size_bytes), tail_size);
        errdefer allocator.free(tail);
        const tail_bytes: []u8 = tail;
        if (try file.preadAll(tail_bytes, footer.index_offset) != tail_size) {
            return types.corruption(path, footer.index_offset, "short read of the index, bloom and meta blocks", .{});
        }

        var meta = try parseMeta(allocator, path, file_size, footer, tail_bytes);
        errdefer meta.deinit(allocator);
        const fences = try parseIndex(allocator, path, footer, &meta, tail_bytes);
        errdefer allocator.free(fences);
        const bloom = try parseBloom(path, footer, tail_bytes);

        self.* = .{
            .allocator = allocator,
            .file = file,
            .file_number = file_number,
            .path = path,
            .cache = cache,
            .file_size_bytes = file_size,
            .tail = tail,
            .fences = fences,
            .bloom = bloom,
            .meta = meta,
        };
        return self;
    }

    /// Frees the reader. Its iterators must be closed first. The block cache may still
    /// hold its blocks (`BlockCache.evictFile` drops them when the file is deleted).
    pub fn close(self: *Reader) void {
        const allocator = self.allocator;
        self.meta.deinit(allocator);
        allocator.free(self.fences);
        allocator.free(self.tail);
        allocator.free(self.path);
        allocator.destroy(self);
    }

    pub fn mayContain(self: *const Reader, user_key: []const u8) bool {
        return self.bloom.mayContain(keyHash(user_key));
    }

    /// `hash` is `keyHash(user_key)`.
    pub fn mayContainHash(self: *const Reader, hash: u64) bool {
        return self.bloom.mayContain(hash);
    }

    /// The newest version of `user_key` with ts ≤ `snapshot_ts` (a tombstone counts, with
    /// kind delete), its value copied into `out_value` (allocated with `allocator`). Reads
    /// at most one data block; without a block cache it allocates a block buffer per call.
    pub fn get(
        self: *const Reader,
        allocator: std.mem.Allocator,
        user_key: []const u8,
        snapshot_ts: Timestamp,
        out_value: *std.ArrayList(u8),
    ) ReadError!?Found {
        return self.getHashed(allocator, user_key, keyHash(user_key), snapshot_ts, out_value);
    }

    /// `get` with `hash` = `keyHash(user_key)` computed by the caller (once per point read
    /// across every table it probes).
    pub fn getHashed(
        self: *const Reader,
        allocator: std.mem.Allocator,
        user_key: []const u8,
        hash: u64,
        snapshot_ts: Timestamp,
        out_value: *std.ArrayList(u8),
    ) ReadError!?Found {
        assert(user_key.len >= 1);
        assert(user_key.len <= key_size_bytes_max);
        if (!self.bloom.mayContain(hash)) return null;
        if (std.mem.order(u8, user_key, self.meta.smallest_key) == .lt) return null;

        var it = self.iterator();
        defer it.close();
        try it.seekGE(user_key, snapshot_ts);
        if (!it.valid() or !std.mem.eql(u8, it.key(), user_key)) return null;
        assert(it.ts() <= snapshot_ts);

        out_value.clearRetainingCapacity();
        try out_value.appendSlice(allocator, it.value());
        return .{ .ts = it.ts(), .kind = it.kind() };
    }

    /// The timestamp of the newest version of `user_key`, whatever the snapshot (the
    /// engine's write–write conflict check).
    pub fn newestTimestamp(self: *const Reader, user_key: []const u8) ReadError!?Timestamp {
        return self.newestTimestampHashed(user_key, keyHash(user_key));
    }

    /// `newestTimestamp` with `hash` = `keyHash(user_key)`.
    pub fn newestTimestampHashed(self: *const Reader, user_key: []const u8, hash: u64) ReadError!?Timestamp {
        assert(user_key.len >= 1);
        assert(user_key.len <= key_size_bytes_max);
        if (!self.bloom.mayContain(hash)) return null;

        var it = self.iterator();
        defer it.close();
        try it.seekGE(user_key, std.math.maxInt(Timestamp));
        if (!it.valid() or !std.mem.eql(u8, it.key(), user_key)) return null;
        return it.ts();
    }

    pub fn iterator(self: *const Reader) Iterator {
        return self.iteratorWithOptions(.{});
    }

    pub fn iteratorWithOptions(self: *const Reader, options: IteratorOptions) Iterator {
        return .{ .reader = self, .options = options };
    }

    /// The first block whose fence is ≥ (key, ts), or `fences.len`.
    fn fenceLowerBound(self: *const Reader, key: []const u8, ts: Timestamp) u32 {
        const probe = keyPrefix(key);
        var low: u32 = 0;
        var high: u32 = @intCast(self.fences.len);
        while (low < high) {
            const mid = low + (high - low) / 2;
            if (fenceBefore(&self.fences[mid], probe, key, ts)) low = mid + 1 else high = mid;
        }
        return low;
    }

    /// Reads block `index` (its padded size) into `buffer` and checks it.
    fn readBlock(self: *const Reader, index: u32, buffer: []u8) ReadError!void {
        const fence = &self.fences[index];
        assert(buffer.len == types.alignForward(fence.size_bytes, page_size_bytes));
        const read = self.file.preadAll(buffer, fence.offset) catch |err| {
            types.setErrorMessage("reading data block {d} of {s} at offset {d}: {s}", .{ index, self.path, fence.offset, @errorName(err) });
            return err;
        };
        if (read != buffer.len) {
            return types.corruption(self.path, fence.offset + read, "data block {d} is cut short", .{index});
        }
        try self.verifyBlock(index, buffer[0..fence.size_bytes]);
    }

    /// Checks a data block completely, so that `Block` can decode it without checks.
    fn verifyBlock(self: *const Reader, index: u32, bytes: []const u8) types.CorruptionError!void {
        const fence = &self.fences[index];
        const path = self.path;
        assert(bytes.len == fence.size_bytes);
        assert(bytes.len >= block_size_bytes_min);

        const crc_stored = std.mem.readInt(u32, bytes[bytes.len - 4 ..][0..4], .little);
        const crc_computed = crc32c(bytes[0 .. bytes.len - 4]);
        if (crc_stored != crc_computed) {
            return types.corruption(path, fence.offset, "data block {d} checksum mismatch (stored {x:0>8}, computed {x:0>8})", .{ index, crc_stored, crc_computed });
        }
        const entry_count = std.mem.readInt(u32, bytes[bytes.len - 8 ..][0..4], .little);
        const entries_max = (bytes.len - block_trailer_size_bytes) / (4 + entry_header_size_bytes + 1);
        if (entry_count == 0 or entry_count > entries_max) {
            return types.corruption(path, fence.offset, "data block {d} has a bad entry count {d}", .{ index, entry_count });
        }
        const offsets_start = bytes.len - block_trailer_size_bytes - 4 * @as(usize, entry_count);
        const meta = &self.meta;

        var previous_key: []const u8 = if (index > 0) self.fences[index - 1].key else &.{};
        var previous_ts: Timestamp = if (index > 0) self.fences[index - 1].ts else 0;
        var position: usize = 0;
        for (0..entry_count) |i| {
            const offset = std.mem.readInt(u32, bytes[offsets_start + 4 * i ..][0..4], .little);
            const entry_offset = fence.offset + position;
            if (offset != position) {
                return types.corruption(path, entry_offset, "data block {d} entry {d}: offset {d}, expected {d}", .{ index, i, offset, position });
            }
            if (offsets_start - position < entry_header_size_bytes) {
                return types.corruption(path, entry_offset, "data block {d} entry {d}: header overruns the block", .{ index, i });
            }
            const header = bytes[position..][0..entry_header_size_bytes];
            const ts = std.mem.readInt(u64, header[0..8], .little);
            const value_size = std.mem.readInt(u32, header[8..12], .little);
            const key_size = std.mem.readInt(u16, header[12..14], .little);
            const kind = EntryKind.fromByte(header[14]) orelse {
                return types.corruption(path, entry_offset, "data block {d} entry {d}: unknown kind {d}", .{ index, i, header[14] });
            };
            if (key_size == 0 or key_size > key_size_bytes_max) {
                return types.corruption(path, entry_offset, "data block {d} entry {d}: key size {d}", .{ index, i, key_size });
            }
            const value_size_valid = switch (kind) {
                .put => value_size <= types.value_size_bytes_max,
                .put_pointer => value_size == types.ValuePointer.encoded_size_bytes,
                .delete => value_size == 0,
            };
            if (!value_size_valid) {
                return types.corruption(path, entry_offset, "data block {d} entry {d}: value size {d} for kind {s}", .{ index, i, value_size, @tagName(kind) });
            }
            const entry_size = @as(usize, entry_header_size_bytes) + key_size + value_size;
            if (offsets_start - position < entry_size) {
                return types.corruption(path, entry_offset, "data block {d} entry {d}: overruns the block", .{ index, i });
            }
            if (ts < meta.min_ts or ts > meta.max_ts) {
                return types.corruption(path, entry_offset, "data block {d} entry {d}: timestamp {d} outside the table's range", .{ index, i, ts });
            }
            const key = bytes[position + entry_header_size_bytes ..][0..key_size];
            if (i == 0 and index == 0 and
                types.compareInternal(key, ts, meta.smallest_key, meta.smallest_ts) != .eq)
            {
                return types.corruption(path, entry_offset, "first entry differs from the smallest key", .{});
            }
            if (i > 0 or index > 0) {
                if (types.compareInternal(previous_key, previous_ts, key, ts) != .lt) {
                    return types.corruption(path, entry_offset, "data block {d} entry {d}: out of order", .{ index, i });
                }
            }
            previous_key = key;
            previous_ts = ts;
            position += entry_size;
        }
        if (position != offsets_start) {
            return types.corruption(path, fence.offset + position, "data block {d}: {d} bytes between the entries and the offsets", .{ index, offsets_start - position });
        }
        if (types.compareInternal(previous_key, previous_ts, fence.key, fence.ts) != .eq) {
            return types.corruption(path, fence.offset, "data block {d}: last entry differs from the index", .{index});
        }
    }
};

const Footer = struct {
    index_offset: u64,
    bloom_offset: u64,
    meta_offset: u64,
    index_size: u32,
    bloom_size: u32,
    meta_size: u32,
};

fn parseFooter(path: []const u8, file_size: u64, page: *const [page_size_bytes]u8) ReadError!Footer {
    const page_offset = file_size - page_size_bytes;
    const stable: *const [16]u8 = page[page_size_bytes - 16 ..][0..16];
    const footer_size = std.mem.readInt(u32, stable[0..4], .little);
    const version = std.mem.readInt(u32, stable[4..8], .little);
    const magic_found = std.mem.readInt(u64, stable[8..16], .little);
    if (magic_found != magic) {
        return types.corruption(path, file_size - 8, "bad sstable magic {x:0>16}", .{magic_found});
    }
    if (footer_size < 20 or footer_size > page_size_bytes) {
        return types.corruption(path, file_size - 16, "bad footer size {d}", .{footer_size});
    }
    const footer_offset_in_page = page_size_bytes - footer_size;
    const footer: []const u8 = page[footer_offset_in_page..];
    const crc_stored = std.mem.readInt(u32, footer[0..4], .little);
    const crc_computed = crc32c(footer[4..]);
    if (crc_stored != crc_computed) {
        return types.corruption(path, page_offset + footer_offset_in_page, "footer checksum mismatch (stored {x:0>8}, computed {x:0>8})", .{ crc_stored, crc_computed });
    }
    if (version == 0) {
        return types.corruption(path, file_size - 12, "format version 0", .{});
    }
    if (version > format_version) {
        types.setErrorMessage("{s}: sstable format version {d} is newer than this build reads (up to {d}); upgrade pgz to open it", .{ path, version, format_version });
        return error.UnsupportedFormat;
    }
    if (footer_size != footer_size_bytes) {
        return types.corruption(path, file_size - 16, "footer size {d} in format version {d}", .{ footer_size, version });
    }

    const footer_offset = file_size - footer_size_bytes;
    var decoder = Decoder{ .bytes = footer[4..] };
    const reserved_0 = decoder.int(u32).?;
    const result = Footer{
        .index_offset = decoder.int(u64).?,
        .bloom_offset = decoder.int(u64).?,
        .meta_offset = decoder.int(u64).?,
        .index_size = decoder.int(u32).?,
        .bloom_size = decoder.int(u32).?,
        .meta_size = decoder.int(u32).?,
    };
    const reserved_1 = decoder.int(u32).?;
    if (reserved_0 != 0 or reserved_1 != 0) {
        return types.corruption(path, footer_offset, "footer reserved fields are not zero", .{});
    }
    if (result.index_offset == 0 or !types.isAligned(result.index_offset, page_size_bytes) or
        result.index_offset >= footer_offset)
    {
        return types.corruption(path, footer_offset, "bad index offset {d}", .{result.index_offset});
    }
    // All arithmetic below stays far from overflow: offsets are below the file size and
    // sizes are u32.
    if (result.bloom_offset != result.index_offset + result.index_size or
        result.meta_offset != result.bloom_offset + result.bloom_size)
    {
        return types.corruption(path, footer_offset, "index, bloom and meta blocks are not contiguous", .{});
    }
    const meta_end = result.meta_offset + result.meta_size;
    if (meta_end > footer_offset or footer_offset - meta_end >= page_size_bytes) {
        return types.corruption(path, footer_offset, "meta block ends at {d}, footer at {d}", .{ meta_end, footer_offset });
    }
    if (result.index_size < 4 + crc_size_bytes + fence_header_size_bytes + 1 or
        result.bloom_size < bloom_header_size_bytes + crc_size_bytes or
        result.meta_size < meta_fixed_size_bytes + 2 + crc_size_bytes)
    {
        return types.corruption(path, footer_offset, "index, bloom or meta block too small", .{});
    }
    return result;
}

/// Checks a block's CRC (its last four bytes) and returns the bytes before it.
fn checkedBlock(path: []const u8, tail: []const u8, tail_offset: u64, offset: u64, size: u32, comptime what: []const u8) types.CorruptionError![]const u8 {
    assert(offset >= tail_offset);
    assert(size >= crc_size_bytes);
    const start: usize = @intCast(offset - tail_offset);
    const bytes = tail[start..][0..size];
    const crc_stored = std.mem.readInt(u32, bytes[size - 4 ..][0..4], .little);
    const crc_computed = crc32c(bytes[0 .. size - 4]);
    if (crc_stored != crc_computed) {
        return types.corruption(path, offset, what ++ " block checksum mismatch (stored {x:0>8}, computed {x:0>8})", .{ crc_stored, crc_computed });
    }
    return bytes[0 .. size - 4];
}

fn parseMeta(allocator: std.mem.Allocator, path: []const u8, file_size: u64, footer: Footer, tail: []const u8) ReadError!Meta {
    const offset = footer.meta_offset;
    const bytes = try checkedBlock(path, tail, footer.index_offset, offset, footer.meta_size, "meta");
    var decoder = Decoder{ .bytes = bytes };
    // The fixed part fits: parseFooter checked meta_size.
    const entry_count = decoder.int(u64).?;
    const tombstone_count = decoder.int(u64).?;
    const pointer_count = decoder.int(u64).?;
    const key_count = decoder.int(u64).?;
    const min_ts = decoder.int(u64).?;
    const max_ts = decoder.int(u64).?;
    const data_size = decoder.int(u64).?;
    const block_count = decoder.int(u32).?;
    const segment_count = decoder.int(u32).?;
    const smallest_key_size = decoder.int(u16).?;
    const largest_key_size = decoder.int(u16).?;
    const smallest_ts = decoder.int(u64).?;
    const largest_ts = decoder.int(u64).?;
    assert(decoder.position == meta_fixed_size_bytes);

    const expected_size = @as(u64, meta_fixed_size_bytes) + smallest_key_size + largest_key_size +
        @as(u64, segment_count) * segment_size_bytes;
    if (expected_size != bytes.len) {
        return types.corruption(path, offset, "meta block size {d}, its contents need {d}", .{ bytes.len, expected_size });
    }
    if (entry_count == 0 or block_count == 0 or entry_count < block_count or
        tombstone_count > entry_count or pointer_count > entry_count - tombstone_count or
        key_count == 0 or key_count > entry_count)
    {
        return types.corruption(path, offset, "inconsistent meta counts", .{});
    }
    if (min_ts > max_ts or max_ts > types.timestamp_max or
        smallest_ts < min_ts or smallest_ts > max_ts or largest_ts < min_ts or largest_ts > max_ts)
    {
        return types.corruption(path, offset, "inconsistent meta timestamps", .{});
    }
    if (data_size != footer.index_offset or data_size / page_size_bytes < block_count) {
        return types.corruption(path, offset, "meta data size {d}, index at {d}", .{ data_size, footer.index_offset });
    }
    if (smallest_key_size == 0 or smallest_key_size > key_size_bytes_max or
        largest_key_size == 0 or largest_key_size > key_size_bytes_max)
    {
        return types.corruption(path, offset, "bad smallest or largest key size", .{});
    }
    const smallest_key_bytes = decoder.take(smallest_key_size).?;
    const largest_key_bytes = decoder.take(largest_key_size).?;
    const order = types.compareInternal(smallest_key_bytes, smallest_ts, largest_key_bytes, largest_ts);
    if (order == .gt or (order == .eq and entry_count != 1)) {
        return types.corruption(path, offset, "smallest key is not below the largest", .{});
    }

    const smallest_key = try allocator.dupe(u8, smallest_key_bytes);
    errdefer allocator.free(smallest_key);
    const largest_key = try allocator.dupe(u8, largest_key_bytes);
    errdefer allocator.free(largest_key);
    const segments = try allocator.alloc(SegmentPointers, segment_count);
    errdefer allocator.free(segments);
    var pointers_total: u64 = 0;
    for (segments, 0..) |*segment, i| {
        segment.* = .{
            .segment = decoder.int(u64).?,
            .pointer_count = decoder.int(u64).?,
            .pointer_bytes = decoder.int(u64).?,
        };
        if (i > 0 and segments[i - 1].segment >= segment.segment) {
            return types.corruption(path, offset, "segment list is not sorted", .{});
        }
        if (segment.pointer_count == 0 or segment.pointer_count > pointer_count - pointers_total or
            segment.pointer_bytes > segment.pointer_count * @as(u64, std.math.maxInt(u32)))
        {
            return types.corruption(path, offset, "bad pointer counts for segment {d}", .{segment.segment});
        }
        pointers_total += segment.pointer_count;
    }
    if (pointers_total != pointer_count) {
        return types.corruption(path, offset, "segment pointer counts sum to {d}, expected {d}", .{ pointers_total, pointer_count });
    }
    assert(decoder.position == bytes.len);

    return .{
        .smallest_key = smallest_key,
        .smallest_ts = smallest_ts,
        .largest_key = largest_key,
        .largest_ts = largest_ts,
        .entry_count = entry_count,
        .tombstone_count = tombstone_count,
        .pointer_count = pointer_count,
        .key_count = key_count,
        .min_ts = min_ts,
        .max_ts = max_ts,
        .block_count = block_count,
        .data_size_bytes = data_size,
        .file_size_bytes = file_size,
        .segments = segments,
    };
}

fn parseIndex(allocator: std.mem.Allocator, path: []const u8, footer: Footer, meta: *const Meta, tail: []const u8) ReadError![]Fence {
    const offset = footer.index_offset;
    const bytes = try checkedBlock(path, tail, footer.index_offset, offset, footer.index_size, "index");
    const block_count = std.mem.readInt(u32, bytes[bytes.len - 4 ..][0..4], .little);
    if (block_count != meta.block_count) {
        return types.corruption(path, offset, "index has {d} blocks, meta {d}", .{ block_count, meta.block_count });
    }
    // Each fence takes at least its header and a one-byte key, which bounds the allocation.
    if (@as(u64, block_count) * (fence_header_size_bytes + 1) > bytes.len - 4) {
        return types.corruption(path, offset, "index too small for {d} blocks", .{block_count});
    }
    const fences = try allocator.alloc(Fence, block_count);
    errdefer allocator.free(fences);

    var decoder = Decoder{ .bytes = bytes[0 .. bytes.len - 4] };
    var block_offset_expected: u64 = 0;
    for (fences, 0..) |*fence, i| {
        const fence_offset = offset + decoder.position;
        const block_offset = decoder.int(u64) orelse return types.corruption(path, fence_offset, "index entry {d} cut short", .{i});
        const block_size = decoder.int(u32) orelse return types.corruption(path, fence_offset, "index entry {d} cut short", .{i});
        const key_size = decoder.int(u16) orelse return types.corruption(path, fence_offset, "index entry {d} cut short", .{i});
        const ts = decoder.int(u64) orelse return types.corruption(path, fence_offset, "index entry {d} cut short", .{i});
        if (key_size == 0 or key_size > key_size_bytes_max) {
            return types.corruption(path, fence_offset, "index entry {d}: key size {d}", .{ i, key_size });
        }
        const key = decoder.take(key_size) orelse return types.corruption(path, fence_offset, "index entry {d} cut short", .{i});
        if (block_offset != block_offset_expected) {
            return types.corruption(path, fence_offset, "index entry {d}: block offset {d}, expected {d}", .{ i, block_offset, block_offset_expected });
        }
        if (block_size < block_size_bytes_min or block_size > block_size_bytes_max) {
            return types.corruption(path, fence_offset, "index entry {d}: block size {d}", .{ i, block_size });
        }
        if (ts < meta.min_ts or ts > meta.max_ts) {
            return types.corruption(path, fence_offset, "index entry {d}: timestamp {d} outside the table's range", .{ i, ts });
        }
        if (i > 0 and types.compareInternal(fences[i - 1].key, fences[i - 1].ts, key, ts) != .lt) {
            return types.corruption(path, fence_offset, "index entry {d}: out of order", .{i});
        }
        block_offset_expected = block_offset + types.alignForward(block_size, page_size_bytes);
        if (block_offset_expected > footer.index_offset) {
            return types.corruption(path, fence_offset, "index entry {d}: block ends past the data region", .{i});
        }
        fence.* = .{ .offset = block_offset, .size_bytes = block_size, .ts = ts, .key = key, .prefix = keyPrefix(key) };
    }
    if (decoder.position != decoder.bytes.len) {
        return types.corruption(path, offset + decoder.position, "index has trailing bytes", .{});
    }
    if (block_offset_expected != footer.index_offset) {
        return types.corruption(path, offset, "data blocks end at {d}, index at {d}", .{ block_offset_expected, footer.index_offset });
    }
    const last = &fences[fences.len - 1];
    if (types.compareInternal(last.key, last.ts, meta.largest_key, meta.largest_ts) != .eq) {
        return types.corruption(path, offset, "last fence differs from the largest key", .{});
    }
    if (types.compareInternal(fences[0].key, fences[0].ts, meta.smallest_key, meta.smallest_ts) == .lt) {
        return types.corruption(path, offset, "first fence is below the smallest key", .{});
    }
    return fences;
}

fn parseBloom(path: []const u8, footer: Footer, tail: []const u8) ReadError!Bloom {
    const offset = footer.bloom_offset;
    const bytes = try checkedBlock(path, tail, footer.index_offset, offset, footer.bloom_size, "bloom");
    const hash_count = std.mem.readInt(u32, bytes[0..4], .little);
    const bits_size = std.mem.readInt(u32, bytes[4..8], .little);
    if (bits_size != bytes.len - bloom_header_size_bytes or bits_size % 8 != 0 or
        hash_count > bloom_hash_count_max or (hash_count == 0) != (bits_size == 0))
    {
        return types.corruption(path, offset, "bad bloom filter header (hash count {d}, size {d})", .{ hash_count, bits_size });
    }
    return .{ .bits = bytes[bloom_header_size_bytes..], .hash_count = hash_count };
}

/// A cursor over one table. Moving it may read a block (hence the errors); on an error it
/// becomes invalid. `key`, `value` stay valid until it moves or closes. It pins its
/// current block (a cache handle, or its own buffer without a cache) and releases it when
/// it moves to another block, runs off either end, or closes.
pub const Iterator = struct {
    reader: *const Reader,
    options: IteratorOptions,
    is_valid: bool = false,
    /// The loaded block; `block_index` names it.
    block: ?Block = null,
    block_index: u32 = 0,
    entry_index: u32 = 0,
    entry: Entry = undefined,
    handle: ?BlockCache.Handle = null,
    /// For blocks read outside the cache; reused, grown to the largest block seen.
    buffer: ?[]align(page_size_bytes) u8 = null,

    pub fn close(self: *Iterator) void {
        self.unload();
        if (self.buffer) |buffer| self.reader.allocator.free(buffer);
        self.* = undefined;
    }

    pub fn valid(self: *const Iterator) bool {
        return self.is_valid;
    }

    pub fn key(self: *const Iterator) []const u8 {
        assert(self.is_valid);
        return self.entry.key;
    }

    pub fn ts(self: *const Iterator) Timestamp {
        assert(self.is_valid);
        return self.entry.ts;
    }

    pub fn kind(self: *const Iterator) EntryKind {
        assert(self.is_valid);
        return self.entry.kind;
    }

    pub fn value(self: *const Iterator) []const u8 {
        assert(self.is_valid);
        return self.entry.value;
    }

    pub fn seekToFirst(self: *Iterator) ReadError!void {
        errdefer self.invalidate();
        try self.load(0);
        self.setEntry(0);
    }

    pub fn seekToLast(self: *Iterator) ReadError!void {
        errdefer self.invalidate();
        const last: u32 = @intCast(self.reader.fences.len - 1);
        try self.load(last);
        self.setEntry(self.block.?.entry_count - 1);
    }

    /// Positions at the first entry ≥ (key, ts) in internal order.
    pub fn seekGE(self: *Iterator, target_key: []const u8, target_ts: Timestamp) ReadError!void {
        errdefer self.invalidate();
        const block_index = self.reader.fenceLowerBound(target_key, target_ts);
        if (block_index == self.reader.fences.len) return self.invalidate();
        try self.load(block_index);
        const block = self.block.?;
        const entry_index = block.lowerBound(target_key, target_ts);
        // The block's last entry equals its fence, which is ≥ the target.
        assert(entry_index < block.entry_count);
        self.setEntry(entry_index);
    }

    /// Positions at the last entry ≤ (key, ts) in internal order.
    pub fn seekLE(self: *Iterator, target_key: []const u8, target_ts: Timestamp) ReadError!void {
        errdefer self.invalidate();
        const block_index = self.reader.fenceLowerBound(target_key, target_ts);
        if (block_index == self.reader.fences.len) return self.seekToLast();
        try self.load(block_index);
        const entry_index = self.block.?.upperBound(target_key, target_ts);
        if (entry_index > 0) return self.setEntry(entry_index - 1);
        // Everything in this block is above the target; the previous block's fence is below.
        if (block_index == 0) return self.invalidate();
        try self.load(block_index - 1);
        self.setEntry(self.block.?.entry_count - 1);
    }

    pub fn next(self: *Iterator) ReadError!void {
        assert(self.is_valid);
        errdefer self.invalidate();
        if (self.entry_index + 1 < self.block.?.entry_count) return self.setEntry(self.entry_index + 1);
        if (self.block_index + 1 == self.reader.fences.len) return self.invalidate();
        try self.load(self.block_index + 1);
        self.setEntry(0);
    }

    pub fn prev(self: *Iterator) ReadError!void {
        assert(self.is_valid);
        errdefer self.invalidate();
        if (self.entry_index > 0) return self.setEntry(self.entry_index - 1);
        if (self.block_index == 0) return self.invalidate();
        try self.load(self.block_index - 1);
        self.setEntry(self.block.?.entry_count - 1);
    }

    fn setEntry(self: *Iterator, entry_index: u32) void {
        const block = self.block.?;
        assert(entry_index < block.entry_count);
        self.entry_index = entry_index;
        self.entry = block.entry(entry_index);
        self.is_valid = true;
    }

    fn invalidate(self: *Iterator) void {
        self.is_valid = false;
        self.unload();
    }

    fn unload(self: *Iterator) void {
        if (self.handle) |handle| self.reader.cache.?.release(handle);
        self.handle = null;
        self.block = null;
    }

    /// Makes block `block_index` the current block.
    fn load(self: *Iterator, block_index: u32) ReadError!void {
        const reader = self.reader;
        assert(block_index < reader.fences.len);
        if (self.block != null and self.block_index == block_index) return;
        self.unload();
        self.is_valid = false;

        const fence = &reader.fences[block_index];
        const padded_size: usize = @intCast(types.alignForward(fence.size_bytes, page_size_bytes));
        if (reader.cache) |cache| {
            if (cache.lookup(reader.file_number, fence.offset)) |handle| {
                return self.pin(block_index, handle);
            }
            if (self.options.fill_cache) {
                const buffer = try cache.allocBuffer(padded_size);
                reader.readBlock(block_index, buffer) catch |err| {
                    cache.freeBuffer(buffer);
                    return err;
                };
                return self.pin(block_index, try cache.insert(reader.file_number, fence.offset, buffer));
            }
        }

        if (self.buffer == null or self.buffer.?.len < padded_size) {
            if (self.buffer) |buffer| reader.allocator.free(buffer);
            self.buffer = null;
            self.buffer = try reader.allocator.alignedAlloc(u8, .fromByteUnits(page_size_bytes), padded_size);
        }
        const buffer: []u8 = self.buffer.?[0..padded_size];
        try reader.readBlock(block_index, buffer);
        self.block = Block.init(buffer[0..fence.size_bytes]);
        self.block_index = block_index;
    }

    fn pin(self: *Iterator, block_index: u32, handle: BlockCache.Handle) void {
        const fence = &self.reader.fences[block_index];
        const bytes = handle.bytes();
        assert(bytes.len == types.alignForward(fence.size_bytes, page_size_bytes));
        self.handle = handle;
        self.block = Block.init(bytes[0..fence.size_bytes]);
        self.block_index = block_index;
    }
};

/// Test helpers shared with sstable_fuzz.zig.
pub const testing_support = struct {
    /// One in-memory file behind the `io.File` interface, so tests can flip its bytes.
    pub const MemoryFile = struct {
        const Self = @This();
        allocator: std.mem.Allocator,
        bytes: std.ArrayList(u8) = .empty,

        pub fn init(allocator: std.mem.Allocator) Self {
            return .{ .allocator = allocator };
        }

        pub fn deinit(self: *Self) void {
            self.bytes.deinit(self.allocator);
        }

        pub fn file(self: *Self) io.File {
            return .{ .fs = .{ .ctx = self, .vtable = &vtable }, .handle = 0 };
        }

        const vtable = io.VTable{
            .open = open,
            .close = close,
            .pread = pread,
            .pwrite = pwrite,
            .sync = sync,
            .size = size,
            .truncate = truncate,
            .allocate = allocate,
            .delete = pathOp,
            .rename = rename,
            .make_dir = pathOp,
            .sync_dir = pathOp,
            .list = list,
            .lock = lock,
            .unlock = unlock,
        };

        fn from(ctx: *anyopaque) *Self {
            return @ptrCast(@alignCast(ctx));
        }

        fn open(_: *anyopaque, _: []const u8, _: io.OpenOptions) io.IOError!io.Handle {
            return error.Unexpected;
        }

        fn close(_: *anyopaque, _: io.Handle) void {}

        fn pread(ctx: *anyopaque, _: io.Handle, buffer: []u8, offset: u64) io.IOError!usize {
            const self = from(ctx);
            if (offset >= self.bytes.items.len) return 0;
            const available = self.bytes.items[@intCast(offset)..];
            const n = @min(available.len, buffer.len);
            @memcpy(buffer[0..n], available[0..n]);
            return n;
        }

        fn pwrite(ctx: *anyopaque, _: io.Handle, bytes: []const u8, offset: u64) io.IOError!usize {
            const self = from(ctx);
            const end: usize = @intCast(offset + bytes.len);
            if (end > self.bytes.items.len) {
                const old_len = self.bytes.items.len;
                self.bytes.resize(self.allocator, end) catch return error.NoSpaceLeft;
                @memset(self.bytes.items[old_len..], 0);
            }
            @memcpy(self.bytes.items[@intCast(offset)..end], bytes);
            return bytes.len;
        }

        fn sync(_: *anyopaque, _: io.Handle) io.IOError!void {}

        fn size(ctx: *anyopaque, _: io.Handle) io.IOError!u64 {
            return from(ctx).bytes.items.len;
        }

        fn truncate(ctx: *anyopaque, _: io.Handle, size_bytes: u64) io.IOError!void {
            const self = from(ctx);
            const old_len = self.bytes.items.len;
            self.bytes.resize(self.allocator, @intCast(size_bytes)) catch return error.NoSpaceLeft;
            if (size_bytes > old_len) @memset(self.bytes.items[old_len..], 0);
        }

        fn allocate(_: *anyopaque, _: io.Handle, _: u64) io.IOError!void {}

        fn pathOp(_: *anyopaque, _: []const u8) io.IOError!void {
            return error.Unexpected;
        }

        fn rename(_: *anyopaque, _: []const u8, _: []const u8) io.IOError!void {
            return error.Unexpected;
        }

        fn list(_: *anyopaque, _: std.mem.Allocator, _: []const u8, _: *std.ArrayList([]u8)) (io.IOError || error{OutOfMemory})!void {
            return error.Unexpected;
        }

        fn lock(_: *anyopaque, _: []const u8) (io.IOError || error{Busy})!io.Handle {
            return error.Unexpected;
        }

        fn unlock(_: *anyopaque, _: io.Handle) void {}
    };

    pub const ModelEntry = struct {
        key: []const u8,
        ts: Timestamp,
        kind: EntryKind,
        value: []const u8,

        pub fn lessThan(_: void, a: @This(), b: @This()) bool {
            return types.compareInternal(a.key, a.ts, b.key, b.ts) == .lt;
        }
    };

    /// Writes `entries` (sorted, strictly increasing) as one table.
    pub fn writeTable(allocator: std.mem.Allocator, file: io.File, entries: []const ModelEntry, options: WriterOptions) !Meta {
        var writer = try Writer.init(allocator, file, "test.sst", options);
        defer writer.deinit();
        for (entries) |entry| try writer.add(entry.key, entry.ts, entry.kind, entry.value);
        return writer.finish();
    }

    pub fn expectEntry(it: *const Iterator, expected: ModelEntry) !void {
        try std.testing.expect(it.valid());
        try std.testing.expectEqualSlices(u8, expected.key, it.key());
        try std.testing.expectEqual(expected.ts, it.ts());
        try std.testing.expectEqual(expected.kind, it.kind());
        try std.testing.expectEqualSlices(u8, expected.value, it.value());
    }
};

const testing = std.testing;
const MemoryFile = testing_support.MemoryFile;

fn pointerValue(buffer: *[types.ValuePointer.encoded_size_bytes]u8, segment: types.SegmentId, size: u32) []const u8 {
    types.ValuePointer.encode(.{ .segment = segment, .offset = 4096, .size = size }, buffer);
    return buffer;
}

test "sstable: round trip across block boundaries, forward and backward" {
    var arena_state = std.heap.ArenaAllocator.init(testing.allocator);
    defer arena_state.deinit();
    const arena = arena_state.allocator();

    // Keys and values of many sizes, some entries far bigger than a block.
    var entries: std.ArrayList(testing_support.ModelEntry) = .empty;
    const value_sizes = [_]usize{ 0, 1, 7, 100, 1000, 4000, 4096, 5000, 20000 };
    for (0..300) |i| {
        const key_size = 1 + (i * 37) % 200;
        const key = try arena.alloc(u8, key_size + 4);
        std.mem.writeInt(u32, key[0..4], @intCast(i), .big);
        @memset(key[4..], @truncate(i));
        const value = try arena.alloc(u8, value_sizes[i % value_sizes.len]);
        for (value, 0..) |*byte, j| byte.* = @truncate(i * 7 + j);
        try entries.append(arena, .{ .key = key, .ts = 1000 - i, .kind = .put, .value = value });
    }
    // The largest key.
    const big_key = try arena.alloc(u8, key_size_bytes_max);
    @memset(big_key, 0xff);
    try entries.append(arena, .{ .key = big_key, .ts = 1, .kind = .delete, .value = "" });

    for ([_]u32{ 64, 256, 4096, 16384 }) |block_size| {
        var memory = MemoryFile.init(testing.allocator);
        defer memory.deinit();
        var meta = try testing_support.writeTable(testing.allocator, memory.file(), entries.items, .{ .block_size_bytes = block_size });
        defer meta.deinit(testing.allocator);
        try testing.expectEqual(@as(u64, entries.items.len), meta.entry_count);
        try testing.expectEqual(@as(u64, memory.bytes.items.len), meta.file_size_bytes);
        try testing.expect(types.isAligned(meta.file_size_bytes, page_size_bytes));

        const reader = try Reader.open(testing.allocator, memory.file(), 1, "test.sst", null);
        defer reader.close();
        try testing.expectEqual(meta.block_count, reader.meta.block_count);
        try testing.expectEqualSlices(u8, entries.items[0].key, reader.meta.smallest_key);
        try testing.expectEqualSlices(u8, big_key, reader.meta.largest_key);

        var it = reader.iterator();
        defer it.close();
        try it.seekToFirst();
        for (entries.items) |entry| {
            try testing_support.expectEntry(&it, entry);
            try it.next();
        }
        try testing.expect(!it.valid());
        try it.seekToLast();
        var i = entries.items.len;
        while (i > 0) {
            i -= 1;
            try testing_support.expectEntry(&it, entries.items[i]);
            try it.prev();
        }
        try testing.expect(!it.valid());
    }
}

test "sstable: get and newestTimestamp across versions and tombstones" {
    var memory = MemoryFile.init(testing.allocator);
    defer memory.deinit();
    // key "a": puts at 30 and 10, a tombstone at 20; "b": one put at 5; "c": tombstone at 8.
    const entries = [_]testing_support.ModelEntry{
        .{ .key = "a", .ts = 30, .kind = .put, .value = "a30" },
        .{ .key = "a", .ts = 20, .kind = .delete, .value = "" },
        .{ .key = "a", .ts = 10, .kind = .put, .value = "a10" },
        .{ .key = "b", .ts = 5, .kind = .put, .value = "b5" },
        .{ .key = "c", .ts = 8, .kind = .delete, .value = "" },
    };
    var meta = try testing_support.writeTable(testing.allocator, memory.file(), &entries, .{ .block_size_bytes = 64 });
    defer meta.deinit(testing.allocator);
    try testing.expect(meta.block_count >= 2);

    var cache = try BlockCache.init(testing.allocator, 1 << 20, 2);
    defer cache.deinit();
    const reader = try Reader.open(testing.allocator, memory.file(), 9, "test.sst", &cache);
    defer reader.close();

    var value: std.ArrayList(u8) = .empty;
    defer value.deinit(testing.allocator);
    const Case = struct { key: []const u8, snapshot: Timestamp, found: ?Found, value: []const u8 };
    const cases = [_]Case{
        .{ .key = "a", .snapshot = types.timestamp_max, .found = .{ .ts = 30, .kind = .put }, .value = "a30" },
        .{ .key = "a", .snapshot = 30, .found = .{ .ts = 30, .kind = .put }, .value = "a30" },
        .{ .key = "a", .snapshot = 29, .found = .{ .ts = 20, .kind = .delete }, .value = "" },
        .{ .key = "a", .snapshot = 20, .found = .{ .ts = 20, .kind = .delete }, .value = "" },
        .{ .key = "a", .snapshot = 19, .found = .{ .ts = 10, .kind = .put }, .value = "a10" },
        .{ .key = "a", .snapshot = 10, .found = .{ .ts = 10, .kind = .put }, .value = "a10" },
        .{ .key = "a", .snapshot = 9, .found = null, .value = "" },
        .{ .key = "b", .snapshot = 100, .found = .{ .ts = 5, .kind = .put }, .value = "b5" },
        .{ .key = "b", .snapshot = 4, .found = null, .value = "" },
        .{ .key = "c", .snapshot = 8, .found = .{ .ts = 8, .kind = .delete }, .value = "" },
        .{ .key = "0", .snapshot = 100, .found = null, .value = "" },
        .{ .key = "aa", .snapshot = 100, .found = null, .value = "" },
        .{ .key = "d", .snapshot = 100, .found = null, .value = "" },
    };
    for (cases) |case| {
        value.clearRetainingCapacity();
        try value.appendSlice(testing.allocator, "stale");
        const found = try reader.get(testing.allocator, case.key, case.snapshot, &value);
        try testing.expectEqual(case.found, found);
        if (found != null) try testing.expectEqualStrings(case.value, value.items);
    }

    try testing.expectEqual(@as(?Timestamp, 30), try reader.newestTimestamp("a"));
    try testing.expectEqual(@as(?Timestamp, 5), try reader.newestTimestamp("b"));
    try testing.expectEqual(@as(?Timestamp, 8), try reader.newestTimestamp("c"));
    try testing.expectEqual(@as(?Timestamp, null), try reader.newestTimestamp("bb"));
    try testing.expectEqual(@as(?Timestamp, null), try reader.newestTimestamp("z"));

    // Repeated gets are served by the cache.
    const hits_before = cache.stats().hits;
    for (0..10) |_| _ = try reader.get(testing.allocator, "b", 100, &value);
    try testing.expectEqual(hits_before + 10, cache.stats().hits);
}

test "sstable: seeks land on the right entry at every boundary" {
    var memory = MemoryFile.init(testing.allocator);
    defer memory.deinit();
    const entries = [_]testing_support.ModelEntry{
        .{ .key = "b", .ts = 9, .kind = .put, .value = "1" },
        .{ .key = "b", .ts = 5, .kind = .put, .value = "2" },
        .{ .key = "d", .ts = 7, .kind = .put, .value = "3" },
        .{ .key = "f", .ts = 3, .kind = .put, .value = "4" },
    };
    var meta = try testing_support.writeTable(testing.allocator, memory.file(), &entries, .{ .block_size_bytes = 64 });
    defer meta.deinit(testing.allocator);
    const reader = try Reader.open(testing.allocator, memory.file(), 1, "test.sst", null);
    defer reader.close();
    var it = reader.iterator();
    defer it.close();

    try it.seekGE("a", 1);
    try testing_support.expectEntry(&it, entries[0]);
    try it.seekGE("b", 10);
    try testing_support.expectEntry(&it, entries[0]);
    try it.seekGE("b", 9);
    try testing_support.expectEntry(&it, entries[0]);
    try it.seekGE("b", 8);
    try testing_support.expectEntry(&it, entries[1]);
    try it.seekGE("b", 4);
    try testing_support.expectEntry(&it, entries[2]);
    try it.seekGE("f", 3);
    try testing_support.expectEntry(&it, entries[3]);
    try it.seekGE("f", 2);
    try testing.expect(!it.valid());

    try it.seekLE("a", 1);
    try testing.expect(!it.valid());
    try it.seekLE("b", 10);
    try testing.expect(!it.valid());
    try it.seekLE("b", 9);
    try testing_support.expectEntry(&it, entries[0]);
    try it.seekLE("b", 4);
    try testing_support.expectEntry(&it, entries[1]);
    try it.seekLE("c", 100);
    try testing_support.expectEntry(&it, entries[1]);
    try it.seekLE("z", 1);
    try testing_support.expectEntry(&it, entries[3]);
    try it.prev();
    try testing_support.expectEntry(&it, entries[2]);
}

test "sstable: meta counts and per-segment pointer accounting" {
    var memory = MemoryFile.init(testing.allocator);
    defer memory.deinit();
    var pointers: [6][types.ValuePointer.encoded_size_bytes]u8 = undefined;
    const entries = [_]testing_support.ModelEntry{
        .{ .key = "k1", .ts = 50, .kind = .put_pointer, .value = pointerValue(&pointers[0], 9, 1000) },
        .{ .key = "k1", .ts = 40, .kind = .put_pointer, .value = pointerValue(&pointers[1], 3, 200) },
        .{ .key = "k2", .ts = 45, .kind = .delete, .value = "" },
        .{ .key = "k3", .ts = 12, .kind = .put_pointer, .value = pointerValue(&pointers[2], 9, 24) },
        .{ .key = "k4", .ts = 70, .kind = .put, .value = "inline" },
        .{ .key = "k4", .ts = 60, .kind = .delete, .value = "" },
        .{ .key = "k5", .ts = 7, .kind = .put_pointer, .value = pointerValue(&pointers[3], 5, 1) },
        .{ .key = "k6", .ts = 8, .kind = .put_pointer, .value = pointerValue(&pointers[4], 3, 300) },
    };
    var written = try testing_support.writeTable(testing.allocator, memory.file(), &entries, .{});
    defer written.deinit(testing.allocator);
    const reader = try Reader.open(testing.allocator, memory.file(), 1, "test.sst", null);
    defer reader.close();

    var cloned = try reader.meta.clone(testing.allocator);
    defer cloned.deinit(testing.allocator);
    for ([_]*const Meta{ &written, &reader.meta, &cloned }) |meta| {
        try testing.expectEqual(@as(u64, 8), meta.entry_count);
        try testing.expectEqual(@as(u64, 2), meta.tombstone_count);
        try testing.expectEqual(@as(u64, 5), meta.pointer_count);
        try testing.expectEqual(@as(u64, 6), meta.key_count);
        try testing.expectEqual(@as(Timestamp, 7), meta.min_ts);
        try testing.expectEqual(@as(Timestamp, 70), meta.max_ts);
        try testing.expectEqual(@as(u32, 1), meta.block_count);
        try testing.expectEqual(@as(u64, page_size_bytes), meta.data_size_bytes);
        try testing.expectEqual(@as(u64, 2 * page_size_bytes), meta.file_size_bytes);
        try testing.expectEqualStrings("k1", meta.smallest_key);
        try testing.expectEqual(@as(Timestamp, 50), meta.smallest_ts);
        try testing.expectEqualStrings("k6", meta.largest_key);
        try testing.expectEqual(@as(Timestamp, 8), meta.largest_ts);
        try testing.expectEqualSlices(SegmentPointers, &.{
            .{ .segment = 3, .pointer_count = 2, .pointer_bytes = 500 },
            .{ .segment = 5, .pointer_count = 1, .pointer_bytes = 1 },
            .{ .segment = 9, .pointer_count = 2, .pointer_bytes = 1024 },
        }, meta.segments);
    }
}

test "sstable: bloom filter false-positive rate is near its target" {
    var arena_state = std.heap.ArenaAllocator.init(testing.allocator);
    defer arena_state.deinit();
    const arena = arena_state.allocator();
    const key_count = 20_000;
    var entries = try arena.alloc(testing_support.ModelEntry, key_count);
    for (entries, 0..) |*entry, i| {
        const key = try std.fmt.allocPrint(arena, "user:{d:0>8}", .{i * 2});
        entry.* = .{ .key = key, .ts = 1, .kind = .put, .value = "v" };
    }

    for ([_]u32{ 5, 10, 16 }) |bits_per_key| {
        var memory = MemoryFile.init(testing.allocator);
        defer memory.deinit();
        var meta = try testing_support.writeTable(testing.allocator, memory.file(), entries, .{ .bloom_bits_per_key = bits_per_key });
        defer meta.deinit(testing.allocator);
        const reader = try Reader.open(testing.allocator, memory.file(), 1, "test.sst", null);
        defer reader.close();

        for (entries) |entry| try testing.expect(reader.mayContain(entry.key));
        var false_positives: u32 = 0;
        const probes = 100_000;
        var key_buffer: [32]u8 = undefined;
        for (0..probes) |i| {
            const key = try std.fmt.bufPrint(&key_buffer, "user:{d:0>8}", .{i * 2 + 1});
            if (reader.mayContain(key)) false_positives += 1;
        }
        const rate = @as(f64, @floatFromInt(false_positives)) / probes;
        // The textbook rate (1 - e^(-k/b))^k: 9.2% at 5 bits per key, 0.82% at 10, 0.046% at 16.
        const k: f64 = @floatFromInt(bloomHashCount(1, bits_per_key));
        const b: f64 = @floatFromInt(bits_per_key);
        const expected = std.math.pow(f64, 1 - @exp(-k / b), k);
        if (rate > expected * 1.5 + 0.0005) {
            std.debug.print("bits per key {d}: false-positive rate {d:.5}, expected {d:.5}\n", .{ bits_per_key, rate, expected });
            return error.TestUnexpectedResult;
        }
    }

    // No filter: every key may be present.
    var memory = MemoryFile.init(testing.allocator);
    defer memory.deinit();
    var meta = try testing_support.writeTable(testing.allocator, memory.file(), entries[0..10], .{ .bloom_bits_per_key = 0 });
    defer meta.deinit(testing.allocator);
    const reader = try Reader.open(testing.allocator, memory.file(), 1, "test.sst", null);
    defer reader.close();
    try testing.expect(reader.mayContain("absent"));
    var value: std.ArrayList(u8) = .empty;
    try testing.expectEqual(@as(?Found, null), try reader.get(testing.allocator, "absent", 5, &value));
}

/// Rewrites the footer of a valid table in place: `edit` changes its bytes, then the CRC is
/// recomputed.
fn editFooter(bytes: []u8, edit: *const fn (footer: []u8) void) void {
    const footer = bytes[bytes.len - footer_size_bytes ..];
    edit(footer);
    std.mem.writeInt(u32, footer[0..4], crc32c(footer[4..]), .little);
}

test "sstable: unknown magic and newer format versions are refused" {
    const entries = [_]testing_support.ModelEntry{.{ .key = "k", .ts = 1, .kind = .put, .value = "v" }};
    const Edit = struct {
        fn version2(footer: []u8) void {
            std.mem.writeInt(u32, footer[52..56], 2, .little);
        }
        fn version0(footer: []u8) void {
            std.mem.writeInt(u32, footer[52..56], 0, .little);
        }
        fn magicOther(footer: []u8) void {
            footer[60] ^= 0x20;
        }
        fn reserved(footer: []u8) void {
            footer[4] = 1;
        }
        fn noop(_: []u8) void {}
    };
    const Case = struct { edit: *const fn ([]u8) void, fix_crc: bool, expected: ?ReadError };
    const cases = [_]Case{
        .{ .edit = Edit.noop, .fix_crc = true, .expected = null },
        .{ .edit = Edit.version2, .fix_crc = true, .expected = error.UnsupportedFormat },
        // Without a matching CRC a changed version is corruption, not a newer format.
        .{ .edit = Edit.version2, .fix_crc = false, .expected = error.Corruption },
        .{ .edit = Edit.version0, .fix_crc = true, .expected = error.Corruption },
        .{ .edit = Edit.magicOther, .fix_crc = true, .expected = error.Corruption },
        .{ .edit = Edit.reserved, .fix_crc = true, .expected = error.Corruption },
    };
    for (cases) |case| {
        var memory = MemoryFile.init(testing.allocator);
        defer memory.deinit();
        var meta = try testing_support.writeTable(testing.allocator, memory.file(), &entries, .{});
        defer meta.deinit(testing.allocator);
        if (case.fix_crc) {
            editFooter(memory.bytes.items, case.edit);
        } else {
            case.edit(memory.bytes.items[memory.bytes.items.len - footer_size_bytes ..]);
        }
        types.clearErrorMessage();
        if (Reader.open(testing.allocator, memory.file(), 1, "00042.sst", null)) |reader| {
            reader.close();
            try testing.expect(case.expected == null);
        } else |err| {
            try testing.expectEqual(case.expected.?, err);
            try testing.expect(std.mem.indexOf(u8, types.errorMessage(), "00042.sst") != null);
            if (err == error.UnsupportedFormat) {
                try testing.expect(std.mem.indexOf(u8, types.errorMessage(), "version 2 is newer") != null);
            }
        }
    }
}

test "sstable: a table of one entry; an empty or short file is corruption" {
    var memory = MemoryFile.init(testing.allocator);
    defer memory.deinit();
    const entries = [_]testing_support.ModelEntry{.{ .key = "only", .ts = 3, .kind = .delete, .value = "" }};
    var meta = try testing_support.writeTable(testing.allocator, memory.file(), &entries, .{});
    defer meta.deinit(testing.allocator);
    const reader = try Reader.open(testing.allocator, memory.file(), 1, "test.sst", null);
    var it = reader.iterator();
    try it.seekLE("only", 3);
    try testing_support.expectEntry(&it, entries[0]);
    it.close();
    reader.close();

    for ([_]usize{ 0, 100, page_size_bytes, page_size_bytes + 1 }) |size| {
        try memory.file().truncate(size);
        try testing.expectError(error.Corruption, Reader.open(testing.allocator, memory.file(), 1, "test.sst", null));
    }
}

test "sstable: key prefixes order as the keys do whenever they differ (seeded)" {
    // The test runner's seed: the failing `zig build test --seed ...` replays it.
    const seed: u64 = testing.random_seed;
    errdefer std.debug.print("seed = {d}\n", .{seed});
    var prng = std.Random.DefaultPrng.init(seed);
    const random = prng.random();
    var a_bytes: [24]u8 = undefined;
    var b_bytes: [24]u8 = undefined;
    for (0..20_000) |_| {
        // Short alphabets and lengths around the prefix size make shared prefixes, zero
        // bytes and keys that end inside the prefix common.
        const a = a_bytes[0 .. 1 + random.uintLessThan(usize, a_bytes.len)];
        const b = b_bytes[0 .. 1 + random.uintLessThan(usize, b_bytes.len)];
        for (a) |*c| c.* = random.uintLessThan(u8, 3);
        for (b) |*c| c.* = random.uintLessThan(u8, 3);
        if (random.boolean()) @memcpy(b[0 .. @min(a.len, b.len) / 2], a[0 .. @min(a.len, b.len) / 2]);
        const pa = keyPrefix(a);
        const pb = keyPrefix(b);
        const order = std.mem.order(u8, a, b);
        if (pa[0] != pb[0] or pa[1] != pb[1]) {
            const prefix_order: std.math.Order = if (pa[0] != pb[0]) std.math.order(pa[0], pb[0]) else std.math.order(pa[1], pb[1]);
            try testing.expectEqual(order, prefix_order);
        }
        const ts_a = random.uintLessThan(Timestamp, 4);
        const ts_b = random.uintLessThan(Timestamp, 4);
        const fence = Fence{ .offset = 0, .size_bytes = 0, .ts = ts_a, .key = a, .prefix = pa };
        try testing.expectEqual(types.compareInternal(a, ts_a, b, ts_b) == .lt, fenceBefore(&fence, pb, b, ts_b));
    }
}

test "sstable: real files with direct I/O (PosixFs)" {
    var path_buffer: [64]u8 = undefined;
    const dir_path = try std.fmt.bufPrint(&path_buffer, "/tmp/pgz-sstable-test-{x:0>16}", .{std.crypto.random.int(u64)});
    defer std.fs.cwd().deleteTree(dir_path) catch {};
    var posix = try io.PosixFs.init(dir_path);
    defer posix.deinit();
    const fs = posix.fs();

    var arena_state = std.heap.ArenaAllocator.init(testing.allocator);
    defer arena_state.deinit();
    const arena = arena_state.allocator();
    var entries: std.ArrayList(testing_support.ModelEntry) = .empty;
    for (0..5000) |i| {
        const key = try std.fmt.allocPrint(arena, "row/{d:0>6}", .{i});
        const value = try arena.alloc(u8, (i * 13) % 700);
        @memset(value, @truncate(i));
        try entries.append(arena, .{ .key = key, .ts = 7, .kind = .put, .value = value });
    }

    // Every write and read the table does is page-aligned, so both work with O_DIRECT
    // (where the file system supports it; otherwise through the page cache).
    const direct = builtin.os.tag == .linux;
    {
        const file = try fs.open("000001.sst", .{ .create = true, .exclusive = true, .direct = direct });
        defer file.close();
        var meta = try testing_support.writeTable(testing.allocator, file, entries.items, .{});
        defer meta.deinit(testing.allocator);
        try file.sync();
        try testing.expectEqual(meta.file_size_bytes, try file.size());
    }

    var cache = try BlockCache.init(testing.allocator, 4 << 20, 4);
    defer cache.deinit();
    const file = try fs.open("000001.sst", .{ .read_only = true, .direct = direct });
    defer file.close();
    const reader = try Reader.open(testing.allocator, file, 1, "000001.sst", &cache);
    defer reader.close();
    var it = reader.iterator();
    defer it.close();
    try it.seekToFirst();
    for (entries.items) |entry| {
        try testing_support.expectEntry(&it, entry);
        try it.next();
    }
    try testing.expect(!it.valid());
    var value: std.ArrayList(u8) = .empty;
    defer value.deinit(testing.allocator);
    const found = (try reader.get(testing.allocator, "row/004321", 7, &value)).?;
    try testing.expectEqual(@as(Timestamp, 7), found.ts);
    try testing.expectEqualSlices(u8, entries.items[4321].value, value.items);
    try testing.expectEqual(@as(?Found, null), try reader.get(testing.allocator, "row/004321", 6, &value));
    cache.evictFile(1);
    try testing.expectEqual(@as(u64, 0), cache.stats().entry_count);
}

test "sstable: simulated disk: direct I/O, short reads, bit rot, crash before and after sync" {
    var sim = try io.SimFs.init(testing.allocator, 0x55);
    defer sim.deinit();
    sim.short_io = true;
    const fs = sim.fs();

    const entries = [_]testing_support.ModelEntry{
        .{ .key = "a", .ts = 3, .kind = .put, .value = "x" ** 3000 },
        .{ .key = "b", .ts = 2, .kind = .put, .value = "y" ** 3000 },
        .{ .key = "c", .ts = 1, .kind = .delete, .value = "" },
    };

    // Not synced: a crash leaves no readable table, whatever survives of the writes.
    for ([_]io.SimFs.CrashMode{ .lose_unsynced, .torn_prefix, .random_subset }) |mode| {
        {
            const file = try fs.open("1.sst", .{ .create = true, .truncate = true, .direct = true });
            defer file.close();
            var meta = try testing_support.writeTable(testing.allocator, file, &entries, .{});
            meta.deinit(testing.allocator);
        }
        sim.crash(mode);
        const file = fs.open("1.sst", .{ .read_only = true, .direct = true }) catch |err| {
            try testing.expectEqual(error.FileNotFound, err);
            continue;
        };
        defer file.close();
        if (Reader.open(testing.allocator, file, 1, "1.sst", null)) |reader| {
            // Only possible when every write survived: then the contents are exact.
            defer reader.close();
            var it = reader.iterator();
            defer it.close();
            try it.seekToFirst();
            for (entries) |entry| {
                try testing_support.expectEntry(&it, entry);
                try it.next();
            }
        } else |err| {
            try testing.expectEqual(error.Corruption, err);
        }
    }

    // Synced: it survives a crash intact.
    {
        const file = try fs.open("2.sst", .{ .create = true, .exclusive = true, .direct = true });
        defer file.close();
        var meta = try testing_support.writeTable(testing.allocator, file, &entries, .{});
        meta.deinit(testing.allocator);
        try file.sync();
        try fs.syncDir("");
    }
    sim.crash(.random_subset);
    {
        const file = try fs.open("2.sst", .{ .read_only = true, .direct = true });
        defer file.close();
        const reader = try Reader.open(testing.allocator, file, 2, "2.sst", null);
        defer reader.close();
        var value: std.ArrayList(u8) = .empty;
        defer value.deinit(testing.allocator);
        try testing.expectEqual(Found{ .ts = 2, .kind = .put }, (try reader.get(testing.allocator, "b", 10, &value)).?);
        try testing.expectEqualSlices(u8, entries[1].value, value.items);
        try testing.expectEqual(Found{ .ts = 1, .kind = .delete }, (try reader.get(testing.allocator, "c", 10, &value)).?);
    }

    // Bit rot in the second data block: the table opens, that block reports corruption
    // with the file and offset, the first block still reads.
    sim.flipBit("2.sst", page_size_bytes + 100, 3);
    {
        const file = try fs.open("2.sst", .{ .read_only = true, .direct = true });
        defer file.close();
        const reader = try Reader.open(testing.allocator, file, 2, "2.sst", null);
        defer reader.close();
        var value: std.ArrayList(u8) = .empty;
        defer value.deinit(testing.allocator);
        try testing.expect((try reader.get(testing.allocator, "a", 10, &value)) != null);
        types.clearErrorMessage();
        try testing.expectError(error.Corruption, reader.get(testing.allocator, "b", 10, &value));
        try testing.expect(std.mem.indexOf(u8, types.errorMessage(), "2.sst at offset 4096") != null);
    }
}
