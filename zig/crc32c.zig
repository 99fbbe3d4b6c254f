//! CRC32C (Castagnoli, reflected polynomial 0x82F63B78), one-shot and streaming.
//!
//! Every on-disk record carries one, so this sits on the hot path of every read and write.
//! Two implementations compute the same function:
//! - hardware: SSE4.2 `crc32` on x86_64, the ARMv8 CRC extension (`crc32c*`) on aarch64,
//!   eight bytes per instruction in three interleaved streams (the instruction's latency is
//!   three cycles, its throughput one per cycle), the streams joined with precomputed
//!   "append N zero bytes" tables;
//! - portable: slicing-by-8 tables, for CPUs without the instructions.
//! The hardware path is chosen at run time (cpuid, getauxval, sysctl) unless the compile
//! target already guarantees the instructions, so one build runs on every CPU of its
//! architecture. Tests check both against the standard library's `Crc32Iscsi`.

const std = @import("std");
const builtin = @import("builtin");
const assert = std.debug.assert;

/// The reflected CRC32C polynomial.
const polynomial: u32 = 0x82F63B78;

/// One-shot CRC32C of `bytes`.
pub fn crc32c(bytes: []const u8) u32 {
    return ~update(0xFFFF_FFFF, bytes);
}

/// Streaming CRC32C: `init`, any number of `update`s, `final`. Gives the same result as
/// `crc32c` over the concatenation of the updates, whatever the split points.
pub const Crc32c = struct {
    /// The register before the final inversion.
    state: u32,

    pub fn init() Crc32c {
        return .{ .state = 0xFFFF_FFFF };
    }

    pub fn update(self: *Crc32c, bytes: []const u8) void {
        self.state = update_state(self.state, bytes);
    }

    pub fn final(self: Crc32c) u32 {
        return ~self.state;
    }
};

// `Crc32c.update` shadows the file-level name inside the struct.
const update_state = update;

/// CRC32C without the hardware path, whatever the CPU.
pub fn crc32cPortable(bytes: []const u8) u32 {
    return ~updatePortable(0xFFFF_FFFF, bytes);
}

/// CRC32C with the CPU's CRC instructions, or null when this CPU has none.
pub fn crc32cHardware(bytes: []const u8) ?u32 {
    if (!hardwareSupported()) return null;
    return ~updateHardware(0xFFFF_FFFF, bytes);
}

/// Whether `crc32c` uses the CPU's CRC instructions.
pub fn hardwareSupported() bool {
    if (comptime hardware_compile_time) return true;
    if (comptime !hardware_possible) return false;
    // Detection is pure, so racing threads store the same answer.
    switch (hardware_detected.load(.monotonic)) {
        detected_yes => return true,
        detected_no => return false,
        detected_unknown => {
            const supported = detectHardware();
            hardware_detected.store(if (supported) detected_yes else detected_no, .monotonic);
            return supported;
        },
        else => unreachable,
    }
}

fn update(state: u32, bytes: []const u8) u32 {
    if (hardwareSupported()) return updateHardware(state, bytes);
    return updatePortable(state, bytes);
}

// ---------------------------------------------------------------------------------------
// Portable path: slicing-by-8.

const slicing_tables: [8][256]u32 = blk: {
    @setEvalBranchQuota(20_000);
    var tables: [8][256]u32 = undefined;
    for (0..256) |byte| {
        var crc: u32 = byte;
        for (0..8) |_| crc = (crc >> 1) ^ (polynomial & (0 -% (crc & 1)));
        tables[0][byte] = crc;
    }
    for (1..8) |slice| {
        for (0..256) |byte| {
            const previous = tables[slice - 1][byte];
            tables[slice][byte] = (previous >> 8) ^ tables[0][previous & 0xFF];
        }
    }
    break :blk tables;
};

fn updatePortable(state: u32, bytes: []const u8) u32 {
    const t = &slicing_tables;
    var crc = state;
    var index: usize = 0;
    while (bytes.len - index >= 8) : (index += 8) {
        const low = crc ^ std.mem.readInt(u32, bytes[index..][0..4], .little);
        const high = std.mem.readInt(u32, bytes[index + 4 ..][0..4], .little);
        crc = t[7][low & 0xFF] ^ t[6][(low >> 8) & 0xFF] ^
            t[5][(low >> 16) & 0xFF] ^ t[4][low >> 24] ^
            t[3][high & 0xFF] ^ t[2][(high >> 8) & 0xFF] ^
            t[1][(high >> 16) & 0xFF] ^ t[0][high >> 24];
    }
    for (bytes[index..]) |byte| {
        crc = (crc >> 8) ^ t[0][(crc ^ byte) & 0xFF];
    }
    return crc;
}

// ---------------------------------------------------------------------------------------
// Hardware path.

const hardware_possible = switch (builtin.cpu.arch) {
    .x86_64 => true,
    // The loads below assume little-endian words; aarch64_be keeps the portable path.
    .aarch64 => true,
    else => false,
};

const hardware_compile_time = switch (builtin.cpu.arch) {
    .x86_64 => builtin.cpu.has(.x86, .crc32) or builtin.cpu.has(.x86, .sse4_2),
    .aarch64 => builtin.cpu.has(.aarch64, .crc),
    else => false,
};

const detected_unknown: u8 = 0;
const detected_no: u8 = 1;
const detected_yes: u8 = 2;
var hardware_detected: std.atomic.Value(u8) = .init(detected_unknown);

fn detectHardware() bool {
    switch (builtin.cpu.arch) {
        .x86_64 => {
            const leaf_max = cpuid(0).eax;
            if (leaf_max < 1) return false;
            const sse4_2_bit: u32 = 1 << 20;
            return cpuid(1).ecx & sse4_2_bit != 0;
        },
        .aarch64 => switch (builtin.os.tag) {
            .linux => {
                const hwcap_crc32: usize = 1 << 7;
                // A library loaded by a libc program must ask libc: the auxiliary vector
                // std saves at startup is only filled in when Zig's own start code ran.
                const hwcap: usize = if (builtin.link_libc)
                    std.c.getauxval(std.elf.AT_HWCAP)
                else
                    std.os.linux.getauxval(std.elf.AT_HWCAP);
                return hwcap & hwcap_crc32 != 0;
            },
            .macos, .ios, .tvos, .watchos, .visionos => {
                var value: c_int = 0;
                var value_size: usize = @sizeOf(c_int);
                const rc = std.c.sysctlbyname("hw.optional.armv8_crc32", &value, &value_size, null, 0);
                return rc == 0 and value != 0;
            },
            else => return false,
        },
        else => return false,
    }
}

const CpuidLeaf = struct { eax: u32, ebx: u32, ecx: u32, edx: u32 };

fn cpuid(leaf: u32) CpuidLeaf {
    comptime assert(builtin.cpu.arch == .x86_64);
    var eax: u32 = undefined;
    var ebx: u32 = undefined;
    var ecx: u32 = undefined;
    var edx: u32 = undefined;
    asm volatile ("cpuid"
        : [_] "={eax}" (eax),
          [_] "={ebx}" (ebx),
          [_] "={ecx}" (ecx),
          [_] "={edx}" (edx),
        : [_] "{eax}" (leaf),
          [_] "{ecx}" (@as(u32, 0)),
    );
    return .{ .eax = eax, .ebx = ebx, .ecx = ecx, .edx = edx };
}

inline fn hardwareStep64(crc: u32, value: u64) u32 {
    switch (builtin.cpu.arch) {
        .x86_64 => {
            const result = asm ("crc32q %[value], %[crc]"
                : [crc] "=r" (-> u64),
                : [value] "r" (value),
                  [_] "0" (@as(u64, crc)),
            );
            return @truncate(result);
        },
        // `.arch_extension` lets the assembler accept the instruction when the compile
        // target does not promise it; it only runs after detection found it.
        .aarch64 => return asm (
            \\.arch_extension crc
            \\crc32cx %[result:w], %[crc:w], %[value:x]
            : [result] "=r" (-> u32),
            : [crc] "r" (crc),
              [value] "r" (value),
        ),
        else => unreachable,
    }
}

inline fn hardwareStep8(crc: u32, value: u8) u32 {
    switch (builtin.cpu.arch) {
        .x86_64 => {
            // Zig's own x86_64 backend (Debug builds) has no encoding for the byte form.
            if (builtin.zig_backend == .stage2_x86_64) {
                return (crc >> 8) ^ slicing_tables[0][(crc ^ value) & 0xFF];
            }
            const result = asm ("crc32b %[value], %[crc]"
                : [crc] "=r" (-> u64),
                : [value] "r" (value),
                  [_] "0" (@as(u64, crc)),
            );
            return @truncate(result);
        },
        .aarch64 => return asm (
            \\.arch_extension crc
            \\crc32cb %[result:w], %[crc:w], %[value:w]
            : [result] "=r" (-> u32),
            : [crc] "r" (crc),
              [value] "r" (@as(u32, value)),
        ),
        else => unreachable,
    }
}

/// Stream lengths for the three-way interleave: long blocks amortize the join, short ones
/// still interleave medium inputs (an SSTable block, a value-log record).
const stream_long_bytes: usize = 8192;
const stream_short_bytes: usize = 256;

/// A linear operator on the CRC register, as a 32×32 matrix over GF(2) (column n is the
/// image of bit n).
const Gf2Matrix = [32]u32;

fn gf2MatrixTimes(matrix: *const Gf2Matrix, vector: u32) u32 {
    var sum: u32 = 0;
    var v = vector;
    var column: usize = 0;
    while (v != 0) : (column += 1) {
        if (v & 1 != 0) sum ^= matrix[column];
        v >>= 1;
    }
    return sum;
}

fn gf2MatrixSquare(matrix: *const Gf2Matrix) Gf2Matrix {
    var square: Gf2Matrix = undefined;
    for (&square, 0..) |*column, n| column.* = gf2MatrixTimes(matrix, matrix[n]);
    return square;
}

/// Tables that advance a CRC register over `zero_bytes` zero bytes, one table per register
/// byte: shift(crc1, len(B)) ^ crc_of_B_from_zero == crc of the concatenation.
fn zerosTables(comptime zero_bytes: usize) [4][256]u32 {
    comptime assert(std.math.isPowerOfTwo(zero_bytes));
    @setEvalBranchQuota(2_000_000);
    // One zero bit: shift right, fold the polynomial in when bit 0 falls out.
    var operator: Gf2Matrix = undefined;
    operator[0] = polynomial;
    for (1..32) |n| operator[n] = @as(u32, 1) << @intCast(n - 1);
    // Square up to one zero byte (8 bits), then once per doubling of the length.
    for (0..3) |_| operator = gf2MatrixSquare(&operator);
    var length: usize = 1;
    while (length < zero_bytes) : (length *= 2) operator = gf2MatrixSquare(&operator);

    var tables: [4][256]u32 = undefined;
    for (0..256) |n| {
        for (0..4) |byte_index| {
            tables[byte_index][n] = gf2MatrixTimes(&operator, @as(u32, @intCast(n)) << @intCast(8 * byte_index));
        }
    }
    return tables;
}

const zeros_long = zerosTables(stream_long_bytes);
const zeros_short = zerosTables(stream_short_bytes);

inline fn shift(tables: *const [4][256]u32, crc: u32) u32 {
    return tables[0][crc & 0xFF] ^ tables[1][(crc >> 8) & 0xFF] ^
        tables[2][(crc >> 16) & 0xFF] ^ tables[3][crc >> 24];
}

inline fn loadWord(bytes: []const u8, index: usize) u64 {
    return std.mem.readInt(u64, bytes[index..][0..8], .little);
}

/// Three independent streams over consecutive `block_bytes` blocks, joined into `crc`.
inline fn hardwareBlocks(
    crc_start: u32,
    bytes: []const u8,
    index: *usize,
    comptime block_bytes: usize,
    tables: *const [4][256]u32,
) u32 {
    var crc0 = crc_start;
    while (bytes.len - index.* >= 3 * block_bytes) {
        var crc1: u32 = 0;
        var crc2: u32 = 0;
        const end = index.* + block_bytes;
        var i = index.*;
        while (i < end) : (i += 8) {
            crc0 = hardwareStep64(crc0, loadWord(bytes, i));
            crc1 = hardwareStep64(crc1, loadWord(bytes, i + block_bytes));
            crc2 = hardwareStep64(crc2, loadWord(bytes, i + 2 * block_bytes));
        }
        crc0 = shift(tables, crc0) ^ crc1;
        crc0 = shift(tables, crc0) ^ crc2;
        index.* += 3 * block_bytes;
    }
    return crc0;
}

fn updateHardware(state: u32, bytes: []const u8) u32 {
    assert(hardwareSupported());
    var crc = state;
    var index: usize = 0;
    // Align the word loads to eight bytes.
    while (index < bytes.len and (@intFromPtr(bytes.ptr) + index) % 8 != 0) : (index += 1) {
        crc = hardwareStep8(crc, bytes[index]);
    }
    crc = hardwareBlocks(crc, bytes, &index, stream_long_bytes, &zeros_long);
    crc = hardwareBlocks(crc, bytes, &index, stream_short_bytes, &zeros_short);
    while (bytes.len - index >= 8) : (index += 8) {
        crc = hardwareStep64(crc, loadWord(bytes, index));
    }
    while (index < bytes.len) : (index += 1) {
        crc = hardwareStep8(crc, bytes[index]);
    }
    assert(index == bytes.len);
    return crc;
}

// ---------------------------------------------------------------------------------------
// Tests.

const testing = std.testing;
const Reference = std.hash.crc.Crc32Iscsi;

test "crc32c: known values" {
    try testing.expectEqual(@as(u32, 0), crc32c(""));
    try testing.expectEqual(@as(u32, 0), crc32cPortable(""));
    try testing.expectEqual(@as(u32, 0xE3069283), crc32c("123456789"));
    try testing.expectEqual(@as(u32, 0xE3069283), crc32cPortable("123456789"));
    // RFC 3720 (iSCSI) B.4 test vectors.
    const zeros = [_]u8{0} ** 32;
    const ones = [_]u8{0xFF} ** 32;
    var ascending: [32]u8 = undefined;
    var descending: [32]u8 = undefined;
    for (&ascending, &descending, 0..) |*a, *d, i| {
        a.* = @intCast(i);
        d.* = @intCast(31 - i);
    }
    try testing.expectEqual(@as(u32, 0x8A9136AA), crc32c(&zeros));
    try testing.expectEqual(@as(u32, 0x62A8AB43), crc32c(&ones));
    try testing.expectEqual(@as(u32, 0x46DD794E), crc32c(&ascending));
    try testing.expectEqual(@as(u32, 0x113FDB5C), crc32c(&descending));
    if (crc32cHardware("123456789")) |value| try testing.expectEqual(@as(u32, 0xE3069283), value);
    if (crc32cHardware("")) |value| try testing.expectEqual(@as(u32, 0), value);
}

test "crc32c: hardware is detected where the build machine has it" {
    // Tests run on the build machine; x86_64 CI machines all have SSE4.2.
    if (builtin.cpu.arch == .x86_64) try testing.expect(hardwareSupported());
    try testing.expectEqual(hardwareSupported(), crc32cHardware("x") != null);
}

test "crc32c: zero-append tables advance the register over zero bytes" {
    const zeros = [_]u8{0} ** stream_long_bytes;
    var prng = std.Random.DefaultPrng.init(testing.random_seed);
    const random = prng.random();
    for (0..64) |_| {
        const crc = random.int(u32);
        try testing.expectEqual(updatePortable(crc, zeros[0..stream_long_bytes]), shift(&zeros_long, crc));
        try testing.expectEqual(updatePortable(crc, zeros[0..stream_short_bytes]), shift(&zeros_short, crc));
    }
}

test "crc32c: portable and hardware equal the reference on random inputs" {
    const seed = testing.random_seed;
    errdefer std.debug.print("crc32c random inputs: seed={d}\n", .{seed});
    var prng = std.Random.DefaultPrng.init(seed);
    const random = prng.random();

    const buffer_bytes = 1024 * 1024 + 64;
    const buffer = try testing.allocator.alloc(u8, buffer_bytes);
    defer testing.allocator.free(buffer);
    random.bytes(buffer);

    // Whole megabyte, then odd lengths at unaligned starts, biased to the stream edges.
    const edges = [_]usize{
        0,                         1,                          7,                          8,
        9,                         3 * stream_short_bytes - 1, 3 * stream_short_bytes,     3 * stream_short_bytes + 9,
        3 * stream_long_bytes - 1, 3 * stream_long_bytes,      3 * stream_long_bytes + 13, 1024 * 1024,
        1024 * 1024 + 63,
    };
    for (edges) |length| {
        for (0..9) |start| {
            if (start + length > buffer_bytes) continue;
            try checkAllPaths(buffer[start..][0..length]);
        }
    }
    for (0..200) |_| {
        const start = random.uintLessThan(usize, 64);
        const length = random.uintLessThan(usize, buffer_bytes - start + 1);
        try checkAllPaths(buffer[start..][0..length]);
    }
}

fn checkAllPaths(bytes: []const u8) !void {
    const expected = Reference.hash(bytes);
    try testing.expectEqual(expected, crc32cPortable(bytes));
    try testing.expectEqual(expected, crc32c(bytes));
    if (crc32cHardware(bytes)) |value| try testing.expectEqual(expected, value);
}

test "crc32c: streaming equals one-shot at every split point" {
    var bytes: [300]u8 = undefined;
    for (&bytes, 0..) |*byte, i| byte.* = @truncate(i *% 131 +% 7);
    const expected = crc32c(&bytes);
    for (0..bytes.len + 1) |split| {
        var crc = Crc32c.init();
        crc.update(bytes[0..split]);
        crc.update(bytes[split..]);
        try testing.expectEqual(expected, crc.final());
        // Three pieces: the split again, then one more cut in the tail.
        const second = split + (bytes.len - split) / 3;
        var crc3 = Crc32c.init();
        crc3.update(bytes[0..split]);
        crc3.update(bytes[split..second]);
        crc3.update(bytes[second..]);
        try testing.expectEqual(expected, crc3.final());
    }
    var empty = Crc32c.init();
    empty.update("");
    try testing.expectEqual(@as(u32, 0), empty.final());
}

test "crc32c: streaming over random splits of large inputs" {
    const seed = testing.random_seed;
    errdefer std.debug.print("crc32c random splits: seed={d}\n", .{seed});
    var prng = std.Random.DefaultPrng.init(seed);
    const random = prng.random();

    const buffer = try testing.allocator.alloc(u8, 256 * 1024 + 17);
    defer testing.allocator.free(buffer);
    random.bytes(buffer);
    const expected = Reference.hash(buffer);

    for (0..50) |_| {
        var crc = Crc32c.init();
        var offset: usize = 0;
        while (offset < buffer.len) {
            // Mix tiny pieces with pieces long enough to take the interleaved path.
            const piece_max: usize = if (random.boolean()) 16 else 64 * 1024;
            const piece = @min(buffer.len - offset, random.uintAtMost(usize, piece_max));
            crc.update(buffer[offset..][0..piece]);
            offset += piece;
        }
        try testing.expectEqual(expected, crc.final());
    }
}

test "crc32c: detects every single-bit flip" {
    var bytes: [64]u8 = undefined;
    for (&bytes, 0..) |*byte, i| byte.* = @truncate(i);
    const clean = crc32c(&bytes);
    for (0..bytes.len * 8) |bit| {
        bytes[bit / 8] ^= @as(u8, 1) << @intCast(bit % 8);
        try testing.expect(crc32c(&bytes) != clean);
        bytes[bit / 8] ^= @as(u8, 1) << @intCast(bit % 8);
    }
    try testing.expectEqual(clean, crc32c(&bytes));
}
