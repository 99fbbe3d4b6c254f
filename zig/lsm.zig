//! The LSM tree: the active memtable and the immutable ones waiting for flush, and the
//! version set — which SSTables exist at which level, as immutable, reference-counted
//! Versions (a reader keeps the files of its Version alive). Flush and compaction run on
//! engine threads (or inline when threads are off, for deterministic tests); each change is
//! recorded in the manifest before any obsolete file is deleted.
//!
//! Levels: L0 holds flushed memtables, overlapping, newest first. L1..L6 hold non-overlapping
//! files sorted by key, each level about `level_size_multiplier` times the previous one. For
//! one user key, every version in a newer source (memtable, newer L0 file, shallower level)
//! is newer than every version in an older one, which lets a point read stop at the first
//! source that has a visible version.
//!
//! Value-log garbage: compaction counts, per value-log segment, the bytes of records that
//! stopped being referenced (versions it drops); the counts are in the manifest. Vacuum
//! rewrites the SSTables that point into segments past a garbage threshold, moving their
//! live values to a new segment, after which those segments hold only garbage and are
//! deleted.

const std = @import("std");
const assert = std.debug.assert;
const types = @import("types.zig");
const io = @import("io.zig");
const memtable = @import("memtable.zig");
const sstable = @import("sstable.zig");
const cache_module = @import("cache.zig");
const manifest = @import("manifest.zig");
const vlog = @import("vlog.zig");
const commit_log = @import("commit_log.zig");
const iterator = @import("iterator.zig");

const Timestamp = types.Timestamp;
const FileNumber = types.FileNumber;
const SegmentId = types.SegmentId;
const EntryKind = types.EntryKind;
const Memtable = memtable.Memtable;
const BlockCache = cache_module.BlockCache;

pub const level_count = manifest.level_count;

pub const Options = struct {
    /// A memtable becomes immutable (and queues for flush) when its data passes this.
    memtable_size_bytes: u64 = 32 * 1024 * 1024,
    /// Writers wait when this many immutable memtables are waiting for flush.
    immutable_memtables_max: u32 = 2,
    /// L0 is compacted into L1 when it has this many files...
    l0_compaction_trigger: u32 = 4,
    /// ...writers are slowed down from this many...
    l0_slowdown_trigger: u32 = 12,
    /// ...and wait from this many.
    l0_stop_trigger: u32 = 20,
    /// Target size of L1; each deeper level is `level_size_multiplier` times bigger.
    level1_size_bytes: u64 = 64 * 1024 * 1024,
    level_size_multiplier: u32 = 10,
    /// Compaction output files are cut at about this size (at a user-key boundary).
    sstable_size_bytes: u64 = 16 * 1024 * 1024,
    block_size_bytes: u32 = 4096,
    bloom_bits_per_key: u32 = 10,
    block_cache_size_bytes: u64 = 64 * 1024 * 1024,
    /// Compaction write budget in bytes per second; 0 means no limit.
    compaction_bytes_per_second: u64 = 0,
    /// Vacuum rewrites a value-log segment when garbage / (live + garbage) reaches this
    /// (per mille).
    vacuum_garbage_per_mille: u32 = 500,
    /// Delay per write batch while L0 is past the slowdown trigger.
    slowdown_delay_us: u32 = 1000,
    /// Run flush and compaction on engine threads. Off, they run inline (deterministic).
    background_threads: bool = true,

    pub fn validate(self: Options) error{InvalidArgument}!void {
        if (self.memtable_size_bytes < 64 * 1024 or self.memtable_size_bytes > 4 * 1024 * 1024 * 1024) return error.InvalidArgument;
        if (self.immutable_memtables_max < 1 or self.immutable_memtables_max > 16) return error.InvalidArgument;
        if (self.l0_compaction_trigger < 2 or self.l0_slowdown_trigger < self.l0_compaction_trigger or self.l0_stop_trigger < self.l0_slowdown_trigger) return error.InvalidArgument;
        if (self.level_size_multiplier < 2 or self.level_size_multiplier > 100) return error.InvalidArgument;
        if (self.level1_size_bytes < 64 * 1024 or self.sstable_size_bytes < 16 * 1024) return error.InvalidArgument;
        if (self.block_size_bytes < sstable.WriterOptions.block_size_bytes_min or self.block_size_bytes > sstable.WriterOptions.block_size_bytes_max) return error.InvalidArgument;
        if (self.bloom_bits_per_key > sstable.WriterOptions.bloom_bits_per_key_max) return error.InvalidArgument;
        if (self.vacuum_garbage_per_mille > 1000) return error.InvalidArgument;
    }

    fn levelTargetBytes(self: Options, level: usize) u64 {
        assert(level >= 1);
        var target = self.level1_size_bytes;
        for (1..level) |_| target *|= self.level_size_multiplier;
        return target;
    }
};

/// Counters for `stats` (monotonic, atomic so any thread reads them without a lock).
pub const Counters = struct {
    flush_count: std.atomic.Value(u64) = .init(0),
    flush_bytes_written: std.atomic.Value(u64) = .init(0),
    flush_ns: std.atomic.Value(u64) = .init(0),
    compaction_count: std.atomic.Value(u64) = .init(0),
    compaction_bytes_read: std.atomic.Value(u64) = .init(0),
    compaction_bytes_written: std.atomic.Value(u64) = .init(0),
    compaction_ns: std.atomic.Value(u64) = .init(0),
    compaction_running: std.atomic.Value(u32) = .init(0),
    trivial_move_count: std.atomic.Value(u64) = .init(0),
    vacuum_count: std.atomic.Value(u64) = .init(0),
    vacuum_bytes_relocated: std.atomic.Value(u64) = .init(0),
    vlog_segments_deleted: std.atomic.Value(u64) = .init(0),
    vlog_bytes_written: std.atomic.Value(u64) = .init(0),
    stall_count: std.atomic.Value(u64) = .init(0),
    stall_ns: std.atomic.Value(u64) = .init(0),
    slowdown_count: std.atomic.Value(u64) = .init(0),
    slowdown_ns: std.atomic.Value(u64) = .init(0),
    /// Jobs asked for explicitly (compact, vacuum) and done.
    manual_jobs_done: std.atomic.Value(u64) = .init(0),
    /// Bytes of input processed by the running manual job (progress).
    manual_job_bytes_done: std.atomic.Value(u64) = .init(0),
    manual_job_bytes_total: std.atomic.Value(u64) = .init(0),
};

fn bump(counter: *std.atomic.Value(u64), by: u64) void {
    _ = counter.fetchAdd(by, .monotonic);
}

/// An SSTable in one or more Versions. Reference-counted by the Versions that contain it and
/// by iterators; the file is deleted when it is obsolete and the last reference goes.
pub const Table = struct {
    lsm: *Lsm,
    meta: manifest.FileMeta,
    file: io.File,
    reader: *sstable.Reader,
    refs: std.atomic.Value(u32) = .init(1),
    obsolete: std.atomic.Value(bool) = .init(false),

    pub fn ref(self: *Table) *Table {
        const before = self.refs.fetchAdd(1, .monotonic);
        assert(before > 0);
        return self;
    }

    pub fn unref(self: *Table) void {
        const before = self.refs.fetchSub(1, .acq_rel);
        assert(before > 0);
        if (before != 1) return;
        const lsm = self.lsm;
        const number = self.meta.number;
        const obsolete = self.obsolete.load(.acquire);
        self.reader.close();
        self.file.close();
        self.meta.deinit(lsm.allocator);
        lsm.allocator.destroy(self);
        if (obsolete) {
            lsm.cache.evictFile(number);
            var path_buffer: [64]u8 = undefined;
            // A failure leaves a stray file that the next open removes.
            lsm.fs.delete(sstPath(&path_buffer, number)) catch {};
        }
    }

    fn containsKey(self: *const Table, key: []const u8) bool {
        return std.mem.order(u8, key, self.meta.smallest_key) != .lt and std.mem.order(u8, key, self.meta.largest_key) != .gt;
    }

    fn overlaps(self: *const Table, smallest: []const u8, largest: []const u8) bool {
        return std.mem.order(u8, self.meta.largest_key, smallest) != .lt and std.mem.order(u8, self.meta.smallest_key, largest) != .gt;
    }

    /// Bytes this table's entries point to in `segment` (record sizes, as the manifest counts).
    fn pointerBytesInto(self: *const Table, segment: SegmentId) u64 {
        for (self.reader.meta.segments) |s| {
            if (s.segment == segment) return s.pointer_bytes;
        }
        return 0;
    }
};

pub fn sstPath(buffer: []u8, number: FileNumber) []const u8 {
    return std.fmt.bufPrint(buffer, "sst/{d:0>8}.sst", .{number}) catch unreachable;
}

/// An immutable set of tables per level.
pub const Version = struct {
    lsm: *Lsm,
    refs: std.atomic.Value(u32) = .init(1),
    /// Increases with every new version; value-log segments deleted by an edit are removed
    /// from disk once no version older than that edit is alive.
    seq: u64,
    /// L0 newest first; other levels sorted by smallest key, non-overlapping.
    levels: [level_count][]*Table,
    /// Links of the list of live versions (guarded by Lsm.versions_mutex).
    older: ?*Version = null,
    newer: ?*Version = null,

    pub fn ref(self: *Version) *Version {
        const before = self.refs.fetchAdd(1, .monotonic);
        assert(before > 0);
        return self;
    }

    pub fn unref(self: *Version) void {
        const before = self.refs.fetchSub(1, .acq_rel);
        assert(before > 0);
        if (before == 1) self.lsm.destroyVersion(self);
    }

    pub fn levelBytes(self: *const Version, level: usize) u64 {
        var total: u64 = 0;
        for (self.levels[level]) |table| total += table.meta.size_bytes;
        return total;
    }

    /// In a sorted level, the table whose range holds `key`.
    fn findTable(self: *const Version, level: usize, key: []const u8) ?*Table {
        assert(level >= 1);
        const tables = self.levels[level];
        var low: usize = 0;
        var high: usize = tables.len;
        while (low < high) {
            const mid = low + (high - low) / 2;
            if (std.mem.order(u8, tables[mid].meta.largest_key, key) == .lt) low = mid + 1 else high = mid;
        }
        if (low == tables.len) return null;
        return if (std.mem.order(u8, key, tables[low].meta.smallest_key) == .lt) null else tables[low];
    }

    fn checkInvariants(self: *const Version) void {
        for (self.levels[1..]) |tables| {
            for (tables, 0..) |table, i| {
                assert(std.mem.order(u8, table.meta.smallest_key, table.meta.largest_key) != .gt);
                if (i > 0) assert(std.mem.order(u8, tables[i - 1].meta.largest_key, table.meta.smallest_key) == .lt);
            }
        }
    }
};

/// What a reader sees: memtables and a version, pinned together.
pub const ReadView = struct {
    mem: *Memtable,
    /// Newest first.
    imms: [immutable_view_max]*Memtable = undefined,
    imm_count: u32 = 0,
    version: *Version,

    pub const immutable_view_max = 16;

    pub fn release(self: *ReadView) void {
        self.mem.unref();
        for (self.imms[0..self.imm_count]) |imm| imm.unref();
        self.version.unref();
        self.* = undefined;
    }
};

/// Where the oldest live snapshot is; compaction keeps every version it may read.
pub const SnapshotFloor = struct {
    ctx: *anyopaque,
    oldest: *const fn (ctx: *anyopaque) Timestamp,
};

pub const Found = sstable.Found;

/// Internal iterator over one table; holds a reference to it.
const TableIterator = struct {
    allocator: std.mem.Allocator,
    table: *Table,
    it: sstable.Iterator,

    fn create(allocator: std.mem.Allocator, table: *Table, fill_cache: bool) error{OutOfMemory}!iterator.Internal {
        const self = try allocator.create(TableIterator);
        self.* = .{ .allocator = allocator, .table = table.ref(), .it = table.reader.iteratorWithOptions(.{ .fill_cache = fill_cache }) };
        return iterator.Internal.wrap(TableIterator, self);
    }

    pub fn valid(self: *TableIterator) bool {
        return self.it.valid();
    }
    pub fn key(self: *TableIterator) []const u8 {
        return self.it.key();
    }
    pub fn ts(self: *TableIterator) Timestamp {
        return self.it.ts();
    }
    pub fn kind(self: *TableIterator) EntryKind {
        return self.it.kind();
    }
    pub fn value(self: *TableIterator) []const u8 {
        return self.it.value();
    }
    pub fn next(self: *TableIterator) types.Error!void {
        return mapRead(self.it.next());
    }
    pub fn prev(self: *TableIterator) types.Error!void {
        return mapRead(self.it.prev());
    }
    pub fn seekGE(self: *TableIterator, k: []const u8, t: Timestamp) types.Error!void {
        return mapRead(self.it.seekGE(k, t));
    }
    pub fn seekLE(self: *TableIterator, k: []const u8, t: Timestamp) types.Error!void {
        return mapRead(self.it.seekLE(k, t));
    }
    pub fn seekToFirst(self: *TableIterator) types.Error!void {
        return mapRead(self.it.seekToFirst());
    }
    pub fn seekToLast(self: *TableIterator) types.Error!void {
        return mapRead(self.it.seekToLast());
    }
    pub fn deinit(self: *TableIterator) void {
        self.it.close();
        self.table.unref();
        self.allocator.destroy(self);
    }
};

fn mapRead(result: sstable.ReadError!void) types.Error!void {
    return result catch |err| switch (err) {
        error.UnsupportedFormat => error.UnsupportedFormat,
        else => |e| e,
    };
}

/// Internal iterator over a sorted level: one table at a time.
const LevelIterator = struct {
    allocator: std.mem.Allocator,
    tables: []*Table,
    index: usize = 0,
    current: ?sstable.Iterator = null,
    fill_cache: bool,

    fn create(allocator: std.mem.Allocator, tables: []const *Table, fill_cache: bool) error{OutOfMemory}!iterator.Internal {
        const self = try allocator.create(LevelIterator);
        errdefer allocator.destroy(self);
        const owned = try allocator.alloc(*Table, tables.len);
        for (tables, 0..) |table, i| owned[i] = table.ref();
        self.* = .{ .allocator = allocator, .tables = owned, .fill_cache = fill_cache };
        return iterator.Internal.wrap(LevelIterator, self);
    }

    fn open(self: *LevelIterator, index: usize) void {
        if (self.current) |*c| c.close();
        self.current = null;
        self.index = index;
        if (index < self.tables.len) self.current = self.tables[index].reader.iteratorWithOptions(.{ .fill_cache = self.fill_cache });
    }

    fn skipForward(self: *LevelIterator) types.Error!void {
        while (self.current) |*c| {
            if (c.valid()) return;
            if (self.index + 1 >= self.tables.len) {
                self.open(self.tables.len);
                return;
            }
            self.open(self.index + 1);
            try mapRead(self.current.?.seekToFirst());
        }
    }

    fn skipBackward(self: *LevelIterator) types.Error!void {
        while (self.current) |*c| {
            if (c.valid()) return;
            if (self.index == 0) {
                self.open(self.tables.len);
                return;
            }
            self.open(self.index - 1);
            try mapRead(self.current.?.seekToLast());
        }
    }

    pub fn valid(self: *LevelIterator) bool {
        return if (self.current) |*c| c.valid() else false;
    }
    pub fn key(self: *LevelIterator) []const u8 {
        return self.current.?.key();
    }
    pub fn ts(self: *LevelIterator) Timestamp {
        return self.current.?.ts();
    }
    pub fn kind(self: *LevelIterator) EntryKind {
        return self.current.?.kind();
    }
    pub fn value(self: *LevelIterator) []const u8 {
        return self.current.?.value();
    }
    pub fn next(self: *LevelIterator) types.Error!void {
        try mapRead(self.current.?.next());
        try self.skipForward();
    }
    pub fn prev(self: *LevelIterator) types.Error!void {
        try mapRead(self.current.?.prev());
        try self.skipBackward();
    }
    pub fn seekGE(self: *LevelIterator, k: []const u8, t: Timestamp) types.Error!void {
        // The first table whose largest entry is ≥ (k, t).
        var low: usize = 0;
        var high: usize = self.tables.len;
        while (low < high) {
            const mid = low + (high - low) / 2;
            const meta = self.tables[mid].meta;
            if (types.compareInternal(meta.largest_key, meta.largest_ts, k, t) == .lt) low = mid + 1 else high = mid;
        }
        self.open(low);
        if (self.current) |*c| try mapRead(c.seekGE(k, t));
        try self.skipForward();
    }
    pub fn seekLE(self: *LevelIterator, k: []const u8, t: Timestamp) types.Error!void {
        // The last table whose smallest entry is ≤ (k, t).
        var low: usize = 0;
        var high: usize = self.tables.len;
        while (low < high) {
            const mid = low + (high - low) / 2;
            const meta = self.tables[mid].meta;
            if (types.compareInternal(meta.smallest_key, meta.smallest_ts, k, t) != .gt) low = mid + 1 else high = mid;
        }
        if (low == 0) {
            self.open(self.tables.len);
            return;
        }
        self.open(low - 1);
        try mapRead(self.current.?.seekLE(k, t));
        try self.skipBackward();
    }
    pub fn seekToFirst(self: *LevelIterator) types.Error!void {
        self.open(0);
        if (self.current) |*c| try mapRead(c.seekToFirst());
        try self.skipForward();
    }
    pub fn seekToLast(self: *LevelIterator) types.Error!void {
        if (self.tables.len == 0) return self.open(0);
        self.open(self.tables.len - 1);
        try mapRead(self.current.?.seekToLast());
        try self.skipBackward();
    }
    pub fn deinit(self: *LevelIterator) void {
        if (self.current) |*c| c.close();
        for (self.tables) |table| table.unref();
        self.allocator.free(self.tables);
        self.allocator.destroy(self);
    }
};

/// A compaction: input tables from `level` (and the overlapping ones from `level + 1`),
/// written to `output_level`. A rewrite (vacuum) has `output_level == level` and one input.
const Compaction = struct {
    level: u8,
    output_level: u8,
    inputs: [2]std.ArrayList(*Table) = .{ .empty, .empty },
    /// Values pointing into these segments are moved to a new segment (vacuum).
    relocate: []const SegmentId = &.{},
    manual: bool = false,

    fn deinit(self: *Compaction, allocator: std.mem.Allocator) void {
        for (&self.inputs) |*list| {
            for (list.items) |table| table.unref();
            list.deinit(allocator);
        }
    }

    fn inputBytes(self: *const Compaction) u64 {
        var total: u64 = 0;
        for (self.inputs) |list| for (list.items) |table| {
            total += table.meta.size_bytes;
        };
        return total;
    }
};

const PendingSegmentDeletion = struct { segment: SegmentId, after_seq: u64 };

pub const Lsm = struct {
    allocator: std.mem.Allocator,
    fs: io.Fs,
    options: Options,
    cache: *BlockCache,
    value_log: *vlog.ValueLog,
    snapshot_floor: SnapshotFloor,
    counters: Counters = .{},

    /// Guards mem, imms, current, the background state and the conditions below.
    mutex: std.Thread.Mutex = .{},
    /// Background threads wait here for work; writers wait here for room.
    work_cond: std.Thread.Condition = .{},
    room_cond: std.Thread.Condition = .{},
    mem: *Memtable,
    /// Oldest first.
    imms: std.ArrayList(*Memtable) = .empty,
    current: *Version,
    /// Read without `mutex` when deciding which versions may still see a deleted segment.
    next_version_seq: std.atomic.Value(u64) = .init(1),
    shutting_down: bool = false,
    flush_running: bool = false,
    compaction_running: bool = false,
    /// Manual jobs queued (compact/vacuum) are run by the compaction thread.
    manual_requested: u32 = 0,
    /// A background error (I/O, corruption) stops further flushes and compactions; writes
    /// are refused until reopen.
    background_error: ?types.Error = null,
    background_error_message: [512]u8 = undefined,
    background_error_message_len: usize = 0,

    /// Guards `state` and `manifest` (only one edit is logged at a time) and the pending
    /// segment deletions.
    manifest_mutex: std.Thread.Mutex = .{},
    state: manifest.State,
    manifest_log: manifest.Manifest,
    pending_segment_deletions: std.ArrayList(PendingSegmentDeletion) = .empty,
    /// The appender compactions move values into when vacuuming (owned under manifest_mutex
    /// by whichever compaction runs; one at a time).
    gc_appender: ?vlog.Appender = null,

    /// Guards the list of live versions (oldest … newest).
    versions_mutex: std.Thread.Mutex = .{},
    oldest_version: ?*Version = null,
    newest_version: ?*Version = null,

    flush_thread: ?std.Thread = null,
    compaction_thread: ?std.Thread = null,

    /// Takes ownership of `state` and `manifest_log`. Opens every table the state names.
    pub fn open(
        allocator: std.mem.Allocator,
        fs: io.Fs,
        options: Options,
        state: manifest.State,
        manifest_log: manifest.Manifest,
        value_log: *vlog.ValueLog,
        snapshot_floor: SnapshotFloor,
        first_wal_segment: FileNumber,
    ) types.Error!*Lsm {
        const self = try allocator.create(Lsm);
        errdefer allocator.destroy(self);
        const cache = try allocator.create(BlockCache);
        errdefer allocator.destroy(cache);
        cache.* = try BlockCache.init(allocator, options.block_cache_size_bytes, 16);
        errdefer cache.deinit();
        const mem = try Memtable.create(allocator, first_wal_segment, 0x5eed, options.memtable_size_bytes);
        errdefer mem.unref();
        self.* = .{
            .allocator = allocator,
            .fs = fs,
            .options = options,
            .cache = cache,
            .value_log = value_log,
            .snapshot_floor = snapshot_floor,
            .mem = mem,
            .current = undefined,
            .state = state,
            .manifest_log = manifest_log,
        };
        var levels: [level_count][]*Table = @splat(&.{});
        errdefer for (levels) |tables| {
            for (tables) |table| table.unref();
            allocator.free(tables);
        };
        for (&levels, 0..) |*tables, level| {
            const metas = self.state.levels[level].items;
            tables.* = try allocator.alloc(*Table, metas.len);
            var opened: usize = 0;
            errdefer {
                for (tables.*[0..opened]) |table| table.unref();
                allocator.free(tables.*);
                tables.* = &.{};
            }
            for (metas) |meta| {
                tables.*[opened] = try self.openTable(meta);
                opened += 1;
            }
            if (level == 0) {
                std.mem.sort(*Table, tables.*, {}, newerFirst);
            } else {
                std.mem.sort(*Table, tables.*, {}, smallestFirst);
            }
        }
        self.current = try self.newVersion(levels);
        levels = @splat(&.{});
        self.current.checkInvariants();
        return self;
    }

    fn newerFirst(_: void, a: *Table, b: *Table) bool {
        return a.meta.max_ts > b.meta.max_ts or (a.meta.max_ts == b.meta.max_ts and a.meta.number > b.meta.number);
    }

    fn smallestFirst(_: void, a: *Table, b: *Table) bool {
        return std.mem.order(u8, a.meta.smallest_key, b.meta.smallest_key) == .lt;
    }

    fn openTable(self: *Lsm, meta: manifest.FileMeta) types.Error!*Table {
        var path_buffer: [64]u8 = undefined;
        const path = sstPath(&path_buffer, meta.number);
        const file = self.fs.open(path, .{ .read_only = true }) catch |err| switch (err) {
            error.FileNotFound => return types.corruption(path, 0, "the manifest names this table but it is missing", .{}),
            else => return err,
        };
        errdefer file.close();
        const reader = sstable.Reader.open(self.allocator, file, meta.number, path, self.cache) catch |err| return switch (err) {
            error.UnsupportedFormat => error.UnsupportedFormat,
            else => |e| e,
        };
        errdefer reader.close();
        if (reader.file_size_bytes != meta.size_bytes) {
            return types.corruption(path, reader.file_size_bytes, "table is {d} bytes but the manifest recorded {d}", .{ reader.file_size_bytes, meta.size_bytes });
        }
        const table = try self.allocator.create(Table);
        errdefer self.allocator.destroy(table);
        table.* = .{ .lsm = self, .meta = try meta.clone(self.allocator), .file = file, .reader = reader };
        return table;
    }

    /// Builds a version owning `levels` (the table references in it are the version's).
    fn newVersion(self: *Lsm, levels: [level_count][]*Table) error{OutOfMemory}!*Version {
        const version = try self.allocator.create(Version);
        version.* = .{ .lsm = self, .seq = self.next_version_seq.fetchAdd(1, .monotonic), .levels = levels };
        self.versions_mutex.lock();
        defer self.versions_mutex.unlock();
        version.older = self.newest_version;
        if (self.newest_version) |n| n.newer = version;
        self.newest_version = version;
        if (self.oldest_version == null) self.oldest_version = version;
        return version;
    }

    fn destroyVersion(self: *Lsm, version: *Version) void {
        var deletable: std.ArrayList(SegmentId) = .empty;
        defer deletable.deinit(self.allocator);
        {
            self.versions_mutex.lock();
            defer self.versions_mutex.unlock();
            if (version.older) |o| o.newer = version.newer else self.oldest_version = version.newer;
            if (version.newer) |n| n.older = version.older else self.newest_version = version.older;
        }
        for (version.levels) |tables| {
            for (tables) |table| table.unref();
            self.allocator.free(tables);
        }
        self.allocator.destroy(version);
        self.deleteReleasedSegments();
    }

    /// Removes from disk the value-log segments whose deletion is in the manifest and that no
    /// live version may still read.
    fn deleteReleasedSegments(self: *Lsm) void {
        const oldest_seq = blk: {
            self.versions_mutex.lock();
            defer self.versions_mutex.unlock();
            break :blk if (self.oldest_version) |v| v.seq else std.math.maxInt(u64);
        };
        self.manifest_mutex.lock();
        defer self.manifest_mutex.unlock();
        var i: usize = 0;
        while (i < self.pending_segment_deletions.items.len) {
            const pending = self.pending_segment_deletions.items[i];
            if (pending.after_seq <= oldest_seq) {
                self.value_log.deleteSegment(pending.segment) catch {};
                bump(&self.counters.vlog_segments_deleted, 1);
                _ = self.pending_segment_deletions.swapRemove(i);
            } else i += 1;
        }
    }

    /// Stops the background threads and frees everything. Memtables not flushed are simply
    /// dropped: their commits are in the commit log.
    pub fn close(self: *Lsm) void {
        self.stopBackground();
        if (self.gc_appender) |*appender| {
            appender.discardPending();
            appender.seal();
            self.gc_appender = null;
        }
        self.mem.unref();
        for (self.imms.items) |imm| imm.unref();
        self.imms.deinit(self.allocator);
        self.current.unref();
        // Versions still referenced by open iterators are a caller bug.
        assert(self.oldest_version == null);
        self.pending_segment_deletions.deinit(self.allocator);
        self.manifest_log.close();
        self.state.deinit();
        self.cache.deinit();
        self.allocator.destroy(self.cache);
        self.allocator.destroy(self);
    }

    pub fn startBackground(self: *Lsm) std.Thread.SpawnError!void {
        assert(self.options.background_threads);
        assert(self.flush_thread == null and self.compaction_thread == null);
        self.flush_thread = try std.Thread.spawn(.{}, flushLoop, .{self});
        errdefer self.stopBackground();
        self.compaction_thread = try std.Thread.spawn(.{}, compactionLoop, .{self});
    }

    fn stopBackground(self: *Lsm) void {
        {
            self.mutex.lock();
            defer self.mutex.unlock();
            self.shutting_down = true;
            self.work_cond.broadcast();
            self.room_cond.broadcast();
        }
        if (self.flush_thread) |t| t.join();
        if (self.compaction_thread) |t| t.join();
        self.flush_thread = null;
        self.compaction_thread = null;
    }

    // ---------------------------------------------------------------- reads

    pub fn acquireView(self: *Lsm) ReadView {
        self.mutex.lock();
        defer self.mutex.unlock();
        var view = ReadView{ .mem = self.mem.ref(), .version = self.current.ref() };
        assert(self.imms.items.len <= ReadView.immutable_view_max);
        var i = self.imms.items.len;
        while (i > 0) {
            i -= 1;
            view.imms[view.imm_count] = self.imms.items[i].ref();
            view.imm_count += 1;
        }
        return view;
    }

    /// The newest version of `key` with ts ≤ `snapshot_ts` (tombstones included): its kind,
    /// timestamp, and value bytes (inline value or encoded pointer) appended to `out`.
    pub fn get(self: *Lsm, view: *const ReadView, key: []const u8, snapshot_ts: Timestamp, out: *std.ArrayList(u8)) types.Error!?Found {
        const hash = sstable.keyHash(key);
        if (memtableGet(view.mem, key, hash, snapshot_ts, self.allocator, out)) |found| return found;
        for (view.imms[0..view.imm_count]) |imm| {
            if (memtableGet(imm, key, hash, snapshot_ts, self.allocator, out)) |found| return found;
        }
        // getHashed checks each table's Bloom filter with the hash computed once above.
        for (view.version.levels[0]) |table| {
            if (snapshot_ts < table.meta.min_ts or !table.containsKey(key)) continue;
            if (try mapGet(table.reader.getHashed(self.allocator, key, hash, snapshot_ts, out))) |found| return found;
        }
        for (1..level_count) |level| {
            const table = view.version.findTable(level, key) orelse continue;
            if (snapshot_ts < table.meta.min_ts) continue;
            if (try mapGet(table.reader.getHashed(self.allocator, key, hash, snapshot_ts, out))) |found| return found;
        }
        return null;
    }

    fn memtableGet(table: *Memtable, key: []const u8, hash: u64, snapshot_ts: Timestamp, allocator: std.mem.Allocator, out: *std.ArrayList(u8)) ?Found {
        const node = table.getHashed(key, hash, snapshot_ts) orelse return null;
        out.clearRetainingCapacity();
        out.appendSlice(allocator, node.value()) catch return null;
        return .{ .ts = node.ts, .kind = node.kind };
    }

    fn mapGet(result: sstable.ReadError!?Found) types.Error!?Found {
        return result catch |err| switch (err) {
            error.UnsupportedFormat => error.UnsupportedFormat,
            else => |e| e,
        };
    }

    /// The timestamp of the newest version of `key` in committed data (conflict checks).
    pub fn newestTimestamp(self: *Lsm, view: *const ReadView, key: []const u8) types.Error!?Timestamp {
        _ = self;
        const hash = sstable.keyHash(key);
        if (view.mem.newestTimestampHashed(key, hash)) |ts| return ts;
        for (view.imms[0..view.imm_count]) |imm| {
            if (imm.newestTimestampHashed(key, hash)) |ts| return ts;
        }
        for (view.version.levels[0]) |table| {
            if (!table.containsKey(key)) continue;
            if (try mapTs(table.reader.newestTimestampHashed(key, hash))) |ts| return ts;
        }
        for (1..level_count) |level| {
            const table = view.version.findTable(level, key) orelse continue;
            if (try mapTs(table.reader.newestTimestampHashed(key, hash))) |ts| return ts;
        }
        return null;
    }

    fn mapTs(result: sstable.ReadError!?Timestamp) types.Error!?Timestamp {
        return result catch |err| switch (err) {
            error.UnsupportedFormat => error.UnsupportedFormat,
            else => |e| e,
        };
    }

    /// A merging iterator over everything in the view.
    pub fn newMerging(self: *Lsm, view: *const ReadView, allocator: std.mem.Allocator, direction: iterator.Direction) error{OutOfMemory}!iterator.Merging {
        var children: std.ArrayList(iterator.Internal) = .empty;
        errdefer {
            for (children.items) |child| child.deinit();
            children.deinit(allocator);
        }
        try children.append(allocator, try iterator.MemtableIterator.create(allocator, view.mem));
        for (view.imms[0..view.imm_count]) |imm| try children.append(allocator, try iterator.MemtableIterator.create(allocator, imm));
        for (view.version.levels[0]) |table| try children.append(allocator, try TableIterator.create(allocator, table, true));
        for (view.version.levels[1..]) |tables| {
            if (tables.len > 0) try children.append(allocator, try LevelIterator.create(allocator, tables, true));
        }
        _ = self;
        const owned = try children.toOwnedSlice(allocator);
        errdefer allocator.free(owned);
        return iterator.Merging.init(allocator, owned, direction);
    }

    // ---------------------------------------------------------------- writes (commit pipeline)

    /// Inserts a committed operation into the active memtable. Only the commit pipeline
    /// calls this, in timestamp order.
    pub fn apply(self: *Lsm, key: []const u8, ts: Timestamp, kind: EntryKind, value: []const u8) error{OutOfMemory}!void {
        if (kind == .put_pointer) {
            const pointer = types.ValuePointer.decode(value[0..types.ValuePointer.encoded_size_bytes]);
            self.mem.notePointer(pointer.segment);
        }
        try self.mem.put(key, ts, kind, value);
    }

    pub fn memtableFull(self: *Lsm) bool {
        return self.mem.dataBytes() >= self.options.memtable_size_bytes;
    }

    pub fn memtableEmpty(self: *Lsm) bool {
        return self.mem.entryCount() == 0;
    }

    pub const Stall = enum { none, slowdown, stop };

    fn stallLocked(self: *Lsm) Stall {
        const l0 = self.current.levels[0].len;
        if (self.imms.items.len >= self.options.immutable_memtables_max or l0 >= self.options.l0_stop_trigger) return .stop;
        if (l0 >= self.options.l0_slowdown_trigger) return .slowdown;
        return .none;
    }

    /// Backpressure before a write batch: returns at once, after a short delay (slowdown),
    /// or when flush/compaction made room (stop). Inline mode does the work itself instead.
    pub fn waitForRoom(self: *Lsm) types.Error!void {
        if (!self.options.background_threads) {
            while (true) {
                self.mutex.lock();
                const stall = self.stallLocked();
                const failed = self.background_error;
                self.mutex.unlock();
                if (failed) |err| return err;
                if (stall == .none) return;
                if (!try self.doWorkInline()) return;
            }
        }
        self.mutex.lock();
        defer self.mutex.unlock();
        var stall = self.stallLocked();
        if (stall == .slowdown) {
            self.mutex.unlock();
            const started = std.time.nanoTimestamp();
            std.Thread.sleep(@as(u64, self.options.slowdown_delay_us) * std.time.ns_per_us);
            bump(&self.counters.slowdown_count, 1);
            bump(&self.counters.slowdown_ns, @intCast(std.time.nanoTimestamp() - started));
            self.mutex.lock();
            stall = self.stallLocked();
        }
        if (stall != .stop) return;
        const started = std.time.nanoTimestamp();
        bump(&self.counters.stall_count, 1);
        while (self.stallLocked() == .stop and self.background_error == null and !self.shutting_down) {
            self.work_cond.broadcast();
            self.room_cond.wait(&self.mutex);
        }
        bump(&self.counters.stall_ns, @intCast(std.time.nanoTimestamp() - started));
        if (self.background_error) |err| return err;
    }

    /// Makes the active memtable immutable and starts a new one whose commits go to
    /// `wal_segment`. `vlog_synced` is where every value-log record of the old memtable is
    /// durable (recorded in the manifest at its flush).
    pub fn rotateMemtable(self: *Lsm, wal_segment: FileNumber, vlog_synced_segment: SegmentId, vlog_synced_offset: u64) error{OutOfMemory}!void {
        const fresh = try Memtable.create(self.allocator, wal_segment, wal_segment *% 0x9E3779B97F4A7C15, self.options.memtable_size_bytes);
        errdefer fresh.unref();
        self.mutex.lock();
        defer self.mutex.unlock();
        try self.imms.ensureUnusedCapacity(self.allocator, 1);
        const old = self.mem;
        old.vlog_synced_segment = vlog_synced_segment;
        old.vlog_synced_offset = vlog_synced_offset;
        self.imms.appendAssumeCapacity(old);
        self.mem = fresh;
        self.work_cond.broadcast();
    }

    /// Queues the memtable rebuilt from the commit log at open as the oldest immutable one.
    pub fn adoptRecovered(self: *Lsm, table: *Memtable, vlog_synced_segment: SegmentId, vlog_synced_offset: u64) error{OutOfMemory}!void {
        assert(table.entryCount() > 0);
        table.vlog_synced_segment = vlog_synced_segment;
        table.vlog_synced_offset = vlog_synced_offset;
        self.mutex.lock();
        defer self.mutex.unlock();
        try self.imms.insert(self.allocator, 0, table.ref());
        self.work_cond.broadcast();
    }

    pub fn newFileNumber(self: *Lsm) FileNumber {
        self.manifest_mutex.lock();
        defer self.manifest_mutex.unlock();
        const number = self.state.next_file_number;
        self.state.next_file_number += 1;
        return number;
    }

    fn failBackground(self: *Lsm, err: types.Error) void {
        self.mutex.lock();
        defer self.mutex.unlock();
        if (self.background_error == null and err != error.Poisoned) {
            self.background_error = err;
            const message = types.errorMessage();
            const len = @min(message.len, self.background_error_message.len);
            @memcpy(self.background_error_message[0..len], message[0..len]);
            self.background_error_message_len = len;
        }
        self.room_cond.broadcast();
        self.work_cond.broadcast();
    }

    pub fn backgroundError(self: *Lsm) ?types.Error {
        self.mutex.lock();
        defer self.mutex.unlock();
        return self.background_error;
    }

    pub fn backgroundErrorMessage(self: *Lsm) []const u8 {
        return self.background_error_message[0..self.background_error_message_len];
    }

    // ---------------------------------------------------------------- flush

    fn flushLoop(self: *Lsm) void {
        self.mutex.lock();
        defer self.mutex.unlock();
        while (!self.shutting_down) {
            if (self.imms.items.len == 0 or self.background_error != null) {
                self.work_cond.wait(&self.mutex);
                continue;
            }
            self.flush_running = true;
            self.mutex.unlock();
            const result = self.flushOldest();
            self.mutex.lock();
            self.flush_running = false;
            if (result) |_| {} else |err| {
                self.mutex.unlock();
                self.failBackground(err);
                self.mutex.lock();
            }
            self.room_cond.broadcast();
            self.work_cond.broadcast();
        }
    }

    /// Writes the oldest immutable memtable to an L0 table and installs it. A failure
    /// stops further background work and writes until reopen.
    fn flushOldest(self: *Lsm) types.Error!void {
        errdefer |err| self.failBackground(err);
        const started = std.time.nanoTimestamp();
        const imm, const next_wal_segment = blk: {
            self.mutex.lock();
            defer self.mutex.unlock();
            assert(self.imms.items.len > 0);
            const oldest = self.imms.items[0];
            const next = if (self.imms.items.len > 1) self.imms.items[1].wal_segment else self.mem.wal_segment;
            break :blk .{ oldest.ref(), next };
        };
        defer imm.unref();
        assert(next_wal_segment > imm.wal_segment);

        var added_meta: ?manifest.FileMeta = null;
        var added_table: ?*Table = null;
        errdefer if (added_table) |t| {
            t.obsolete.store(true, .release);
            t.unref();
        };
        var deltas: std.AutoArrayHashMapUnmanaged(SegmentId, u64) = .empty;
        defer deltas.deinit(self.allocator);

        if (imm.entryCount() > 0) {
            const number = self.newFileNumber();
            const writer_state = try TableWriter.begin(self, number);
            var finished = false;
            defer if (!finished) writer_state.abandon();
            var it = imm.list.iterator();
            it.seekToFirst();
            while (it.valid()) : (it.next()) {
                const node = it.entry();
                try writer_state.writer.add(node.key(), node.ts, node.kind, node.value());
                if (node.kind == .put_pointer) {
                    const pointer = types.ValuePointer.decode(node.value()[0..types.ValuePointer.encoded_size_bytes]);
                    const entry = try deltas.getOrPut(self.allocator, pointer.segment);
                    if (!entry.found_existing) entry.value_ptr.* = 0;
                    entry.value_ptr.* += vlog.recordSize(node.key_len, pointer.size);
                }
            }
            finished = true;
            const table = try writer_state.finish();
            added_table = table;
            added_meta = table.meta;
            bump(&self.counters.flush_bytes_written, table.meta.size_bytes);
        }

        var segment_deltas: std.ArrayList(manifest.SegmentDelta) = .empty;
        defer segment_deltas.deinit(self.allocator);
        var delta_it = deltas.iterator();
        while (delta_it.next()) |entry| try segment_deltas.append(self.allocator, .{ .segment = entry.key_ptr.*, .live_added = entry.value_ptr.*, .garbage_added = 0 });
        if (imm.vlog_synced_segment != 0) {
            const synced = for (segment_deltas.items) |*d| {
                if (d.segment == imm.vlog_synced_segment) break d;
            } else blk: {
                try segment_deltas.append(self.allocator, .{ .segment = imm.vlog_synced_segment, .live_added = 0, .garbage_added = 0 });
                break :blk &segment_deltas.items[segment_deltas.items.len - 1];
            };
            synced.synced_end = imm.vlog_synced_offset;
        }

        const added: []const manifest.AddedFile = if (added_meta) |meta| &.{.{ .level = 0, .meta = meta }} else &.{};
        const flushed_ts = imm.max_ts.load(.acquire);
        const handed_over = added_table;
        added_table = null;
        try self.logAndInstall(.{
            .flushed_ts = if (flushed_ts > 0) flushed_ts else null,
            .max_ts = if (flushed_ts > 0) flushed_ts else null,
            .log_number = next_wal_segment,
            .added = added,
            .segment_deltas = segment_deltas.items,
        }, if (handed_over) |t| &.{t} else &.{}, &.{}, imm);

        // The commit-log segments before the next memtable's are all in tables now.
        self.deleteWalSegmentsBefore(next_wal_segment);
        bump(&self.counters.flush_count, 1);
        bump(&self.counters.flush_ns, @intCast(std.time.nanoTimestamp() - started));
    }

    /// Deletes commit-log segments numbered below `number` (their commits are in tables).
    fn deleteWalSegmentsBefore(self: *Lsm, number: FileNumber) void {
        var names: std.ArrayList([]u8) = .empty;
        defer {
            for (names.items) |name| self.allocator.free(name);
            names.deinit(self.allocator);
        }
        // A failure leaves segments that the next open skips (they are below log_number).
        self.fs.list(self.allocator, "wal", &names) catch return;
        for (names.items) |name| {
            const segment = parseNumbered(name, ".log") orelse continue;
            if (segment >= number) continue;
            var path_buffer: [64]u8 = undefined;
            self.fs.delete(commit_log.segmentPath(&path_buffer, segment)) catch {};
        }
    }

    /// Logs `edit` (with the next file number) in the manifest, then installs a new version:
    /// `added` tables go in (at the levels the edit says), `removed` go out and become
    /// obsolete, `flushed` leaves the immutable list. Takes over one reference of each added
    /// table in every case: if the edit is refused before it is written, their files are
    /// deleted; if writing it fails, they stay on disk (the edit may have reached it — the
    /// next open keeps what the manifest names and removes the rest). Afterwards deletes
    /// value-log segments that became pure garbage.
    fn logAndInstall(self: *Lsm, edit_in: manifest.VersionEdit, added: []const *Table, removed: []const *Table, flushed: ?*Memtable) types.Error!void {
        assert(added.len == edit_in.added.len);
        var edit = edit_in;
        var written = false;
        errdefer for (added) |table| {
            if (!written) table.obsolete.store(true, .release);
            table.unref();
        };
        {
            self.manifest_mutex.lock();
            defer self.manifest_mutex.unlock();
            edit.next_file_number = self.state.next_file_number;
            self.state.apply(edit) catch |err| return switch (err) {
                error.OutOfMemory => error.OutOfMemory,
                // The edit was built from the current state: a contradiction is a bug.
                error.Invalid => unreachable,
            };
            written = true;
            try self.manifest_log.logEdit(edit, &self.state);
        }
        // The edit is durable. Building the new version needs memory; without it the
        // in-memory view would disagree with the manifest, so fail loudly instead.
        self.mutex.lock();
        const old = self.current;
        var levels: [level_count][]*Table = undefined;
        for (&levels, 0..) |*tables, level| {
            tables.* = self.buildLevel(old.levels[level], @intCast(level), edit.added, added, removed) catch @panic("out of memory installing a version");
        }
        const version = self.newVersion(levels) catch @panic("out of memory installing a version");
        version.checkInvariants();
        self.current = version;
        if (flushed) |imm| {
            assert(self.imms.items[0] == imm);
            _ = self.imms.orderedRemove(0);
            imm.unref();
        }
        self.room_cond.broadcast();
        self.work_cond.broadcast();
        self.mutex.unlock();

        for (removed) |table| table.obsolete.store(true, .release);
        for (added) |table| table.unref();
        old.unref();
        try self.deleteGarbageSegments();
    }

    fn buildLevel(self: *Lsm, old: []const *Table, level: u8, added_files: []const manifest.AddedFile, added: []const *Table, removed: []const *Table) error{OutOfMemory}![]*Table {
        var list: std.ArrayList(*Table) = .empty;
        errdefer {
            for (list.items) |t| t.unref();
            list.deinit(self.allocator);
        }
        for (old) |table| {
            const gone = for (removed) |r| {
                if (r == table) break true;
            } else false;
            if (!gone) try list.append(self.allocator, table.ref());
        }
        for (added_files, added) |file, table| {
            assert(file.meta.number == table.meta.number);
            if (file.level == level) try list.append(self.allocator, table.ref());
        }
        if (level == 0) std.mem.sort(*Table, list.items, {}, newerFirst) else std.mem.sort(*Table, list.items, {}, smallestFirst);
        return list.toOwnedSlice(self.allocator);
    }

    /// Writes a manifest edit deleting every value-log segment that holds only garbage and
    /// that nothing can point into any more; the files go once no older version is alive.
    fn deleteGarbageSegments(self: *Lsm) types.Error!void {
        var candidates: std.ArrayList(SegmentId) = .empty;
        defer candidates.deinit(self.allocator);
        const floor = self.minUnflushedPointerSegment();
        {
            self.manifest_mutex.lock();
            defer self.manifest_mutex.unlock();
            var it = self.state.segments.iterator();
            while (it.next()) |entry| {
                const segment = entry.key_ptr.*;
                const stats = entry.value_ptr.*;
                if (stats.garbage_bytes < stats.live_bytes) continue;
                if (segment >= floor) continue;
                if (self.value_log.isAppending(segment)) continue;
                try candidates.append(self.allocator, segment);
            }
            if (candidates.items.len == 0) return;
            const edit = manifest.VersionEdit{ .deleted_segments = candidates.items, .next_file_number = self.state.next_file_number };
            self.state.apply(edit) catch |err| switch (err) {
                error.OutOfMemory => return error.OutOfMemory,
                error.Invalid => unreachable,
            };
            try self.manifest_log.logEdit(edit, &self.state);
            // Versions created from now on cannot reach these segments.
            const after_seq = self.next_version_seq.load(.monotonic);
            for (candidates.items) |segment| {
                try self.pending_segment_deletions.append(self.allocator, .{ .segment = segment, .after_seq = after_seq });
            }
        }
        // Everything older may already be gone.
        self.deleteReleasedSegments();
    }

    /// The smallest value-log segment a memtable not yet flushed points into.
    fn minUnflushedPointerSegment(self: *Lsm) SegmentId {
        self.mutex.lock();
        defer self.mutex.unlock();
        var floor = self.mem.min_pointer_segment.load(.acquire);
        for (self.imms.items) |imm| floor = @min(floor, imm.min_pointer_segment.load(.acquire));
        return floor;
    }

    // ---------------------------------------------------------------- compaction

    fn compactionLoop(self: *Lsm) void {
        io.lowerThreadPriority();
        self.mutex.lock();
        defer self.mutex.unlock();
        while (!self.shutting_down) {
            if (self.background_error != null or self.manual_requested > 0) {
                self.work_cond.wait(&self.mutex);
                continue;
            }
            var compaction = (self.pickCompactionLocked() catch null) orelse {
                self.work_cond.wait(&self.mutex);
                continue;
            };
            self.compaction_running = true;
            self.mutex.unlock();
            const result = self.runCompaction(&compaction);
            compaction.deinit(self.allocator);
            self.mutex.lock();
            self.compaction_running = false;
            if (result) |_| {} else |err| {
                self.mutex.unlock();
                self.failBackground(err);
                self.mutex.lock();
            }
            self.room_cond.broadcast();
            self.work_cond.broadcast();
        }
    }

    /// Inline mode: flushes one memtable or runs one compaction. False when there was none.
    pub fn doWorkInline(self: *Lsm) types.Error!bool {
        assert(!self.options.background_threads);
        self.mutex.lock();
        const have_imm = self.imms.items.len > 0;
        self.mutex.unlock();
        if (have_imm) {
            try self.flushOldest();
            return true;
        }
        self.mutex.lock();
        var compaction = (self.pickCompactionLocked() catch |err| {
            self.mutex.unlock();
            return err;
        }) orelse {
            self.mutex.unlock();
            return false;
        };
        self.mutex.unlock();
        defer compaction.deinit(self.allocator);
        try self.runCompaction(&compaction);
        return true;
    }

    /// Runs all pending flushes and compactions (inline mode).
    pub fn settleInline(self: *Lsm) types.Error!void {
        var rounds: u32 = 0;
        while (try self.doWorkInline()) {
            rounds += 1;
            assert(rounds < 100_000);
        }
    }

    fn levelScore(self: *Lsm, version: *const Version, level: usize) f64 {
        if (level == 0) return @as(f64, @floatFromInt(version.levels[0].len)) / @as(f64, @floatFromInt(self.options.l0_compaction_trigger));
        return @as(f64, @floatFromInt(version.levelBytes(level))) / @as(f64, @floatFromInt(self.options.levelTargetBytes(level)));
    }

    /// Picks the level with the highest score ≥ 1 (L0 by file count, deeper ones by size).
    fn pickCompactionLocked(self: *Lsm) error{OutOfMemory}!?Compaction {
        if (self.compaction_running) return null;
        const version = self.current;
        var best_level: ?usize = null;
        var best_score: f64 = 1.0;
        for (0..level_count - 1) |level| {
            const score = self.levelScore(version, level);
            if (score >= best_score) {
                best_score = score;
                best_level = level;
            }
        }
        const level = best_level orelse return null;
        var compaction = Compaction{ .level = @intCast(level), .output_level = @intCast(level + 1) };
        errdefer compaction.deinit(self.allocator);
        if (level == 0) {
            // All of L0: its files overlap, and older ones must not be left above newer data.
            for (version.levels[0]) |table| try compaction.inputs[0].append(self.allocator, table.ref());
        } else {
            // Round robin through the level, from the key after the last compacted one.
            const tables = version.levels[level];
            const cursor = self.compactCursor(level);
            var chosen: *Table = tables[0];
            for (tables) |table| {
                if (cursor.len == 0 or std.mem.order(u8, table.meta.smallest_key, cursor) == .gt) {
                    chosen = table;
                    break;
                }
            }
            try compaction.inputs[0].append(self.allocator, chosen.ref());
        }
        try self.addOverlapping(&compaction, version);
        return compaction;
    }

    fn compactCursor(self: *Lsm, level: usize) []const u8 {
        self.manifest_mutex.lock();
        defer self.manifest_mutex.unlock();
        return self.state.compact_cursors[level].items;
    }

    fn inputRange(inputs: []const *Table) struct { []const u8, []const u8 } {
        assert(inputs.len > 0);
        var smallest = inputs[0].meta.smallest_key;
        var largest = inputs[0].meta.largest_key;
        for (inputs[1..]) |t| {
            if (std.mem.order(u8, t.meta.smallest_key, smallest) == .lt) smallest = t.meta.smallest_key;
            if (std.mem.order(u8, t.meta.largest_key, largest) == .gt) largest = t.meta.largest_key;
        }
        return .{ smallest, largest };
    }

    fn addOverlapping(self: *Lsm, compaction: *Compaction, version: *const Version) error{OutOfMemory}!void {
        const smallest, const largest = inputRange(compaction.inputs[0].items);
        for (version.levels[compaction.output_level]) |table| {
            if (table.overlaps(smallest, largest)) try compaction.inputs[1].append(self.allocator, table.ref());
        }
    }

    /// True when no level deeper than `level` may hold `key` (so a tombstone can go).
    fn isBottommost(version: *const Version, level: usize, key: []const u8) bool {
        for (level + 1..level_count) |deeper| {
            if (version.findTable(deeper, key) != null) return false;
        }
        return true;
    }

    fn runCompaction(self: *Lsm, compaction: *Compaction) types.Error!void {
        errdefer |err| self.failBackground(err);
        const started = std.time.nanoTimestamp();
        _ = self.counters.compaction_running.fetchAdd(1, .monotonic);
        defer _ = self.counters.compaction_running.fetchSub(1, .monotonic);

        // A single file with nothing to merge and nothing to drop or move goes down as is.
        if (compaction.inputs[1].items.len == 0 and compaction.inputs[0].items.len == 1 and compaction.relocate.len == 0 and compaction.output_level != compaction.level and compaction.level > 0) {
            try self.logAndInstallMove(compaction.inputs[0].items[0], compaction.level, compaction.output_level);
            bump(&self.counters.trivial_move_count, 1);
            return;
        }

        const version = blk: {
            self.mutex.lock();
            defer self.mutex.unlock();
            break :blk self.current.ref();
        };
        defer version.unref();
        const oldest_snapshot = self.snapshot_floor.oldest(self.snapshot_floor.ctx);

        var children: std.ArrayList(iterator.Internal) = .empty;
        errdefer {
            for (children.items) |c| c.deinit();
            children.deinit(self.allocator);
        }
        for (compaction.inputs) |list| for (list.items) |table| {
            try children.append(self.allocator, try TableIterator.create(self.allocator, table, false));
        };
        const owned_children = try children.toOwnedSlice(self.allocator);
        var merged = iterator.Merging.init(self.allocator, owned_children, .forward) catch {
            for (owned_children) |c| c.deinit();
            self.allocator.free(owned_children);
            return error.OutOfMemory;
        };
        defer merged.deinit();
        try merged.seekToStart();

        var outputs: std.ArrayList(*Table) = .empty;
        defer outputs.deinit(self.allocator);
        errdefer for (outputs.items) |t| {
            t.obsolete.store(true, .release);
            t.unref();
        };
        var garbage: std.AutoArrayHashMapUnmanaged(SegmentId, u64) = .empty;
        defer garbage.deinit(self.allocator);
        var relocated_live: std.AutoArrayHashMapUnmanaged(SegmentId, u64) = .empty;
        defer relocated_live.deinit(self.allocator);

        var writer: ?*TableWriter = null;
        defer if (writer) |w| w.abandon();
        var current_key: std.ArrayList(u8) = .empty;
        defer current_key.deinit(self.allocator);
        var kept_at_or_below_floor = false;
        var value_buffer: std.ArrayList(u8) = .empty;
        defer value_buffer.deinit(self.allocator);
        var pointer_bytes: [types.ValuePointer.encoded_size_bytes]u8 = undefined;
        var budget = Budget.init(self.options.compaction_bytes_per_second);
        const input_bytes = compaction.inputBytes();
        var bytes_read: u64 = 0;

        while (merged.valid()) : (try merged.advance()) {
            const key = merged.key();
            const ts = merged.ts();
            const kind = merged.kind();
            const value = merged.value();
            bytes_read += key.len + value.len + 16;
            if (compaction.manual) self.counters.manual_job_bytes_done.store(@min(bytes_read, input_bytes), .monotonic);

            const new_key = !std.mem.eql(u8, key, current_key.items);
            if (new_key) {
                current_key.clearRetainingCapacity();
                try current_key.appendSlice(self.allocator, key);
                kept_at_or_below_floor = false;
            }
            // Keep every version a live snapshot may read: all newer than the oldest
            // snapshot, plus the newest at or below it. The rest nobody can see.
            var drop = false;
            if (ts <= oldest_snapshot) {
                if (kept_at_or_below_floor) {
                    drop = true;
                } else {
                    kept_at_or_below_floor = true;
                    if (kind == .delete and isBottommost(version, compaction.output_level, key)) drop = true;
                }
            }
            if (drop) {
                if (kind == .put_pointer) try addTo(self.allocator, &garbage, pointerOf(value), vlog.recordSize(key.len, pointerOf(value).size));
                continue;
            }

            var out_value = value;
            if (kind == .put_pointer and compaction.relocate.len > 0) {
                const pointer = pointerOf(value);
                if (std.mem.indexOfScalar(SegmentId, compaction.relocate, pointer.segment) != null) {
                    value_buffer.clearRetainingCapacity();
                    try self.value_log.read(pointer, key, &value_buffer);
                    const moved = try self.relocate(key, value_buffer.items);
                    moved.encode(&pointer_bytes);
                    out_value = &pointer_bytes;
                    const size = vlog.recordSize(key.len, pointer.size);
                    try addTo(self.allocator, &garbage, pointer, size);
                    try addTo(self.allocator, &relocated_live, moved, size);
                    bump(&self.counters.vacuum_bytes_relocated, size);
                }
            }

            if (writer) |w| {
                // Cut the output at a user-key boundary once it is big enough.
                if (new_key and w.sizeBytes() >= self.options.sstable_size_bytes) {
                    writer = null;
                    const table = try w.finish();
                    try outputs.append(self.allocator, table);
                    bump(&self.counters.compaction_bytes_written, table.meta.size_bytes);
                    budget.spend(table.meta.size_bytes);
                }
            }
            if (writer == null) writer = try TableWriter.begin(self, self.newFileNumber());
            try writer.?.writer.add(key, ts, kind, out_value);
        }
        if (writer) |w| {
            writer = null;
            const table = try w.finish();
            try outputs.append(self.allocator, table);
            bump(&self.counters.compaction_bytes_written, table.meta.size_bytes);
        }
        if (compaction.relocate.len > 0) try self.syncRelocations();

        // The edit: inputs out, outputs in, garbage and relocation accounting.
        var deleted: std.ArrayList(manifest.DeletedFile) = .empty;
        defer deleted.deinit(self.allocator);
        var removed: std.ArrayList(*Table) = .empty;
        defer removed.deinit(self.allocator);
        for (compaction.inputs, 0..) |list, i| for (list.items) |table| {
            const level = if (i == 0) compaction.level else compaction.output_level;
            try deleted.append(self.allocator, .{ .level = level, .number = table.meta.number });
            try removed.append(self.allocator, table);
        };
        var added: std.ArrayList(manifest.AddedFile) = .empty;
        defer added.deinit(self.allocator);
        for (outputs.items) |table| try added.append(self.allocator, .{ .level = compaction.output_level, .meta = table.meta });
        var deltas: std.ArrayList(manifest.SegmentDelta) = .empty;
        defer deltas.deinit(self.allocator);
        var git = garbage.iterator();
        while (git.next()) |e| try deltas.append(self.allocator, .{ .segment = e.key_ptr.*, .live_added = 0, .garbage_added = e.value_ptr.* });
        var rit = relocated_live.iterator();
        while (rit.next()) |e| {
            // Every relocation segment was synced above (or when it was sealed).
            const synced_end = self.value_log.segmentEnd(e.key_ptr.*) orelse 0;
            try deltas.append(self.allocator, .{ .segment = e.key_ptr.*, .live_added = e.value_ptr.*, .garbage_added = 0, .synced_end = synced_end });
        }
        const cursor_key = if (compaction.level > 0 and compaction.output_level != compaction.level) inputRange(compaction.inputs[0].items)[1] else "";
        const cursors: []const @typeInfo(@TypeOf(@as(manifest.VersionEdit, .{}).compact_cursors)).pointer.child = if (cursor_key.len > 0) &.{.{ .level = compaction.level, .key = cursor_key }} else &.{};

        const handed_over = try self.allocator.dupe(*Table, outputs.items);
        defer self.allocator.free(handed_over);
        outputs.clearRetainingCapacity();
        try self.logAndInstall(.{
            .deleted = deleted.items,
            .added = added.items,
            .segment_deltas = deltas.items,
            .compact_cursors = cursors,
        }, handed_over, removed.items, null);

        bump(&self.counters.compaction_count, 1);
        bump(&self.counters.compaction_bytes_read, input_bytes);
        bump(&self.counters.compaction_ns, @intCast(std.time.nanoTimestamp() - started));
    }

    fn logAndInstallMove(self: *Lsm, table: *Table, from: u8, to: u8) types.Error!void {
        const edit = manifest.VersionEdit{
            .deleted = &.{.{ .level = from, .number = table.meta.number }},
            .added = &.{.{ .level = to, .meta = table.meta }},
        };
        // The same table object moves: it is both removed (from `from`) and added (to `to`).
        {
            self.manifest_mutex.lock();
            defer self.manifest_mutex.unlock();
            var full = edit;
            full.next_file_number = self.state.next_file_number;
            self.state.apply(full) catch |err| switch (err) {
                error.OutOfMemory => return error.OutOfMemory,
                error.Invalid => unreachable,
            };
            try self.manifest_log.logEdit(full, &self.state);
        }
        self.mutex.lock();
        const old = self.current;
        var levels: [level_count][]*Table = undefined;
        for (&levels, 0..) |*tables, level| {
            var list: std.ArrayList(*Table) = .empty;
            for (old.levels[level]) |t| {
                if (t == table and level == from) continue;
                list.append(self.allocator, t.ref()) catch @panic("out of memory installing a version");
            }
            if (level == to) list.append(self.allocator, table.ref()) catch @panic("out of memory installing a version");
            if (level == 0) std.mem.sort(*Table, list.items, {}, newerFirst) else std.mem.sort(*Table, list.items, {}, smallestFirst);
            tables.* = list.toOwnedSlice(self.allocator) catch @panic("out of memory installing a version");
        }
        const version = self.newVersion(levels) catch @panic("out of memory installing a version");
        version.checkInvariants();
        self.current = version;
        self.room_cond.broadcast();
        self.work_cond.broadcast();
        self.mutex.unlock();
        old.unref();
    }

    fn relocate(self: *Lsm, key: []const u8, value: []const u8) types.Error!types.ValuePointer {
        if (self.gc_appender) |*appender| {
            if (appender.needsRotation(key.len, value.len)) {
                try appender.writePending();
                try appender.sync();
                appender.seal();
                self.gc_appender = null;
            }
        }
        if (self.gc_appender == null) self.gc_appender = try self.value_log.createAppender(self.newFileNumber());
        const pointer = self.gc_appender.?.append(key, value) catch |err| switch (err) {
            error.OutOfMemory => return error.OutOfMemory,
            error.KeyTooLarge, error.ValueTooLarge => unreachable,
        };
        bump(&self.counters.vlog_bytes_written, vlog.recordSize(key.len, value.len));
        // Keep the buffer bounded.
        if (self.gc_appender.?.pending.items.len >= 1024 * 1024) try self.gc_appender.?.writePending();
        return pointer;
    }

    fn syncRelocations(self: *Lsm) types.Error!void {
        const appender = &(self.gc_appender orelse return);
        try appender.writePending();
        try appender.sync();
    }

    // ---------------------------------------------------------------- manual work

    /// Compacts every table overlapping [start, end] (null: everything) down level by level
    /// and rewrites it at the deepest level, so that afterwards the range's data sits in one
    /// level with every version no snapshot needs dropped (and its value-log garbage
    /// counted). Memtables must have been flushed by the caller. Runs on the calling
    /// thread, holding off the background compaction thread.
    pub fn compactRange(self: *Lsm, start: ?[]const u8, end: ?[]const u8) types.Error!void {
        try self.beginManual();
        defer self.endManual();
        for (0..level_count) |level| {
            var compaction = try self.pickRange(@intCast(level), start, end) orelse continue;
            defer compaction.deinit(self.allocator);
            self.counters.manual_job_bytes_total.store(compaction.inputBytes(), .monotonic);
            self.counters.manual_job_bytes_done.store(0, .monotonic);
            try self.runCompaction(&compaction);
        }
    }

    fn tableInRange(table: *const Table, start: ?[]const u8, end: ?[]const u8) bool {
        return (start == null or std.mem.order(u8, table.meta.largest_key, start.?) != .lt) and
            (end == null or std.mem.order(u8, table.meta.smallest_key, end.?) != .gt);
    }

    /// The manual compaction step for `level`: into the next level while deeper data exists,
    /// in place at the deepest level (L0 always moves to L1).
    fn pickRange(self: *Lsm, level: u8, start: ?[]const u8, end: ?[]const u8) error{OutOfMemory}!?Compaction {
        self.mutex.lock();
        defer self.mutex.unlock();
        const version = self.current;
        var deepest: u8 = 0;
        for (0..level_count) |l| {
            if (version.levels[l].len > 0) deepest = @intCast(l);
        }
        if (level > deepest) return null;
        const any_in_range = for (version.levels[level]) |table| {
            if (tableInRange(table, start, end)) break true;
        } else false;
        if (!any_in_range) return null;
        const in_place = level == deepest and level > 0;
        var compaction = Compaction{ .level = level, .output_level = if (in_place) level else level + 1, .manual = true };
        errdefer compaction.deinit(self.allocator);
        for (version.levels[level]) |table| {
            // L0 files overlap each other: take them all so newer data stays above older.
            if (level == 0 or tableInRange(table, start, end)) try compaction.inputs[0].append(self.allocator, table.ref());
        }
        if (!in_place) try self.addOverlapping(&compaction, version);
        return compaction;
    }

    fn beginManual(self: *Lsm) types.Error!void {
        self.mutex.lock();
        defer self.mutex.unlock();
        self.manual_requested += 1;
        while (self.compaction_running and self.background_error == null) self.room_cond.wait(&self.mutex);
        if (self.background_error) |err| {
            self.manual_requested -= 1;
            return err;
        }
        self.compaction_running = true;
    }

    fn endManual(self: *Lsm) void {
        self.mutex.lock();
        defer self.mutex.unlock();
        self.compaction_running = false;
        self.manual_requested -= 1;
        bump(&self.counters.manual_jobs_done, 1);
        self.work_cond.broadcast();
        self.room_cond.broadcast();
    }

    /// Value-log garbage collection: rewrites every table pointing into a segment whose
    /// garbage share reaches the threshold, moving the live values to a new segment; those
    /// segments then hold only garbage and are deleted. Memtables must have been flushed and
    /// the commit pipeline's segment sealed by the caller (so every candidate is complete).
    pub fn vacuum(self: *Lsm) types.Error!void {
        try self.beginManual();
        defer self.endManual();
        bump(&self.counters.vacuum_count, 1);

        var candidates: std.ArrayList(SegmentId) = .empty;
        defer candidates.deinit(self.allocator);
        const floor = self.minUnflushedPointerSegment();
        {
            self.manifest_mutex.lock();
            defer self.manifest_mutex.unlock();
            var it = self.state.segments.iterator();
            while (it.next()) |entry| {
                const stats = entry.value_ptr.*;
                const total = stats.live_bytes + stats.garbage_bytes;
                if (total == 0 or stats.garbage_bytes >= stats.live_bytes) continue; // deleted below
                if (stats.garbage_bytes * 1000 < total * self.options.vacuum_garbage_per_mille) continue;
                if (entry.key_ptr.* >= floor or self.value_log.isAppending(entry.key_ptr.*)) continue;
                try candidates.append(self.allocator, entry.key_ptr.*);
            }
        }
        if (candidates.items.len > 0) {
            // Every table pointing into a candidate is rewritten in place (same level).
            var jobs: std.ArrayList(Compaction) = .empty;
            defer {
                for (jobs.items) |*job| job.deinit(self.allocator);
                jobs.deinit(self.allocator);
            }
            {
                self.mutex.lock();
                defer self.mutex.unlock();
                for (self.current.levels, 0..) |tables, level| for (tables) |table| {
                    const points = for (candidates.items) |segment| {
                        if (table.pointerBytesInto(segment) > 0) break true;
                    } else false;
                    if (!points) continue;
                    var job = Compaction{ .level = @intCast(level), .output_level = @intCast(level), .relocate = candidates.items, .manual = true };
                    try job.inputs[0].append(self.allocator, table.ref());
                    try jobs.append(self.allocator, job);
                };
            }
            var total: u64 = 0;
            for (jobs.items) |*job| total += job.inputBytes();
            self.counters.manual_job_bytes_total.store(total, .monotonic);
            self.counters.manual_job_bytes_done.store(0, .monotonic);
            for (jobs.items) |*job| try self.runCompaction(job);
        }
        // Seal the relocation segment so it can be collected in turn later.
        if (self.gc_appender) |*appender| {
            try appender.writePending();
            try appender.sync();
            appender.seal();
            self.gc_appender = null;
        }
        try self.deleteGarbageSegments();
    }

    // ---------------------------------------------------------------- stats

    pub const LevelStats = struct { files: u64, bytes: u64 };

    pub fn levelStats(self: *Lsm) [level_count]LevelStats {
        self.mutex.lock();
        defer self.mutex.unlock();
        var result: [level_count]LevelStats = undefined;
        for (&result, 0..) |*r, level| r.* = .{ .files = self.current.levels[level].len, .bytes = self.current.levelBytes(level) };
        return result;
    }

    pub const MemStats = struct { active_bytes: u64, immutable_count: u64, immutable_bytes: u64, reserved_bytes: u64 };

    pub fn memStats(self: *Lsm) MemStats {
        self.mutex.lock();
        defer self.mutex.unlock();
        var result = MemStats{ .active_bytes = self.mem.dataBytes(), .immutable_count = self.imms.items.len, .immutable_bytes = 0, .reserved_bytes = self.mem.reservedBytes() };
        for (self.imms.items) |imm| {
            result.immutable_bytes += imm.dataBytes();
            result.reserved_bytes += imm.reservedBytes();
        }
        return result;
    }

    pub const SegmentInfo = struct { segment: SegmentId, stats: manifest.SegmentStats };

    /// Copies the per-segment accounting, ascending by segment (caller frees).
    pub fn segmentStats(self: *Lsm, allocator: std.mem.Allocator) error{OutOfMemory}![]SegmentInfo {
        self.manifest_mutex.lock();
        defer self.manifest_mutex.unlock();
        const out = try allocator.alloc(SegmentInfo, self.state.segments.count());
        var it = self.state.segments.iterator();
        var i: usize = 0;
        while (it.next()) |e| : (i += 1) out[i] = .{ .segment = e.key_ptr.*, .stats = e.value_ptr.* };
        std.mem.sort(SegmentInfo, out, {}, struct {
            fn lessThan(_: void, a: SegmentInfo, b: SegmentInfo) bool {
                return a.segment < b.segment;
            }
        }.lessThan);
        return out;
    }

    /// The table files the current version names (tests compare them with the directory).
    pub fn liveTableNumbers(self: *Lsm, allocator: std.mem.Allocator) error{OutOfMemory}![]FileNumber {
        self.mutex.lock();
        defer self.mutex.unlock();
        var list: std.ArrayList(FileNumber) = .empty;
        errdefer list.deinit(allocator);
        for (self.current.levels) |tables| for (tables) |t| try list.append(allocator, t.meta.number);
        return list.toOwnedSlice(allocator);
    }

    pub fn isBusy(self: *Lsm) bool {
        self.mutex.lock();
        defer self.mutex.unlock();
        return self.flush_running or self.compaction_running or self.imms.items.len > 0;
    }

    /// Waits until no memtable waits for flush (background mode).
    pub fn waitForFlushes(self: *Lsm) types.Error!void {
        if (!self.options.background_threads) {
            while (true) {
                self.mutex.lock();
                const have = self.imms.items.len > 0;
                self.mutex.unlock();
                if (!have) return;
                try self.flushOldest();
            }
        }
        self.mutex.lock();
        defer self.mutex.unlock();
        while (self.imms.items.len > 0 and self.background_error == null and !self.shutting_down) {
            self.work_cond.broadcast();
            self.room_cond.wait(&self.mutex);
        }
        if (self.background_error) |err| return err;
    }
};

/// "00000042.log" → 42 for `suffix` ".log"; null for anything else.
pub fn parseNumbered(name: []const u8, suffix: []const u8) ?FileNumber {
    if (!std.mem.endsWith(u8, name, suffix) or name.len == suffix.len) return null;
    return std.fmt.parseInt(FileNumber, name[0 .. name.len - suffix.len], 10) catch null;
}

fn pointerOf(value: []const u8) types.ValuePointer {
    assert(value.len == types.ValuePointer.encoded_size_bytes);
    return types.ValuePointer.decode(value[0..types.ValuePointer.encoded_size_bytes]);
}

fn addTo(allocator: std.mem.Allocator, map: *std.AutoArrayHashMapUnmanaged(SegmentId, u64), pointer: types.ValuePointer, size: u64) error{OutOfMemory}!void {
    const entry = try map.getOrPut(allocator, pointer.segment);
    if (!entry.found_existing) entry.value_ptr.* = 0;
    entry.value_ptr.* += size;
}

/// A table being written: the file, the writer, and cleanup when abandoned. Heap-allocated
/// because the writer borrows the path.
const TableWriter = struct {
    lsm: *Lsm,
    number: FileNumber,
    file: io.File,
    writer: sstable.Writer,
    path_buffer: [64]u8,

    fn begin(lsm: *Lsm, number: FileNumber) types.Error!*TableWriter {
        const self = try lsm.allocator.create(TableWriter);
        errdefer lsm.allocator.destroy(self);
        self.lsm = lsm;
        self.number = number;
        const path = sstPath(&self.path_buffer, number);
        self.file = try lsm.fs.open(path, .{ .create = true, .exclusive = true });
        errdefer {
            self.file.close();
            lsm.fs.delete(path) catch {};
        }
        self.writer = try sstable.Writer.init(lsm.allocator, self.file, path, .{
            .block_size_bytes = lsm.options.block_size_bytes,
            .bloom_bits_per_key = lsm.options.bloom_bits_per_key,
        });
        return self;
    }

    /// Bytes written so far plus the block being built.
    fn sizeBytes(self: *const TableWriter) u64 {
        return self.writer.file_offset_bytes + self.writer.block.items.len;
    }

    /// Finishes, syncs the file and its directory entry, opens it as a Table, and frees the
    /// writer (also on error, deleting the file).
    fn finish(self: *TableWriter) types.Error!*Table {
        const lsm = self.lsm;
        const number = self.number;
        var meta = self.writer.finish() catch |err| {
            self.abandon();
            return err;
        };
        defer meta.deinit(lsm.allocator);
        const synced = blk: {
            self.file.sync() catch |err| break :blk err;
            lsm.fs.syncDir("sst") catch |err| break :blk err;
            break :blk {};
        };
        synced catch |err| {
            self.abandon();
            return err;
        };
        self.writer.deinit();
        self.file.close();
        lsm.allocator.destroy(self);
        const file_meta = manifest.FileMeta{
            .number = number,
            .size_bytes = meta.file_size_bytes,
            .entry_count = meta.entry_count,
            .smallest_key = meta.smallest_key,
            .smallest_ts = meta.smallest_ts,
            .largest_key = meta.largest_key,
            .largest_ts = meta.largest_ts,
            .min_ts = meta.min_ts,
            .max_ts = meta.max_ts,
        };
        return lsm.openTable(file_meta) catch |err| {
            var path_buffer: [64]u8 = undefined;
            lsm.fs.delete(sstPath(&path_buffer, number)) catch {};
            return err;
        };
    }

    /// Cleans up after an error: closes and deletes the file, frees the writer.
    fn abandon(self: *TableWriter) void {
        const lsm = self.lsm;
        self.writer.deinit();
        self.file.close();
        lsm.fs.delete(sstPath(&self.path_buffer, self.number)) catch {};
        lsm.allocator.destroy(self);
    }
};

/// Paces compaction writes to a bytes-per-second budget.
const Budget = struct {
    bytes_per_second: u64,
    started_ns: i128,
    spent_bytes: u64 = 0,

    fn init(bytes_per_second: u64) Budget {
        return .{ .bytes_per_second = bytes_per_second, .started_ns = std.time.nanoTimestamp() };
    }

    fn spend(self: *Budget, bytes: u64) void {
        if (self.bytes_per_second == 0) return;
        self.spent_bytes += bytes;
        const due_ns: i128 = @intCast(self.spent_bytes * std.time.ns_per_s / self.bytes_per_second);
        const elapsed_ns = std.time.nanoTimestamp() - self.started_ns;
        // Bounded so a tiny budget cannot stall a compaction for minutes per file.
        if (due_ns > elapsed_ns) std.Thread.sleep(@intCast(@min(due_ns - elapsed_ns, 10 * std.time.ns_per_s)));
    }
};
