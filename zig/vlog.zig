//! The value log: large values are appended here and the LSM stores a ValuePointer to them
//! (key–value separation, WiscKey style). Segment files `vlog/<n>.vlog`, rotated at a size
//! limit. Every record carries its key, so a pointer that lands on the wrong record is
//! detected, and a CRC32C, so damage is reported (file and offset), never returned.
//!
//! Segment layout (little-endian):
//!   header, 32 bytes: magic u64 "PGZVLG\x00\x01", format_version u32, reserved u32 (0),
//!                     segment number u64, crc32c u32 of the previous 24 bytes, 4 zero bytes
//!   records:          crc32c u32 (of the rest of the record), key_len u32, value_len u32,
//!                     key, value
//! A ValuePointer names (segment, offset of the record, value_len).

const std = @import("std");
const assert = std.debug.assert;
const types = @import("types.zig");
const io = @import("io.zig");
const crc32c = @import("crc32c.zig");

const SegmentId = types.SegmentId;
const ValuePointer = types.ValuePointer;

pub const magic: u64 = 0x0100_474C_565A_4750; // "PGZVLG\x00\x01" little-endian
pub const format_version: u32 = 1;
pub const header_size_bytes: u32 = 32;
pub const record_header_size_bytes: u32 = 12;

pub fn segmentPath(buffer: []u8, segment: SegmentId) []const u8 {
    return std.fmt.bufPrint(buffer, "vlog/{d:0>8}.vlog", .{segment}) catch unreachable;
}

pub fn recordSize(key_len: usize, value_len: usize) u64 {
    return record_header_size_bytes + @as(u64, key_len) + value_len;
}

fn encodeHeader(out: *[header_size_bytes]u8, segment: SegmentId) void {
    @memset(out, 0);
    std.mem.writeInt(u64, out[0..8], magic, .little);
    std.mem.writeInt(u32, out[8..12], format_version, .little);
    std.mem.writeInt(u64, out[16..24], segment, .little);
    std.mem.writeInt(u32, out[24..28], crc32c.crc32c(out[0..24]), .little);
}

fn checkHeader(bytes: *const [header_size_bytes]u8, segment: SegmentId, path: []const u8) (types.CorruptionError || error{UnsupportedFormat})!void {
    if (std.mem.readInt(u64, bytes[0..8], .little) != magic) return types.corruption(path, 0, "not a value-log segment (bad magic)", .{});
    if (std.mem.readInt(u32, bytes[24..28], .little) != crc32c.crc32c(bytes[0..24])) return types.corruption(path, 0, "segment header CRC mismatch", .{});
    const version = std.mem.readInt(u32, bytes[8..12], .little);
    if (version > format_version) {
        types.setErrorMessage("{s}: value-log format version {d} is newer than this build understands ({d}); upgrade pgz", .{ path, version, format_version });
        return error.UnsupportedFormat;
    }
    if (std.mem.readInt(u64, bytes[16..24], .little) != segment) return types.corruption(path, 16, "segment header names another segment", .{});
}

fn recordCrc(header_tail: *const [8]u8, key: []const u8, value: []const u8) u32 {
    var hasher = crc32c.Crc32c.init();
    hasher.update(header_tail);
    hasher.update(key);
    hasher.update(value);
    return hasher.final();
}

pub const Options = struct {
    /// A segment is sealed and a new one started when the next record would pass this.
    segment_size_bytes: u64 = 128 * 1024 * 1024,
};

/// One segment open for reading (and, while an Appender owns it, appending).
const Segment = struct {
    id: SegmentId,
    file: io.File,
    /// End of the last record written (grows while appended to).
    end_offset: u64,
    /// An Appender is writing to it: it must not be deleted, whatever its accounting says.
    appending: bool,
};

/// Appends records to one segment. Owned by one thread at a time (the commit pipeline has
/// one; value-log garbage collection has its own).
pub const Appender = struct {
    log: *ValueLog,
    segment: *Segment,
    /// Records buffered but not yet written, and the file offset where they start.
    pending: std.ArrayList(u8) = .empty,
    pending_offset: u64,
    synced_offset: u64,

    pub fn id(self: *const Appender) SegmentId {
        return self.segment.id;
    }

    /// End of the records appended so far (written or not).
    pub fn endOffset(self: *const Appender) u64 {
        return self.pending_offset + self.pending.items.len;
    }

    /// True when a record of this size would push the segment past the size limit.
    pub fn needsRotation(self: *const Appender, key_len: usize, value_len: usize) bool {
        const end = self.endOffset();
        return end + recordSize(key_len, value_len) > self.log.options.segment_size_bytes and end > header_size_bytes;
    }

    /// Buffers a record and returns where it will be. `writePending` puts it in the file;
    /// `sync` makes it durable.
    pub fn append(self: *Appender, key: []const u8, value: []const u8) error{ OutOfMemory, KeyTooLarge, ValueTooLarge }!ValuePointer {
        if (key.len == 0 or key.len > types.key_size_bytes_max) return error.KeyTooLarge;
        if (value.len > types.value_size_bytes_max) return error.ValueTooLarge;
        const offset = self.endOffset();
        const size: usize = @intCast(recordSize(key.len, value.len));
        try self.pending.ensureUnusedCapacity(self.log.allocator, size);
        const out = self.pending.addManyAsSliceAssumeCapacity(size);
        std.mem.writeInt(u32, out[4..8], @intCast(key.len), .little);
        std.mem.writeInt(u32, out[8..12], @intCast(value.len), .little);
        @memcpy(out[12..][0..key.len], key);
        @memcpy(out[12 + key.len ..][0..value.len], value);
        std.mem.writeInt(u32, out[0..4], recordCrc(out[4..12], key, value), .little);
        return .{ .segment = self.segment.id, .offset = offset, .size = @intCast(value.len) };
    }

    /// Writes buffered records to the file (one write). After an error the records are
    /// still pending; `discardPending` drops them.
    pub fn writePending(self: *Appender) types.IOError!void {
        if (self.pending.items.len == 0) return;
        try self.segment.file.pwriteAll(self.pending.items, self.pending_offset);
        self.pending_offset += self.pending.items.len;
        self.pending.clearRetainingCapacity();
        self.log.mutex.lock();
        self.segment.end_offset = self.pending_offset;
        self.log.mutex.unlock();
    }

    /// Drops buffered records that were never written (their commit failed).
    pub fn discardPending(self: *Appender) void {
        self.pending.clearRetainingCapacity();
    }

    pub fn needsSync(self: *const Appender) bool {
        return self.synced_offset != self.pending_offset;
    }

    pub fn sync(self: *Appender) types.IOError!void {
        assert(self.pending.items.len == 0);
        if (!self.needsSync()) return;
        try self.segment.file.sync();
        self.synced_offset = self.pending_offset;
    }

    /// Stops appending: the segment becomes an ordinary sealed one. Pending records must
    /// have been written (or discarded) first.
    pub fn seal(self: *Appender) void {
        assert(self.pending.items.len == 0);
        self.log.mutex.lock();
        self.segment.appending = false;
        self.log.mutex.unlock();
        self.pending.deinit(self.log.allocator);
        self.* = undefined;
    }
};

/// The set of segments: reads from any thread, appends through Appenders.
pub const ValueLog = struct {
    allocator: std.mem.Allocator,
    fs: io.Fs,
    options: Options,
    /// Guards `segments` (the map and each segment's end_offset and appending flag).
    mutex: std.Thread.Mutex = .{},
    segments: std.AutoHashMapUnmanaged(SegmentId, *Segment) = .empty,

    pub fn init(allocator: std.mem.Allocator, fs: io.Fs, options: Options) ValueLog {
        assert(options.segment_size_bytes > header_size_bytes + recordSize(types.key_size_bytes_max, 0));
        return .{ .allocator = allocator, .fs = fs, .options = options };
    }

    /// Closes every segment. Appenders must have been sealed or abandoned (after a failure).
    pub fn deinit(self: *ValueLog) void {
        var it = self.segments.valueIterator();
        while (it.next()) |segment| {
            segment.*.file.close();
            self.allocator.destroy(segment.*);
        }
        self.segments.deinit(self.allocator);
        self.* = undefined;
    }

    fn register(self: *ValueLog, segment: *Segment) error{OutOfMemory}!void {
        self.mutex.lock();
        defer self.mutex.unlock();
        const entry = try self.segments.getOrPut(self.allocator, segment.id);
        assert(!entry.found_existing);
        entry.value_ptr.* = segment;
    }

    /// Opens an existing segment for reading; checks its header.
    pub fn openSealed(self: *ValueLog, id: SegmentId) types.Error!void {
        const segment = try self.openSegment(id);
        errdefer self.closeSegment(segment);
        try self.register(segment);
    }

    fn openSegment(self: *ValueLog, id: SegmentId) types.Error!*Segment {
        var path_buffer: [64]u8 = undefined;
        const path = segmentPath(&path_buffer, id);
        const file = try self.fs.open(path, .{});
        errdefer file.close();
        const size = try file.size();
        var header: [header_size_bytes]u8 = undefined;
        if (size < header_size_bytes or try file.preadAll(&header, 0) != header_size_bytes) {
            return types.corruption(path, 0, "segment shorter than its header", .{});
        }
        try checkHeader(&header, id, path);
        const segment = try self.allocator.create(Segment);
        segment.* = .{ .id = id, .file = file, .end_offset = size, .appending = false };
        return segment;
    }

    fn closeSegment(self: *ValueLog, segment: *Segment) void {
        segment.file.close();
        self.allocator.destroy(segment);
    }

    /// After a crash: the end of the last record whose CRC checks, scanning from
    /// `scan_from` (a record boundary known to be good, at least the header size). Records
    /// before `scan_from` are not checked (reads of a damaged one report corruption). The
    /// file is not changed.
    pub fn scanValidEnd(self: *ValueLog, id: SegmentId, scan_from: u64) types.Error!u64 {
        const segment = try self.openSegment(id);
        defer self.closeSegment(segment);
        const file_size = segment.end_offset;
        var offset: u64 = @max(scan_from, header_size_bytes);
        if (offset > file_size) {
            var path_buffer: [64]u8 = undefined;
            return types.corruption(segmentPath(&path_buffer, id), file_size, "segment ends before offset {d}, which was recorded as durable", .{offset});
        }
        var buffer: std.ArrayList(u8) = .empty;
        defer buffer.deinit(self.allocator);
        while (file_size - offset >= record_header_size_bytes) {
            var header: [record_header_size_bytes]u8 = undefined;
            if (try segment.file.preadAll(&header, offset) != header.len) break;
            const key_len = std.mem.readInt(u32, header[4..8], .little);
            const value_len = std.mem.readInt(u32, header[8..12], .little);
            if (key_len == 0 or key_len > types.key_size_bytes_max or value_len > types.value_size_bytes_max) break;
            const body_len = @as(u64, key_len) + value_len;
            if (body_len > file_size - offset - record_header_size_bytes) break;
            try buffer.resize(self.allocator, @intCast(body_len));
            if (try segment.file.preadAll(buffer.items, offset + record_header_size_bytes) != body_len) break;
            const crc = recordCrc(header[4..12], buffer.items[0..key_len], buffer.items[key_len..]);
            if (crc != std.mem.readInt(u32, header[0..4], .little)) break;
            offset += record_header_size_bytes + body_len;
        }
        return offset;
    }

    /// Continues a segment after a crash: cuts it at `end` (from `scanValidEnd`, or further
    /// when committed records reach beyond) and returns an Appender for it.
    pub fn recoverAppender(self: *ValueLog, id: SegmentId, end: u64) types.Error!Appender {
        assert(end >= header_size_bytes);
        const segment = try self.openSegment(id);
        errdefer self.closeSegment(segment);
        if (end > segment.end_offset) {
            var path_buffer: [64]u8 = undefined;
            return types.corruption(segmentPath(&path_buffer, id), segment.end_offset, "segment ends before offset {d}, which holds committed values", .{end});
        }
        if (end != segment.end_offset) {
            try segment.file.truncate(end);
            try segment.file.sync();
        }
        segment.end_offset = end;
        segment.appending = true;
        try self.register(segment);
        return .{ .log = self, .segment = segment, .pending_offset = end, .synced_offset = end };
    }

    /// Creates a new segment (number chosen by the caller from the file counter) and returns
    /// an Appender for it: the header is written and synced and the directory entry made
    /// durable before any record can point into it.
    pub fn createAppender(self: *ValueLog, id: SegmentId) types.Error!Appender {
        var path_buffer: [64]u8 = undefined;
        const path = segmentPath(&path_buffer, id);
        const file = try self.fs.open(path, .{ .create = true, .exclusive = true });
        errdefer file.close();
        var header: [header_size_bytes]u8 = undefined;
        encodeHeader(&header, id);
        try file.pwriteAll(&header, 0);
        try file.sync();
        try self.fs.syncDir("vlog");
        const segment = try self.allocator.create(Segment);
        errdefer self.allocator.destroy(segment);
        segment.* = .{ .id = id, .file = file, .end_offset = header_size_bytes, .appending = true };
        try self.register(segment);
        return .{ .log = self, .segment = segment, .pending_offset = header_size_bytes, .synced_offset = header_size_bytes };
    }

    /// Appends the value `pointer` names to `out` (a list allocated with this log's
    /// allocator), checking the record's CRC and that it belongs to `key`.
    pub fn read(self: *ValueLog, pointer: ValuePointer, key: []const u8, out: *std.ArrayList(u8)) types.Error!void {
        var path_buffer: [64]u8 = undefined;
        const file, const end_offset = blk: {
            self.mutex.lock();
            defer self.mutex.unlock();
            const segment = self.segments.get(pointer.segment) orelse {
                return types.corruption(segmentPath(&path_buffer, pointer.segment), pointer.offset, "value pointer names a missing value-log segment", .{});
            };
            break :blk .{ segment.file, segment.end_offset };
        };
        const size = recordSize(key.len, pointer.size);
        if (pointer.offset < header_size_bytes or pointer.offset > end_offset or size > end_offset - pointer.offset) {
            return types.corruption(segmentPath(&path_buffer, pointer.segment), pointer.offset, "value pointer past the end of the segment ({d} bytes)", .{end_offset});
        }
        const start = out.items.len;
        try out.resize(self.allocator, start + @as(usize, @intCast(size)));
        errdefer out.shrinkRetainingCapacity(start);
        const record = out.items[start..];
        if (try file.preadAll(record, pointer.offset) != size) {
            return types.corruption(segmentPath(&path_buffer, pointer.segment), pointer.offset, "value-log record cut short", .{});
        }
        const key_len = std.mem.readInt(u32, record[4..8], .little);
        const value_len = std.mem.readInt(u32, record[8..12], .little);
        if (key_len != key.len or value_len != pointer.size or !std.mem.eql(u8, record[12..][0..key.len], key)) {
            return types.corruption(segmentPath(&path_buffer, pointer.segment), pointer.offset, "value-log record does not belong to the key that points to it", .{});
        }
        const value = record[12 + key.len ..];
        if (recordCrc(record[4..12], key, value) != std.mem.readInt(u32, record[0..4], .little)) {
            return types.corruption(segmentPath(&path_buffer, pointer.segment), pointer.offset, "value-log record CRC mismatch", .{});
        }
        // Move the value to where the record started.
        std.mem.copyForwards(u8, out.items[start..], value);
        out.shrinkRetainingCapacity(start + value.len);
    }

    /// End of a segment as far as this process knows, or null when it is not open.
    pub fn segmentEnd(self: *ValueLog, id: SegmentId) ?u64 {
        self.mutex.lock();
        defer self.mutex.unlock();
        const segment = self.segments.get(id) orelse return null;
        return segment.end_offset;
    }

    /// True while an Appender writes to the segment.
    pub fn isAppending(self: *ValueLog, id: SegmentId) bool {
        self.mutex.lock();
        defer self.mutex.unlock();
        const segment = self.segments.get(id) orelse return false;
        return segment.appending;
    }

    /// Closes and deletes a sealed segment (the caller made sure nothing points into it).
    pub fn deleteSegment(self: *ValueLog, id: SegmentId) types.IOError!void {
        const segment = blk: {
            self.mutex.lock();
            defer self.mutex.unlock();
            const removed = self.segments.fetchRemove(id) orelse return;
            assert(!removed.value.appending);
            break :blk removed.value;
        };
        self.closeSegment(segment);
        var path_buffer: [64]u8 = undefined;
        self.fs.delete(segmentPath(&path_buffer, id)) catch |err| switch (err) {
            error.FileNotFound => {},
            else => return err,
        };
    }

    /// Ids of the open segments, ascending.
    pub fn segmentIds(self: *ValueLog, allocator: std.mem.Allocator) error{OutOfMemory}![]SegmentId {
        self.mutex.lock();
        defer self.mutex.unlock();
        const ids = try allocator.alloc(SegmentId, self.segments.count());
        var it = self.segments.keyIterator();
        var i: usize = 0;
        while (it.next()) |id| : (i += 1) ids[i] = id.*;
        std.mem.sort(SegmentId, ids, {}, std.sort.asc(SegmentId));
        return ids;
    }

    /// Bytes on disk across every open segment.
    pub fn totalBytes(self: *ValueLog) u64 {
        self.mutex.lock();
        defer self.mutex.unlock();
        var total: u64 = 0;
        var it = self.segments.valueIterator();
        while (it.next()) |segment| total += segment.*.end_offset;
        return total;
    }
};

const testing = std.testing;

test "value log: append, write, sync, read back; rotation by size" {
    var sim = try io.SimFs.init(testing.allocator, 11);
    defer sim.deinit();
    const fs = sim.fs();
    try fs.makeDir("vlog");
    var vlog = ValueLog.init(testing.allocator, fs, .{ .segment_size_bytes = 64 * 1024 });
    defer vlog.deinit();
    var appender = try vlog.createAppender(1);
    defer appender.seal();

    var out: std.ArrayList(u8) = .empty;
    defer out.deinit(testing.allocator);
    var pointers: std.ArrayList(ValuePointer) = .empty;
    defer pointers.deinit(testing.allocator);
    var next_segment: SegmentId = 2;
    const value = [_]u8{'x'} ** 12000;
    for (0..40) |i| {
        var key: [4]u8 = undefined;
        std.mem.writeInt(u32, &key, @intCast(i), .big);
        if (appender.needsRotation(key.len, value.len)) {
            try appender.writePending();
            try appender.sync();
            appender.seal();
            appender = try vlog.createAppender(next_segment);
            next_segment += 1;
        }
        try pointers.append(testing.allocator, try appender.append(&key, value[0 .. i * 300 + 1]));
    }
    try appender.writePending();
    try appender.sync();
    try testing.expect(next_segment > 3);
    for (pointers.items, 0..) |pointer, i| {
        var key: [4]u8 = undefined;
        std.mem.writeInt(u32, &key, @intCast(i), .big);
        out.clearRetainingCapacity();
        try vlog.read(pointer, &key, &out);
        try testing.expectEqualSlices(u8, value[0 .. i * 300 + 1], out.items);
        // The wrong key is refused.
        out.clearRetainingCapacity();
        try testing.expectError(error.Corruption, vlog.read(pointer, "nope", &out));
    }
}

test "value log: recovery truncates a torn tail and keeps every synced record" {
    var sim = try io.SimFs.init(testing.allocator, 12);
    defer sim.deinit();
    const fs = sim.fs();
    try fs.makeDir("vlog");
    try fs.syncDir("");
    var synced_end: u64 = 0;
    var pointers: [20]ValuePointer = undefined;
    {
        var vlog = ValueLog.init(testing.allocator, fs, .{});
        defer vlog.deinit();
        var appender = try vlog.createAppender(4);
        for (0..10) |i| pointers[i] = try appender.append("key", &[_]u8{@intCast(i)} ** 300);
        try appender.writePending();
        try appender.sync();
        synced_end = appender.pending_offset;
        for (10..20) |i| pointers[i] = try appender.append("key", &[_]u8{@intCast(i)} ** 300);
        try appender.writePending();
        appender.seal();
    }
    sim.crash(.torn_prefix);
    var vlog = ValueLog.init(testing.allocator, fs, .{});
    defer vlog.deinit();
    const end = try vlog.scanValidEnd(4, header_size_bytes);
    var appender = try vlog.recoverAppender(4, end);
    defer appender.seal();
    try testing.expect(end >= synced_end);
    var out: std.ArrayList(u8) = .empty;
    defer out.deinit(testing.allocator);
    for (pointers, 0..) |pointer, i| {
        out.clearRetainingCapacity();
        if (pointer.offset + recordSize(3, 300) <= end) {
            try vlog.read(pointer, "key", &out);
            try testing.expectEqualSlices(u8, &[_]u8{@intCast(i)} ** 300, out.items);
        } else {
            try testing.expect(i >= 10);
            try testing.expectError(error.Corruption, vlog.read(pointer, "key", &out));
        }
    }
    // Appending continues after the recovered end.
    const pointer = try appender.append("new", "value");
    try testing.expectEqual(end, pointer.offset);
    appender.discardPending();
}

test "value log: a flipped bit is reported with file and offset, never returned" {
    var sim = try io.SimFs.init(testing.allocator, 13);
    defer sim.deinit();
    const fs = sim.fs();
    try fs.makeDir("vlog");
    var vlog = ValueLog.init(testing.allocator, fs, .{});
    defer vlog.deinit();
    var appender = try vlog.createAppender(1);
    const pointer = try appender.append("abc", "the value");
    try appender.writePending();
    try appender.sync();
    appender.seal();
    var out: std.ArrayList(u8) = .empty;
    defer out.deinit(testing.allocator);
    const size = recordSize(3, 9);
    var bit: u64 = 0;
    while (bit < size * 8) : (bit += 1) {
        const offset = pointer.offset + bit / 8;
        sim.flipBit("vlog/00000001.vlog", offset, @intCast(bit % 8));
        out.clearRetainingCapacity();
        try testing.expectError(error.Corruption, vlog.read(pointer, "abc", &out));
        try testing.expect(std.mem.indexOf(u8, types.errorMessage(), "vlog/00000001.vlog") != null);
        sim.flipBit("vlog/00000001.vlog", offset, @intCast(bit % 8));
    }
    out.clearRetainingCapacity();
    try vlog.read(pointer, "abc", &out);
    try testing.expectEqualStrings("the value", out.items);
}
