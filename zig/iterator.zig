//! Iterators over internal entries (user key, timestamp, kind, value):
//! - `Internal`: one interface over a memtable, an SSTable or a whole level;
//! - `Merging`: merges any number of them in internal order (forward or reverse);
//! - `Snapshot`: what users see — for each user key the newest version visible at a snapshot
//!   timestamp, tombstones hidden, a transaction's own writes laid over it, bounds, either
//!   direction, separated values fetched from the value log.
//!
//! Internal keys are unique across the sources of one read (a commit timestamp is never
//! reused, and a transaction writes a key once), so merging never has to break ties.

const std = @import("std");
const assert = std.debug.assert;
const types = @import("types.zig");
const memtable = @import("memtable.zig");
const vlog = @import("vlog.zig");

const Timestamp = types.Timestamp;
const EntryKind = types.EntryKind;
const Error = types.Error;

pub const Direction = enum { forward, reverse };

/// A positioned cursor over internal entries. Slices returned by key() and value() stay
/// valid until the iterator moves.
pub const Internal = struct {
    ctx: *anyopaque,
    vtable: *const VTable,

    pub const VTable = struct {
        valid: *const fn (ctx: *anyopaque) bool,
        key: *const fn (ctx: *anyopaque) []const u8,
        ts: *const fn (ctx: *anyopaque) Timestamp,
        kind: *const fn (ctx: *anyopaque) EntryKind,
        value: *const fn (ctx: *anyopaque) []const u8,
        next: *const fn (ctx: *anyopaque) Error!void,
        prev: *const fn (ctx: *anyopaque) Error!void,
        seek_ge: *const fn (ctx: *anyopaque, key: []const u8, ts: Timestamp) Error!void,
        seek_le: *const fn (ctx: *anyopaque, key: []const u8, ts: Timestamp) Error!void,
        seek_to_first: *const fn (ctx: *anyopaque) Error!void,
        seek_to_last: *const fn (ctx: *anyopaque) Error!void,
        deinit: *const fn (ctx: *anyopaque) void,
    };

    pub inline fn valid(self: Internal) bool {
        return self.vtable.valid(self.ctx);
    }
    pub inline fn key(self: Internal) []const u8 {
        return self.vtable.key(self.ctx);
    }
    pub inline fn ts(self: Internal) Timestamp {
        return self.vtable.ts(self.ctx);
    }
    pub inline fn kind(self: Internal) EntryKind {
        return self.vtable.kind(self.ctx);
    }
    pub inline fn value(self: Internal) []const u8 {
        return self.vtable.value(self.ctx);
    }
    pub inline fn next(self: Internal) Error!void {
        return self.vtable.next(self.ctx);
    }
    pub inline fn prev(self: Internal) Error!void {
        return self.vtable.prev(self.ctx);
    }
    pub inline fn seekGE(self: Internal, k: []const u8, t: Timestamp) Error!void {
        return self.vtable.seek_ge(self.ctx, k, t);
    }
    pub inline fn seekLE(self: Internal, k: []const u8, t: Timestamp) Error!void {
        return self.vtable.seek_le(self.ctx, k, t);
    }
    pub inline fn seekToFirst(self: Internal) Error!void {
        return self.vtable.seek_to_first(self.ctx);
    }
    pub inline fn seekToLast(self: Internal) Error!void {
        return self.vtable.seek_to_last(self.ctx);
    }
    pub inline fn deinit(self: Internal) void {
        self.vtable.deinit(self.ctx);
    }

    /// Adapts any type with the same method names (returning void or an error) to Internal.
    pub fn wrap(comptime T: type, ptr: *T) Internal {
        const Adapter = struct {
            fn cast(ctx: *anyopaque) *T {
                return @ptrCast(@alignCast(ctx));
            }
            fn validFn(ctx: *anyopaque) bool {
                return cast(ctx).valid();
            }
            fn keyFn(ctx: *anyopaque) []const u8 {
                return cast(ctx).key();
            }
            fn tsFn(ctx: *anyopaque) Timestamp {
                return cast(ctx).ts();
            }
            fn kindFn(ctx: *anyopaque) EntryKind {
                return cast(ctx).kind();
            }
            fn valueFn(ctx: *anyopaque) []const u8 {
                return cast(ctx).value();
            }
            fn nextFn(ctx: *anyopaque) Error!void {
                return cast(ctx).next();
            }
            fn prevFn(ctx: *anyopaque) Error!void {
                return cast(ctx).prev();
            }
            fn seekGEFn(ctx: *anyopaque, k: []const u8, t: Timestamp) Error!void {
                return cast(ctx).seekGE(k, t);
            }
            fn seekLEFn(ctx: *anyopaque, k: []const u8, t: Timestamp) Error!void {
                return cast(ctx).seekLE(k, t);
            }
            fn seekToFirstFn(ctx: *anyopaque) Error!void {
                return cast(ctx).seekToFirst();
            }
            fn seekToLastFn(ctx: *anyopaque) Error!void {
                return cast(ctx).seekToLast();
            }
            fn deinitFn(ctx: *anyopaque) void {
                cast(ctx).deinit();
            }
            const vtable = VTable{
                .valid = validFn,
                .key = keyFn,
                .ts = tsFn,
                .kind = kindFn,
                .value = valueFn,
                .next = nextFn,
                .prev = prevFn,
                .seek_ge = seekGEFn,
                .seek_le = seekLEFn,
                .seek_to_first = seekToFirstFn,
                .seek_to_last = seekToLastFn,
                .deinit = deinitFn,
            };
        };
        return .{ .ctx = ptr, .vtable = &Adapter.vtable };
    }
};

/// Internal iterator over a memtable; holds a reference to it.
pub const MemtableIterator = struct {
    allocator: std.mem.Allocator,
    table: *memtable.Memtable,
    it: memtable.SkipList.Iterator,

    pub fn create(allocator: std.mem.Allocator, table: *memtable.Memtable) error{OutOfMemory}!Internal {
        const self = try allocator.create(MemtableIterator);
        self.* = .{ .allocator = allocator, .table = table.ref(), .it = table.list.iterator() };
        return Internal.wrap(MemtableIterator, self);
    }

    pub fn valid(self: *MemtableIterator) bool {
        return self.it.valid();
    }
    pub fn key(self: *MemtableIterator) []const u8 {
        return self.it.entry().key();
    }
    pub fn ts(self: *MemtableIterator) Timestamp {
        return self.it.entry().ts;
    }
    pub fn kind(self: *MemtableIterator) EntryKind {
        return self.it.entry().kind;
    }
    pub fn value(self: *MemtableIterator) []const u8 {
        return self.it.entry().value();
    }
    pub fn next(self: *MemtableIterator) Error!void {
        self.it.next();
    }
    pub fn prev(self: *MemtableIterator) Error!void {
        self.it.prev();
    }
    pub fn seekGE(self: *MemtableIterator, k: []const u8, t: Timestamp) Error!void {
        self.it.seekGE(k, t);
    }
    pub fn seekLE(self: *MemtableIterator, k: []const u8, t: Timestamp) Error!void {
        self.it.seekLE(k, t);
    }
    pub fn seekToFirst(self: *MemtableIterator) Error!void {
        self.it.seekToFirst();
    }
    pub fn seekToLast(self: *MemtableIterator) Error!void {
        self.it.seekToLast();
    }
    pub fn deinit(self: *MemtableIterator) void {
        self.table.unref();
        self.allocator.destroy(self);
    }
};

/// Merges children in internal order with a binary heap; the direction is fixed at creation.
pub const Merging = struct {
    allocator: std.mem.Allocator,
    children: []Internal,
    /// Indexes of valid children, heap-ordered (smallest first forward, largest first reverse).
    heap: []u32,
    heap_len: u32 = 0,
    direction: Direction,

    /// Takes ownership of `children` (allocated with `allocator`) and the iterators in it.
    pub fn init(allocator: std.mem.Allocator, children: []Internal, direction: Direction) error{OutOfMemory}!Merging {
        const heap = try allocator.alloc(u32, children.len);
        return .{ .allocator = allocator, .children = children, .heap = heap, .direction = direction };
    }

    pub fn deinit(self: *Merging) void {
        for (self.children) |child| child.deinit();
        self.allocator.free(self.children);
        self.allocator.free(self.heap);
        self.* = undefined;
    }

    fn less(self: *const Merging, a: u32, b: u32) bool {
        const ca = self.children[a];
        const cb = self.children[b];
        const order = types.compareInternal(ca.key(), ca.ts(), cb.key(), cb.ts());
        return switch (self.direction) {
            .forward => order == .lt,
            .reverse => order == .gt,
        };
    }

    fn siftDown(self: *Merging, start: u32) void {
        var i = start;
        while (true) {
            const left = 2 * i + 1;
            if (left >= self.heap_len) return;
            var best = left;
            const right = left + 1;
            if (right < self.heap_len and self.less(self.heap[right], self.heap[left])) best = right;
            if (!self.less(self.heap[best], self.heap[i])) return;
            std.mem.swap(u32, &self.heap[best], &self.heap[i]);
            i = best;
        }
    }

    fn rebuild(self: *Merging) void {
        self.heap_len = 0;
        for (self.children, 0..) |child, i| {
            if (child.valid()) {
                self.heap[self.heap_len] = @intCast(i);
                self.heap_len += 1;
            }
        }
        var i = self.heap_len / 2;
        while (i > 0) {
            i -= 1;
            self.siftDown(i);
        }
    }

    pub fn valid(self: *const Merging) bool {
        return self.heap_len > 0;
    }

    fn top(self: *const Merging) Internal {
        assert(self.heap_len > 0);
        return self.children[self.heap[0]];
    }

    pub fn key(self: *const Merging) []const u8 {
        return self.top().key();
    }
    pub fn ts(self: *const Merging) Timestamp {
        return self.top().ts();
    }
    pub fn kind(self: *const Merging) EntryKind {
        return self.top().kind();
    }
    pub fn value(self: *const Merging) []const u8 {
        return self.top().value();
    }

    /// Moves one entry in the iterator's direction.
    pub fn advance(self: *Merging) Error!void {
        const child = self.top();
        switch (self.direction) {
            .forward => try child.next(),
            .reverse => try child.prev(),
        }
        if (!child.valid()) {
            self.heap_len -= 1;
            self.heap[0] = self.heap[self.heap_len];
        }
        self.siftDown(0);
    }

    /// Forward: first entry ≥ (key, ts). Reverse: last entry ≤ (key, ts).
    pub fn seek(self: *Merging, k: []const u8, t: Timestamp) Error!void {
        for (self.children) |child| switch (self.direction) {
            .forward => try child.seekGE(k, t),
            .reverse => try child.seekLE(k, t),
        };
        self.rebuild();
    }

    pub fn seekToStart(self: *Merging) Error!void {
        for (self.children) |child| switch (self.direction) {
            .forward => try child.seekToFirst(),
            .reverse => try child.seekToLast(),
        };
        self.rebuild();
    }
};

/// A transaction's buffered writes as seen by one iterator: for each key, the newest live
/// write with sequence number below `seq_bound` (writes made after the iterator was created
/// are not seen, as a statement does not see its own changes).
pub const WriteSetView = struct {
    list: *const memtable.SkipList,
    seq_bound: u64,
};

pub const Bounds = struct {
    /// Inclusive.
    lower: ?[]const u8 = null,
    /// Exclusive.
    upper: ?[]const u8 = null,

    fn belowLower(self: Bounds, k: []const u8) bool {
        const lower = self.lower orelse return false;
        return std.mem.order(u8, k, lower) == .lt;
    }

    fn atOrAboveUpper(self: Bounds, k: []const u8) bool {
        const upper = self.upper orelse return false;
        return std.mem.order(u8, k, upper) != .lt;
    }
};

/// One visible version found by a stream: owned copies, valid until the stream moves.
const Current = struct {
    key: std.ArrayList(u8) = .empty,
    kind: EntryKind = .delete,
    value: std.ArrayList(u8) = .empty,
    present: bool = false,

    fn set(self: *Current, allocator: std.mem.Allocator, k: []const u8, kind: EntryKind, v: []const u8) error{OutOfMemory}!void {
        self.key.clearRetainingCapacity();
        try self.key.appendSlice(allocator, k);
        self.value.clearRetainingCapacity();
        try self.value.appendSlice(allocator, v);
        self.kind = kind;
        self.present = true;
    }

    fn deinit(self: *Current, allocator: std.mem.Allocator) void {
        self.key.deinit(allocator);
        self.value.deinit(allocator);
    }
};

/// The user-visible view at a snapshot: merges committed data (already merged by a Merging
/// iterator) with an optional write set, hides tombstones and invisible versions, keeps to
/// bounds, and resolves value pointers.
pub const Snapshot = struct {
    allocator: std.mem.Allocator,
    merged: Merging,
    snapshot_ts: Timestamp,
    bounds: Bounds,
    direction: Direction,
    value_log: *vlog.ValueLog,
    writes: ?WriteSetView,
    writes_it: memtable.SkipList.Iterator = undefined,
    /// Next candidates from each stream (committed, writes).
    committed: Current = .{},
    written: Current = .{},
    started: bool = false,
    /// What the caller sees now.
    out_key: std.ArrayList(u8) = .empty,
    out_value: std.ArrayList(u8) = .empty,
    /// Key bytes to seek past the committed versions of one user key.
    scratch: std.ArrayList(u8) = .empty,
    done: bool = false,

    pub fn init(
        allocator: std.mem.Allocator,
        merged: Merging,
        snapshot_ts: Timestamp,
        bounds: Bounds,
        value_log: *vlog.ValueLog,
        writes: ?WriteSetView,
    ) Snapshot {
        var self = Snapshot{
            .allocator = allocator,
            .merged = merged,
            .snapshot_ts = snapshot_ts,
            .bounds = bounds,
            .direction = merged.direction,
            .value_log = value_log,
            .writes = writes,
        };
        if (writes) |w| self.writes_it = w.list.iterator();
        return self;
    }

    pub fn deinit(self: *Snapshot) void {
        self.merged.deinit();
        self.committed.deinit(self.allocator);
        self.written.deinit(self.allocator);
        self.out_key.deinit(self.allocator);
        self.out_value.deinit(self.allocator);
        self.scratch.deinit(self.allocator);
        self.* = undefined;
    }

    fn start(self: *Snapshot) Error!void {
        assert(!self.started);
        self.started = true;
        switch (self.direction) {
            .forward => if (self.bounds.lower) |lower| {
                try self.merged.seek(lower, types.timestamp_max + 1);
                if (self.writes != null) self.writes_it.seekGE(lower, std.math.maxInt(u64));
            } else {
                try self.merged.seekToStart();
                if (self.writes != null) self.writes_it.seekToFirst();
            },
            .reverse => if (self.bounds.upper) |upper| {
                // Last entry < upper: seek to ≤ (upper, newest) then step over upper itself.
                try self.merged.seek(upper, types.timestamp_max + 1);
                while (self.merged.valid() and std.mem.eql(u8, self.merged.key(), upper)) try self.merged.advance();
                if (self.writes != null) {
                    self.writes_it.seekLE(upper, std.math.maxInt(u64));
                    while (self.writes_it.valid() and std.mem.eql(u8, self.writes_it.entry().key(), upper)) self.writes_it.prev();
                }
            } else {
                try self.merged.seekToStart();
                if (self.writes != null) self.writes_it.seekToLast();
            },
        }
        try self.fillCommitted();
        self.fillWritten();
    }

    fn outOfBounds(self: *const Snapshot, k: []const u8) bool {
        return switch (self.direction) {
            .forward => self.bounds.atOrAboveUpper(k),
            .reverse => self.bounds.belowLower(k),
        };
    }

    /// Finds the next user key with a version visible at the snapshot in committed data.
    fn fillCommitted(self: *Snapshot) Error!void {
        self.committed.present = false;
        while (self.merged.valid()) {
            if (self.outOfBounds(self.merged.key())) {
                self.merged.heap_len = 0;
                return;
            }
            switch (self.direction) {
                .forward => {
                    if (self.merged.ts() > self.snapshot_ts) {
                        try self.merged.advance();
                        continue;
                    }
                    // The newest visible version of this key; skip the older ones.
                    try self.committed.set(self.allocator, self.merged.key(), self.merged.kind(), self.merged.value());
                    try self.merged.advance();
                    while (self.merged.valid() and std.mem.eql(u8, self.merged.key(), self.committed.key.items)) try self.merged.advance();
                },
                .reverse => {
                    // Versions arrive oldest first: keep the last one at or below the snapshot.
                    self.scratch.clearRetainingCapacity();
                    try self.scratch.appendSlice(self.allocator, self.merged.key());
                    var found = false;
                    while (self.merged.valid() and std.mem.eql(u8, self.merged.key(), self.scratch.items)) {
                        if (self.merged.ts() <= self.snapshot_ts) {
                            try self.committed.set(self.allocator, self.merged.key(), self.merged.kind(), self.merged.value());
                            found = true;
                        }
                        try self.merged.advance();
                    }
                    if (!found) continue;
                },
            }
            if (self.committed.kind != .delete or self.writes != null) return;
            // A tombstone with no write set to combine with hides the key.
            self.committed.present = false;
        }
    }

    fn liveWrite(self: *const Snapshot, node: *memtable.Node) bool {
        return !node.isDead() and node.ts < self.writes.?.seq_bound;
    }

    /// Finds the next user key in the write set with a write visible to this iterator.
    fn fillWritten(self: *Snapshot) void {
        self.written.present = false;
        if (self.writes == null) return;
        while (self.writes_it.valid()) {
            const k = self.writes_it.entry().key();
            if (self.outOfBounds(k)) return;
            var chosen: ?*memtable.Node = null;
            // Within one key, nodes run newest first forward and oldest first in reverse.
            while (self.writes_it.valid() and std.mem.eql(u8, self.writes_it.entry().key(), k)) {
                const node = self.writes_it.entry();
                if (self.liveWrite(node)) switch (self.direction) {
                    .forward => {
                        if (chosen == null) chosen = node;
                    },
                    .reverse => chosen = node,
                };
                switch (self.direction) {
                    .forward => self.writes_it.next(),
                    .reverse => self.writes_it.prev(),
                }
            }
            if (chosen) |node| {
                self.written.set(self.allocator, node.key(), node.kind, node.value()) catch {
                    // Out of memory here surfaces on the next call through `next`.
                    self.written.present = false;
                    return;
                };
                return;
            }
        }
    }

    /// Moves to the next visible key; false at the end.
    pub fn next(self: *Snapshot) Error!bool {
        if (self.done) return false;
        if (!self.started) try self.start();
        while (true) {
            const have_committed = self.committed.present;
            const have_written = self.written.present;
            if (!have_committed and !have_written) {
                self.done = true;
                return false;
            }
            var use_written = false;
            var consume_committed = false;
            if (have_committed and have_written) {
                const order = std.mem.order(u8, self.committed.key.items, self.written.key.items);
                const written_first = switch (self.direction) {
                    .forward => order == .gt,
                    .reverse => order == .lt,
                };
                if (order == .eq) {
                    use_written = true;
                    consume_committed = true;
                } else use_written = written_first;
            } else use_written = have_written;

            if (use_written) {
                const kind = self.written.kind;
                try self.setOut(self.written.key.items, kind, self.written.value.items);
                if (consume_committed) try self.fillCommitted();
                self.fillWritten();
                if (kind == .delete) continue;
                return true;
            }
            const kind = self.committed.kind;
            if (kind != .delete) try self.setOut(self.committed.key.items, kind, self.committed.value.items);
            try self.fillCommitted();
            if (kind == .delete) continue;
            return true;
        }
    }

    fn setOut(self: *Snapshot, k: []const u8, kind: EntryKind, v: []const u8) Error!void {
        self.out_key.clearRetainingCapacity();
        try self.out_key.appendSlice(self.allocator, k);
        self.out_value.clearRetainingCapacity();
        switch (kind) {
            .put => try self.out_value.appendSlice(self.allocator, v),
            .put_pointer => {
                if (v.len != types.ValuePointer.encoded_size_bytes) return types.corruption("value pointer", 0, "entry for a separated value has {d} bytes", .{v.len});
                const pointer = types.ValuePointer.decode(v[0..types.ValuePointer.encoded_size_bytes]);
                try self.value_log.read(pointer, k, &self.out_value);
            },
            .delete => {},
        }
    }

    pub fn key(self: *const Snapshot) []const u8 {
        return self.out_key.items;
    }

    pub fn value(self: *const Snapshot) []const u8 {
        return self.out_value.items;
    }
};

const testing = std.testing;

fn testMemtable(entries: []const struct { []const u8, Timestamp, EntryKind, []const u8 }) !*memtable.Memtable {
    const table = try memtable.Memtable.create(testing.allocator, 1, 1, 64 * 1024);
    errdefer table.unref();
    for (entries) |e| _ = try table.list.insert(e[0], e[1], e[2], e[3]);
    return table;
}

test "merging: interleaves children in internal order, both directions" {
    const a = try testMemtable(&.{ .{ "a", 5, .put, "a5" }, .{ "c", 3, .put, "c3" } });
    defer a.unref();
    const b = try testMemtable(&.{ .{ "a", 9, .put, "a9" }, .{ "b", 1, .put, "b1" }, .{ "d", 2, .delete, "" } });
    defer b.unref();
    for ([_]Direction{ .forward, .reverse }) |direction| {
        const children = try testing.allocator.alloc(Internal, 2);
        children[0] = try MemtableIterator.create(testing.allocator, a);
        children[1] = try MemtableIterator.create(testing.allocator, b);
        var merged = try Merging.init(testing.allocator, children, direction);
        defer merged.deinit();
        try merged.seekToStart();
        const expected = [_][]const u8{ "a9", "a5", "b1", "c3", "" };
        var i: usize = 0;
        while (merged.valid()) : (try merged.advance()) {
            const want = switch (direction) {
                .forward => expected[i],
                .reverse => expected[expected.len - 1 - i],
            };
            try testing.expectEqualStrings(want, merged.value());
            i += 1;
        }
        try testing.expectEqual(expected.len, i);
    }
}

test "snapshot: newest visible version, tombstones hidden, write set overlay and bounds" {
    var sim = try @import("io.zig").SimFs.init(testing.allocator, 1);
    defer sim.deinit();
    var value_log = vlog.ValueLog.init(testing.allocator, sim.fs(), .{});
    defer value_log.deinit();

    const committed = try testMemtable(&.{
        .{ "a", 10, .put, "a10" }, .{ "a", 4, .put, "a4" },
        .{ "b", 6, .delete, "" },  .{ "b", 2, .put, "b2" },
        .{ "c", 12, .put, "c12" }, .{ "d", 3, .put, "d3" },
        .{ "e", 1, .put, "e1" },
    });
    defer committed.unref();
    var writes = try memtable.SkipList.init(testing.allocator, 9);
    defer writes.deinit();
    _ = try writes.insert("d", 1, .delete, ""); // hides d
    _ = try writes.insert("bb", 2, .put, "bb-mine");
    _ = try writes.insert("e", 3, .put, "e-mine");
    _ = try writes.insert("e", 4, .put, "e-later"); // after the iterator's bound

    const cases = [_]struct { ts: Timestamp, direction: Direction, bounds: Bounds, want: []const []const u8 }{
        .{ .ts = 8, .direction = .forward, .bounds = .{}, .want = &.{ "a4", "bb-mine", "e-mine" } },
        .{ .ts = 12, .direction = .forward, .bounds = .{}, .want = &.{ "a10", "bb-mine", "c12", "e-mine" } },
        .{ .ts = 5, .direction = .forward, .bounds = .{}, .want = &.{ "a4", "b2", "bb-mine", "e-mine" } },
        .{ .ts = 12, .direction = .reverse, .bounds = .{}, .want = &.{ "e-mine", "c12", "bb-mine", "a10" } },
        .{ .ts = 5, .direction = .reverse, .bounds = .{}, .want = &.{ "e-mine", "bb-mine", "b2", "a4" } },
        .{ .ts = 12, .direction = .forward, .bounds = .{ .lower = "b", .upper = "e" }, .want = &.{ "bb-mine", "c12" } },
        .{ .ts = 12, .direction = .reverse, .bounds = .{ .lower = "b", .upper = "e" }, .want = &.{ "c12", "bb-mine" } },
        .{ .ts = 12, .direction = .reverse, .bounds = .{ .lower = "bb", .upper = "c" }, .want = &.{"bb-mine"} },
    };
    for (cases) |case| {
        const children = try testing.allocator.alloc(Internal, 1);
        children[0] = try MemtableIterator.create(testing.allocator, committed);
        const merged = try Merging.init(testing.allocator, children, case.direction);
        var it = Snapshot.init(testing.allocator, merged, case.ts, case.bounds, &value_log, .{ .list = &writes, .seq_bound = 4 });
        defer it.deinit();
        for (case.want) |want| {
            try testing.expect(try it.next());
            try testing.expectEqualStrings(want, it.value());
        }
        try testing.expect(!try it.next());
    }
}
