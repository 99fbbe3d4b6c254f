//! The commit log (write-ahead log): one CRC-framed record per committed transaction, in
//! commit-timestamp order, in segment files `wal/<n>.log`. A commit is acknowledged only after
//! its record is durable (and, before that, every value-log byte the record points to).
//!
//! Segment layout (little-endian):
//!   header, 32 bytes: magic u64 "PGZWAL\x00\x01", format_version u32, flags u32,
//!                     segment number u64, previous segment number u64 (0 for none)
//!                     -- the header is followed by its CRC32C u32 and 4 zero bytes (40 bytes)
//!   records:          crc32c u32 (of the next 4 bytes and the payload), payload_len u32, payload
//!   then, in the segment being appended to, zero bytes up to a multiple of
//!   `preallocate_step_bytes`; a segment that stops being appended to is cut at its last record.
//! Commit payload:     type u8 (1 = commit), commit_ts u64, op_count u32, then op_count ops:
//!                     kind u8 (EntryKind), key_len u16, value_len u32, key, value
//!                     (value: inline bytes for put, a 20-byte ValuePointer for put_pointer,
//!                     empty for delete)
//! The chain of previous-segment numbers lets recovery notice a missing segment.
//! Flags: bit 0 (`flag_synced_commits`) — commits in this segment were acknowledged only
//! after the value log and this log were synced, so every record that reached the disk
//! points only at durable values; without it (sync modes normal and off) a power loss can
//! leave a record whose values were lost, which recovery then treats as the end of the log.

const std = @import("std");
const builtin = @import("builtin");
const assert = std.debug.assert;
const types = @import("types.zig");
const io = @import("io.zig");
const crc32c = @import("crc32c.zig");

const Timestamp = types.Timestamp;
const EntryKind = types.EntryKind;
const FileNumber = types.FileNumber;

pub const magic: u64 = 0x0100_4C41_575A_4750; // "PGZWAL\x00\x01" little-endian
pub const format_version: u32 = 1;
pub const header_size_bytes: u32 = 40;
pub const record_header_size_bytes: u32 = 8;
const op_header_size_bytes: u32 = 7;
const commit_header_size_bytes: u32 = 13;
pub const record_type_commit: u8 = 1;

/// The segment being appended to grows in steps of this many zero bytes, written ahead of its
/// records. A commit then overwrites blocks the file already has, so its sync does not also
/// have to make a new file size durable (on ext4 and the like, a journal commit per sync).
/// Recovery reads the zeros after the last record as a torn tail and cuts them off. Tests
/// use one zero-chunk write per step, so that crash tests reach every step boundary.
pub const preallocate_step_bytes: u64 = if (builtin.is_test) zero_chunk_bytes else 4 * 1024 * 1024;
const zero_chunk_bytes: usize = 64 * 1024;
const zero_chunk: [zero_chunk_bytes]u8 = @splat(0);

/// A commit record's payload can hold at most this much (a whole transaction's inline data).
pub const payload_size_bytes_max: u64 = types.txn_size_bytes_max + @as(u64, types.txn_ops_max) * op_header_size_bytes + commit_header_size_bytes;

pub const Op = struct {
    kind: EntryKind,
    key: []const u8,
    value: []const u8,
};

pub fn segmentPath(buffer: []u8, number: FileNumber) []const u8 {
    return std.fmt.bufPrint(buffer, "wal/{d:0>8}.log", .{number}) catch unreachable;
}

/// The size a commit record with these ops takes, framing included.
pub fn recordSize(ops: []const Op) u64 {
    var size: u64 = record_header_size_bytes + commit_header_size_bytes;
    for (ops) |op| size += op_header_size_bytes + op.key.len + op.value.len;
    return size;
}

/// Appends one framed commit record to `buffer`.
pub fn encodeCommit(allocator: std.mem.Allocator, buffer: *std.ArrayList(u8), ts: Timestamp, ops: []const Op) error{ OutOfMemory, TransactionTooLarge }!void {
    assert(ts > 0);
    const size = recordSize(ops);
    if (size - record_header_size_bytes > payload_size_bytes_max or ops.len > types.txn_ops_max) return error.TransactionTooLarge;
    const start = buffer.items.len;
    try buffer.ensureUnusedCapacity(allocator, @intCast(size));
    const out = buffer.addManyAsSliceAssumeCapacity(@intCast(size));
    var pos: usize = record_header_size_bytes;
    out[pos] = record_type_commit;
    std.mem.writeInt(u64, out[pos + 1 ..][0..8], ts, .little);
    std.mem.writeInt(u32, out[pos + 9 ..][0..4], @intCast(ops.len), .little);
    pos += commit_header_size_bytes;
    for (ops) |op| {
        assert(op.key.len > 0 and op.key.len <= types.key_size_bytes_max);
        assert(op.kind != .put_pointer or op.value.len == types.ValuePointer.encoded_size_bytes);
        assert(op.kind != .delete or op.value.len == 0);
        out[pos] = @intFromEnum(op.kind);
        std.mem.writeInt(u16, out[pos + 1 ..][0..2], @intCast(op.key.len), .little);
        std.mem.writeInt(u32, out[pos + 3 ..][0..4], @intCast(op.value.len), .little);
        pos += op_header_size_bytes;
        @memcpy(out[pos..][0..op.key.len], op.key);
        pos += op.key.len;
        @memcpy(out[pos..][0..op.value.len], op.value);
        pos += op.value.len;
    }
    assert(pos == size);
    const payload_len: u32 = @intCast(size - record_header_size_bytes);
    std.mem.writeInt(u32, out[4..8], payload_len, .little);
    std.mem.writeInt(u32, out[0..4], crc32c.crc32c(out[4..]), .little);
    assert(buffer.items.len == start + size);
}

/// A decoded commit record; `ops` iterates over the payload it borrows.
pub const CommitRecord = struct {
    ts: Timestamp,
    op_count: u32,
    ops_bytes: []const u8,

    pub const OpIterator = struct {
        bytes: []const u8,
        pos: usize = 0,
        remaining: u32,

        pub fn next(self: *OpIterator) ?Op {
            if (self.remaining == 0) return null;
            self.remaining -= 1;
            const kind = EntryKind.fromByte(self.bytes[self.pos]).?;
            const key_len = std.mem.readInt(u16, self.bytes[self.pos + 1 ..][0..2], .little);
            const value_len = std.mem.readInt(u32, self.bytes[self.pos + 3 ..][0..4], .little);
            self.pos += op_header_size_bytes;
            const key = self.bytes[self.pos..][0..key_len];
            self.pos += key_len;
            const value = self.bytes[self.pos..][0..value_len];
            self.pos += value_len;
            return .{ .kind = kind, .key = key, .value = value };
        }
    };

    pub fn ops(self: CommitRecord) OpIterator {
        return .{ .bytes = self.ops_bytes, .remaining = self.op_count };
    }
};

/// Validates a payload completely (so iterating its ops cannot fail) and decodes its header.
pub fn decodeCommit(payload: []const u8) ?CommitRecord {
    if (payload.len < commit_header_size_bytes or payload[0] != record_type_commit) return null;
    const ts = std.mem.readInt(u64, payload[1..9], .little);
    const op_count = std.mem.readInt(u32, payload[9..13], .little);
    if (ts == 0 or op_count > types.txn_ops_max) return null;
    const ops_bytes = payload[commit_header_size_bytes..];
    var pos: usize = 0;
    var i: u32 = 0;
    while (i < op_count) : (i += 1) {
        if (ops_bytes.len - pos < op_header_size_bytes) return null;
        const kind = EntryKind.fromByte(ops_bytes[pos]) orelse return null;
        const key_len = std.mem.readInt(u16, ops_bytes[pos + 1 ..][0..2], .little);
        const value_len = std.mem.readInt(u32, ops_bytes[pos + 3 ..][0..4], .little);
        pos += op_header_size_bytes;
        if (key_len == 0 or key_len > types.key_size_bytes_max) return null;
        switch (kind) {
            .put => if (value_len > types.value_size_bytes_max) return null,
            .put_pointer => if (value_len != types.ValuePointer.encoded_size_bytes) return null,
            .delete => if (value_len != 0) return null,
        }
        if (ops_bytes.len - pos < @as(usize, key_len) + value_len) return null;
        pos += @as(usize, key_len) + value_len;
    }
    if (pos != ops_bytes.len) return null;
    return .{ .ts = ts, .op_count = op_count, .ops_bytes = ops_bytes };
}

pub const flag_synced_commits: u32 = 1;

fn encodeHeader(out: *[header_size_bytes]u8, number: FileNumber, previous: FileNumber, flags: u32) void {
    @memset(out, 0);
    std.mem.writeInt(u64, out[0..8], magic, .little);
    std.mem.writeInt(u32, out[8..12], format_version, .little);
    std.mem.writeInt(u32, out[12..16], flags, .little);
    std.mem.writeInt(u64, out[16..24], number, .little);
    std.mem.writeInt(u64, out[24..32], previous, .little);
    std.mem.writeInt(u32, out[32..36], crc32c.crc32c(out[0..32]), .little);
}

pub const SegmentHeader = struct { number: FileNumber, previous: FileNumber, flags: u32 };

fn decodeHeader(bytes: *const [header_size_bytes]u8, path: []const u8) (types.CorruptionError || error{UnsupportedFormat})!SegmentHeader {
    if (std.mem.readInt(u64, bytes[0..8], .little) != magic) return types.corruption(path, 0, "not a commit-log segment (bad magic)", .{});
    if (std.mem.readInt(u32, bytes[32..36], .little) != crc32c.crc32c(bytes[0..32])) return types.corruption(path, 0, "segment header CRC mismatch", .{});
    const version = std.mem.readInt(u32, bytes[8..12], .little);
    if (version > format_version) {
        types.setErrorMessage("{s}: commit-log format version {d} is newer than this build understands ({d}); upgrade pgz", .{ path, version, format_version });
        return error.UnsupportedFormat;
    }
    return .{
        .number = std.mem.readInt(u64, bytes[16..24], .little),
        .previous = std.mem.readInt(u64, bytes[24..32], .little),
        .flags = std.mem.readInt(u32, bytes[12..16], .little),
    };
}

/// The segment being appended to.
pub const Writer = struct {
    file: io.File,
    number: FileNumber,
    /// Where the next record goes; everything before it was written (not necessarily synced).
    end_offset: u64,
    synced_offset: u64,
    /// The file's size: zero bytes written ahead of `end_offset` (see `preallocate_step_bytes`).
    allocated_end: u64,
    path_buffer: [64]u8 = undefined,
    path_len: usize = 0,

    /// Creates a new segment, writes its header and makes it and its directory entry durable.
    pub fn create(fs: io.Fs, number: FileNumber, previous: FileNumber, flags: u32) types.Error!Writer {
        var writer = Writer{ .file = undefined, .number = number, .end_offset = header_size_bytes, .synced_offset = header_size_bytes, .allocated_end = header_size_bytes };
        const segment_path = segmentPath(&writer.path_buffer, number);
        writer.path_len = segment_path.len;
        writer.file = try fs.open(segment_path, .{ .create = true, .exclusive = true });
        errdefer writer.file.close();
        var header: [header_size_bytes]u8 = undefined;
        encodeHeader(&header, number, previous, flags);
        try writer.file.pwriteAll(&header, 0);
        try writer.file.sync();
        try fs.syncDir("wal");
        return writer;
    }

    pub fn path(self: *const Writer) []const u8 {
        return self.path_buffer[0..self.path_len];
    }

    pub fn close(self: *Writer) void {
        self.file.close();
        self.* = undefined;
    }

    /// Writes framed records (from encodeCommit) at the end of the segment.
    pub fn append(self: *Writer, records: []const u8) types.IOError!void {
        if (records.len == 0) return;
        const end = self.end_offset + records.len;
        if (end > self.allocated_end) try self.extend(end);
        try self.file.pwriteAll(records, self.end_offset);
        self.end_offset = end;
        assert(self.end_offset <= self.allocated_end);
    }

    /// Zero-fills the file from its current size to past `needed`, in whole steps. The zeros
    /// become durable with the next sync, together with the records written into them.
    fn extend(self: *Writer, needed: u64) types.IOError!void {
        assert(needed > self.allocated_end);
        const target = std.mem.alignForward(u64, needed, preallocate_step_bytes);
        var offset = self.allocated_end;
        while (offset < target) {
            const chunk = @min(zero_chunk.len, target - offset);
            try self.file.pwriteAll(zero_chunk[0..chunk], offset);
            offset += chunk;
        }
        self.allocated_end = target;
    }

    /// Cuts the zero-filled space after the last record and makes that durable: a segment that
    /// is no longer the one appended to ends at its last record (recovery treats anything
    /// unreadable in a segment that is not the last as corruption).
    pub fn trimTail(self: *Writer) types.IOError!void {
        assert(self.synced_offset == self.end_offset);
        if (self.allocated_end == self.end_offset) return;
        try self.file.truncate(self.end_offset);
        try self.file.sync();
        self.allocated_end = self.end_offset;
    }

    pub fn sync(self: *Writer) types.IOError!void {
        if (self.synced_offset == self.end_offset) return;
        try self.file.sync();
        self.synced_offset = self.end_offset;
    }
};

/// Reads a segment's records in order.
pub const Reader = struct {
    file: io.File,
    header: SegmentHeader,
    offset: u64,
    /// Where the record last returned by `next` starts.
    record_offset: u64 = 0,
    file_size: u64,
    buffer: std.ArrayList(u8) = .empty,
    allocator: std.mem.Allocator,
    path_buffer: [64]u8 = undefined,
    path_len: usize = 0,

    pub fn open(allocator: std.mem.Allocator, fs: io.Fs, number: FileNumber) types.Error!Reader {
        var reader = Reader{ .file = undefined, .header = undefined, .offset = header_size_bytes, .file_size = 0, .allocator = allocator };
        const segment_path = segmentPath(&reader.path_buffer, number);
        reader.path_len = segment_path.len;
        reader.file = try fs.open(segment_path, .{ .read_only = true });
        errdefer reader.file.close();
        reader.file_size = try reader.file.size();
        var header_bytes: [header_size_bytes]u8 = undefined;
        if (try reader.file.preadAll(&header_bytes, 0) != header_size_bytes) {
            return types.corruption(segment_path, 0, "segment shorter than its header", .{});
        }
        reader.header = try decodeHeader(&header_bytes, segment_path);
        if (reader.header.number != number) return types.corruption(segment_path, 16, "segment header names segment {d}", .{reader.header.number});
        return reader;
    }

    pub fn close(self: *Reader) void {
        self.buffer.deinit(self.allocator);
        self.file.close();
        self.* = undefined;
    }

    pub fn path(self: *const Reader) []const u8 {
        return self.path_buffer[0..self.path_len];
    }

    pub const Next = union(enum) {
        record: CommitRecord,
        /// Clean end of the segment.
        end,
        /// A record that is incomplete or fails its CRC starts at `offset`: a torn write at
        /// the tail (or damage; the caller decides which by where the segment is).
        invalid: u64,
    };

    /// The next record; its slices are valid until the next call.
    pub fn next(self: *Reader) types.Error!Next {
        if (self.offset == self.file_size) return .end;
        assert(self.offset < self.file_size);
        const start = self.offset;
        if (self.file_size - start < record_header_size_bytes) return .{ .invalid = start };
        var frame: [record_header_size_bytes]u8 = undefined;
        if (try self.file.preadAll(&frame, start) != frame.len) return .{ .invalid = start };
        const crc = std.mem.readInt(u32, frame[0..4], .little);
        const payload_len = std.mem.readInt(u32, frame[4..8], .little);
        if (payload_len > payload_size_bytes_max or payload_len > self.file_size - start - record_header_size_bytes) {
            return .{ .invalid = start };
        }
        self.buffer.clearRetainingCapacity();
        try self.buffer.resize(self.allocator, payload_len);
        if (try self.file.preadAll(self.buffer.items, start + record_header_size_bytes) != payload_len) return .{ .invalid = start };
        var hasher = crc32c.Crc32c.init();
        hasher.update(frame[4..8]);
        hasher.update(self.buffer.items);
        if (hasher.final() != crc) return .{ .invalid = start };
        const record = decodeCommit(self.buffer.items) orelse {
            // A CRC-valid record that does not decode was written by a buggy or newer build.
            return types.corruption(self.path(), start, "commit record fails validation", .{});
        };
        self.record_offset = start;
        self.offset = start + record_header_size_bytes + payload_len;
        return .{ .record = record };
    }
};

const testing = std.testing;

test "commit record encode/decode round trip" {
    var buffer: std.ArrayList(u8) = .empty;
    defer buffer.deinit(testing.allocator);
    var pointer_bytes: [types.ValuePointer.encoded_size_bytes]u8 = undefined;
    (types.ValuePointer{ .segment = 3, .offset = 40, .size = 5000 }).encode(&pointer_bytes);
    const ops = [_]Op{
        .{ .kind = .put, .key = "alpha", .value = "one" },
        .{ .kind = .delete, .key = "beta", .value = "" },
        .{ .kind = .put_pointer, .key = "gamma", .value = &pointer_bytes },
    };
    try encodeCommit(testing.allocator, &buffer, 77, &ops);
    try testing.expectEqual(recordSize(&ops), buffer.items.len);
    const record = decodeCommit(buffer.items[record_header_size_bytes..]).?;
    try testing.expectEqual(@as(Timestamp, 77), record.ts);
    var it = record.ops();
    for (ops) |expected| {
        const op = it.next().?;
        try testing.expectEqual(expected.kind, op.kind);
        try testing.expectEqualStrings(expected.key, op.key);
        try testing.expectEqualSlices(u8, expected.value, op.value);
    }
    try testing.expect(it.next() == null);
    // Any truncation of the payload fails validation.
    for (0..buffer.items.len - record_header_size_bytes) |cut| {
        try testing.expect(decodeCommit(buffer.items[record_header_size_bytes..][0..cut]) == null);
    }
}

test "segment: append, read back, torn tail detected at the right offset" {
    var sim = try io.SimFs.init(testing.allocator, 5);
    defer sim.deinit();
    const fs = sim.fs();
    try fs.makeDir("wal");

    var writer = try Writer.create(fs, 9, 0, flag_synced_commits);
    var buffer: std.ArrayList(u8) = .empty;
    defer buffer.deinit(testing.allocator);
    var ends: [5]u64 = undefined;
    for (0..5) |i| {
        buffer.clearRetainingCapacity();
        var key: [4]u8 = undefined;
        std.mem.writeInt(u32, &key, @intCast(i), .big);
        try encodeCommit(testing.allocator, &buffer, i + 1, &.{.{ .kind = .put, .key = &key, .value = "value" }});
        try writer.append(buffer.items);
        ends[i] = writer.end_offset;
    }
    try writer.sync();
    writer.close();

    // Tear the last record: cut it in the middle.
    {
        const file = try fs.open("wal/00000009.log", .{});
        defer file.close();
        try file.truncate(ends[4] - 3);
    }
    var reader = try Reader.open(testing.allocator, fs, 9);
    defer reader.close();
    try testing.expectEqual(@as(FileNumber, 9), reader.header.number);
    try testing.expectEqual(flag_synced_commits, reader.header.flags);
    var seen: u64 = 0;
    while (true) {
        switch (try reader.next()) {
            .record => |r| {
                seen += 1;
                try testing.expectEqual(seen, r.ts);
            },
            .end => return error.TestUnexpectedResult,
            .invalid => |offset| {
                try testing.expectEqual(ends[3], offset);
                break;
            },
        }
    }
    try testing.expectEqual(@as(u64, 4), seen);
}

test "segment: a flipped bit makes the record invalid, never a wrong record" {
    var sim = try io.SimFs.init(testing.allocator, 6);
    defer sim.deinit();
    const fs = sim.fs();
    try fs.makeDir("wal");
    var writer = try Writer.create(fs, 1, 0, 0);
    var buffer: std.ArrayList(u8) = .empty;
    defer buffer.deinit(testing.allocator);
    try encodeCommit(testing.allocator, &buffer, 5, &.{.{ .kind = .put, .key = "k", .value = "v" }});
    try writer.append(buffer.items);
    try writer.sync();
    const end = writer.end_offset;
    writer.close();

    var bit: u64 = header_size_bytes * 8;
    while (bit < end * 8) : (bit += 1) {
        sim.flipBit("wal/00000001.log", bit / 8, @intCast(bit % 8));
        var reader = try Reader.open(testing.allocator, fs, 1);
        const result = reader.next();
        reader.close();
        sim.flipBit("wal/00000001.log", bit / 8, @intCast(bit % 8));
        if (result) |next| {
            try testing.expect(next == .invalid);
        } else |err| try testing.expectEqual(error.Corruption, err);
    }
}

test "segment header: bad magic, bad CRC and newer version are refused" {
    var sim = try io.SimFs.init(testing.allocator, 7);
    defer sim.deinit();
    const fs = sim.fs();
    try fs.makeDir("wal");
    var writer = try Writer.create(fs, 2, 1, 0);
    writer.close();
    sim.flipBit("wal/00000002.log", 0, 0);
    try testing.expectError(error.Corruption, Reader.open(testing.allocator, fs, 2));
    sim.flipBit("wal/00000002.log", 0, 0);
    sim.flipBit("wal/00000002.log", 20, 3);
    try testing.expectError(error.Corruption, Reader.open(testing.allocator, fs, 2));
    sim.flipBit("wal/00000002.log", 20, 3);

    var header: [header_size_bytes]u8 = undefined;
    encodeHeader(&header, 2, 1, 0);
    std.mem.writeInt(u32, header[8..12], format_version + 1, .little);
    std.mem.writeInt(u32, header[32..36], crc32c.crc32c(header[0..32]), .little);
    const file = try fs.open("wal/00000002.log", .{});
    try file.pwriteAll(&header, 0);
    file.close();
    try testing.expectError(error.UnsupportedFormat, Reader.open(testing.allocator, fs, 2));
}

test "segment: zero-filled ahead of its records; the zeros read as the end, trimTail cuts them" {
    var sim = try io.SimFs.init(testing.allocator, 8);
    defer sim.deinit();
    const fs = sim.fs();
    try fs.makeDir("wal");
    var writer = try Writer.create(fs, 4, 3, flag_synced_commits);
    var buffer: std.ArrayList(u8) = .empty;
    defer buffer.deinit(testing.allocator);
    var ts: Timestamp = 0;
    // Enough records to cross two preallocation steps.
    while (writer.end_offset < 2 * preallocate_step_bytes + 100) {
        buffer.clearRetainingCapacity();
        ts += 1;
        try encodeCommit(testing.allocator, &buffer, ts, &.{.{ .kind = .put, .key = "key", .value = "v" ** 300 }});
        try writer.append(buffer.items);
        try testing.expectEqual(writer.allocated_end, try sim.fileSize("wal/00000004.log"));
        try testing.expect(writer.allocated_end % preallocate_step_bytes == 0);
        try testing.expect(writer.end_offset <= writer.allocated_end);
    }
    try writer.sync();
    const end = writer.end_offset;
    try testing.expect(end < writer.allocated_end);

    // Before trimming: every record, then the zeros read as an invalid record right after
    // the last one (recovery cuts the last segment there).
    {
        var reader = try Reader.open(testing.allocator, fs, 4);
        defer reader.close();
        var seen: Timestamp = 0;
        while (true) switch (try reader.next()) {
            .record => |r| {
                seen += 1;
                try testing.expectEqual(seen, r.ts);
            },
            .end => return error.TestUnexpectedResult,
            .invalid => |offset| {
                try testing.expectEqual(end, offset);
                break;
            },
        };
        try testing.expectEqual(ts, seen);
    }

    // Trimmed, durably: the segment ends at its last record and reads to a clean end.
    try writer.trimTail();
    writer.close();
    const durable = try sim.readDurable(testing.allocator, "wal/00000004.log");
    defer testing.allocator.free(durable);
    try testing.expectEqual(end, durable.len);
    var reader = try Reader.open(testing.allocator, fs, 4);
    defer reader.close();
    var seen: Timestamp = 0;
    while (true) switch (try reader.next()) {
        .record => seen += 1,
        .end => break,
        .invalid => return error.TestUnexpectedResult,
    };
    try testing.expectEqual(ts, seen);
}
