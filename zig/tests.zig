//! Test root: every engine module's inline tests and the randomized model tests.
const std = @import("std");

test {
    std.testing.refAllDecls(@import("types.zig"));
    std.testing.refAllDecls(@import("io.zig"));
    std.testing.refAllDecls(@import("io_fuzz.zig"));
    std.testing.refAllDecls(@import("crc32c.zig"));
    std.testing.refAllDecls(@import("memtable.zig"));
    std.testing.refAllDecls(@import("cache.zig"));
    std.testing.refAllDecls(@import("sstable.zig"));
    std.testing.refAllDecls(@import("sstable_fuzz.zig"));
    std.testing.refAllDecls(@import("commit_log.zig"));
    std.testing.refAllDecls(@import("vlog.zig"));
    std.testing.refAllDecls(@import("manifest.zig"));
    std.testing.refAllDecls(@import("iterator.zig"));
    std.testing.refAllDecls(@import("lsm.zig"));
    std.testing.refAllDecls(@import("txn.zig"));
    std.testing.refAllDecls(@import("db.zig"));
    std.testing.refAllDecls(@import("db_fuzz.zig"));
}
