//! Randomized model test for the simulated disk: random opens, writes, truncates, syncs,
//! renames, deletes, directory syncs, faults, freezes and crashes, each checked against a
//! small model of POSIX durability. A failure prints the seed and the disk's last
//! operations; set `seed_override` to replay one seed.

const std = @import("std");
const build_options = @import("build_options");
const io = @import("io.zig");

const testing = std.testing;
const assert = std.debug.assert;
const SimFs = io.SimFs;

/// Replays one seed when set.
const seed_override: ?u64 = null;
const seeds_count = 12;
const steps_per_seed = 1500;

const paths = [_][]const u8{ "a", "b", "c", "d/x", "d/y" };
const handles_max = 4;
const offset_max = 256;
const write_bytes_max = 64;

const ModelOp = union(enum) {
    write: struct { offset: usize, bytes: []u8 },
    truncate: usize,
};

const ModelFile = struct {
    data: std.ArrayList(u8) = .empty,
    durable: std.ArrayList(u8) = .empty,
    /// Since the last sync; write bytes are owned.
    pending: std.ArrayList(ModelOp) = .empty,

    fn deinit(file: *ModelFile, allocator: std.mem.Allocator) void {
        file.clearPending(allocator);
        file.pending.deinit(allocator);
        file.data.deinit(allocator);
        file.durable.deinit(allocator);
    }

    fn clearPending(file: *ModelFile, allocator: std.mem.Allocator) void {
        for (file.pending.items) |op| switch (op) {
            .write => |write| allocator.free(write.bytes),
            .truncate => {},
        };
        file.pending.clearRetainingCapacity();
    }
};

fn applyOp(allocator: std.mem.Allocator, bytes: *std.ArrayList(u8), op: ModelOp) !void {
    switch (op) {
        .write => |write| {
            const end = write.offset + write.bytes.len;
            if (end > bytes.items.len) try bytes.appendNTimes(allocator, 0, end - bytes.items.len);
            @memcpy(bytes.items[write.offset..end], write.bytes);
        },
        .truncate => |length| {
            if (length > bytes.items.len) {
                try bytes.appendNTimes(allocator, 0, length - bytes.items.len);
            } else {
                bytes.shrinkRetainingCapacity(length);
            }
        },
    }
}

const ModelHandle = struct {
    file: io.File,
    index: u32,
};

const Model = struct {
    allocator: std.mem.Allocator,
    /// Every file ever created, by creation order; dead ones stay, unreferenced.
    files: std.ArrayList(*ModelFile) = .empty,
    current: [paths.len]?u32 = @splat(null),
    durable: [paths.len]?u32 = @splat(null),
    handles: std.ArrayList(ModelHandle) = .empty,
    capacity_bytes: ?u64 = null,

    fn deinit(model: *Model) void {
        for (model.files.items) |file| {
            file.deinit(model.allocator);
            model.allocator.destroy(file);
        }
        model.files.deinit(model.allocator);
        model.handles.deinit(model.allocator);
    }

    fn create(model: *Model) !u32 {
        const file = try model.allocator.create(ModelFile);
        file.* = .{};
        errdefer model.allocator.destroy(file);
        try model.files.append(model.allocator, file);
        return @intCast(model.files.items.len - 1);
    }

    fn isLive(model: *const Model, index: u32) bool {
        for (model.current, model.durable) |current, durable| {
            if (current == index or durable == index) return true;
        }
        for (model.handles.items) |handle| {
            if (handle.index == index) return true;
        }
        return false;
    }

    fn liveCount(model: *const Model) usize {
        var count: usize = 0;
        for (0..model.files.items.len) |index| {
            if (model.isLive(@intCast(index))) count += 1;
        }
        return count;
    }

    fn dataBytesTotal(model: *const Model) u64 {
        var total: u64 = 0;
        for (model.files.items, 0..) |file, index| {
            if (model.isLive(@intCast(index))) total += file.data.items.len;
        }
        return total;
    }

    /// Whether growing `file` to `end` bytes stays within the capacity.
    fn fits(model: *const Model, file: *const ModelFile, end: usize) bool {
        const capacity = model.capacity_bytes orelse return true;
        const growth = end -| file.data.items.len;
        return growth == 0 or model.dataBytesTotal() + growth <= capacity;
    }

    fn write(model: *Model, file: *ModelFile, offset: usize, bytes: []const u8) !void {
        if (bytes.len == 0) return;
        const op: ModelOp = .{ .write = .{ .offset = offset, .bytes = try model.allocator.dupe(u8, bytes) } };
        errdefer model.allocator.free(op.write.bytes);
        try applyOp(model.allocator, &file.data, op);
        try file.pending.append(model.allocator, op);
    }

    fn truncate(model: *Model, file: *ModelFile, length: usize) !void {
        const op: ModelOp = .{ .truncate = length };
        try applyOp(model.allocator, &file.data, op);
        try file.pending.append(model.allocator, op);
    }

    fn sync(model: *Model, file: *ModelFile) !void {
        for (file.pending.items) |op| try applyOp(model.allocator, &file.durable, op);
        file.clearPending(model.allocator);
    }
};

const Fuzz = struct {
    sim: *SimFs,
    fs: io.Fs,
    model: *Model,
    random: std.Random,

    fn pathIndex(fuzz: *Fuzz) usize {
        return fuzz.random.uintLessThan(usize, paths.len);
    }

    /// An operation failed with InputOutput without an injected fault: only a frozen disk
    /// does that, and then the operation must have changed nothing.
    fn expectFrozen(fuzz: *Fuzz, err: anyerror) !void {
        try testing.expectEqual(error.InputOutput, err);
        try testing.expect(fuzz.sim.isFrozen());
    }

    fn open(fuzz: *Fuzz) !void {
        const model = fuzz.model;
        if (model.handles.items.len == handles_max) return fuzz.close();
        const path = fuzz.pathIndex();
        const create = fuzz.random.uintLessThan(u8, 4) != 0;
        const options: io.OpenOptions = .{
            .create = create,
            .exclusive = create and fuzz.random.uintLessThan(u8, 8) == 0,
            .truncate = fuzz.random.uintLessThan(u8, 8) == 0,
        };
        const existing = model.current[path];
        const file = fuzz.fs.open(paths[path], options) catch |err| {
            if (existing == null and !options.create) return testing.expectEqual(error.FileNotFound, err);
            if (existing != null and options.exclusive) return testing.expectEqual(error.PathAlreadyExists, err);
            return fuzz.expectFrozen(err);
        };
        try testing.expect(existing != null or options.create);
        try testing.expect(existing == null or !options.exclusive);
        const index = existing orelse blk: {
            const index = try model.create();
            model.current[path] = index;
            break :blk index;
        };
        if (existing != null and options.truncate) try model.truncate(model.files.items[index], 0);
        try model.handles.append(model.allocator, .{ .file = file, .index = index });
    }

    fn close(fuzz: *Fuzz) !void {
        const model = fuzz.model;
        if (model.handles.items.len == 0) return;
        const handle = model.handles.swapRemove(fuzz.random.uintLessThan(usize, model.handles.items.len));
        handle.file.close();
    }

    fn pickHandle(fuzz: *Fuzz) ?ModelHandle {
        const handles = fuzz.model.handles.items;
        if (handles.len == 0) return null;
        return handles[fuzz.random.uintLessThan(usize, handles.len)];
    }

    fn write(fuzz: *Fuzz) !void {
        const model = fuzz.model;
        const handle = fuzz.pickHandle() orelse return fuzz.open();
        const file = model.files.items[handle.index];
        var bytes_buffer: [write_bytes_max]u8 = undefined;
        const bytes = bytes_buffer[0 .. 1 + fuzz.random.uintLessThan(usize, write_bytes_max)];
        fuzz.random.bytes(bytes);
        const offset = fuzz.random.uintAtMost(usize, offset_max);

        if (fuzz.random.uintLessThan(u8, 15) == 0) {
            const fault_err: io.IOError = if (fuzz.random.boolean()) error.InputOutput else error.NoSpaceLeft;
            try fuzz.sim.addFault(.{ .op = .write, .err = fault_err, .partial_write = fuzz.random.boolean() });
            defer fuzz.sim.clearFaults();
            handle.file.pwriteAll(bytes, offset) catch |err| {
                if (fuzz.sim.isFrozen()) return fuzz.expectFrozen(err);
                try testing.expectEqual(fault_err, err);
                return fuzz.learnPartialWrite(handle, bytes, offset);
            };
            return error.TestExpectedFault;
        }
        const fits = model.fits(file, offset + bytes.len);
        handle.file.pwriteAll(bytes, offset) catch |err| {
            if (fuzz.sim.isFrozen()) return fuzz.expectFrozen(err);
            try testing.expect(!fits);
            return testing.expectEqual(error.NoSpaceLeft, err);
        };
        try testing.expect(fits);
        try model.write(file, offset, bytes);
    }

    /// A failed partial write applied some prefix of its bytes; find which from the file and
    /// check that it is one.
    fn learnPartialWrite(fuzz: *Fuzz, handle: ModelHandle, bytes: []const u8, offset: usize) !void {
        const model = fuzz.model;
        const file = model.files.items[handle.index];
        var contents: [offset_max + 2 * write_bytes_max]u8 = undefined;
        const size = try handle.file.size();
        const length = try handle.file.preadAll(contents[0..@intCast(size)], 0);
        var expected: std.ArrayList(u8) = .empty;
        defer expected.deinit(model.allocator);
        for (0..bytes.len) |kept| {
            expected.clearRetainingCapacity();
            try expected.appendSlice(model.allocator, file.data.items);
            if (kept > 0) {
                try applyOp(model.allocator, &expected, .{ .write = .{ .offset = offset, .bytes = @constCast(bytes[0..kept]) } });
            }
            if (std.mem.eql(u8, expected.items, contents[0..length])) {
                return model.write(file, offset, bytes[0..kept]);
            }
        }
        return error.TestPartialWriteNotAPrefix;
    }

    fn truncate(fuzz: *Fuzz) !void {
        const model = fuzz.model;
        const handle = fuzz.pickHandle() orelse return fuzz.open();
        const file = model.files.items[handle.index];
        const length = fuzz.random.uintAtMost(usize, offset_max + write_bytes_max);
        const fits = model.fits(file, length);
        handle.file.truncate(length) catch |err| {
            if (fuzz.sim.isFrozen()) return fuzz.expectFrozen(err);
            try testing.expect(!fits);
            return testing.expectEqual(error.NoSpaceLeft, err);
        };
        try testing.expect(fits);
        try model.truncate(file, length);
    }

    fn allocate(fuzz: *Fuzz) !void {
        const model = fuzz.model;
        const handle = fuzz.pickHandle() orelse return fuzz.open();
        const file = model.files.items[handle.index];
        const length = fuzz.random.uintAtMost(usize, 2 * offset_max);
        const fits = model.fits(file, length);
        handle.file.allocate(length) catch |err| {
            if (fuzz.sim.isFrozen()) return fuzz.expectFrozen(err);
            try testing.expect(!fits);
            return testing.expectEqual(error.NoSpaceLeft, err);
        };
        try testing.expect(fits);
    }

    fn sync(fuzz: *Fuzz) !void {
        const model = fuzz.model;
        const handle = fuzz.pickHandle() orelse return fuzz.open();
        const file = model.files.items[handle.index];
        if (fuzz.random.uintLessThan(u8, 8) == 0) {
            try fuzz.sim.addFault(.{ .op = .sync });
            defer fuzz.sim.clearFaults();
            handle.file.sync() catch |err| {
                if (fuzz.sim.isFrozen()) return fuzz.expectFrozen(err);
                try testing.expectEqual(error.InputOutput, err);
                // The unsynced writes are lost to every later sync.
                file.clearPending(model.allocator);
                return;
            };
            return error.TestExpectedFault;
        }
        handle.file.sync() catch |err| return fuzz.expectFrozen(err);
        try model.sync(file);
    }

    fn syncDir(fuzz: *Fuzz) !void {
        const model = fuzz.model;
        const dir: []const u8 = if (fuzz.random.boolean()) "" else "d";
        fuzz.fs.syncDir(dir) catch |err| return fuzz.expectFrozen(err);
        for (paths, 0..) |path, index| {
            const parent = if (std.mem.lastIndexOfScalar(u8, path, '/')) |slash| path[0..slash] else "";
            if (std.mem.eql(u8, parent, dir)) model.durable[index] = model.current[index];
        }
    }

    fn rename(fuzz: *Fuzz) !void {
        const model = fuzz.model;
        const from = fuzz.pathIndex();
        const to = fuzz.pathIndex();
        fuzz.fs.rename(paths[from], paths[to]) catch |err| {
            if (model.current[from] == null and !fuzz.sim.isFrozen()) {
                return testing.expectEqual(error.FileNotFound, err);
            }
            return fuzz.expectFrozen(err);
        };
        const index = model.current[from] orelse return error.TestRenameOfMissingFile;
        if (model.current[to] == index) return;
        model.current[to] = index;
        model.current[from] = null;
    }

    fn delete(fuzz: *Fuzz) !void {
        const model = fuzz.model;
        const path = fuzz.pathIndex();
        fuzz.fs.delete(paths[path]) catch |err| {
            if (model.current[path] == null and !fuzz.sim.isFrozen()) {
                return testing.expectEqual(error.FileNotFound, err);
            }
            return fuzz.expectFrozen(err);
        };
        try testing.expect(model.current[path] != null);
        model.current[path] = null;
    }

    fn read(fuzz: *Fuzz) !void {
        const model = fuzz.model;
        const handle = fuzz.pickHandle() orelse return fuzz.open();
        const data = model.files.items[handle.index].data.items;
        var buffer: [128]u8 = undefined;
        const offset = fuzz.random.uintAtMost(usize, offset_max + write_bytes_max);
        const length = fuzz.random.uintAtMost(usize, buffer.len);
        const count = try handle.file.preadAll(buffer[0..length], offset);
        const expected = if (offset >= data.len) "" else data[offset..@min(data.len, offset + length)];
        try testing.expectEqualSlices(u8, expected, buffer[0..count]);
        try testing.expectEqual(@as(u64, data.len), try handle.file.size());
    }

    fn crash(fuzz: *Fuzz) !void {
        const model = fuzz.model;
        const mode = fuzz.random.enumValue(SimFs.CrashMode);
        fuzz.sim.crash(mode);
        // Power loss invalidated the handles; closing them is not needed.
        model.handles.clearRetainingCapacity();
        model.current = model.durable;
        for (model.files.items, 0..) |file, index| {
            if (!model.isLive(@intCast(index))) continue;
            if (mode != .lose_unsynced) try fuzz.adoptTorn(file, @intCast(index));
            file.clearPending(model.allocator);
            file.data.clearRetainingCapacity();
            try file.data.appendSlice(model.allocator, file.durable.items);
        }
    }

    /// After a torn crash, every byte of a file must come from its durable bytes, from an
    /// unsynced write at that position, or be a zero (hole, extension); then the model takes
    /// the disk's bytes as the new durable contents.
    fn adoptTorn(fuzz: *Fuzz, file: *ModelFile, index: u32) !void {
        const model = fuzz.model;
        const path = for (model.durable, 0..) |durable, path_index| {
            if (durable == index) break paths[path_index];
        } else unreachable;
        const result = try fuzz.sim.readData(model.allocator, path);
        defer model.allocator.free(result);

        var length_max = file.durable.items.len;
        for (file.pending.items) |op| switch (op) {
            .write => |write_op| length_max = @max(length_max, write_op.offset + write_op.bytes.len),
            .truncate => |length| length_max = @max(length_max, length),
        };
        try testing.expect(result.len <= length_max);
        for (result, 0..) |byte, position| {
            if (byte == 0) continue;
            if (position < file.durable.items.len and file.durable.items[position] == byte) continue;
            const from_write = for (file.pending.items) |op| switch (op) {
                .write => |write_op| {
                    if (position >= write_op.offset and position < write_op.offset + write_op.bytes.len and
                        write_op.bytes[position - write_op.offset] == byte) break true;
                },
                .truncate => {},
            } else false;
            try testing.expect(from_write);
        }
        file.durable.clearRetainingCapacity();
        try file.durable.appendSlice(model.allocator, result);
    }

    /// Compares every name, every file's contents and the disk's accounting with the model.
    fn checkAll(fuzz: *Fuzz) !void {
        const model = fuzz.model;
        const sim = fuzz.sim;
        sim.checkInvariants();
        try testing.expectEqual(model.dataBytesTotal(), sim.dataBytesTotal());
        try testing.expectEqual(model.liveCount(), sim.inodeCount());
        for (paths, model.current, model.durable) |path, current, durable| {
            try testing.expectEqual(current != null, sim.exists(path));
            try testing.expectEqual(durable != null, sim.existsDurable(path));
            if (current) |index| {
                const data = try sim.readData(model.allocator, path);
                defer model.allocator.free(data);
                try testing.expectEqualSlices(u8, model.files.items[index].data.items, data);
            }
            if (durable) |index| {
                const data = try sim.readDurable(model.allocator, path);
                defer model.allocator.free(data);
                try testing.expectEqualSlices(u8, model.files.items[index].durable.items, data);
            }
        }
        // Listing shows up in the disk's trace; not every step, so the trace keeps history.
        if (fuzz.random.uintLessThan(u8, 8) == 0) {
            try fuzz.checkList("");
            try fuzz.checkList("d");
        }
    }

    fn checkList(fuzz: *Fuzz, dir: []const u8) !void {
        const model = fuzz.model;
        var names: std.ArrayList([]u8) = .empty;
        defer {
            for (names.items) |name| model.allocator.free(name);
            names.deinit(model.allocator);
        }
        try fuzz.fs.list(model.allocator, dir, &names);
        var expected_count: usize = 0;
        // The directory "d" itself, listed in the root; it is never deleted.
        if (dir.len == 0) expected_count += 1;
        for (paths, model.current) |path, current| {
            if (current == null) continue;
            const slash = std.mem.lastIndexOfScalar(u8, path, '/');
            const parent = if (slash) |position| path[0..position] else "";
            if (!std.mem.eql(u8, parent, dir)) continue;
            const base = if (slash) |position| path[position + 1 ..] else path;
            expected_count += 1;
            const found = for (names.items) |name| {
                if (std.mem.eql(u8, name, base)) break true;
            } else false;
            try testing.expect(found);
        }
        try testing.expectEqual(expected_count, names.items.len);
    }
};

fn runSeed(seed: u64, steps: u64) !void {
    const allocator = testing.allocator;
    var sim = try SimFs.init(allocator, seed);
    defer sim.deinit();
    try sim.enableTrace(256);
    errdefer sim.dumpTrace();
    var model: Model = .{ .allocator = allocator };
    defer model.deinit();
    var prng = std.Random.DefaultPrng.init(seed ^ 0x9E37_79B9_7F4A_7C15);
    var fuzz: Fuzz = .{ .sim = &sim, .fs = sim.fs(), .model = &model, .random = prng.random() };

    try fuzz.fs.makeDir("d");
    try fuzz.fs.syncDir("");
    if (fuzz.random.boolean()) {
        const capacity = 400 + fuzz.random.uintLessThan(u64, 1200);
        sim.setCapacity(capacity);
        model.capacity_bytes = capacity;
    }

    for (0..steps) |step| {
        errdefer std.debug.print("SimFs fuzz: failed at step {d}\n", .{step});
        if (sim.isFrozen()) {
            // A frozen disk refuses everything until the power cycles.
            var buffer: [1]u8 = undefined;
            if (model.handles.items.len > 0) {
                try testing.expectError(error.InputOutput, model.handles.items[0].file.pread(&buffer, 0));
            }
            try fuzz.crash();
        } else {
            if (sim.crash_at_op == null and fuzz.random.uintLessThan(u16, 150) == 0) {
                sim.setCrashAtOp(sim.durabilityOpCount() + fuzz.random.uintLessThan(u64, 8));
            }
            switch (fuzz.random.uintLessThan(u8, 100)) {
                0...14 => try fuzz.open(),
                15...39 => try fuzz.write(),
                40...45 => try fuzz.truncate(),
                46...56 => try fuzz.sync(),
                57...64 => try fuzz.syncDir(),
                65...70 => try fuzz.rename(),
                71...75 => try fuzz.delete(),
                76...87 => try fuzz.read(),
                88...93 => try fuzz.close(),
                94...95 => try fuzz.allocate(),
                else => try fuzz.crash(),
            }
        }
        if (!sim.isFrozen()) try fuzz.checkAll();
    }
    for (model.handles.items) |handle| handle.file.close();
    model.handles.clearRetainingCapacity();
    try fuzz.checkAll();
}

test "SimFs fuzz: random operations, faults and crashes agree with a model" {
    if (seed_override) |seed| return runSeed(seed, steps_per_seed * build_options.fuzz_scale);
    var seeds = std.Random.DefaultPrng.init(testing.random_seed);
    for (0..seeds_count) |_| {
        const seed = seeds.random().int(u64);
        errdefer std.debug.print("SimFs fuzz failed: seed={d} (set seed_override in io_fuzz.zig)\n", .{seed});
        try runSeed(seed, steps_per_seed * build_options.fuzz_scale);
    }
}
