//! Test root: every engine module's inline tests and the randomized model tests.
const std = @import("std");

test {
    std.testing.refAllDecls(@import("types.zig"));
    std.testing.refAllDecls(@import("io.zig"));
}
