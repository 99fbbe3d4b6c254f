//! Constants, identifiers, value pointers, error sets and alignment helpers shared by every
//! engine module. Nothing here does I/O.

const std = @import("std");
const assert = std.debug.assert;

/// The unit of aligned I/O and of SSTable block padding.
pub const page_size_bytes: u32 = 4096;

/// Limits enforced at the API boundary (db.zig) with `error.KeyTooLarge` / `error.ValueTooLarge`.
/// Keys live in SSTable index blocks and memtables, so they stay small; values may go to the
/// value log. docs/FORMAT.md documents these numbers.
pub const key_size_bytes_max: u32 = 4096;
pub const value_size_bytes_max: u32 = 64 * 1024 * 1024;
/// One transaction's buffered writes (keys + values) may not exceed this.
pub const txn_size_bytes_max: u64 = 512 * 1024 * 1024;
/// Operations in one transaction.
pub const txn_ops_max: u32 = 4 * 1024 * 1024;

/// Every file in a data directory gets a number from one counter (kept in the manifest).
pub const FileNumber = u64;
/// A value-log segment is named by its file number.
pub const SegmentId = FileNumber;
/// Commit timestamps: strictly increasing, never reused, persisted across restarts.
pub const Timestamp = u64;
/// Byte position in a log file (commit log or value log).
pub const Lsn = u64;

/// The hash of a user key that Bloom filters use (SSTable filters and memtable filters
/// alike, so a point read hashes its key once). SSTable filters are on disk: the function
/// and its seed (0) are part of the file format.
pub fn keyHash(user_key: []const u8) u64 {
    return std.hash.XxHash64.hash(0, user_key);
}

/// The largest timestamp; a read at this snapshot sees every committed version.
pub const timestamp_max: Timestamp = std.math.maxInt(Timestamp) - 1;

/// Where a separated value lives: a record in a value-log segment.
/// `offset` is the start of the record header; `size` is the value's length in bytes.
pub const ValuePointer = struct {
    segment: SegmentId,
    offset: u64,
    size: u32,

    pub const encoded_size_bytes = 20;

    pub fn encode(self: ValuePointer, out: *[encoded_size_bytes]u8) void {
        std.mem.writeInt(u64, out[0..8], self.segment, .little);
        std.mem.writeInt(u64, out[8..16], self.offset, .little);
        std.mem.writeInt(u32, out[16..20], self.size, .little);
    }

    pub fn decode(in: *const [encoded_size_bytes]u8) ValuePointer {
        return .{
            .segment = std.mem.readInt(u64, in[0..8], .little),
            .offset = std.mem.readInt(u64, in[8..16], .little),
            .size = std.mem.readInt(u32, in[16..20], .little),
        };
    }
};

/// What an LSM entry holds. The numeric values are on disk (SSTables, commit log).
pub const EntryKind = enum(u8) {
    /// The value is stored inline.
    put = 1,
    /// The value is in the value log; the entry holds an encoded ValuePointer.
    put_pointer = 2,
    /// A tombstone.
    delete = 3,

    pub fn fromByte(byte: u8) ?EntryKind {
        return switch (byte) {
            1 => .put,
            2 => .put_pointer,
            3 => .delete,
            else => null,
        };
    }
};

/// Errors from the operating system or the simulated disk.
pub const IOError = error{
    InputOutput,
    NoSpaceLeft,
    AccessDenied,
    FileNotFound,
    PathAlreadyExists,
    NotDir,
    IsDir,
    NameTooLong,
    FileTooBig,
    SystemResources,
    Unexpected,
};

/// On-disk data failed a check (CRC, magic, bounds). The message (file and offset) is in
/// the thread's error message; see `setErrorMessage`.
pub const CorruptionError = error{
    Corruption,
};

/// Errors from the engine's own rules.
pub const StorageError = error{
    KeyTooLarge,
    KeyEmpty,
    ValueTooLarge,
    TransactionTooLarge,
    /// Write–write (or, in serializable mode, read–write) conflict: the transaction aborted.
    Conflict,
    /// The directory is locked by another process, or the handle is in use.
    Busy,
    /// A sync failed earlier; the database accepts no writes until it is reopened.
    Poisoned,
    /// The database or transaction is closed.
    Closed,
    /// A newer on-disk format than this build understands.
    UnsupportedFormat,
    InvalidArgument,
    OutOfMemory,
};

pub const Error = IOError || CorruptionError || StorageError;

/// Per-thread message describing the last error (file names, offsets, limits). Set at the
/// point of detection, read by the C ABI's `pgz_last_error`.
threadlocal var error_message_buffer: [1024]u8 = undefined;
threadlocal var error_message_len: usize = 0;

pub fn setErrorMessage(comptime fmt: []const u8, args: anytype) void {
    const written = std.fmt.bufPrint(&error_message_buffer, fmt, args) catch blk: {
        const ellipsis = "...";
        @memcpy(error_message_buffer[error_message_buffer.len - ellipsis.len ..], ellipsis);
        break :blk error_message_buffer[0..];
    };
    error_message_len = written.len;
}

pub fn errorMessage() []const u8 {
    return error_message_buffer[0..error_message_len];
}

pub fn clearErrorMessage() void {
    error_message_len = 0;
}

/// Records a corruption with its location and returns the error to propagate.
pub fn corruption(path: []const u8, offset: u64, comptime what: []const u8, args: anytype) CorruptionError {
    var detail: [512]u8 = undefined;
    const text = std.fmt.bufPrint(&detail, what, args) catch what;
    setErrorMessage("corruption in {s} at offset {d}: {s}", .{ path, offset, text });
    return error.Corruption;
}

pub fn alignForward(value: u64, alignment: u64) u64 {
    assert(std.math.isPowerOfTwo(alignment));
    return (value + alignment - 1) & ~(alignment - 1);
}

pub fn alignBackward(value: u64, alignment: u64) u64 {
    assert(std.math.isPowerOfTwo(alignment));
    return value & ~(alignment - 1);
}

pub fn isAligned(value: u64, alignment: u64) bool {
    assert(std.math.isPowerOfTwo(alignment));
    return value & (alignment - 1) == 0;
}

/// Orders internal keys: user key ascending, then timestamp descending (newest first).
pub fn compareInternal(a_key: []const u8, a_ts: Timestamp, b_key: []const u8, b_ts: Timestamp) std.math.Order {
    const order = std.mem.order(u8, a_key, b_key);
    if (order != .eq) return order;
    return std.math.order(b_ts, a_ts);
}

test "alignment helpers" {
    try std.testing.expectEqual(@as(u64, 4096), alignForward(1, 4096));
    try std.testing.expectEqual(@as(u64, 4096), alignForward(4096, 4096));
    try std.testing.expectEqual(@as(u64, 0), alignBackward(4095, 4096));
    try std.testing.expect(isAligned(8192, 4096));
    try std.testing.expect(!isAligned(8193, 4096));
}

test "value pointer round trip" {
    const pointer = ValuePointer{ .segment = 7, .offset = 1 << 40, .size = 123456 };
    var buffer: [ValuePointer.encoded_size_bytes]u8 = undefined;
    pointer.encode(&buffer);
    try std.testing.expectEqual(pointer, ValuePointer.decode(&buffer));
}

test "internal key order: user key ascending, newest first" {
    try std.testing.expectEqual(std.math.Order.lt, compareInternal("a", 1, "ab", 9));
    try std.testing.expectEqual(std.math.Order.lt, compareInternal("a", 9, "a", 1));
    try std.testing.expectEqual(std.math.Order.eq, compareInternal("a", 5, "a", 5));
}

test "error message is per thread and bounded" {
    setErrorMessage("x{d}", .{1});
    try std.testing.expectEqualStrings("x1", errorMessage());
    const long = "y" ** 2000;
    setErrorMessage("{s}", .{long});
    try std.testing.expectEqual(@as(usize, 1024), errorMessage().len);
}
