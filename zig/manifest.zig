//! The manifest: the single source of truth for which files make up the database.
//!
//! SUPERBLOCK holds two copies (A at offset 0, B at offset 4096) of a small record naming the
//! current manifest log. An update writes A, syncs, writes B, syncs; open picks the valid
//! copy with the highest sequence, so a torn superblock write always leaves one good copy.
//!
//! MANIFEST-<n> is an append-only log of CRC-framed version edits. Replaying every edit of the
//! current manifest gives the State: SSTables per level, value-log segment accounting, the
//! next file number, the flushed timestamp and the oldest commit-log segment still needed.
//! When the log grows past a limit it is checkpointed: a new manifest starts with one edit
//! holding the whole State, then the superblock switches to it, then the old one is deleted.
//!
//! Superblock copy (little-endian, 4096 bytes, rest zero):
//!   magic u64 "PGZSUPR\x01", format_version u32, reserved u32, sequence u64,
//!   manifest_number u64, crc32c u32 of the previous 32 bytes
//! Manifest file: header (magic u64 "PGZMANI\x01", format_version u32, reserved u32,
//!   manifest number u64, crc32c u32 of the previous 24 bytes, 4 zero bytes = 32 bytes),
//!   then records: crc32c u32 (of the next 4 bytes and the payload), payload_len u32, payload.
//! Edit payload: a sequence of tagged fields (tag u8, then the field), see `Tag`.

const std = @import("std");
const assert = std.debug.assert;
const types = @import("types.zig");
const io = @import("io.zig");
const crc32c = @import("crc32c.zig");

const FileNumber = types.FileNumber;
const SegmentId = types.SegmentId;
const Timestamp = types.Timestamp;

pub const superblock_magic: u64 = 0x0152_5055_535A_4750; // "PGZSUPR\x01"
pub const manifest_magic: u64 = 0x0149_4E41_4D5A_4750; // "PGZMANI\x01"
/// The data directory's format version. A newer pgz reads older versions it knows; an older
/// pgz refuses a newer directory with a clear message (docs/FORMAT.md).
pub const format_version: u32 = 1;
pub const superblock_copy_size_bytes: u32 = types.page_size_bytes;
pub const superblock_path = "SUPERBLOCK";
const manifest_header_size_bytes: u32 = 32;
const record_header_size_bytes: u32 = 8;
pub const level_count: u8 = 7;
/// An edit bigger than this is corrupt (a checkpoint of a very large database stays far below).
const edit_size_bytes_max: u32 = 256 * 1024 * 1024;

pub fn manifestPath(buffer: []u8, number: FileNumber) []const u8 {
    return std.fmt.bufPrint(buffer, "MANIFEST-{d:0>8}", .{number}) catch unreachable;
}

pub const Superblock = struct {
    sequence: u64,
    manifest_number: FileNumber,

    pub fn encode(self: Superblock, out: *[superblock_copy_size_bytes]u8) void {
        @memset(out, 0);
        std.mem.writeInt(u64, out[0..8], superblock_magic, .little);
        std.mem.writeInt(u32, out[8..12], format_version, .little);
        std.mem.writeInt(u64, out[16..24], self.sequence, .little);
        std.mem.writeInt(u64, out[24..32], self.manifest_number, .little);
        std.mem.writeInt(u32, out[32..36], crc32c.crc32c(out[0..32]), .little);
    }

    pub const Decoded = union(enum) { valid: Superblock, invalid, newer_version: u32 };

    pub fn decode(bytes: *const [superblock_copy_size_bytes]u8) Decoded {
        if (std.mem.readInt(u64, bytes[0..8], .little) != superblock_magic) return .invalid;
        if (std.mem.readInt(u32, bytes[32..36], .little) != crc32c.crc32c(bytes[0..32])) return .invalid;
        const version = std.mem.readInt(u32, bytes[8..12], .little);
        if (version > format_version) return .{ .newer_version = version };
        return .{ .valid = .{
            .sequence = std.mem.readInt(u64, bytes[16..24], .little),
            .manifest_number = std.mem.readInt(u64, bytes[24..32], .little),
        } };
    }
};

/// Reads both copies and returns the newest valid one.
pub fn readSuperblock(fs: io.Fs) types.Error!Superblock {
    const file = try fs.open(superblock_path, .{ .read_only = true });
    defer file.close();
    var copies: [2][superblock_copy_size_bytes]u8 = undefined;
    var best: ?Superblock = null;
    for (&copies, 0..) |*copy, i| {
        const read = try file.preadAll(copy, i * superblock_copy_size_bytes);
        if (read != superblock_copy_size_bytes) continue;
        switch (Superblock.decode(copy)) {
            .valid => |sb| if (best == null or sb.sequence > best.?.sequence) {
                best = sb;
            },
            .invalid => {},
            .newer_version => |version| {
                types.setErrorMessage("data directory format version {d} is newer than this build understands ({d}); upgrade pgz", .{ version, format_version });
                return error.UnsupportedFormat;
            },
        }
    }
    return best orelse types.corruption(superblock_path, 0, "both superblock copies are invalid", .{});
}

/// Writes copy A, syncs, writes copy B, syncs.
pub fn writeSuperblock(fs: io.Fs, superblock: Superblock, create: bool) types.Error!void {
    const file = try fs.open(superblock_path, .{ .create = create });
    defer file.close();
    var bytes: [superblock_copy_size_bytes]u8 = undefined;
    superblock.encode(&bytes);
    try file.pwriteAll(&bytes, 0);
    try file.sync();
    try file.pwriteAll(&bytes, superblock_copy_size_bytes);
    try file.sync();
    if (create) try fs.syncDir("");
}

/// An SSTable as the manifest knows it.
pub const FileMeta = struct {
    number: FileNumber,
    size_bytes: u64,
    entry_count: u64,
    smallest_key: []const u8,
    smallest_ts: Timestamp,
    largest_key: []const u8,
    largest_ts: Timestamp,
    min_ts: Timestamp,
    max_ts: Timestamp,

    pub fn clone(self: FileMeta, allocator: std.mem.Allocator) error{OutOfMemory}!FileMeta {
        var copy = self;
        copy.smallest_key = try allocator.dupe(u8, self.smallest_key);
        errdefer allocator.free(copy.smallest_key);
        copy.largest_key = try allocator.dupe(u8, self.largest_key);
        return copy;
    }

    pub fn deinit(self: *FileMeta, allocator: std.mem.Allocator) void {
        allocator.free(self.smallest_key);
        allocator.free(self.largest_key);
        self.* = undefined;
    }
};

pub const AddedFile = struct { level: u8, meta: FileMeta };
pub const DeletedFile = struct { level: u8, number: FileNumber };
/// Changes to a value-log segment's accounting: bytes of records referenced by SSTables
/// (`live_added`), bytes that stopped being referenced (`garbage_added`), and an offset up to
/// which every record of the segment is durable (`synced_end`, kept as a maximum; recovery
/// never cuts a segment below it).
pub const SegmentDelta = struct { segment: SegmentId, live_added: u64, garbage_added: u64, synced_end: u64 = 0 };

pub const Tag = enum(u8) {
    next_file_number = 1,
    flushed_ts = 2,
    log_number = 3,
    add_file = 4,
    delete_file = 5,
    segment_delta = 6,
    delete_segment = 7,
    max_ts = 8,
    compact_cursor = 10,
    _,
};

/// One atomic change to the State. Slices are borrowed from the encoder's caller or, after
/// decoding, from the decoded buffer.
pub const VersionEdit = struct {
    next_file_number: ?FileNumber = null,
    /// Every commit with ts ≤ this is in SSTables.
    flushed_ts: ?Timestamp = null,
    /// Commit-log segments numbered below this are no longer needed.
    log_number: ?FileNumber = null,
    /// The largest commit timestamp ever issued (never goes backwards).
    max_ts: ?Timestamp = null,
    added: []const AddedFile = &.{},
    deleted: []const DeletedFile = &.{},
    segment_deltas: []const SegmentDelta = &.{},
    deleted_segments: []const SegmentId = &.{},
    /// Per level, where the next round-robin compaction starts (a user key).
    compact_cursors: []const struct { level: u8, key: []const u8 } = &.{},

    pub fn encode(self: VersionEdit, allocator: std.mem.Allocator, out: *std.ArrayList(u8)) error{OutOfMemory}!void {
        var w = Encoder{ .allocator = allocator, .out = out };
        if (self.next_file_number) |v| try w.tagU64(.next_file_number, v);
        if (self.flushed_ts) |v| try w.tagU64(.flushed_ts, v);
        if (self.log_number) |v| try w.tagU64(.log_number, v);
        if (self.max_ts) |v| try w.tagU64(.max_ts, v);
        for (self.added) |a| {
            assert(a.level < level_count);
            try w.byte(@intFromEnum(Tag.add_file));
            try w.byte(a.level);
            try w.int(u64, a.meta.number);
            try w.int(u64, a.meta.size_bytes);
            try w.int(u64, a.meta.entry_count);
            try w.bytes(a.meta.smallest_key);
            try w.int(u64, a.meta.smallest_ts);
            try w.bytes(a.meta.largest_key);
            try w.int(u64, a.meta.largest_ts);
            try w.int(u64, a.meta.min_ts);
            try w.int(u64, a.meta.max_ts);
        }
        for (self.deleted) |d| {
            try w.byte(@intFromEnum(Tag.delete_file));
            try w.byte(d.level);
            try w.int(u64, d.number);
        }
        for (self.segment_deltas) |d| {
            try w.byte(@intFromEnum(Tag.segment_delta));
            try w.int(u64, d.segment);
            try w.int(u64, d.live_added);
            try w.int(u64, d.garbage_added);
            try w.int(u64, d.synced_end);
        }
        for (self.deleted_segments) |s| try w.tagU64(.delete_segment, s);
        for (self.compact_cursors) |c| {
            try w.byte(@intFromEnum(Tag.compact_cursor));
            try w.byte(c.level);
            try w.bytes(c.key);
        }
    }

    /// Decodes an edit; the lists are allocated in `arena` and keys borrow `payload`.
    pub fn decode(arena: std.mem.Allocator, payload: []const u8) error{ OutOfMemory, Invalid }!VersionEdit {
        var edit = VersionEdit{};
        var added: std.ArrayList(AddedFile) = .empty;
        var deleted: std.ArrayList(DeletedFile) = .empty;
        var deltas: std.ArrayList(SegmentDelta) = .empty;
        var deleted_segments: std.ArrayList(SegmentId) = .empty;
        var cursors: std.ArrayList(@typeInfo(@TypeOf(edit.compact_cursors)).pointer.child) = .empty;
        var r = Decoder{ .data = payload };
        while (r.pos < payload.len) {
            const tag: Tag = @enumFromInt(try r.byte());
            switch (tag) {
                .next_file_number => edit.next_file_number = try r.int(u64),
                .flushed_ts => edit.flushed_ts = try r.int(u64),
                .log_number => edit.log_number = try r.int(u64),
                .max_ts => edit.max_ts = try r.int(u64),
                .add_file => {
                    const level = try r.byte();
                    if (level >= level_count) return error.Invalid;
                    var meta: FileMeta = undefined;
                    meta.number = try r.int(u64);
                    meta.size_bytes = try r.int(u64);
                    meta.entry_count = try r.int(u64);
                    meta.smallest_key = try r.bytes();
                    meta.smallest_ts = try r.int(u64);
                    meta.largest_key = try r.bytes();
                    meta.largest_ts = try r.int(u64);
                    meta.min_ts = try r.int(u64);
                    meta.max_ts = try r.int(u64);
                    if (meta.smallest_key.len == 0 or meta.largest_key.len == 0) return error.Invalid;
                    if (types.compareInternal(meta.smallest_key, meta.smallest_ts, meta.largest_key, meta.largest_ts) == .gt) return error.Invalid;
                    try added.append(arena, .{ .level = level, .meta = meta });
                },
                .delete_file => {
                    const level = try r.byte();
                    if (level >= level_count) return error.Invalid;
                    try deleted.append(arena, .{ .level = level, .number = try r.int(u64) });
                },
                .segment_delta => try deltas.append(arena, .{
                    .segment = try r.int(u64),
                    .live_added = try r.int(u64),
                    .garbage_added = try r.int(u64),
                    .synced_end = try r.int(u64),
                }),
                .delete_segment => try deleted_segments.append(arena, try r.int(u64)),
                .compact_cursor => {
                    const level = try r.byte();
                    if (level >= level_count) return error.Invalid;
                    try cursors.append(arena, .{ .level = level, .key = try r.bytes() });
                },
                _ => return error.Invalid,
            }
        }
        edit.added = added.items;
        edit.deleted = deleted.items;
        edit.segment_deltas = deltas.items;
        edit.deleted_segments = deleted_segments.items;
        edit.compact_cursors = cursors.items;
        return edit;
    }
};

const Encoder = struct {
    allocator: std.mem.Allocator,
    out: *std.ArrayList(u8),

    fn byte(self: *Encoder, value: u8) !void {
        try self.out.append(self.allocator, value);
    }

    fn int(self: *Encoder, comptime T: type, value: T) !void {
        var buffer: [@sizeOf(T)]u8 = undefined;
        std.mem.writeInt(T, &buffer, value, .little);
        try self.out.appendSlice(self.allocator, &buffer);
    }

    fn tagU64(self: *Encoder, tag: Tag, value: u64) !void {
        try self.byte(@intFromEnum(tag));
        try self.int(u64, value);
    }

    fn bytes(self: *Encoder, value: []const u8) !void {
        assert(value.len <= types.key_size_bytes_max);
        try self.int(u16, @intCast(value.len));
        try self.out.appendSlice(self.allocator, value);
    }
};

const Decoder = struct {
    data: []const u8,
    pos: usize = 0,

    fn byte(self: *Decoder) error{Invalid}!u8 {
        if (self.pos >= self.data.len) return error.Invalid;
        self.pos += 1;
        return self.data[self.pos - 1];
    }

    fn int(self: *Decoder, comptime T: type) error{Invalid}!T {
        if (self.data.len - self.pos < @sizeOf(T)) return error.Invalid;
        const value = std.mem.readInt(T, self.data[self.pos..][0..@sizeOf(T)], .little);
        self.pos += @sizeOf(T);
        return value;
    }

    fn bytes(self: *Decoder) error{Invalid}![]const u8 {
        const len = try self.int(u16);
        if (len > types.key_size_bytes_max or self.data.len - self.pos < len) return error.Invalid;
        self.pos += len;
        return self.data[self.pos - len .. self.pos];
    }
};

pub const SegmentStats = struct { live_bytes: u64 = 0, garbage_bytes: u64 = 0, synced_end: u64 = 0 };

/// What replaying the manifest gives: owned copies of everything.
pub const State = struct {
    allocator: std.mem.Allocator,
    next_file_number: FileNumber = 1,
    flushed_ts: Timestamp = 0,
    log_number: FileNumber = 0,
    max_ts: Timestamp = 0,
    levels: [level_count]std.ArrayList(FileMeta) = @splat(.empty),
    segments: std.AutoArrayHashMapUnmanaged(SegmentId, SegmentStats) = .empty,
    compact_cursors: [level_count]std.ArrayList(u8) = @splat(.empty),

    pub fn init(allocator: std.mem.Allocator) State {
        return .{ .allocator = allocator };
    }

    pub fn deinit(self: *State) void {
        for (&self.levels) |*level| {
            for (level.items) |*meta| meta.deinit(self.allocator);
            level.deinit(self.allocator);
        }
        for (&self.compact_cursors) |*cursor| cursor.deinit(self.allocator);
        self.segments.deinit(self.allocator);
        self.* = undefined;
    }

    /// Applies an edit; validates it against the state (a file added twice or deleted
    /// without existing is corruption).
    pub fn apply(self: *State, edit: VersionEdit) error{ OutOfMemory, Invalid }!void {
        for (edit.deleted) |d| {
            const level = &self.levels[d.level];
            const index = for (level.items, 0..) |meta, i| {
                if (meta.number == d.number) break i;
            } else return error.Invalid;
            var removed = level.orderedRemove(index);
            removed.deinit(self.allocator);
        }
        for (edit.added) |a| {
            for (&self.levels) |*level| for (level.items) |meta| {
                if (meta.number == a.meta.number) return error.Invalid;
            };
            var copy = try a.meta.clone(self.allocator);
            errdefer copy.deinit(self.allocator);
            try self.levels[a.level].append(self.allocator, copy);
        }
        for (edit.segment_deltas) |d| {
            const entry = try self.segments.getOrPut(self.allocator, d.segment);
            if (!entry.found_existing) entry.value_ptr.* = .{};
            entry.value_ptr.live_bytes += d.live_added;
            entry.value_ptr.garbage_bytes += d.garbage_added;
            entry.value_ptr.synced_end = @max(entry.value_ptr.synced_end, d.synced_end);
        }
        for (edit.deleted_segments) |s| {
            if (!self.segments.swapRemove(s)) return error.Invalid;
        }
        for (edit.compact_cursors) |c| {
            self.compact_cursors[c.level].clearRetainingCapacity();
            try self.compact_cursors[c.level].appendSlice(self.allocator, c.key);
        }
        if (edit.next_file_number) |v| {
            if (v < self.next_file_number) return error.Invalid;
            self.next_file_number = v;
        }
        if (edit.flushed_ts) |v| {
            if (v < self.flushed_ts) return error.Invalid;
            self.flushed_ts = v;
        }
        if (edit.log_number) |v| {
            if (v < self.log_number) return error.Invalid;
            self.log_number = v;
        }
        if (edit.max_ts) |v| self.max_ts = @max(self.max_ts, v);
        self.max_ts = @max(self.max_ts, self.flushed_ts);
    }

    /// The whole state as one edit (for a checkpoint). Borrows from `self`.
    pub fn snapshotEdit(self: *const State, arena: std.mem.Allocator) error{OutOfMemory}!VersionEdit {
        var added: std.ArrayList(AddedFile) = .empty;
        for (self.levels, 0..) |level, i| for (level.items) |meta| {
            try added.append(arena, .{ .level = @intCast(i), .meta = meta });
        };
        var deltas: std.ArrayList(SegmentDelta) = .empty;
        var it = self.segments.iterator();
        while (it.next()) |entry| try deltas.append(arena, .{
            .segment = entry.key_ptr.*,
            .live_added = entry.value_ptr.live_bytes,
            .garbage_added = entry.value_ptr.garbage_bytes,
            .synced_end = entry.value_ptr.synced_end,
        });
        const Cursor = @typeInfo(@TypeOf(@as(VersionEdit, .{}).compact_cursors)).pointer.child;
        var cursors: std.ArrayList(Cursor) = .empty;
        for (self.compact_cursors, 0..) |cursor, i| {
            if (cursor.items.len > 0) try cursors.append(arena, .{ .level = @intCast(i), .key = cursor.items });
        }
        return .{
            .next_file_number = self.next_file_number,
            .flushed_ts = self.flushed_ts,
            .log_number = self.log_number,
            .max_ts = self.max_ts,
            .added = added.items,
            .segment_deltas = deltas.items,
            .compact_cursors = cursors.items,
        };
    }

    pub fn fileCount(self: *const State) usize {
        var count: usize = 0;
        for (self.levels) |level| count += level.items.len;
        return count;
    }
};

/// The open manifest log: appends edits, checkpoints when it grows.
pub const Manifest = struct {
    allocator: std.mem.Allocator,
    fs: io.Fs,
    number: FileNumber,
    file: io.File,
    end_offset: u64,
    superblock_sequence: u64,
    /// Checkpoint when the log passes this size.
    checkpoint_size_bytes: u64,
    buffer: std.ArrayList(u8) = .empty,
    /// A write or sync failed: what is on disk after the last good record is unknown (a
    /// later append could land behind a record that never became durable), so nothing more
    /// is appended until the database is reopened.
    failed: bool = false,

    pub const default_checkpoint_size_bytes: u64 = 4 * 1024 * 1024;

    /// Creates a new database's superblock and first manifest holding `state`.
    pub fn create(allocator: std.mem.Allocator, fs: io.Fs, state: *State, checkpoint_size_bytes: u64) types.Error!Manifest {
        const number = state.next_file_number;
        state.next_file_number += 1;
        var manifest = try startFile(allocator, fs, number, state, 0, checkpoint_size_bytes);
        errdefer manifest.close();
        try writeSuperblock(fs, .{ .sequence = 1, .manifest_number = number }, true);
        manifest.superblock_sequence = 1;
        return manifest;
    }

    /// Writes a new manifest file holding `state` as its first edit, synced, directory synced.
    fn startFile(allocator: std.mem.Allocator, fs: io.Fs, number: FileNumber, state: *const State, sequence: u64, checkpoint_size_bytes: u64) types.Error!Manifest {
        var path_buffer: [64]u8 = undefined;
        const path = manifestPath(&path_buffer, number);
        const file = try fs.open(path, .{ .create = true, .truncate = true });
        errdefer file.close();
        var manifest = Manifest{
            .allocator = allocator,
            .fs = fs,
            .number = number,
            .file = file,
            .end_offset = manifest_header_size_bytes,
            .superblock_sequence = sequence,
            .checkpoint_size_bytes = checkpoint_size_bytes,
        };
        errdefer manifest.buffer.deinit(allocator);
        var header: [manifest_header_size_bytes]u8 = @splat(0);
        std.mem.writeInt(u64, header[0..8], manifest_magic, .little);
        std.mem.writeInt(u32, header[8..12], format_version, .little);
        std.mem.writeInt(u64, header[16..24], number, .little);
        std.mem.writeInt(u32, header[24..28], crc32c.crc32c(header[0..24]), .little);
        try file.pwriteAll(&header, 0);

        var arena_state = std.heap.ArenaAllocator.init(allocator);
        defer arena_state.deinit();
        const snapshot = try state.snapshotEdit(arena_state.allocator());
        try manifest.appendRecord(snapshot);
        try file.sync();
        try fs.syncDir("");
        return manifest;
    }

    pub fn close(self: *Manifest) void {
        self.file.close();
        self.buffer.deinit(self.allocator);
        self.* = undefined;
    }

    fn appendRecord(self: *Manifest, edit: VersionEdit) types.Error!void {
        self.buffer.clearRetainingCapacity();
        try self.buffer.appendNTimes(self.allocator, 0, record_header_size_bytes);
        try edit.encode(self.allocator, &self.buffer);
        const payload_len = self.buffer.items.len - record_header_size_bytes;
        if (payload_len > edit_size_bytes_max) return error.TransactionTooLarge;
        std.mem.writeInt(u32, self.buffer.items[4..8], @intCast(payload_len), .little);
        std.mem.writeInt(u32, self.buffer.items[0..4], crc32c.crc32c(self.buffer.items[4..]), .little);
        try self.file.pwriteAll(self.buffer.items, self.end_offset);
        self.end_offset += self.buffer.items.len;
    }

    /// Appends an edit and makes it durable. `state` must already have the edit applied
    /// (the caller validates by applying first); it is used for a checkpoint when the log is
    /// too long.
    pub fn logEdit(self: *Manifest, edit: VersionEdit, state: *State) types.Error!void {
        if (self.failed) {
            types.setErrorMessage("an earlier manifest write failed; reopen the database", .{});
            return error.Poisoned;
        }
        errdefer self.failed = true;
        try self.appendRecord(edit);
        try self.file.sync();
        if (self.end_offset >= self.checkpoint_size_bytes) try self.checkpoint(state);
    }

    /// Starts a new manifest file holding the whole state and switches the superblock to it.
    pub fn checkpoint(self: *Manifest, state: *State) types.Error!void {
        const number = state.next_file_number;
        state.next_file_number += 1;
        var next = try startFile(self.allocator, self.fs, number, state, self.superblock_sequence, self.checkpoint_size_bytes);
        errdefer {
            next.close();
            var path_buffer: [64]u8 = undefined;
            self.fs.delete(manifestPath(&path_buffer, number)) catch {};
        }
        try writeSuperblock(self.fs, .{ .sequence = self.superblock_sequence + 1, .manifest_number = number }, false);
        next.superblock_sequence = self.superblock_sequence + 1;
        const old_number = self.number;
        self.close();
        self.* = next;
        var path_buffer: [64]u8 = undefined;
        self.fs.delete(manifestPath(&path_buffer, old_number)) catch |err| switch (err) {
            error.FileNotFound => {},
            else => return err,
        };
    }

    /// Opens an existing database: reads the superblock, replays the manifest into `state`,
    /// and reopens the log for appending. A torn final record (crash during an append) is cut
    /// off; any other damage is reported as corruption with file and offset.
    pub fn open(allocator: std.mem.Allocator, fs: io.Fs, state: *State, checkpoint_size_bytes: u64) types.Error!Manifest {
        const superblock = try readSuperblock(fs);
        var path_buffer: [64]u8 = undefined;
        const path = manifestPath(&path_buffer, superblock.manifest_number);
        const file = fs.open(path, .{}) catch |err| switch (err) {
            error.FileNotFound => return types.corruption(path, 0, "the manifest the superblock names is missing", .{}),
            else => return err,
        };
        errdefer file.close();
        const file_size = try file.size();
        var header: [manifest_header_size_bytes]u8 = undefined;
        if (try file.preadAll(&header, 0) != header.len) return types.corruption(path, 0, "manifest shorter than its header", .{});
        if (std.mem.readInt(u64, header[0..8], .little) != manifest_magic) return types.corruption(path, 0, "not a manifest (bad magic)", .{});
        if (std.mem.readInt(u32, header[24..28], .little) != crc32c.crc32c(header[0..24])) return types.corruption(path, 0, "manifest header CRC mismatch", .{});
        const version = std.mem.readInt(u32, header[8..12], .little);
        if (version > format_version) {
            types.setErrorMessage("{s}: manifest format version {d} is newer than this build understands ({d}); upgrade pgz", .{ path, version, format_version });
            return error.UnsupportedFormat;
        }

        var payload: std.ArrayList(u8) = .empty;
        defer payload.deinit(allocator);
        var offset: u64 = manifest_header_size_bytes;
        var records: u64 = 0;
        while (offset < file_size) {
            const remaining = file_size - offset;
            var frame: [record_header_size_bytes]u8 = undefined;
            const Check = enum { good, torn, damaged };
            const check: Check = blk: {
                if (remaining < record_header_size_bytes) break :blk .torn;
                _ = try file.preadAll(&frame, offset);
                const payload_len = std.mem.readInt(u32, frame[4..8], .little);
                if (payload_len > edit_size_bytes_max or payload_len > remaining - record_header_size_bytes) break :blk .torn;
                try payload.resize(allocator, payload_len);
                _ = try file.preadAll(payload.items, offset + record_header_size_bytes);
                var hasher = crc32c.Crc32c.init();
                hasher.update(frame[4..8]);
                hasher.update(payload.items);
                if (hasher.final() == std.mem.readInt(u32, frame[0..4], .little)) break :blk .good;
                // Each edit is synced before the next is appended, so only the last record
                // can be torn: a bad record with bytes after it was acknowledged and damaged.
                break :blk if (payload_len == remaining - record_header_size_bytes) .torn else .damaged;
            };
            switch (check) {
                .good => {},
                .damaged => return types.corruption(path, offset, "manifest record CRC mismatch", .{}),
                .torn => {
                    if (records == 0) return types.corruption(path, offset, "manifest has no valid first record", .{});
                    // The torn edit was never acknowledged (its sync did not return).
                    try file.truncate(offset);
                    try file.sync();
                    break;
                },
            }
            var arena_state = std.heap.ArenaAllocator.init(allocator);
            defer arena_state.deinit();
            const edit = VersionEdit.decode(arena_state.allocator(), payload.items) catch |err| switch (err) {
                error.OutOfMemory => return error.OutOfMemory,
                error.Invalid => return types.corruption(path, offset, "manifest record does not decode", .{}),
            };
            state.apply(edit) catch |err| switch (err) {
                error.OutOfMemory => return error.OutOfMemory,
                error.Invalid => return types.corruption(path, offset, "manifest edit contradicts the state before it", .{}),
            };
            records += 1;
            offset += record_header_size_bytes + payload.items.len;
        }
        if (records == 0) return types.corruption(path, manifest_header_size_bytes, "manifest holds no state", .{});
        return .{
            .allocator = allocator,
            .fs = fs,
            .number = superblock.manifest_number,
            .file = file,
            .end_offset = offset,
            .superblock_sequence = superblock.sequence,
            .checkpoint_size_bytes = checkpoint_size_bytes,
        };
    }
};

const testing = std.testing;

fn testMeta(number: FileNumber, smallest: []const u8, largest: []const u8) FileMeta {
    return .{
        .number = number,
        .size_bytes = 1000 + number,
        .entry_count = 10,
        .smallest_key = smallest,
        .smallest_ts = 5,
        .largest_key = largest,
        .largest_ts = 1,
        .min_ts = 1,
        .max_ts = 5,
    };
}

test "version edit: encode/decode round trip" {
    var arena_state = std.heap.ArenaAllocator.init(testing.allocator);
    defer arena_state.deinit();
    const arena = arena_state.allocator();
    const edit = VersionEdit{
        .next_file_number = 42,
        .flushed_ts = 100,
        .log_number = 7,
        .max_ts = 120,
        .added = &.{ .{ .level = 0, .meta = testMeta(10, "a", "m") }, .{ .level = 3, .meta = testMeta(11, "n", "z") } },
        .deleted = &.{.{ .level = 1, .number = 4 }},
        .segment_deltas = &.{.{ .segment = 3, .live_added = 500, .garbage_added = 20, .synced_end = 999 }},
        .deleted_segments = &.{2},
        .compact_cursors = &.{.{ .level = 2, .key = "k" }},
    };
    var bytes: std.ArrayList(u8) = .empty;
    try edit.encode(arena, &bytes);
    const decoded = try VersionEdit.decode(arena, bytes.items);
    try testing.expectEqual(@as(?FileNumber, 42), decoded.next_file_number);
    try testing.expectEqual(@as(?Timestamp, 120), decoded.max_ts);
    try testing.expectEqual(@as(usize, 2), decoded.added.len);
    try testing.expectEqualStrings("z", decoded.added[1].meta.largest_key);
    try testing.expectEqual(@as(u8, 3), decoded.added[1].level);
    try testing.expectEqual(@as(u64, 500), decoded.segment_deltas[0].live_added);
    try testing.expectEqual(@as(u64, 999), decoded.segment_deltas[0].synced_end);
    try testing.expectEqual(@as(SegmentId, 2), decoded.deleted_segments[0]);
    try testing.expectEqualStrings("k", decoded.compact_cursors[0].key);
    // Every truncation is either a shorter valid edit or refused; never a crash.
    for (0..bytes.items.len) |cut| _ = VersionEdit.decode(arena, bytes.items[0..cut]) catch {};
}

test "manifest: create, log edits, reopen replays; checkpoint switches files" {
    var sim = try io.SimFs.init(testing.allocator, 21);
    defer sim.deinit();
    const fs = sim.fs();
    {
        var state = State.init(testing.allocator);
        defer state.deinit();
        var manifest = try Manifest.create(testing.allocator, fs, &state, 600);
        defer manifest.close();
        for (0..20) |i| {
            const number = state.next_file_number;
            const edit = VersionEdit{
                .next_file_number = number + 1,
                .flushed_ts = i + 1,
                .added = &.{.{ .level = 0, .meta = testMeta(number, "a", "b") }},
                .segment_deltas = &.{.{ .segment = 1, .live_added = 10, .garbage_added = 1 }},
            };
            try state.apply(edit);
            try manifest.logEdit(edit, &state);
        }
        try testing.expect(manifest.number > 1); // checkpointed at least once
    }
    var state = State.init(testing.allocator);
    defer state.deinit();
    var manifest = try Manifest.open(testing.allocator, fs, &state, 600);
    defer manifest.close();
    try testing.expectEqual(@as(usize, 20), state.levels[0].items.len);
    try testing.expectEqual(@as(Timestamp, 20), state.flushed_ts);
    try testing.expectEqual(@as(u64, 200), state.segments.get(1).?.live_bytes);
    try testing.expectEqual(@as(u64, 20), state.segments.get(1).?.garbage_bytes);
    // Old manifests were deleted.
    var names: std.ArrayList([]u8) = .empty;
    defer {
        for (names.items) |n| testing.allocator.free(n);
        names.deinit(testing.allocator);
    }
    try fs.list(testing.allocator, "", &names);
    var manifests: usize = 0;
    for (names.items) |n| {
        if (std.mem.startsWith(u8, n, "MANIFEST-")) manifests += 1;
    }
    try testing.expectEqual(@as(usize, 1), manifests);
}

test "superblock: one bad copy falls back to the other; both bad is corruption; newer version refused" {
    var sim = try io.SimFs.init(testing.allocator, 22);
    defer sim.deinit();
    const fs = sim.fs();
    var state = State.init(testing.allocator);
    defer state.deinit();
    var manifest = try Manifest.create(testing.allocator, fs, &state, Manifest.default_checkpoint_size_bytes);
    try manifest.checkpoint(&state);
    const current = manifest.number;
    manifest.close();

    sim.flipBit(superblock_path, 20, 1);
    const sb = try readSuperblock(fs);
    try testing.expectEqual(current, sb.manifest_number);
    sim.flipBit(superblock_path, superblock_copy_size_bytes + 20, 1);
    try testing.expectError(error.Corruption, readSuperblock(fs));
    sim.flipBit(superblock_path, 20, 1);
    sim.flipBit(superblock_path, superblock_copy_size_bytes + 20, 1);

    var bytes: [superblock_copy_size_bytes]u8 = undefined;
    (Superblock{ .sequence = 99, .manifest_number = 1 }).encode(&bytes);
    std.mem.writeInt(u32, bytes[8..12], format_version + 1, .little);
    std.mem.writeInt(u32, bytes[32..36], crc32c.crc32c(bytes[0..32]), .little);
    const file = try fs.open(superblock_path, .{});
    try file.pwriteAll(&bytes, 0);
    file.close();
    try testing.expectError(error.UnsupportedFormat, readSuperblock(fs));
}

test "manifest: torn last record is dropped; damaged earlier record is corruption" {
    var sim = try io.SimFs.init(testing.allocator, 23);
    defer sim.deinit();
    const fs = sim.fs();
    var record_ends: [3]u64 = undefined;
    {
        var state = State.init(testing.allocator);
        defer state.deinit();
        var manifest = try Manifest.create(testing.allocator, fs, &state, Manifest.default_checkpoint_size_bytes);
        defer manifest.close();
        for (0..3) |i| {
            const edit = VersionEdit{ .flushed_ts = i + 10 };
            try state.apply(edit);
            try manifest.logEdit(edit, &state);
            record_ends[i] = manifest.end_offset;
        }
    }
    var path_buffer: [64]u8 = undefined;
    const path = manifestPath(&path_buffer, 1);
    {
        const file = try fs.open(path, .{});
        defer file.close();
        try file.truncate(record_ends[2] - 2);
    }
    {
        var state = State.init(testing.allocator);
        defer state.deinit();
        var manifest = try Manifest.open(testing.allocator, fs, &state, Manifest.default_checkpoint_size_bytes);
        manifest.close();
        try testing.expectEqual(@as(Timestamp, 11), state.flushed_ts);
    }
    // A damaged record with acknowledged records after it is corruption, not a torn tail.
    sim.flipBit(path, record_ends[0] - 1, 0);
    var state = State.init(testing.allocator);
    defer state.deinit();
    try testing.expectError(error.Corruption, Manifest.open(testing.allocator, fs, &state, Manifest.default_checkpoint_size_bytes));
    try testing.expect(std.mem.indexOf(u8, types.errorMessage(), "MANIFEST-00000001") != null);
}
