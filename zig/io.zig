//! Platform I/O behind one interface. Every engine module does its I/O through `Fs` and
//! `File`, so tests can swap the real file system for the simulated disk.
//!
//! Paths are relative to the directory the `Fs` was opened on (the data directory) and use
//! '/' as separator. Durability rules, the same for every backend:
//! - data written to a file is durable only after `File.sync` returns;
//! - a created, renamed or deleted directory entry is durable only after `Fs.syncDir` on
//!   its parent directory returns;
//! - a failed sync is final: the caller must not assume any unsynced byte reached the disk.
//!
//! Backends: `PosixFs`, the real file system (Linux, macOS), and `SimFs`, a deterministic
//! simulated disk that loses, tears and corrupts data on command, for crash and fault tests.

const std = @import("std");
const builtin = @import("builtin");
const types = @import("types.zig");
const assert = std.debug.assert;
const posix = std.posix;

pub const IOError = types.IOError;

pub const OpenOptions = struct {
    /// Create the file when missing.
    create: bool = false,
    /// With `create`: fail with PathAlreadyExists when the file exists.
    exclusive: bool = false,
    /// Truncate to zero length on open.
    truncate: bool = false,
    read_only: bool = false,
    /// Bypass the page cache (O_DIRECT on Linux, F_NOCACHE on macOS). Reads and writes must
    /// then use page-aligned buffers, offsets and lengths (`alignedAlloc`).
    direct: bool = false,
};

pub const Handle = u64;

pub const VTable = struct {
    open: *const fn (ctx: *anyopaque, path: []const u8, options: OpenOptions) IOError!Handle,
    close: *const fn (ctx: *anyopaque, handle: Handle) void,
    pread: *const fn (ctx: *anyopaque, handle: Handle, buffer: []u8, offset: u64) IOError!usize,
    pwrite: *const fn (ctx: *anyopaque, handle: Handle, bytes: []const u8, offset: u64) IOError!usize,
    sync: *const fn (ctx: *anyopaque, handle: Handle) IOError!void,
    size: *const fn (ctx: *anyopaque, handle: Handle) IOError!u64,
    truncate: *const fn (ctx: *anyopaque, handle: Handle, size_bytes: u64) IOError!void,
    allocate: *const fn (ctx: *anyopaque, handle: Handle, size_bytes: u64) IOError!void,
    delete: *const fn (ctx: *anyopaque, path: []const u8) IOError!void,
    rename: *const fn (ctx: *anyopaque, from: []const u8, to: []const u8) IOError!void,
    make_dir: *const fn (ctx: *anyopaque, path: []const u8) IOError!void,
    sync_dir: *const fn (ctx: *anyopaque, path: []const u8) IOError!void,
    /// Appends the names (not paths) of the entries of `dir_path` to `names`, each allocated
    /// with `allocator`.
    list: *const fn (ctx: *anyopaque, allocator: std.mem.Allocator, dir_path: []const u8, names: *std.ArrayList([]u8)) (IOError || error{OutOfMemory})!void,
    /// Takes an exclusive, non-blocking lock on `path` (created if missing). error.Busy when
    /// another process (or another open in this process) holds it.
    lock: *const fn (ctx: *anyopaque, path: []const u8) (IOError || error{Busy})!Handle,
    unlock: *const fn (ctx: *anyopaque, handle: Handle) void,
};

/// A file system rooted at one directory.
pub const Fs = struct {
    ctx: *anyopaque,
    vtable: *const VTable,

    pub fn open(self: Fs, path: []const u8, options: OpenOptions) IOError!File {
        const handle = try self.vtable.open(self.ctx, path, options);
        return .{ .fs = self, .handle = handle };
    }

    pub fn delete(self: Fs, path: []const u8) IOError!void {
        return self.vtable.delete(self.ctx, path);
    }

    pub fn rename(self: Fs, from: []const u8, to: []const u8) IOError!void {
        return self.vtable.rename(self.ctx, from, to);
    }

    /// Creates the directory; succeeds when it already exists.
    pub fn makeDir(self: Fs, path: []const u8) IOError!void {
        return self.vtable.make_dir(self.ctx, path);
    }

    /// Makes the directory's entries durable. "" or "." is the root.
    pub fn syncDir(self: Fs, path: []const u8) IOError!void {
        return self.vtable.sync_dir(self.ctx, path);
    }

    pub fn list(self: Fs, allocator: std.mem.Allocator, dir_path: []const u8, names: *std.ArrayList([]u8)) (IOError || error{OutOfMemory})!void {
        return self.vtable.list(self.ctx, allocator, dir_path, names);
    }

    pub fn lock(self: Fs, path: []const u8) (IOError || error{Busy})!Lock {
        return .{ .fs = self, .handle = try self.vtable.lock(self.ctx, path) };
    }
};

pub const Lock = struct {
    fs: Fs,
    handle: Handle,

    pub fn release(self: Lock) void {
        self.fs.vtable.unlock(self.fs.ctx, self.handle);
    }
};

pub const File = struct {
    fs: Fs,
    handle: Handle,

    pub fn close(self: File) void {
        self.fs.vtable.close(self.fs.ctx, self.handle);
    }

    /// One read; may return fewer bytes than asked (0 at end of file).
    pub fn pread(self: File, buffer: []u8, offset: u64) IOError!usize {
        return self.fs.vtable.pread(self.fs.ctx, self.handle, buffer, offset);
    }

    /// Reads until `buffer` is full or end of file; returns the bytes read.
    pub fn preadAll(self: File, buffer: []u8, offset: u64) IOError!usize {
        var done: usize = 0;
        while (done < buffer.len) {
            const n = try self.pread(buffer[done..], offset + done);
            if (n == 0) break;
            done += n;
        }
        return done;
    }

    /// Writes all of `bytes` at `offset`, looping over short writes.
    pub fn pwriteAll(self: File, bytes: []const u8, offset: u64) IOError!void {
        var done: usize = 0;
        while (done < bytes.len) {
            const n = try self.fs.vtable.pwrite(self.fs.ctx, self.handle, bytes[done..], offset + done);
            if (n == 0) return error.NoSpaceLeft;
            done += n;
        }
    }

    /// Makes the file's data durable (fdatasync; F_FULLFSYNC on macOS).
    pub fn sync(self: File) IOError!void {
        return self.fs.vtable.sync(self.fs.ctx, self.handle);
    }

    pub fn size(self: File) IOError!u64 {
        return self.fs.vtable.size(self.fs.ctx, self.handle);
    }

    pub fn truncate(self: File, size_bytes: u64) IOError!void {
        return self.fs.vtable.truncate(self.fs.ctx, self.handle, size_bytes);
    }

    /// Reserves space up to `size_bytes` where the platform supports it (fallocate with
    /// KEEP_SIZE, F_PREALLOCATE); a no-op elsewhere. The file's size does not change.
    pub fn allocate(self: File, size_bytes: u64) IOError!void {
        return self.fs.vtable.allocate(self.fs.ctx, self.handle, size_bytes);
    }
};

/// A page-aligned buffer, as direct I/O needs.
pub fn alignedAlloc(allocator: std.mem.Allocator, size_bytes: usize) error{OutOfMemory}![]align(types.page_size_bytes) u8 {
    return allocator.alignedAlloc(u8, .fromByteUnits(types.page_size_bytes), size_bytes);
}

/// Nice value of threads doing background work (compaction, manual compaction, vacuum).
pub const background_nice: i32 = 10;

/// Lowers the calling thread's CPU priority to `background_nice`, so that on a machine
/// with fewer cores than busy threads, the scheduler runs the threads serving reads and
/// commits first and compaction takes the CPU time they leave (on an idle machine it still
/// runs at full speed). Linux only: there a nice value applies to one thread. Best effort;
/// a failure changes nothing.
pub fn lowerThreadPriority() void {
    if (builtin.os.tag != .linux) return;
    const linux = std.os.linux;
    const prio_process: usize = 0;
    const tid: usize = @intCast(linux.gettid());
    _ = linux.syscall3(.setpriority, prio_process, tid, @bitCast(@as(isize, background_nice)));
}

/// The longest relative path the backends accept. macOS allows 1024 bytes with the
/// terminating zero; the data directory's own path does not count, paths go through its fd.
pub const path_bytes_max: usize = 1023;

/// The most one read or write system call moves; Linux moves at most this much anyway and
/// macOS rejects counts above INT_MAX.
const io_bytes_max: usize = 0x7FFF_F000;

/// Maps an errno value to the engine's I/O error set. The one place that does.
pub fn errnoToError(err: posix.E) IOError {
    return switch (err) {
        .SUCCESS => unreachable,
        .IO => error.InputOutput,
        .NOSPC, .DQUOT => error.NoSpaceLeft,
        .NOENT => error.FileNotFound,
        .EXIST => error.PathAlreadyExists,
        // A read-only mount is, for the engine, a directory it may not write.
        .ACCES, .PERM, .ROFS => error.AccessDenied,
        .FBIG => error.FileTooBig,
        .NOMEM, .MFILE, .NFILE => error.SystemResources,
        .NOTDIR => error.NotDir,
        .ISDIR => error.IsDir,
        .NAMETOOLONG => error.NameTooLong,
        else => error.Unexpected,
    };
}

/// Records what failed (operation, path or fd, errno name) for `pgz_last_error`, then maps.
fn posixFailure(comptime operation: []const u8, what: anytype, err: posix.E) IOError {
    const name = std.enums.tagName(posix.E, err) orelse "unknown errno";
    const format = if (@TypeOf(what) == std.c.fd_t) "{s} fd {d}: E{s}" else "{s} {s}: E{s}";
    types.setErrorMessage(format, .{ operation, what, name });
    return errnoToError(err);
}

const is_darwin = builtin.os.tag.isDarwin();
const file_mode: c_uint = 0o644;
const dir_mode: std.c.mode_t = 0o755;
const PathBuffer = [path_bytes_max + 1]u8;

/// A zero-terminated copy of a relative path; "" names the root.
fn terminatePath(path: []const u8, buffer: *PathBuffer) IOError![:0]const u8 {
    // Paths are relative to the data directory; an absolute one would escape it.
    assert(path.len == 0 or path[0] != '/');
    if (path.len > path_bytes_max) return error.NameTooLong;
    // No file can have such a name.
    if (std.mem.indexOfScalar(u8, path, 0) != null) return error.FileNotFound;
    if (path.len == 0) {
        buffer[0] = '.';
        buffer[1] = 0;
        return buffer[0..1 :0];
    }
    @memcpy(buffer[0..path.len], path);
    buffer[path.len] = 0;
    return buffer[0..path.len :0];
}

fn isRootPath(path: []const u8) bool {
    return path.len == 0 or std.mem.eql(u8, path, ".");
}

fn toOffset(offset: u64) IOError!std.c.off_t {
    return std.math.cast(std.c.off_t, offset) orelse error.FileTooBig;
}

fn openAt(dir_fd: std.c.fd_t, path: [:0]const u8, flags: std.c.O) IOError!std.c.fd_t {
    while (true) {
        const rc = std.c.openat(dir_fd, path, flags, file_mode);
        switch (posix.errno(rc)) {
            .SUCCESS => {
                assert(rc >= 0);
                return rc;
            },
            .INTR => continue,
            else => |err| return posixFailure("open", path, err),
        }
    }
}

fn openDirectory(dir_fd: std.c.fd_t, path: [:0]const u8) IOError!std.c.fd_t {
    return openAt(dir_fd, path, .{ .ACCMODE = .RDONLY, .DIRECTORY = true, .CLOEXEC = true });
}

fn closeFd(fd: std.c.fd_t) void {
    // Never retried: on Linux the descriptor is gone even after EINTR, and a retry could
    // close a descriptor another thread just opened. Data errors surface at sync instead.
    const rc = std.c.close(fd);
    assert(posix.errno(rc) != .BADF);
}

const SyncKind = enum {
    /// File data and the metadata needed to read it back (fdatasync).
    data,
    /// Everything, for directories (fsync).
    all,
};

/// Makes the descriptor's contents durable. A failure is returned, never retried: after a
/// failed fsync the kernel may have dropped the dirty pages, so a retry that succeeds
/// proves nothing. EINTR only means the call was interrupted before it reported.
fn syncFd(fd: std.c.fd_t, kind: SyncKind) IOError!void {
    if (is_darwin) {
        // fsync on macOS leaves the data in the drive's volatile cache; F_FULLFSYNC also
        // flushes that. Some file systems (network mounts, FAT) do not implement it.
        while (true) {
            const rc = std.c.fcntl(fd, std.c.F.FULLFSYNC);
            switch (posix.errno(rc)) {
                .SUCCESS => return,
                .INTR => continue,
                // ENOTSUP (the same number as EOPNOTSUPP in std's darwin table) or ENOTTY.
                .OPNOTSUPP, .NOTTY => break,
                else => |err| return posixFailure("fcntl(F_FULLFSYNC)", fd, err),
            }
        }
        return fsyncFd(fd);
    }
    if (builtin.os.tag == .linux and kind == .data) {
        while (true) {
            const rc = std.c.fdatasync(fd);
            switch (posix.errno(rc)) {
                .SUCCESS => return,
                .INTR => continue,
                else => |err| return posixFailure("fdatasync", fd, err),
            }
        }
    }
    return fsyncFd(fd);
}

fn fsyncFd(fd: std.c.fd_t) IOError!void {
    while (true) {
        const rc = std.c.fsync(fd);
        switch (posix.errno(rc)) {
            .SUCCESS => return,
            .INTR => continue,
            else => |err| return posixFailure("fsync", fd, err),
        }
    }
}

fn fstatFd(fd: std.c.fd_t) IOError!std.c.Stat {
    var stat: std.c.Stat = undefined;
    while (true) {
        const rc = std.c.fstat(fd, &stat);
        switch (posix.errno(rc)) {
            .SUCCESS => return stat,
            .INTR => continue,
            else => |err| return posixFailure("fstat", fd, err),
        }
    }
}

/// macOS `fstore_t` for F_PREALLOCATE (sys/fcntl.h).
const DarwinFstore = extern struct {
    flags: c_uint,
    position_mode: c_int,
    offset: std.c.off_t,
    length: std.c.off_t,
    bytes_allocated: std.c.off_t,
};
const darwin_allocate_contiguous: c_uint = 0x2;
const darwin_allocate_all: c_uint = 0x4;
/// Allocate from the physical end of the file.
const darwin_position_physical_eof: c_int = 3;

/// The real file system, rooted at one directory whose descriptor it keeps; every path is
/// resolved relative to that descriptor (openat, renameat, unlinkat, mkdirat), so renaming
/// or replacing the directory's path later does not redirect the engine's I/O.
pub const PosixFs = struct {
    dir_fd: std.c.fd_t,

    const vtable: VTable = .{
        .open = open,
        .close = close,
        .pread = pread,
        .pwrite = pwrite,
        .sync = sync,
        .size = size,
        .truncate = truncate,
        .allocate = allocate,
        .delete = delete,
        .rename = rename,
        .make_dir = makeDir,
        .sync_dir = syncDir,
        .list = list,
        .lock = lock,
        .unlock = unlock,
    };

    /// Opens `dir_path` (absolute or relative to the working directory), creating it and
    /// any missing parents first; each created directory's entry is made durable.
    pub fn init(dir_path: []const u8) IOError!PosixFs {
        var buffer: [std.fs.max_path_bytes + 1]u8 = undefined;
        if (dir_path.len == 0) return error.FileNotFound;
        if (dir_path.len > std.fs.max_path_bytes) return error.NameTooLong;
        if (std.mem.indexOfScalar(u8, dir_path, 0) != null) return error.FileNotFound;
        @memcpy(buffer[0..dir_path.len], dir_path);
        buffer[dir_path.len] = 0;
        try makePath(buffer[0..dir_path.len :0], &buffer);
        const fd = try openDirectory(std.c.AT.FDCWD, buffer[0..dir_path.len :0]);
        return .{ .dir_fd = fd };
    }

    pub fn deinit(self: *PosixFs) void {
        closeFd(self.dir_fd);
        self.* = undefined;
    }

    pub fn fs(self: *PosixFs) Fs {
        return .{ .ctx = self, .vtable = &vtable };
    }

    /// mkdir -p, cutting `path` in place at each separator.
    fn makePath(path: [:0]const u8, buffer: []u8) IOError!void {
        assert(buffer.ptr == path.ptr);
        var end: usize = 1;
        while (end <= path.len) : (end += 1) {
            if (end < path.len and path[end] != '/') continue;
            if (path[end - 1] == '/') continue;
            const saved = buffer[end];
            buffer[end] = 0;
            defer buffer[end] = saved;
            const prefix = buffer[0..end :0];
            const rc = std.c.mkdirat(std.c.AT.FDCWD, prefix, dir_mode);
            switch (posix.errno(rc)) {
                .SUCCESS => try syncParentOf(prefix),
                .EXIST => {},
                else => |err| {
                    // Some systems refuse mkdir on an existing parent they do not let us
                    // write (EACCES, EROFS); only the last component's error matters.
                    if (end == path.len) return posixFailure("mkdir", prefix, err);
                },
            }
        }
    }

    /// Makes a just-created directory's entry durable in its parent.
    fn syncParentOf(path: [:0]const u8) IOError!void {
        var buffer: [std.fs.max_path_bytes + 1]u8 = undefined;
        const parent = std.fs.path.dirnamePosix(path) orelse ".";
        @memcpy(buffer[0..parent.len], parent);
        buffer[parent.len] = 0;
        const fd = try openDirectory(std.c.AT.FDCWD, buffer[0..parent.len :0]);
        defer closeFd(fd);
        try syncFd(fd, .all);
    }

    fn fromContext(ctx: *anyopaque) *PosixFs {
        return @ptrCast(@alignCast(ctx));
    }

    fn fdOf(handle: Handle) std.c.fd_t {
        assert(handle <= std.math.maxInt(std.c.fd_t));
        return @intCast(handle);
    }

    fn handleOf(fd: std.c.fd_t) Handle {
        assert(fd >= 0);
        return @intCast(fd);
    }

    fn open(ctx: *anyopaque, path: []const u8, options: OpenOptions) IOError!Handle {
        const self = fromContext(ctx);
        assert(!options.exclusive or options.create);
        assert(!(options.read_only and options.truncate));
        var buffer: PathBuffer = undefined;
        const path_z = try terminatePath(path, &buffer);
        var flags: std.c.O = .{
            .ACCMODE = if (options.read_only) .RDONLY else .RDWR,
            .CREAT = options.create,
            .EXCL = options.exclusive,
            .TRUNC = options.truncate,
            .CLOEXEC = true,
        };
        if (builtin.os.tag == .linux) {
            if (options.direct) flags.DIRECT = true;
        }
        const fd = try openAt(self.dir_fd, path_z, flags);
        errdefer closeFd(fd);
        if (is_darwin and options.direct) {
            while (true) {
                const rc = std.c.fcntl(fd, std.c.F.NOCACHE, @as(c_int, 1));
                switch (posix.errno(rc)) {
                    .SUCCESS => break,
                    .INTR => continue,
                    else => |err| return posixFailure("fcntl(F_NOCACHE)", path_z, err),
                }
            }
        }
        return handleOf(fd);
    }

    fn close(ctx: *anyopaque, handle: Handle) void {
        _ = ctx;
        closeFd(fdOf(handle));
    }

    fn pread(ctx: *anyopaque, handle: Handle, buffer: []u8, offset: u64) IOError!usize {
        _ = ctx;
        const fd = fdOf(handle);
        const length = @min(buffer.len, io_bytes_max);
        const offset_signed = try toOffset(offset);
        while (true) {
            const rc = std.c.pread(fd, buffer.ptr, length, offset_signed);
            switch (posix.errno(rc)) {
                .SUCCESS => {
                    const count: usize = @intCast(rc);
                    assert(count <= length);
                    return count;
                },
                .INTR => continue,
                else => |err| return posixFailure("pread", fd, err),
            }
        }
    }

    fn pwrite(ctx: *anyopaque, handle: Handle, bytes: []const u8, offset: u64) IOError!usize {
        _ = ctx;
        const fd = fdOf(handle);
        const length = @min(bytes.len, io_bytes_max);
        const offset_signed = try toOffset(offset);
        _ = try toOffset(std.math.add(u64, offset, length) catch return error.FileTooBig);
        while (true) {
            const rc = std.c.pwrite(fd, bytes.ptr, length, offset_signed);
            switch (posix.errno(rc)) {
                .SUCCESS => {
                    const count: usize = @intCast(rc);
                    assert(count <= length);
                    return count;
                },
                .INTR => continue,
                else => |err| return posixFailure("pwrite", fd, err),
            }
        }
    }

    fn sync(ctx: *anyopaque, handle: Handle) IOError!void {
        _ = ctx;
        return syncFd(fdOf(handle), .data);
    }

    fn size(ctx: *anyopaque, handle: Handle) IOError!u64 {
        _ = ctx;
        const stat = try fstatFd(fdOf(handle));
        assert(stat.size >= 0);
        return @intCast(stat.size);
    }

    fn truncate(ctx: *anyopaque, handle: Handle, size_bytes: u64) IOError!void {
        _ = ctx;
        const fd = fdOf(handle);
        const length = try toOffset(size_bytes);
        while (true) {
            const rc = std.c.ftruncate(fd, length);
            switch (posix.errno(rc)) {
                .SUCCESS => return,
                .INTR => continue,
                else => |err| return posixFailure("ftruncate", fd, err),
            }
        }
    }

    fn allocate(ctx: *anyopaque, handle: Handle, size_bytes: u64) IOError!void {
        _ = ctx;
        const fd = fdOf(handle);
        const length = try toOffset(size_bytes);
        if (length == 0) return;
        switch (builtin.os.tag) {
            .linux => while (true) {
                const rc = std.c.fallocate(fd, std.os.linux.FALLOC.FL_KEEP_SIZE, 0, length);
                switch (posix.errno(rc)) {
                    .SUCCESS => return,
                    .INTR => continue,
                    // Reservation is an optimization; file systems without it still work.
                    .OPNOTSUPP, .NOSYS => return,
                    else => |err| return posixFailure("fallocate", fd, err),
                }
            },
            .macos, .ios, .tvos, .watchos, .visionos => {
                const stat = try fstatFd(fd);
                const allocated_bytes: i64 = @as(i64, stat.blocks) * 512;
                if (allocated_bytes >= length) return;
                var store: DarwinFstore = .{
                    .flags = darwin_allocate_contiguous | darwin_allocate_all,
                    .position_mode = darwin_position_physical_eof,
                    .offset = 0,
                    .length = length - allocated_bytes,
                    .bytes_allocated = 0,
                };
                // Contiguous first (sequential log reads), then any free extents.
                for (0..2) |attempt| {
                    while (true) {
                        const rc = std.c.fcntl(fd, std.c.F.PREALLOCATE, &store);
                        switch (posix.errno(rc)) {
                            .SUCCESS => return,
                            .INTR => continue,
                            .OPNOTSUPP, .NOTTY => return,
                            else => |err| {
                                if (attempt == 1) return posixFailure("fcntl(F_PREALLOCATE)", fd, err);
                                break;
                            },
                        }
                    }
                    store.flags = darwin_allocate_all;
                }
                unreachable;
            },
            else => return,
        }
    }

    fn delete(ctx: *anyopaque, path: []const u8) IOError!void {
        const self = fromContext(ctx);
        var buffer: PathBuffer = undefined;
        const path_z = try terminatePath(path, &buffer);
        const err = unlinkAt(self.dir_fd, path_z, 0);
        switch (err) {
            .SUCCESS => return,
            // An empty directory: Linux says EISDIR, macOS EPERM.
            .ISDIR, .PERM => {
                const err_dir = unlinkAt(self.dir_fd, path_z, std.c.AT.REMOVEDIR);
                switch (err_dir) {
                    .SUCCESS => return,
                    .NOTDIR => return posixFailure("unlink", path_z, err),
                    else => return posixFailure("rmdir", path_z, err_dir),
                }
            },
            else => return posixFailure("unlink", path_z, err),
        }
    }

    fn unlinkAt(dir_fd: std.c.fd_t, path: [:0]const u8, flags: u32) posix.E {
        while (true) {
            const rc = std.c.unlinkat(dir_fd, path, flags);
            const err = posix.errno(rc);
            if (err != .INTR) return err;
        }
    }

    fn rename(ctx: *anyopaque, from: []const u8, to: []const u8) IOError!void {
        const self = fromContext(ctx);
        var from_buffer: PathBuffer = undefined;
        var to_buffer: PathBuffer = undefined;
        const from_z = try terminatePath(from, &from_buffer);
        const to_z = try terminatePath(to, &to_buffer);
        while (true) {
            const rc = std.c.renameat(self.dir_fd, from_z, self.dir_fd, to_z);
            switch (posix.errno(rc)) {
                .SUCCESS => return,
                .INTR => continue,
                else => |err| return posixFailure("rename", from_z, err),
            }
        }
    }

    fn makeDir(ctx: *anyopaque, path: []const u8) IOError!void {
        const self = fromContext(ctx);
        if (isRootPath(path)) return;
        var buffer: PathBuffer = undefined;
        const path_z = try terminatePath(path, &buffer);
        const rc = std.c.mkdirat(self.dir_fd, path_z, dir_mode);
        switch (posix.errno(rc)) {
            .SUCCESS => return,
            .EXIST => {
                // Already there: fine when it is a directory.
                const fd = openDirectory(self.dir_fd, path_z) catch |err| switch (err) {
                    error.NotDir => return error.PathAlreadyExists,
                    else => return err,
                };
                closeFd(fd);
            },
            else => |err| return posixFailure("mkdir", path_z, err),
        }
    }

    fn syncDir(ctx: *anyopaque, path: []const u8) IOError!void {
        const self = fromContext(ctx);
        if (isRootPath(path)) return syncFd(self.dir_fd, .all);
        var buffer: PathBuffer = undefined;
        const path_z = try terminatePath(path, &buffer);
        const fd = try openDirectory(self.dir_fd, path_z);
        defer closeFd(fd);
        return syncFd(fd, .all);
    }

    fn list(
        ctx: *anyopaque,
        allocator: std.mem.Allocator,
        dir_path: []const u8,
        names: *std.ArrayList([]u8),
    ) (IOError || error{OutOfMemory})!void {
        const self = fromContext(ctx);
        var buffer: PathBuffer = undefined;
        const path_z = try terminatePath(dir_path, &buffer);
        const fd = try openAt(self.dir_fd, path_z, .{
            .ACCMODE = .RDONLY,
            .DIRECTORY = true,
            .CLOEXEC = true,
        });
        var dir: std.fs.Dir = .{ .fd = fd };
        defer dir.close();

        // On failure the caller's list is as it was.
        const names_len_before = names.items.len;
        errdefer {
            for (names.items[names_len_before..]) |name| allocator.free(name);
            names.shrinkRetainingCapacity(names_len_before);
        }
        var iterator = dir.iterate();
        while (true) {
            const entry = iterator.next() catch |err| {
                types.setErrorMessage("list {s}: {s}", .{ dir_path, @errorName(err) });
                return switch (err) {
                    error.AccessDenied, error.PermissionDenied => error.AccessDenied,
                    error.SystemResources => error.SystemResources,
                    else => error.Unexpected,
                };
            } orelse break;
            const name = try allocator.dupe(u8, entry.name);
            errdefer allocator.free(name);
            try names.append(allocator, name);
        }
    }

    fn lock(ctx: *anyopaque, path: []const u8) (IOError || error{Busy})!Handle {
        const self = fromContext(ctx);
        var buffer: PathBuffer = undefined;
        const path_z = try terminatePath(path, &buffer);
        const fd = try openAt(self.dir_fd, path_z, .{ .ACCMODE = .RDWR, .CREAT = true, .CLOEXEC = true });
        errdefer closeFd(fd);
        // flock locks belong to the open file description, so a second open of the same
        // file in this process conflicts too, unlike fcntl record locks.
        while (true) {
            const rc = std.c.flock(fd, std.c.LOCK.EX | std.c.LOCK.NB);
            switch (posix.errno(rc)) {
                .SUCCESS => return handleOf(fd),
                .INTR => continue,
                .AGAIN => {
                    types.setErrorMessage("lock {s}: held by another process or handle", .{path});
                    return error.Busy;
                },
                else => |err| return posixFailure("flock", path_z, err),
            }
        }
    }

    fn unlock(ctx: *anyopaque, handle: Handle) void {
        _ = ctx;
        const fd = fdOf(handle);
        // Closing releases the lock too; unlocking first makes the release explicit.
        _ = std.c.flock(fd, std.c.LOCK.UN);
        closeFd(fd);
    }
};

/// A deterministic simulated disk for crash and fault tests.
///
/// Files are inodes holding `data` (what reads see), `durable` (what survives power loss)
/// and the writes and truncates issued since the inode's last sync, which a crash may keep,
/// drop or tear. Every name has a current and a durable binding: create, rename and delete
/// change the current one, `syncDir` copies the current bindings of one directory to the
/// durable ones. An inode lives while a current name, a durable name or an open handle
/// refers to it, so an unlinked file stays readable through its handles (POSIX) and a
/// deleted name whose deletion was never synced comes back after a crash.
///
/// Determinism: given the seed and the same sequence of calls, every outcome (torn bytes,
/// short transfers, partial writes) is the same. One mutex serializes all calls, so the
/// engine's background threads may share it; their interleaving is then the only source of
/// nondeterminism.
///
/// Misuse that would be a bug in the engine (a closed handle, a write through a read-only
/// handle, unaligned direct I/O) panics instead of returning an error, so a test points at
/// the bug.
pub const SimFs = struct {
    allocator: std.mem.Allocator,
    mutex: std.Thread.Mutex = .{},
    prng: std.Random.DefaultPrng,

    /// When set, the durability operation with this index (0-based, counting as
    /// `durabilityOpCount` does) and every operation after it fail with error.InputOutput
    /// and change nothing, until `crash`. Set it before the workload starts, or with
    /// `setCrashAtOp` while other threads use the disk.
    crash_at_op: ?u64 = null,
    /// Writes and truncates that would grow the total size of all files past this fail
    /// with error.NoSpaceLeft.
    capacity_bytes: ?u64 = null,
    /// Reads and writes sometimes move fewer bytes than asked (never on direct handles),
    /// to exercise the callers' loops.
    short_io: bool = false,

    /// Path → bindings; keys are owned. Array maps keep iteration in a deterministic order.
    names: std.StringArrayHashMapUnmanaged(Name) = .empty,
    inodes: std.AutoArrayHashMapUnmanaged(u64, *Inode) = .empty,
    /// Handle slot → open file. A handle is `epoch << 32 | slot`, so a handle from before
    /// a crash is recognised as stale.
    handles: std.AutoArrayHashMapUnmanaged(u32, Open) = .empty,
    faults: std.ArrayList(Fault) = .empty,
    trace_entries: []TraceEntry = &.{},
    /// Operations recorded since the trace was enabled; the ring keeps the last ones.
    trace_count: u64 = 0,

    inode_id_next: u64 = 1,
    handle_slot_next: u32 = 1,
    epoch: u32 = 1,
    durability_ops: u64 = 0,
    frozen: bool = false,
    /// Sum of the current sizes of all live inodes.
    data_bytes_total: u64 = 0,
    crash_count: u64 = 0,

    pub const CrashMode = enum {
        /// Only synced data survives.
        lose_unsynced,
        /// Each file keeps a random prefix of its unsynced writes and truncates, in order;
        /// the last kept write may be cut at a random byte.
        torn_prefix,
        /// Each unsynced write is independently kept, dropped or cut at a random byte;
        /// each unsynced truncate is kept or dropped.
        random_subset,
    };

    pub const FaultOp = enum {
        read,
        write,
        sync,
        /// Opening a file, and taking a lock (which opens it).
        open,
        rename,
        delete,
        sync_dir,
        truncate,
        allocate,
        make_dir,
        list,
        any,
    };

    pub const FaultRule = struct {
        op: FaultOp,
        /// Only operations whose path (either path, for rename) contains this.
        path_contains: ?[]const u8 = null,
        /// Let this many matching operations pass first.
        skip: u64 = 0,
        /// Fail this many matching operations, then stop; null fails forever.
        times: ?u64 = 1,
        err: IOError = error.InputOutput,
        /// A failing write first applies a random prefix of its bytes (not synced).
        partial_write: bool = false,
    };

    pub const TraceOp = enum {
        open,
        close,
        read,
        write,
        sync,
        size,
        truncate,
        allocate,
        delete,
        rename,
        make_dir,
        sync_dir,
        list,
        lock,
        unlock,
        crash,
    };

    pub const trace_path_bytes_max = 64;

    /// Files up to this size are compared byte for byte (durable against data) after each
    /// sync.
    const sync_compare_bytes_max = 64 * 1024;

    pub const TraceEntry = struct {
        sequence: u64,
        op: TraceOp,
        /// The path (for handle operations, the path the handle was opened with), cut to
        /// `trace_path_bytes_max`.
        path_buffer: [trace_path_bytes_max]u8,
        path_len: u8,
        offset: u64,
        length: u64,
        /// null on success.
        result: ?anyerror,

        pub fn path(entry: *const TraceEntry) []const u8 {
            return entry.path_buffer[0..entry.path_len];
        }
    };

    const Entry = union(enum) {
        file: *Inode,
        dir,
    };

    const Name = struct {
        current: ?Entry,
        durable: ?Entry,
    };

    const Binding = enum { current, durable };

    const Pending = union(enum) {
        write: struct { offset: usize, bytes: []u8 },
        truncate: usize,
    };

    const Inode = struct {
        id: u64,
        data: std.ArrayList(u8) = .empty,
        durable: std.ArrayList(u8) = .empty,
        /// Writes and truncates since the last sync, oldest first; write bytes are owned.
        pending: std.ArrayList(Pending) = .empty,
        links_current: u32 = 0,
        links_durable: u32 = 0,
        opens: u32 = 0,
        locked: bool = false,
        /// A failed sync dropped unsynced writes: reads see bytes no later sync persists.
        sync_lost: bool = false,
    };

    const Open = struct {
        inode: *Inode,
        /// Owned; for faults and the trace.
        path: []u8,
        read_only: bool,
        direct: bool,
        is_lock: bool,
    };

    const Fault = struct {
        /// `path_contains` is owned.
        rule: FaultRule,
        matched: u64 = 0,
        fired: u64 = 0,
    };

    const vtable: VTable = .{
        .open = open,
        .close = close,
        .pread = pread,
        .pwrite = pwrite,
        .sync = sync,
        .size = size,
        .truncate = truncate,
        .allocate = allocate,
        .delete = delete,
        .rename = rename,
        .make_dir = makeDir,
        .sync_dir = syncDir,
        .list = list,
        .lock = lock,
        .unlock = unlock,
    };

    /// An empty disk whose root directory exists (and is durable).
    pub fn init(allocator: std.mem.Allocator, seed: u64) error{OutOfMemory}!SimFs {
        return .{ .allocator = allocator, .prng = .init(seed) };
    }

    pub fn deinit(self: *SimFs) void {
        for (self.handles.values()) |*handle| self.allocator.free(handle.path);
        self.handles.deinit(self.allocator);
        for (self.names.keys()) |key| self.allocator.free(key);
        self.names.deinit(self.allocator);
        for (self.inodes.values()) |inode| self.inodeDestroy(inode);
        self.inodes.deinit(self.allocator);
        for (self.faults.items) |fault| {
            if (fault.rule.path_contains) |needle| self.allocator.free(needle);
        }
        self.faults.deinit(self.allocator);
        self.allocator.free(self.trace_entries);
        self.* = undefined;
    }

    pub fn fs(self: *SimFs) Fs {
        return .{ .ctx = self, .vtable = &vtable };
    }

    // -----------------------------------------------------------------------------------
    // Test controls.

    /// Power loss: names revert to their durable bindings, each file to its durable bytes
    /// plus what `mode` keeps of its unsynced writes. Every handle and lock becomes invalid
    /// (using one returns error.InputOutput), a frozen disk works again and `crash_at_op` is
    /// cleared. The durability operation counter keeps counting.
    pub fn crash(self: *SimFs, mode: CrashMode) void {
        self.mutex.lock();
        defer self.mutex.unlock();

        for (self.handles.values()) |*handle| {
            assert(handle.inode.opens > 0);
            handle.inode.opens -= 1;
            if (handle.is_lock) handle.inode.locked = false;
            self.allocator.free(handle.path);
            self.inodeMaybeFree(handle.inode);
        }
        self.handles.clearRetainingCapacity();
        self.epoch += 1;

        // A durable name inside a directory whose own name never became durable is
        // unreachable after the crash.
        var index = self.names.count();
        while (index > 0) {
            index -= 1;
            const key = self.names.keys()[index];
            if (self.names.values()[index].durable != null and !self.durableAncestorsExist(key)) {
                self.bindAt(index, .durable, null);
            }
        }
        index = self.names.count();
        while (index > 0) {
            index -= 1;
            self.bindAt(index, .current, self.names.values()[index].durable);
        }

        self.data_bytes_total = 0;
        for (self.inodes.values()) |inode| {
            assert(inode.opens == 0);
            assert(inode.links_durable > 0);
            assert(inode.links_current == inode.links_durable);
            self.inodeCrash(inode, mode);
            self.data_bytes_total += inode.data.items.len;
        }
        self.frozen = false;
        self.crash_at_op = null;
        self.crash_count += 1;
        self.traceRecord(.crash, @tagName(mode), 0, 0, {});
    }

    /// Fails matching operations from now on; see `FaultRule`.
    pub fn addFault(self: *SimFs, rule: FaultRule) error{OutOfMemory}!void {
        assert(rule.times == null or rule.times.? > 0);
        assert(!rule.partial_write or rule.op == .write or rule.op == .any);
        self.mutex.lock();
        defer self.mutex.unlock();
        var owned = rule;
        if (rule.path_contains) |needle| owned.path_contains = try self.allocator.dupe(u8, needle);
        errdefer if (owned.path_contains) |needle| self.allocator.free(needle);
        try self.faults.append(self.allocator, .{ .rule = owned });
    }

    pub fn clearFaults(self: *SimFs) void {
        self.mutex.lock();
        defer self.mutex.unlock();
        for (self.faults.items) |fault| {
            if (fault.rule.path_contains) |needle| self.allocator.free(needle);
        }
        self.faults.clearRetainingCapacity();
    }

    /// Durability operations (pwrite, truncate, sync, syncDir, rename, delete, create,
    /// makeDir, truncating open) attempted so far.
    pub fn durabilityOpCount(self: *SimFs) u64 {
        self.mutex.lock();
        defer self.mutex.unlock();
        return self.durability_ops;
    }

    pub fn setCrashAtOp(self: *SimFs, op_index: ?u64) void {
        self.mutex.lock();
        defer self.mutex.unlock();
        self.crash_at_op = op_index;
    }

    pub fn setCapacity(self: *SimFs, capacity_bytes: ?u64) void {
        self.mutex.lock();
        defer self.mutex.unlock();
        self.capacity_bytes = capacity_bytes;
    }

    /// Whether `crash_at_op` was reached and the disk waits for `crash`.
    pub fn isFrozen(self: *SimFs) bool {
        self.mutex.lock();
        defer self.mutex.unlock();
        return self.frozen;
    }

    /// Bit rot: flips one bit of the file at `path` in both what reads see and what
    /// survives a crash. Panics when the file or the offset does not exist.
    pub fn flipBit(self: *SimFs, path: []const u8, offset: u64, bit: u3) void {
        self.mutex.lock();
        defer self.mutex.unlock();
        var buffer: [path_bytes_max]u8 = undefined;
        const normalized = normalizePath(path, &buffer) catch @panic("SimFs.flipBit: bad path");
        const inode = self.fileAt(normalized, .current) orelse @panic("SimFs.flipBit: no such file");
        const mask = @as(u8, 1) << bit;
        var flipped = false;
        if (offset < inode.data.items.len) {
            inode.data.items[@intCast(offset)] ^= mask;
            flipped = true;
        }
        if (offset < inode.durable.items.len) {
            inode.durable.items[@intCast(offset)] ^= mask;
            flipped = true;
        }
        if (!flipped) @panic("SimFs.flipBit: offset past the end of the file");
    }

    /// What a crash would leave at `path` if no unsynced write survived: the durable bytes
    /// of the durable binding. Caller owns the result.
    pub fn readDurable(self: *SimFs, allocator: std.mem.Allocator, path: []const u8) (IOError || error{OutOfMemory})![]u8 {
        self.mutex.lock();
        defer self.mutex.unlock();
        var buffer: [path_bytes_max]u8 = undefined;
        const inode = self.fileAt(try normalizePath(path, &buffer), .durable) orelse return error.FileNotFound;
        return allocator.dupe(u8, inode.durable.items);
    }

    /// What reads of `path` see now. Caller owns the result.
    pub fn readData(self: *SimFs, allocator: std.mem.Allocator, path: []const u8) (IOError || error{OutOfMemory})![]u8 {
        self.mutex.lock();
        defer self.mutex.unlock();
        var buffer: [path_bytes_max]u8 = undefined;
        const inode = self.fileAt(try normalizePath(path, &buffer), .current) orelse return error.FileNotFound;
        return allocator.dupe(u8, inode.data.items);
    }

    pub fn fileSize(self: *SimFs, path: []const u8) IOError!u64 {
        self.mutex.lock();
        defer self.mutex.unlock();
        var buffer: [path_bytes_max]u8 = undefined;
        const inode = self.fileAt(try normalizePath(path, &buffer), .current) orelse return error.FileNotFound;
        return inode.data.items.len;
    }

    /// Whether a file or directory is at `path` now.
    pub fn exists(self: *SimFs, path: []const u8) bool {
        return self.existsIn(path, .current);
    }

    /// Whether a file or directory at `path` would survive a crash.
    pub fn existsDurable(self: *SimFs, path: []const u8) bool {
        return self.existsIn(path, .durable);
    }

    fn existsIn(self: *SimFs, path: []const u8, comptime binding: Binding) bool {
        self.mutex.lock();
        defer self.mutex.unlock();
        var buffer: [path_bytes_max]u8 = undefined;
        const normalized = normalizePath(path, &buffer) catch return false;
        return self.entryAt(normalized, binding) != null;
    }

    pub fn inodeCount(self: *SimFs) usize {
        self.mutex.lock();
        defer self.mutex.unlock();
        return self.inodes.count();
    }

    pub fn dataBytesTotal(self: *SimFs) u64 {
        self.mutex.lock();
        defer self.mutex.unlock();
        return self.data_bytes_total;
    }

    pub fn openHandleCount(self: *SimFs) usize {
        self.mutex.lock();
        defer self.mutex.unlock();
        return self.handles.count();
    }

    /// Recounts every reference and size from scratch and panics on a mismatch; the
    /// randomized tests call it after every step.
    pub fn checkInvariants(self: *SimFs) void {
        self.mutex.lock();
        defer self.mutex.unlock();
        var data_bytes_total: u64 = 0;
        for (self.inodes.keys(), self.inodes.values()) |id, inode| {
            if (id != inode.id) @panic("SimFs: inode map key");
            var links_current: u32 = 0;
            var links_durable: u32 = 0;
            var opens: u32 = 0;
            var locks: u32 = 0;
            for (self.names.values()) |name| {
                if (name.current) |entry| if (entry == .file and entry.file == inode) {
                    links_current += 1;
                };
                if (name.durable) |entry| if (entry == .file and entry.file == inode) {
                    links_durable += 1;
                };
            }
            for (self.handles.values()) |handle| {
                if (handle.inode != inode) continue;
                opens += 1;
                if (handle.is_lock) locks += 1;
            }
            if (links_current != inode.links_current) @panic("SimFs: current link count");
            if (links_durable != inode.links_durable) @panic("SimFs: durable link count");
            if (opens != inode.opens) @panic("SimFs: open count");
            if (locks > 1 or (locks == 1) != inode.locked) @panic("SimFs: lock state");
            if (links_current + links_durable + opens == 0) @panic("SimFs: unreferenced inode");
            data_bytes_total += inode.data.items.len;
        }
        if (data_bytes_total != self.data_bytes_total) @panic("SimFs: data byte total");
        for (self.names.keys(), self.names.values()) |key, name| {
            if (name.current == null and name.durable == null) @panic("SimFs: empty name");
            if (key.len == 0) @panic("SimFs: root in the name map");
            inline for (.{ name.current, name.durable }) |binding| {
                if (binding) |entry| if (entry == .file and self.inodes.get(entry.file.id) != entry.file) {
                    @panic("SimFs: name refers to a freed inode");
                };
            }
        }
    }

    /// Keeps the last `entries_max` operations (op, path, offset, length, result).
    pub fn enableTrace(self: *SimFs, entries_max: u32) error{OutOfMemory}!void {
        assert(entries_max > 0);
        self.mutex.lock();
        defer self.mutex.unlock();
        const entries = try self.allocator.alloc(TraceEntry, entries_max);
        self.allocator.free(self.trace_entries);
        self.trace_entries = entries;
        self.trace_count = 0;
    }

    pub fn disableTrace(self: *SimFs) void {
        self.mutex.lock();
        defer self.mutex.unlock();
        self.allocator.free(self.trace_entries);
        self.trace_entries = &.{};
        self.trace_count = 0;
    }

    /// The retained trace, oldest first. Caller owns the result.
    pub fn traceSnapshot(self: *SimFs, allocator: std.mem.Allocator) error{OutOfMemory}![]TraceEntry {
        self.mutex.lock();
        defer self.mutex.unlock();
        const capacity: u64 = self.trace_entries.len;
        const retained: usize = @intCast(@min(self.trace_count, capacity));
        const snapshot = try allocator.alloc(TraceEntry, retained);
        const first = self.trace_count - retained;
        for (snapshot, 0..) |*entry, i| {
            entry.* = self.trace_entries[@intCast((first + i) % capacity)];
            assert(entry.sequence == first + i);
        }
        return snapshot;
    }

    /// Prints the retained trace to stderr, for a failing seed.
    pub fn dumpTrace(self: *SimFs) void {
        self.mutex.lock();
        defer self.mutex.unlock();
        const capacity: u64 = self.trace_entries.len;
        const retained = @min(self.trace_count, capacity);
        std.debug.print("SimFs trace: last {d} of {d} operations\n", .{ retained, self.trace_count });
        var sequence = self.trace_count - retained;
        while (sequence < self.trace_count) : (sequence += 1) {
            const entry = &self.trace_entries[@intCast(sequence % capacity)];
            std.debug.print("  #{d} {s} '{s}' offset={d} length={d} -> {s}\n", .{
                entry.sequence,
                @tagName(entry.op),
                entry.path(),
                entry.offset,
                entry.length,
                if (entry.result) |err| @errorName(err) else "ok",
            });
        }
    }

    // -----------------------------------------------------------------------------------
    // The Fs interface.

    fn fromContext(ctx: *anyopaque) *SimFs {
        return @ptrCast(@alignCast(ctx));
    }

    fn open(ctx: *anyopaque, path: []const u8, options: OpenOptions) IOError!Handle {
        const self = fromContext(ctx);
        self.mutex.lock();
        defer self.mutex.unlock();
        const result = self.openLocked(path, options);
        self.traceRecord(.open, path, 0, 0, result);
        return result;
    }

    fn openLocked(self: *SimFs, path_raw: []const u8, options: OpenOptions) IOError!Handle {
        assert(!options.exclusive or options.create);
        assert(!(options.read_only and options.truncate));
        try self.checkAlive();
        var buffer: [path_bytes_max]u8 = undefined;
        const path = try normalizePath(path_raw, &buffer);
        if (path.len == 0) return error.IsDir;
        const inode = try self.openInode(path, options);
        return self.handleCreate(inode, path, options.read_only, options.direct, false);
    }

    /// Finds or creates the file for open and lock, applying O_EXCL and O_TRUNC.
    fn openInode(self: *SimFs, path: []const u8, options: OpenOptions) IOError!*Inode {
        if (self.entryAt(path, .current)) |entry| {
            const inode = switch (entry) {
                .dir => return error.IsDir,
                .file => |inode| inode,
            };
            if (options.create and options.exclusive) return error.PathAlreadyExists;
            if (options.truncate) try self.durabilityOp();
            try self.faultCheck(.open, path, null);
            if (options.truncate) try self.inodeTruncate(inode, 0);
            return inode;
        }
        if (!options.create) return error.FileNotFound;
        try self.requireParentDirectory(path);
        try self.durabilityOp();
        try self.faultCheck(.open, path, null);
        const inode = try self.inodeCreate();
        errdefer self.inodeMaybeFree(inode);
        try self.bind(path, .current, .{ .file = inode });
        return inode;
    }

    fn close(ctx: *anyopaque, handle: Handle) void {
        const self = fromContext(ctx);
        self.mutex.lock();
        defer self.mutex.unlock();
        self.traceRecord(.close, self.handlePath(handle), 0, 0, {});
        self.handleDestroy(handle, false);
    }

    fn pread(ctx: *anyopaque, handle: Handle, buffer: []u8, offset: u64) IOError!usize {
        const self = fromContext(ctx);
        self.mutex.lock();
        defer self.mutex.unlock();
        const result = self.preadLocked(handle, buffer, offset);
        self.traceRecord(.read, self.handlePath(handle), offset, buffer.len, result);
        return result;
    }

    fn preadLocked(self: *SimFs, handle: Handle, buffer: []u8, offset: u64) IOError!usize {
        try self.checkAlive();
        const file = try self.handleGet(handle);
        if (file.direct) assertDirectAligned(@intFromPtr(buffer.ptr), buffer.len, offset);
        try self.faultCheck(.read, file.path, null);
        const data = file.inode.data.items;
        if (offset >= data.len) return 0;
        const start: usize = @intCast(offset);
        var count = @min(buffer.len, data.len - start);
        if (!file.direct) count = self.shortCount(count);
        @memcpy(buffer[0..count], data[start..][0..count]);
        return count;
    }

    fn pwrite(ctx: *anyopaque, handle: Handle, bytes: []const u8, offset: u64) IOError!usize {
        const self = fromContext(ctx);
        self.mutex.lock();
        defer self.mutex.unlock();
        const result = self.pwriteLocked(handle, bytes, offset);
        self.traceRecord(.write, self.handlePath(handle), offset, bytes.len, result);
        return result;
    }

    fn pwriteLocked(self: *SimFs, handle: Handle, bytes: []const u8, offset: u64) IOError!usize {
        try self.checkAlive();
        const file = try self.handleGet(handle);
        if (file.read_only) @panic("SimFs: write through a read-only handle");
        if (file.direct) assertDirectAligned(@intFromPtr(bytes.ptr), bytes.len, offset);
        try self.durabilityOp();
        const start = std.math.cast(usize, offset) orelse return error.FileTooBig;
        if (self.faultMatch(.write, file.path, null)) |rule| {
            if (rule.partial_write and bytes.len > 0) {
                const kept = self.prng.random().uintLessThan(usize, bytes.len);
                // Best effort: the write fails anyway, with the rule's error.
                self.inodeWrite(file.inode, bytes[0..kept], start) catch {};
            }
            return rule.err;
        }
        const count = if (file.direct) bytes.len else self.shortCount(bytes.len);
        try self.inodeWrite(file.inode, bytes[0..count], start);
        return count;
    }

    fn sync(ctx: *anyopaque, handle: Handle) IOError!void {
        const self = fromContext(ctx);
        self.mutex.lock();
        defer self.mutex.unlock();
        const result = self.syncLocked(handle);
        self.traceRecord(.sync, self.handlePath(handle), 0, 0, result);
        return result;
    }

    fn syncLocked(self: *SimFs, handle: Handle) IOError!void {
        try self.checkAlive();
        const file = try self.handleGet(handle);
        try self.durabilityOp();
        if (self.faultMatch(.sync, file.path, null)) |rule| {
            // As Linux does after a failed fsync: the unsynced pages are marked clean, so
            // reads still see them but no later sync writes them. Nothing becomes durable.
            pendingFree(self.allocator, file.inode);
            file.inode.sync_lost = true;
            return rule.err;
        }
        return self.inodeSync(file.inode);
    }

    fn size(ctx: *anyopaque, handle: Handle) IOError!u64 {
        const self = fromContext(ctx);
        self.mutex.lock();
        defer self.mutex.unlock();
        const result = self.sizeLocked(handle);
        self.traceRecord(.size, self.handlePath(handle), 0, 0, result);
        return result;
    }

    fn sizeLocked(self: *SimFs, handle: Handle) IOError!u64 {
        try self.checkAlive();
        const file = try self.handleGet(handle);
        return file.inode.data.items.len;
    }

    fn truncate(ctx: *anyopaque, handle: Handle, size_bytes: u64) IOError!void {
        const self = fromContext(ctx);
        self.mutex.lock();
        defer self.mutex.unlock();
        const result = self.truncateLocked(handle, size_bytes);
        self.traceRecord(.truncate, self.handlePath(handle), size_bytes, 0, result);
        return result;
    }

    fn truncateLocked(self: *SimFs, handle: Handle, size_bytes: u64) IOError!void {
        try self.checkAlive();
        const file = try self.handleGet(handle);
        if (file.read_only) @panic("SimFs: truncate through a read-only handle");
        try self.durabilityOp();
        const length = std.math.cast(usize, size_bytes) orelse return error.FileTooBig;
        try self.faultCheck(.truncate, file.path, null);
        return self.inodeTruncate(file.inode, length);
    }

    fn allocate(ctx: *anyopaque, handle: Handle, size_bytes: u64) IOError!void {
        const self = fromContext(ctx);
        self.mutex.lock();
        defer self.mutex.unlock();
        const result = self.allocateLocked(handle, size_bytes);
        self.traceRecord(.allocate, self.handlePath(handle), 0, size_bytes, result);
        return result;
    }

    /// Like fallocate(KEEP_SIZE): reports NoSpaceLeft early, changes nothing visible. The
    /// space is not reserved; later writes check the capacity again.
    fn allocateLocked(self: *SimFs, handle: Handle, size_bytes: u64) IOError!void {
        try self.checkAlive();
        const file = try self.handleGet(handle);
        try self.faultCheck(.allocate, file.path, null);
        const length = std.math.cast(usize, size_bytes) orelse return error.FileTooBig;
        try self.checkCapacity(file.inode, length);
    }

    fn delete(ctx: *anyopaque, path: []const u8) IOError!void {
        const self = fromContext(ctx);
        self.mutex.lock();
        defer self.mutex.unlock();
        const result = self.deleteLocked(path);
        self.traceRecord(.delete, path, 0, 0, result);
        return result;
    }

    fn deleteLocked(self: *SimFs, path_raw: []const u8) IOError!void {
        try self.checkAlive();
        var buffer: [path_bytes_max]u8 = undefined;
        const path = try normalizePath(path_raw, &buffer);
        if (path.len == 0) return error.AccessDenied;
        try self.durabilityOp();
        try self.faultCheck(.delete, path, null);
        const entry = self.entryAt(path, .current) orelse return error.FileNotFound;
        // Like rmdir: only an empty directory goes (ENOTEMPTY maps to Unexpected).
        if (entry == .dir and self.hasChildren(path)) return error.Unexpected;
        const index = self.names.getIndex(path).?;
        self.bindAt(index, .current, null);
    }

    fn rename(ctx: *anyopaque, from: []const u8, to: []const u8) IOError!void {
        const self = fromContext(ctx);
        self.mutex.lock();
        defer self.mutex.unlock();
        const result = self.renameLocked(from, to);
        self.traceRecord(.rename, from, 0, 0, result);
        return result;
    }

    /// Files only: the engine never renames directories.
    fn renameLocked(self: *SimFs, from_raw: []const u8, to_raw: []const u8) IOError!void {
        try self.checkAlive();
        var from_buffer: [path_bytes_max]u8 = undefined;
        var to_buffer: [path_bytes_max]u8 = undefined;
        const from = try normalizePath(from_raw, &from_buffer);
        const to = try normalizePath(to_raw, &to_buffer);
        try self.durabilityOp();
        try self.faultCheck(.rename, from, to);
        if (from.len == 0 or to.len == 0) return error.IsDir;
        const inode = self.fileAt(from, .current) orelse {
            return if (self.entryAt(from, .current) == null) error.FileNotFound else error.IsDir;
        };
        try self.requireParentDirectory(to);
        if (self.entryAt(to, .current)) |entry| switch (entry) {
            .dir => return error.IsDir,
            // The same file under both names (POSIX): nothing to do.
            .file => |target| if (target == inode) return,
        };
        // Bind the new name first: the inode never drops to zero links in between.
        try self.bind(to, .current, .{ .file = inode });
        const index = self.names.getIndex(from).?;
        self.bindAt(index, .current, null);
    }

    fn makeDir(ctx: *anyopaque, path: []const u8) IOError!void {
        const self = fromContext(ctx);
        self.mutex.lock();
        defer self.mutex.unlock();
        const result = self.makeDirLocked(path);
        self.traceRecord(.make_dir, path, 0, 0, result);
        return result;
    }

    fn makeDirLocked(self: *SimFs, path_raw: []const u8) IOError!void {
        try self.checkAlive();
        var buffer: [path_bytes_max]u8 = undefined;
        const path = try normalizePath(path_raw, &buffer);
        if (self.entryAt(path, .current)) |entry| switch (entry) {
            .dir => return,
            .file => return error.PathAlreadyExists,
        };
        try self.requireParentDirectory(path);
        try self.durabilityOp();
        try self.faultCheck(.make_dir, path, null);
        try self.bind(path, .current, .dir);
    }

    fn syncDir(ctx: *anyopaque, path: []const u8) IOError!void {
        const self = fromContext(ctx);
        self.mutex.lock();
        defer self.mutex.unlock();
        const result = self.syncDirLocked(path);
        self.traceRecord(.sync_dir, path, 0, 0, result);
        return result;
    }

    fn syncDirLocked(self: *SimFs, path_raw: []const u8) IOError!void {
        try self.checkAlive();
        var buffer: [path_bytes_max]u8 = undefined;
        const path = try normalizePath(path_raw, &buffer);
        try self.requireDirectory(path);
        try self.durabilityOp();
        try self.faultCheck(.sync_dir, path, null);
        // Backwards: `bindAt` may swap the last name into `index`, already visited.
        var index = self.names.count();
        while (index > 0) {
            index -= 1;
            const key = self.names.keys()[index];
            if (!std.mem.eql(u8, parentOf(key), path)) continue;
            const name = self.names.values()[index];
            if (!entryEql(name.current, name.durable)) self.bindAt(index, .durable, name.current);
        }
    }

    fn list(
        ctx: *anyopaque,
        allocator: std.mem.Allocator,
        dir_path: []const u8,
        names: *std.ArrayList([]u8),
    ) (IOError || error{OutOfMemory})!void {
        const self = fromContext(ctx);
        self.mutex.lock();
        defer self.mutex.unlock();
        const result = self.listLocked(allocator, dir_path, names);
        self.traceRecord(.list, dir_path, 0, 0, result);
        return result;
    }

    fn listLocked(
        self: *SimFs,
        allocator: std.mem.Allocator,
        dir_path: []const u8,
        names: *std.ArrayList([]u8),
    ) (IOError || error{OutOfMemory})!void {
        try self.checkAlive();
        var buffer: [path_bytes_max]u8 = undefined;
        const path = try normalizePath(dir_path, &buffer);
        try self.requireDirectory(path);
        try self.faultCheck(.list, path, null);
        const names_len_before = names.items.len;
        errdefer {
            for (names.items[names_len_before..]) |name| allocator.free(name);
            names.shrinkRetainingCapacity(names_len_before);
        }
        for (self.names.keys(), self.names.values()) |key, name| {
            if (name.current == null) continue;
            if (!std.mem.eql(u8, parentOf(key), path)) continue;
            const copy = try allocator.dupe(u8, baseName(key));
            errdefer allocator.free(copy);
            try names.append(allocator, copy);
        }
        // Sorted, so that runs do not depend on the map's layout.
        std.mem.sort([]u8, names.items[names_len_before..], {}, lessThanBytes);
    }

    fn lock(ctx: *anyopaque, path: []const u8) (IOError || error{Busy})!Handle {
        const self = fromContext(ctx);
        self.mutex.lock();
        defer self.mutex.unlock();
        const result = self.lockLocked(path);
        self.traceRecord(.lock, path, 0, 0, result);
        return result;
    }

    fn lockLocked(self: *SimFs, path_raw: []const u8) (IOError || error{Busy})!Handle {
        try self.checkAlive();
        var buffer: [path_bytes_max]u8 = undefined;
        const path = try normalizePath(path_raw, &buffer);
        if (path.len == 0) return error.IsDir;
        const inode = try self.openInode(path, .{ .create = true });
        if (inode.locked) return error.Busy;
        const handle = try self.handleCreate(inode, path, false, false, true);
        inode.locked = true;
        return handle;
    }

    fn unlock(ctx: *anyopaque, handle: Handle) void {
        const self = fromContext(ctx);
        self.mutex.lock();
        defer self.mutex.unlock();
        self.traceRecord(.unlock, self.handlePath(handle), 0, 0, {});
        self.handleDestroy(handle, true);
    }

    // -----------------------------------------------------------------------------------
    // Internals; the mutex is held.

    fn checkAlive(self: *SimFs) IOError!void {
        if (self.frozen) return error.InputOutput;
    }

    /// Counts one durability operation; at `crash_at_op` the disk freezes.
    fn durabilityOp(self: *SimFs) IOError!void {
        assert(!self.frozen);
        const index = self.durability_ops;
        self.durability_ops += 1;
        if (self.crash_at_op) |crash_index| {
            if (index >= crash_index) {
                self.frozen = true;
                return error.InputOutput;
            }
        }
    }

    fn faultMatch(self: *SimFs, op: FaultOp, path: []const u8, path_other: ?[]const u8) ?FaultRule {
        assert(op != .any);
        for (self.faults.items) |*fault| {
            const rule = &fault.rule;
            if (rule.op != .any and rule.op != op) continue;
            if (rule.path_contains) |needle| {
                const in_path = std.mem.indexOf(u8, path, needle) != null;
                const in_other = if (path_other) |other| std.mem.indexOf(u8, other, needle) != null else false;
                if (!in_path and !in_other) continue;
            }
            if (rule.times) |times| {
                if (fault.fired >= times) continue;
            }
            fault.matched += 1;
            if (fault.matched <= rule.skip) continue;
            fault.fired += 1;
            return rule.*;
        }
        return null;
    }

    fn faultCheck(self: *SimFs, op: FaultOp, path: []const u8, path_other: ?[]const u8) IOError!void {
        if (self.faultMatch(op, path, path_other)) |rule| return rule.err;
    }

    /// With `short_io`, a quarter of the transfers move a random shorter count.
    fn shortCount(self: *SimFs, count: usize) usize {
        if (!self.short_io or count < 2) return count;
        const random = self.prng.random();
        if (random.uintLessThan(u8, 4) != 0) return count;
        return 1 + random.uintLessThan(usize, count - 1);
    }

    fn checkCapacity(self: *SimFs, inode: *const Inode, end: usize) IOError!void {
        const capacity = self.capacity_bytes orelse return;
        const growth = end -| inode.data.items.len;
        // Only growth is refused: a crash may leave the disk above capacity (a dropped
        // truncate), and shrinking or overwriting must still work then.
        if (growth > 0 and self.data_bytes_total + growth > capacity) return error.NoSpaceLeft;
    }

    fn traceRecord(self: *SimFs, op: TraceOp, path: []const u8, offset: u64, length: u64, result: anytype) void {
        if (self.trace_entries.len == 0) return;
        const err: ?anyerror = if (@TypeOf(result) == void) null else if (result) |_| null else |e| e;
        const capacity: u64 = self.trace_entries.len;
        const entry = &self.trace_entries[@intCast(self.trace_count % capacity)];
        const path_len = @min(path.len, trace_path_bytes_max);
        entry.* = .{
            .sequence = self.trace_count,
            .op = op,
            .path_buffer = undefined,
            .path_len = @intCast(path_len),
            .offset = offset,
            .length = length,
            .result = err,
        };
        @memcpy(entry.path_buffer[0..path_len], path[0..path_len]);
        self.trace_count += 1;
    }

    fn handleCreate(self: *SimFs, inode: *Inode, path: []const u8, read_only: bool, direct: bool, is_lock: bool) IOError!Handle {
        const path_copy = self.allocator.dupe(u8, path) catch return error.SystemResources;
        errdefer self.allocator.free(path_copy);
        const slot = self.handle_slot_next;
        assert(slot < std.math.maxInt(u32));
        self.handles.putNoClobber(self.allocator, slot, .{
            .inode = inode,
            .path = path_copy,
            .read_only = read_only,
            .direct = direct,
            .is_lock = is_lock,
        }) catch return error.SystemResources;
        self.handle_slot_next += 1;
        inode.opens += 1;
        return (@as(u64, self.epoch) << 32) | slot;
    }

    /// The open file behind `handle`; error.InputOutput when a crash invalidated it.
    fn handleGet(self: *SimFs, handle: Handle) IOError!*Open {
        const epoch: u32 = @intCast(handle >> 32);
        if (epoch != self.epoch) {
            assert(epoch < self.epoch);
            return error.InputOutput;
        }
        const file = self.handles.getPtr(@truncate(handle)) orelse @panic("SimFs: handle used after close");
        if (file.is_lock) @panic("SimFs: file operation on a lock handle");
        return file;
    }

    fn handlePath(self: *SimFs, handle: Handle) []const u8 {
        if (handle >> 32 != self.epoch) return "(from before a crash)";
        const file = self.handles.getPtr(@truncate(handle)) orelse return "(closed)";
        return file.path;
    }

    fn handleDestroy(self: *SimFs, handle: Handle, is_lock: bool) void {
        // Handles from before a crash are already gone.
        if (handle >> 32 != self.epoch) return;
        const removed = self.handles.fetchSwapRemove(@truncate(handle)) orelse @panic("SimFs: handle closed twice");
        const file = removed.value;
        if (file.is_lock != is_lock) @panic("SimFs: close of a lock or unlock of a file");
        self.allocator.free(file.path);
        assert(file.inode.opens > 0);
        file.inode.opens -= 1;
        if (is_lock) {
            assert(file.inode.locked);
            file.inode.locked = false;
        }
        self.inodeMaybeFree(file.inode);
    }

    fn inodeCreate(self: *SimFs) IOError!*Inode {
        const inode = self.allocator.create(Inode) catch return error.SystemResources;
        errdefer self.allocator.destroy(inode);
        inode.* = .{ .id = self.inode_id_next };
        self.inodes.putNoClobber(self.allocator, inode.id, inode) catch return error.SystemResources;
        self.inode_id_next += 1;
        return inode;
    }

    fn inodeMaybeFree(self: *SimFs, inode: *Inode) void {
        if (inode.links_current > 0 or inode.links_durable > 0 or inode.opens > 0) return;
        assert(!inode.locked);
        assert(self.data_bytes_total >= inode.data.items.len);
        self.data_bytes_total -= inode.data.items.len;
        const removed = self.inodes.swapRemove(inode.id);
        assert(removed);
        self.inodeDestroy(inode);
    }

    fn inodeDestroy(self: *SimFs, inode: *Inode) void {
        pendingFree(self.allocator, inode);
        inode.pending.deinit(self.allocator);
        inode.data.deinit(self.allocator);
        inode.durable.deinit(self.allocator);
        self.allocator.destroy(inode);
    }

    fn pendingFree(allocator: std.mem.Allocator, inode: *Inode) void {
        for (inode.pending.items) |pending| switch (pending) {
            .write => |write| allocator.free(write.bytes),
            .truncate => {},
        };
        inode.pending.clearRetainingCapacity();
    }

    /// Applies a write to what reads see and queues it for sync; all or nothing.
    fn inodeWrite(self: *SimFs, inode: *Inode, bytes: []const u8, offset: usize) IOError!void {
        if (bytes.len == 0) return;
        const end = std.math.add(usize, offset, bytes.len) catch return error.FileTooBig;
        try self.checkCapacity(inode, end);
        const copy = self.allocator.dupe(u8, bytes) catch return error.SystemResources;
        errdefer self.allocator.free(copy);
        inode.pending.ensureUnusedCapacity(self.allocator, 1) catch return error.SystemResources;
        inode.data.ensureTotalCapacity(self.allocator, end) catch return error.SystemResources;
        const growth = end -| inode.data.items.len;
        const op: Pending = .{ .write = .{ .offset = offset, .bytes = copy } };
        applyAssumeCapacity(&inode.data, op, bytes.len);
        inode.pending.appendAssumeCapacity(op);
        self.data_bytes_total += growth;
    }

    fn inodeTruncate(self: *SimFs, inode: *Inode, length: usize) IOError!void {
        try self.checkCapacity(inode, length);
        inode.pending.ensureUnusedCapacity(self.allocator, 1) catch return error.SystemResources;
        inode.data.ensureTotalCapacity(self.allocator, length) catch return error.SystemResources;
        const length_before = inode.data.items.len;
        const op: Pending = .{ .truncate = length };
        applyAssumeCapacity(&inode.data, op, 0);
        inode.pending.appendAssumeCapacity(op);
        self.data_bytes_total = self.data_bytes_total - length_before + length;
    }

    /// Replays the unsynced operations onto the durable bytes.
    fn inodeSync(self: *SimFs, inode: *Inode) IOError!void {
        var length = inode.durable.items.len;
        var capacity = length;
        for (inode.pending.items) |op| {
            switch (op) {
                .write => |write| length = @max(length, write.offset + write.bytes.len),
                .truncate => |truncate_length| length = truncate_length,
            }
            capacity = @max(capacity, length);
        }
        inode.durable.ensureTotalCapacity(self.allocator, capacity) catch return error.SystemResources;
        for (inode.pending.items) |op| applyAssumeCapacity(&inode.durable, op, pendingBytes(op));
        pendingFree(self.allocator, inode);
        assert(inode.durable.items.len == length);
        if (!inode.sync_lost) {
            assert(inode.durable.items.len == inode.data.items.len);
            // Comparing whole large files on every sync would make log tests quadratic.
            if (length <= sync_compare_bytes_max) assert(std.mem.eql(u8, inode.durable.items, inode.data.items));
        }
    }

    /// Power loss for one file: the durable bytes plus what `mode` keeps.
    fn inodeCrash(self: *SimFs, inode: *Inode, mode: CrashMode) void {
        const random = self.prng.random();
        const pending = inode.pending.items;
        switch (mode) {
            .lose_unsynced => {},
            .torn_prefix => {
                const kept = random.uintAtMost(usize, pending.len);
                for (pending[0..kept], 0..) |op, i| {
                    const length = pendingBytes(op);
                    const last = i + 1 == kept;
                    // Half the time the last kept write is whole, else cut at a random byte.
                    const length_kept = if (last and length > 0 and random.boolean())
                        random.uintLessThan(usize, length)
                    else
                        length;
                    self.applyOrPanic(&inode.durable, op, length_kept);
                }
            },
            .random_subset => for (pending) |op| switch (op) {
                .write => |write| switch (random.uintLessThan(u8, 3)) {
                    0 => self.applyOrPanic(&inode.durable, op, write.bytes.len),
                    1 => {},
                    2 => self.applyOrPanic(&inode.durable, op, random.uintLessThan(usize, write.bytes.len)),
                    else => unreachable,
                },
                .truncate => if (random.boolean()) self.applyOrPanic(&inode.durable, op, 0),
            },
        }
        pendingFree(self.allocator, inode);
        inode.data.clearRetainingCapacity();
        inode.data.appendSlice(self.allocator, inode.durable.items) catch @panic("SimFs.crash: out of memory");
        inode.sync_lost = false;
    }

    /// `crash` cannot return an error; a simulated disk that runs out of memory there
    /// cannot model the crash at all.
    fn applyOrPanic(self: *SimFs, list_bytes: *std.ArrayList(u8), op: Pending, length_kept: usize) void {
        const end = switch (op) {
            .write => |write| if (length_kept == 0) 0 else write.offset + length_kept,
            .truncate => |length| length,
        };
        list_bytes.ensureTotalCapacity(self.allocator, end) catch @panic("SimFs.crash: out of memory");
        applyAssumeCapacity(list_bytes, op, length_kept);
    }

    fn pendingBytes(op: Pending) usize {
        return switch (op) {
            .write => |write| write.bytes.len,
            .truncate => 0,
        };
    }

    /// Applies `op` to `bytes`, a write cut to its first `length_kept` bytes. A write past
    /// the end fills the gap with zeros, as a hole reads.
    fn applyAssumeCapacity(bytes: *std.ArrayList(u8), op: Pending, length_kept: usize) void {
        switch (op) {
            .write => |write| {
                assert(length_kept <= write.bytes.len);
                if (length_kept == 0) return;
                const end = write.offset + length_kept;
                if (end > bytes.items.len) bytes.appendNTimesAssumeCapacity(0, end - bytes.items.len);
                @memcpy(bytes.items[write.offset..end], write.bytes[0..length_kept]);
            },
            .truncate => |length| {
                if (length > bytes.items.len) {
                    bytes.appendNTimesAssumeCapacity(0, length - bytes.items.len);
                } else {
                    bytes.shrinkRetainingCapacity(length);
                }
            },
        }
    }

    fn entryAt(self: *SimFs, path: []const u8, comptime binding: Binding) ?Entry {
        if (path.len == 0) return .dir;
        const name = self.names.get(path) orelse return null;
        return @field(name, @tagName(binding));
    }

    fn fileAt(self: *SimFs, path: []const u8, comptime binding: Binding) ?*Inode {
        const entry = self.entryAt(path, binding) orelse return null;
        return switch (entry) {
            .file => |inode| inode,
            .dir => null,
        };
    }

    fn requireDirectory(self: *SimFs, path: []const u8) IOError!void {
        const entry = self.entryAt(path, .current) orelse return error.FileNotFound;
        if (entry != .dir) return error.NotDir;
    }

    fn requireParentDirectory(self: *SimFs, path: []const u8) IOError!void {
        return self.requireDirectory(parentOf(path));
    }

    fn hasChildren(self: *SimFs, dir: []const u8) bool {
        for (self.names.keys(), self.names.values()) |key, name| {
            if (name.current != null and std.mem.eql(u8, parentOf(key), dir)) return true;
        }
        return false;
    }

    fn durableAncestorsExist(self: *SimFs, path: []const u8) bool {
        for (path, 0..) |byte, slash| {
            if (byte != '/') continue;
            const ancestor = self.entryAt(path[0..slash], .durable) orelse return false;
            if (ancestor != .dir) return false;
        }
        return true;
    }

    /// Sets one binding of `path`, adding the name when needed.
    fn bind(self: *SimFs, path: []const u8, comptime binding: Binding, entry: ?Entry) IOError!void {
        assert(path.len > 0);
        const index = self.names.getIndex(path) orelse blk: {
            if (entry == null) return;
            const key = self.allocator.dupe(u8, path) catch return error.SystemResources;
            errdefer self.allocator.free(key);
            self.names.putNoClobber(self.allocator, key, .{ .current = null, .durable = null }) catch {
                return error.SystemResources;
            };
            break :blk self.names.count() - 1;
        };
        assert(std.mem.eql(u8, self.names.keys()[index], path));
        self.bindAt(index, binding, entry);
    }

    /// Sets one binding of the name at `index`, keeping link counts, and removes the name
    /// (swapping the last one into `index`) when neither binding is left.
    fn bindAt(self: *SimFs, index: usize, comptime binding: Binding, entry: ?Entry) void {
        const name = &self.names.values()[index];
        const previous = @field(name, @tagName(binding));
        if (entry) |new| switch (new) {
            .file => |inode| @field(inode, "links_" ++ @tagName(binding)) += 1,
            .dir => {},
        };
        @field(name, @tagName(binding)) = entry;
        if (name.current == null and name.durable == null) {
            const key = self.names.keys()[index];
            self.names.swapRemoveAt(index);
            self.allocator.free(key);
        }
        if (previous) |old| switch (old) {
            .file => |inode| {
                assert(@field(inode, "links_" ++ @tagName(binding)) > 0);
                @field(inode, "links_" ++ @tagName(binding)) -= 1;
                self.inodeMaybeFree(inode);
            },
            .dir => {},
        };
    }

    fn entryEql(a: ?Entry, b: ?Entry) bool {
        const a_entry = a orelse return b == null;
        const b_entry = b orelse return false;
        return switch (a_entry) {
            .dir => b_entry == .dir,
            .file => |inode| b_entry == .file and b_entry.file == inode,
        };
    }

    fn assertDirectAligned(address: usize, length: usize, offset: u64) void {
        const page = types.page_size_bytes;
        if (address % page != 0 or length % page != 0 or offset % page != 0) {
            @panic("SimFs: direct I/O needs page-aligned buffer, length and offset");
        }
    }

    fn lessThanBytes(_: void, a: []u8, b: []u8) bool {
        return std.mem.lessThan(u8, a, b);
    }
};

/// Canonical form of a relative path: no empty or "." components, no trailing '/'; the
/// root is "". ".." is refused: nothing is above the data directory.
fn normalizePath(path: []const u8, buffer: *[path_bytes_max]u8) IOError![]const u8 {
    assert(path.len == 0 or path[0] != '/');
    var length: usize = 0;
    var components = std.mem.splitScalar(u8, path, '/');
    while (components.next()) |component| {
        if (component.len == 0 or std.mem.eql(u8, component, ".")) continue;
        if (std.mem.eql(u8, component, "..")) return error.AccessDenied;
        const separator_bytes: usize = if (length == 0) 0 else 1;
        if (length + separator_bytes + component.len > buffer.len) return error.NameTooLong;
        if (separator_bytes == 1) buffer[length] = '/';
        length += separator_bytes;
        @memcpy(buffer[length..][0..component.len], component);
        length += component.len;
    }
    return buffer[0..length];
}

/// The directory part of a normalized path; "" for entries of the root.
fn parentOf(path: []const u8) []const u8 {
    const slash = std.mem.lastIndexOfScalar(u8, path, '/') orelse return "";
    return path[0..slash];
}

fn baseName(path: []const u8) []const u8 {
    const slash = std.mem.lastIndexOfScalar(u8, path, '/') orelse return path;
    return path[slash + 1 ..];
}

// ---------------------------------------------------------------------------------------
// Tests.

const testing = std.testing;

test "io: every backend declaration compiles" {
    testing.refAllDecls(PosixFs);
    testing.refAllDecls(SimFs);
}

test "io: errno values map to the engine's errors" {
    try testing.expectEqual(error.InputOutput, errnoToError(.IO));
    try testing.expectEqual(error.NoSpaceLeft, errnoToError(.NOSPC));
    try testing.expectEqual(error.NoSpaceLeft, errnoToError(.DQUOT));
    try testing.expectEqual(error.FileNotFound, errnoToError(.NOENT));
    try testing.expectEqual(error.PathAlreadyExists, errnoToError(.EXIST));
    try testing.expectEqual(error.AccessDenied, errnoToError(.ACCES));
    try testing.expectEqual(error.AccessDenied, errnoToError(.PERM));
    try testing.expectEqual(error.FileTooBig, errnoToError(.FBIG));
    try testing.expectEqual(error.SystemResources, errnoToError(.NOMEM));
    try testing.expectEqual(error.SystemResources, errnoToError(.MFILE));
    try testing.expectEqual(error.SystemResources, errnoToError(.NFILE));
    try testing.expectEqual(error.NotDir, errnoToError(.NOTDIR));
    try testing.expectEqual(error.IsDir, errnoToError(.ISDIR));
    try testing.expectEqual(error.NameTooLong, errnoToError(.NAMETOOLONG));
    try testing.expectEqual(error.Unexpected, errnoToError(.INVAL));
    try testing.expectEqual(error.Unexpected, errnoToError(.BADF));
}

/// A fresh directory under /tmp, removed with everything in it.
const TestDirectory = struct {
    path_buffer: [64]u8,
    path_len: usize,

    fn init() !TestDirectory {
        var self: TestDirectory = .{ .path_buffer = undefined, .path_len = 0 };
        const written = try std.fmt.bufPrint(&self.path_buffer, "/tmp/pgz-io-test-{x:0>16}", .{std.crypto.random.int(u64)});
        self.path_len = written.len;
        return self;
    }

    fn path(self: *const TestDirectory) []const u8 {
        return self.path_buffer[0..self.path_len];
    }

    fn join(self: *const TestDirectory, buffer: []u8, relative: []const u8) ![]const u8 {
        return std.fmt.bufPrint(buffer, "{s}/{s}", .{ self.path(), relative });
    }

    fn deinit(self: *const TestDirectory) void {
        std.fs.cwd().deleteTree(self.path()) catch {};
    }
};

fn expectNames(fs: Fs, dir_path: []const u8, expected: []const []const u8) !void {
    var names: std.ArrayList([]u8) = .empty;
    defer {
        for (names.items) |name| testing.allocator.free(name);
        names.deinit(testing.allocator);
    }
    try fs.list(testing.allocator, dir_path, &names);
    std.mem.sort([]u8, names.items, {}, struct {
        fn lessThan(_: void, a: []u8, b: []u8) bool {
            return std.mem.lessThan(u8, a, b);
        }
    }.lessThan);
    try testing.expectEqual(expected.len, names.items.len);
    for (expected, names.items) |want, got| try testing.expectEqualStrings(want, got);
}

fn expectContents(file: File, expected: []const u8) !void {
    try testing.expectEqual(@as(u64, expected.len), try file.size());
    const buffer = try testing.allocator.alloc(u8, expected.len + 16);
    defer testing.allocator.free(buffer);
    try testing.expectEqual(expected.len, try file.preadAll(buffer, 0));
    try testing.expectEqualSlices(u8, expected, buffer[0..expected.len]);
}

test "PosixFs: write, read back, holes, size, truncate" {
    const directory = try TestDirectory.init();
    defer directory.deinit();
    var path_buffer: [128]u8 = undefined;
    var posix_fs = try PosixFs.init(try directory.join(&path_buffer, "nested/data"));
    defer posix_fs.deinit();
    const fs = posix_fs.fs();

    const file = try fs.open("a", .{ .create = true });
    defer file.close();
    try file.pwriteAll("hello world", 0);
    try file.pwriteAll("tail", 100);
    try testing.expectEqual(@as(u64, 104), try file.size());

    var buffer: [200]u8 = undefined;
    // preadAll stops at the end of the file and reports how much it read.
    try testing.expectEqual(@as(usize, 104), try file.preadAll(&buffer, 0));
    try testing.expectEqualStrings("hello world", buffer[0..11]);
    try testing.expect(std.mem.allEqual(u8, buffer[11..100], 0));
    try testing.expectEqualStrings("tail", buffer[100..104]);
    try testing.expectEqual(@as(usize, 3), try file.preadAll(buffer[0..3], 101));
    try testing.expectEqualStrings("ail", buffer[0..3]);
    try testing.expectEqual(@as(usize, 0), try file.pread(&buffer, 1000));

    try file.truncate(5);
    try expectContents(file, "hello");
    try file.truncate(8);
    try expectContents(file, "hello\x00\x00\x00");
    try file.sync();

    try testing.expectError(error.FileNotFound, fs.open("missing", .{}));
    try testing.expectError(error.PathAlreadyExists, fs.open("a", .{ .create = true, .exclusive = true }));
    const reader = try fs.open("a", .{ .read_only = true });
    defer reader.close();
    try expectContents(reader, "hello\x00\x00\x00");

    const truncated = try fs.open("a", .{ .truncate = true });
    truncated.close();
    try expectContents(reader, "");
}

test "PosixFs: rename, delete, list, makeDir, syncDir" {
    const directory = try TestDirectory.init();
    defer directory.deinit();
    var posix_fs = try PosixFs.init(directory.path());
    defer posix_fs.deinit();
    const fs = posix_fs.fs();

    try fs.makeDir("sub");
    try fs.makeDir("sub");
    try fs.makeDir("sub/");
    try testing.expectError(error.FileNotFound, fs.makeDir("missing/child"));
    for ([_][]const u8{ "sub/x", "sub/y", "top" }) |path| {
        const file = try fs.open(path, .{ .create = true });
        defer file.close();
        try file.pwriteAll(path, 0);
        try file.sync();
    }
    try testing.expectError(error.PathAlreadyExists, fs.makeDir("top"));
    try testing.expectError(error.IsDir, fs.open("sub", .{ .create = true }));
    try expectNames(fs, "sub", &.{ "x", "y" });
    try expectNames(fs, "", &.{ "sub", "top" });

    try fs.rename("sub/x", "sub/z");
    try expectNames(fs, "sub", &.{ "y", "z" });
    // Rename over an existing file replaces it.
    try fs.rename("sub/y", "sub/z");
    try expectNames(fs, "sub", &.{"z"});
    {
        const file = try fs.open("sub/z", .{ .read_only = true });
        defer file.close();
        try expectContents(file, "sub/y");
    }
    try testing.expectError(error.FileNotFound, fs.rename("sub/nothing", "sub/else"));

    try fs.syncDir("");
    try fs.syncDir(".");
    try fs.syncDir("sub");
    try testing.expectError(error.FileNotFound, fs.syncDir("missing"));

    try fs.delete("sub/z");
    try testing.expectError(error.FileNotFound, fs.delete("sub/z"));
    try expectNames(fs, "sub", &.{});
    // An empty directory can be deleted too.
    try fs.delete("sub");
    try expectNames(fs, "", &.{"top"});
    try testing.expectError(error.FileNotFound, expectNames(fs, "sub", &.{}));
}

test "PosixFs: a second lock on the same file is Busy, even in this process" {
    const directory = try TestDirectory.init();
    defer directory.deinit();
    var posix_fs = try PosixFs.init(directory.path());
    defer posix_fs.deinit();
    const fs = posix_fs.fs();

    const first = try fs.lock("LOCK");
    try testing.expectError(error.Busy, fs.lock("LOCK"));
    try testing.expect(std.mem.indexOf(u8, types.errorMessage(), "LOCK") != null);
    first.release();
    const second = try fs.lock("LOCK");
    second.release();
}

test "PosixFs: direct I/O round trip with page-aligned buffers" {
    const directory = try TestDirectory.init();
    defer directory.deinit();
    var posix_fs = try PosixFs.init(directory.path());
    defer posix_fs.deinit();
    const fs = posix_fs.fs();

    const page = types.page_size_bytes;
    const file = fs.open("direct", .{ .create = true, .direct = true }) catch |err| switch (err) {
        // tmpfs and some overlay file systems refuse O_DIRECT with EINVAL.
        error.Unexpected => return error.SkipZigTest,
        else => return err,
    };
    defer file.close();
    const written = try alignedAlloc(testing.allocator, 2 * page);
    defer testing.allocator.free(written);
    for (written, 0..) |*byte, i| byte.* = @truncate(i *% 7 +% 3);
    try file.pwriteAll(written, page);
    try file.sync();
    try testing.expectEqual(@as(u64, 3 * page), try file.size());

    const read = try alignedAlloc(testing.allocator, 3 * page);
    defer testing.allocator.free(read);
    try testing.expectEqual(@as(usize, 3 * page), try file.preadAll(read, 0));
    try testing.expect(std.mem.allEqual(u8, read[0..page], 0));
    try testing.expectEqualSlices(u8, written, read[page..]);
}

test "PosixFs: allocate reserves space without changing the size" {
    const directory = try TestDirectory.init();
    defer directory.deinit();
    var posix_fs = try PosixFs.init(directory.path());
    defer posix_fs.deinit();
    const fs = posix_fs.fs();

    const file = try fs.open("log", .{ .create = true });
    defer file.close();
    try file.pwriteAll("x", 0);
    try file.allocate(1024 * 1024);
    try file.allocate(0);
    try testing.expectEqual(@as(u64, 1), try file.size());
}

test "PosixFs: init creates missing parents and rejects a file" {
    const directory = try TestDirectory.init();
    defer directory.deinit();
    var path_buffer: [128]u8 = undefined;
    {
        var posix_fs = try PosixFs.init(try directory.join(&path_buffer, "a/b/c/"));
        defer posix_fs.deinit();
        const file = try posix_fs.fs().open("f", .{ .create = true });
        file.close();
    }
    // Opening it again finds the same directory.
    var posix_fs = try PosixFs.init(try directory.join(&path_buffer, "a/b/c"));
    defer posix_fs.deinit();
    try expectNames(posix_fs.fs(), "", &.{"f"});
    try testing.expectError(error.NotDir, PosixFs.init(try directory.join(&path_buffer, "a/b/c/f")));
    try testing.expectError(error.FileNotFound, PosixFs.init(""));
}

// ---------------------------------------------------------------------------------------
// SimFs tests.

fn simWrite(fs: Fs, path: []const u8, bytes: []const u8, offset: u64, durable: bool) !void {
    const file = try fs.open(path, .{ .create = true });
    defer file.close();
    try file.pwriteAll(bytes, offset);
    if (durable) try file.sync();
}

fn expectSimData(sim: *SimFs, path: []const u8, expected: []const u8) !void {
    const data = try sim.readData(testing.allocator, path);
    defer testing.allocator.free(data);
    try testing.expectEqualSlices(u8, expected, data);
}

fn expectSimDurable(sim: *SimFs, path: []const u8, expected: []const u8) !void {
    const data = try sim.readDurable(testing.allocator, path);
    defer testing.allocator.free(data);
    try testing.expectEqualSlices(u8, expected, data);
}

test "SimFs: unsynced data is lost on crash, synced data is kept" {
    var sim = try SimFs.init(testing.allocator, 1);
    defer sim.deinit();
    const fs = sim.fs();

    const file = try fs.open("a", .{ .create = true });
    try fs.syncDir("");
    try file.pwriteAll("synced", 0);
    try file.sync();
    try file.pwriteAll(" unsynced", 6);
    try file.truncate(10);
    try expectSimData(&sim, "a", "synced uns");
    try expectSimDurable(&sim, "a", "synced");
    file.close();

    sim.crash(.lose_unsynced);
    try expectSimData(&sim, "a", "synced");
    try testing.expectEqual(@as(u64, 6), try sim.fileSize("a"));
    try testing.expectEqual(@as(u64, 6), sim.dataBytesTotal());
    sim.checkInvariants();
}

test "SimFs: a created file or directory survives a crash only after syncDir" {
    var sim = try SimFs.init(testing.allocator, 2);
    defer sim.deinit();
    const fs = sim.fs();

    try simWrite(fs, "early", "data", 0, true);
    try simWrite(fs, "named", "data", 0, true);
    try fs.makeDir("e");
    try fs.syncDir("");
    try simWrite(fs, "e/y", "y", 0, true);
    try fs.syncDir("e");
    // Synced data, but the name is not.
    try simWrite(fs, "late", "data", 0, true);
    // A directory whose own entry is not durable takes its synced entries with it.
    try fs.makeDir("d");
    try simWrite(fs, "d/x", "x", 0, true);
    try fs.syncDir("d");
    try testing.expect(sim.existsDurable("d/x"));
    try testing.expect(sim.exists("late"));
    try testing.expect(!sim.existsDurable("late"));

    sim.crash(.lose_unsynced);
    try testing.expect(sim.exists("early"));
    try testing.expect(sim.exists("named"));
    try expectSimData(&sim, "named", "data");
    try testing.expect(!sim.exists("late"));
    try testing.expect(!sim.exists("d"));
    try testing.expect(!sim.exists("d/x"));
    try testing.expect(sim.exists("e"));
    try expectSimData(&sim, "e/y", "y");
    try expectNames(fs, "", &.{ "e", "early", "named" });
    try testing.expectEqual(@as(usize, 3), sim.inodeCount());
    sim.checkInvariants();
}

test "SimFs: rename and delete are durable only after syncDir" {
    var sim = try SimFs.init(testing.allocator, 3);
    defer sim.deinit();
    const fs = sim.fs();

    try simWrite(fs, "old", "1", 0, true);
    try simWrite(fs, "target", "T", 0, true);
    try simWrite(fs, "tmp", "N", 0, true);
    try fs.syncDir("");

    try fs.rename("old", "new");
    try fs.rename("tmp", "target");
    try expectSimData(&sim, "target", "N");
    sim.crash(.lose_unsynced);
    try expectNames(fs, "", &.{ "old", "target", "tmp" });
    try expectSimData(&sim, "target", "T");
    try expectSimData(&sim, "tmp", "N");

    try fs.rename("old", "new");
    try fs.rename("tmp", "target");
    try fs.syncDir("");
    sim.crash(.lose_unsynced);
    try expectNames(fs, "", &.{ "new", "target" });
    try expectSimData(&sim, "new", "1");
    try expectSimData(&sim, "target", "N");
    try testing.expectEqual(@as(usize, 2), sim.inodeCount());

    try fs.delete("new");
    try testing.expect(!sim.exists("new"));
    sim.crash(.lose_unsynced);
    try testing.expect(sim.exists("new"));
    try fs.delete("new");
    try fs.syncDir("");
    sim.crash(.lose_unsynced);
    try testing.expect(!sim.exists("new"));
    try testing.expectEqual(@as(usize, 1), sim.inodeCount());
    sim.checkInvariants();
}

test "SimFs: a deleted or replaced file stays readable through its open handle" {
    var sim = try SimFs.init(testing.allocator, 4);
    defer sim.deinit();
    const fs = sim.fs();

    try simWrite(fs, "a", "first", 0, true);
    try simWrite(fs, "b", "second", 0, true);
    const file = try fs.open("a", .{});
    try fs.delete("a");
    try fs.rename("b", "a");
    try fs.syncDir("");
    try expectContents(file, "first");
    try file.pwriteAll("!", 5);
    try expectContents(file, "first!");
    try expectSimData(&sim, "a", "second");
    try testing.expectEqual(@as(usize, 2), sim.inodeCount());
    try testing.expectEqual(@as(u64, 12), sim.dataBytesTotal());
    file.close();
    // The last reference went with the handle.
    try testing.expectEqual(@as(usize, 1), sim.inodeCount());
    try testing.expectEqual(@as(u64, 6), sim.dataBytesTotal());
    sim.checkInvariants();
}

/// Writes and truncates a file after its durable base, for the torn-crash tests.
const TornCase = struct {
    base: []const u8,
    ops: []const Op,

    const Op = union(enum) {
        write: struct { offset: usize, bytes: []const u8 },
        truncate: usize,
    };

    fn run(case: TornCase, sim: *SimFs) !void {
        const fs = sim.fs();
        const file = try fs.open("f", .{ .create = true });
        defer file.close();
        try fs.syncDir("");
        try file.pwriteAll(case.base, 0);
        try file.sync();
        for (case.ops) |op| switch (op) {
            .write => |write| try file.pwriteAll(write.bytes, write.offset),
            .truncate => |length| try file.truncate(length),
        };
    }

    /// The base with ops[0..count] applied, the last one cut to `length_kept` bytes.
    fn expected(case: TornCase, count: usize, length_kept: usize, out: *std.ArrayList(u8)) !void {
        out.clearRetainingCapacity();
        try out.appendSlice(testing.allocator, case.base);
        for (case.ops[0..count], 0..) |op, i| switch (op) {
            .write => |write| {
                const length = if (i + 1 == count) length_kept else write.bytes.len;
                if (length == 0) continue;
                const end = write.offset + length;
                if (end > out.items.len) try out.appendNTimes(testing.allocator, 0, end - out.items.len);
                @memcpy(out.items[write.offset..end], write.bytes[0..length]);
            },
            .truncate => |length| {
                if (length > out.items.len) {
                    try out.appendNTimes(testing.allocator, 0, length - out.items.len);
                } else {
                    out.shrinkRetainingCapacity(length);
                }
            },
        };
    }
};

test "SimFs: torn_prefix keeps an in-order prefix of the unsynced writes, the last one cut" {
    var prng = std.Random.DefaultPrng.init(testing.random_seed);
    const random = prng.random();
    var seen_dropped = false;
    var seen_all = false;
    var seen_cut = false;
    var expected: std.ArrayList(u8) = .empty;
    defer expected.deinit(testing.allocator);
    var pattern: [64]u8 = undefined;
    random.bytes(&pattern);

    for (0..200) |seed| {
        errdefer std.debug.print("torn_prefix: seed={d} random_seed={d}\n", .{ seed, testing.random_seed });
        var ops: [6]TornCase.Op = undefined;
        const ops_count = 1 + random.uintLessThan(usize, ops.len);
        for (ops[0..ops_count]) |*op| {
            if (random.uintLessThan(u8, 5) == 0) {
                op.* = .{ .truncate = random.uintLessThan(usize, 80) };
            } else {
                const start = random.uintLessThan(usize, 32);
                const length = 1 + random.uintLessThan(usize, 32);
                op.* = .{ .write = .{ .offset = random.uintLessThan(usize, 64), .bytes = pattern[start..][0..length] } };
            }
        }
        const case: TornCase = .{ .base = pattern[0..random.uintLessThan(usize, 40)], .ops = ops[0..ops_count] };

        var sim = try SimFs.init(testing.allocator, seed);
        defer sim.deinit();
        try case.run(&sim);
        sim.crash(.torn_prefix);
        sim.checkInvariants();
        const result = try sim.readData(testing.allocator, "f");
        defer testing.allocator.free(result);

        // Every (prefix length, cut) that explains the result; the flags check that
        // crashes really drop, keep and cut writes, not just that the result is possible.
        var matches: usize = 0;
        var count_max: usize = 0;
        var clean_prefix = false;
        var whole = false;
        for (0..ops_count + 1) |count| {
            const length_max = if (count == 0) 0 else switch (ops[count - 1]) {
                .write => |write| write.bytes.len,
                .truncate => 0,
            };
            for (0..length_max + 1) |length_kept| {
                try case.expected(count, length_kept, &expected);
                if (!std.mem.eql(u8, expected.items, result)) continue;
                matches += 1;
                count_max = @max(count_max, count);
                if (length_kept == length_max) clean_prefix = true;
                if (count == ops_count and length_kept == length_max) whole = true;
            }
        }
        try testing.expect(matches > 0);
        if (count_max < ops_count) seen_dropped = true;
        if (whole) seen_all = true;
        if (!clean_prefix) seen_cut = true;
    }
    try testing.expect(seen_dropped and seen_all and seen_cut);
}

test "SimFs: random_subset keeps each unsynced write whole, cut, or not at all" {
    var seen = [_]bool{false} ** 3; // dropped, cut, whole
    const region_bytes = 40;
    const writes_count = 6;
    for (0..100) |seed| {
        errdefer std.debug.print("random_subset: seed={d}\n", .{seed});
        // Writes land on disjoint regions of a durable base, so each region shows one
        // write's fate on its own. Every other seed appends past the end instead.
        const extend = seed % 2 == 1;
        var base: [region_bytes * writes_count]u8 = undefined;
        @memset(&base, 0xEE);
        var patterns: [writes_count][32]u8 = undefined;
        var ops: [writes_count]TornCase.Op = undefined;
        var prng = std.Random.DefaultPrng.init(seed);
        for (&ops, &patterns, 0..) |*op, *pattern, i| {
            @memset(pattern, @intCast(i + 1));
            const length = 1 + prng.random().uintLessThan(usize, pattern.len);
            op.* = .{ .write = .{ .offset = i * region_bytes, .bytes = pattern[0..length] } };
        }
        const case: TornCase = .{ .base = if (extend) "" else &base, .ops = &ops };
        var sim = try SimFs.init(testing.allocator, seed);
        defer sim.deinit();
        try case.run(&sim);
        sim.crash(.random_subset);
        sim.checkInvariants();
        const result = try sim.readData(testing.allocator, "f");
        defer testing.allocator.free(result);

        var end_max: usize = 0;
        for (ops, 0..) |op, i| {
            const write = op.write;
            const old: u8 = if (extend) 0 else 0xEE;
            var kept: usize = 0;
            while (kept < write.bytes.len and write.offset + kept < result.len and
                result[write.offset + kept] == write.bytes[kept]) kept += 1;
            // After the kept prefix, the region holds what was there before (or nothing).
            for (write.offset + kept..(i + 1) * region_bytes) |position| {
                if (position < result.len) try testing.expectEqual(old, result[position]);
            }
            if (kept > 0) end_max = write.offset + kept;
            const fate: usize = if (kept == 0) 0 else if (kept < write.bytes.len) 1 else 2;
            seen[fate] = true;
        }
        try testing.expectEqual(if (extend) end_max else base.len, result.len);
    }
    try testing.expect(seen[0] and seen[1] and seen[2]);
}

test "SimFs: the same seed gives the same crash" {
    var results: [2][]u8 = undefined;
    for (&results) |*result| {
        var sim = try SimFs.init(testing.allocator, 77);
        defer sim.deinit();
        const fs = sim.fs();
        try simWrite(fs, "f", "", 0, true);
        try fs.syncDir("");
        const file = try fs.open("f", .{});
        defer file.close();
        for (0..20) |i| try file.pwriteAll(&([_]u8{@intCast(i)} ** 50), i * 30);
        sim.crash(.random_subset);
        result.* = try sim.readData(testing.allocator, "f");
    }
    defer for (results) |result| testing.allocator.free(result);
    try testing.expectEqualSlices(u8, results[0], results[1]);
}

/// Thirteen durability operations, one per step; see the crash_at_op test.
fn crashWorkload(fs: Fs) !void {
    try fs.makeDir("d"); // 0
    try fs.syncDir(""); // 1
    const a = try fs.open("d/a", .{ .create = true }); // 2
    defer a.close();
    try a.pwriteAll("hello", 0); // 3
    try a.sync(); // 4
    try fs.syncDir("d"); // 5
    try a.pwriteAll(" world", 5); // 6
    try a.sync(); // 7
    const b = try fs.open("d/b", .{ .create = true }); // 8
    defer b.close();
    try b.pwriteAll("B", 0); // 9
    try b.sync(); // 10
    try fs.rename("d/b", "d/a"); // 11
    try fs.syncDir("d"); // 12
}

test "SimFs: crash_at_op freezes the disk at exactly that operation" {
    const ops_count: u64 = 13;
    {
        var sim = try SimFs.init(testing.allocator, 5);
        defer sim.deinit();
        try crashWorkload(sim.fs());
        try testing.expectEqual(ops_count, sim.durabilityOpCount());
    }
    for (0..ops_count + 2) |crash_at| {
        errdefer std.debug.print("crash_at_op={d}\n", .{crash_at});
        var sim = try SimFs.init(testing.allocator, 5);
        defer sim.deinit();
        const fs = sim.fs();
        sim.crash_at_op = crash_at;
        if (crash_at < ops_count) {
            try testing.expectError(error.InputOutput, crashWorkload(fs));
            try testing.expect(sim.isFrozen());
            // The failing operation counted; nothing after it ran.
            try testing.expectEqual(crash_at + 1, sim.durabilityOpCount());
            try testing.expectError(error.InputOutput, fs.makeDir("other"));
            try testing.expectError(error.InputOutput, fs.open("d/a", .{}));
            try testing.expectEqual(crash_at + 1, sim.durabilityOpCount());
        } else {
            try crashWorkload(fs);
            try testing.expect(!sim.isFrozen());
        }
        sim.crash(.lose_unsynced);
        try testing.expect(!sim.isFrozen());
        try testing.expectEqual(@as(?u64, null), sim.crash_at_op);
        sim.checkInvariants();

        try testing.expectEqual(crash_at > 1, sim.exists("d"));
        try testing.expect(!sim.exists("d/b"));
        const expected: ?[]const u8 = if (crash_at <= 5)
            null
        else if (crash_at <= 7)
            "hello"
        else if (crash_at <= 12)
            "hello world"
        else
            "B";
        if (expected) |contents| {
            try expectSimData(&sim, "d/a", contents);
        } else {
            try testing.expect(!sim.exists("d/a"));
        }
        // The disk works again.
        try simWrite(fs, "after", "x", 0, true);
    }
}

test "SimFs: faults fire on the matching operation and path, then stop" {
    var sim = try SimFs.init(testing.allocator, 6);
    defer sim.deinit();
    const fs = sim.fs();
    try fs.makeDir("dir");
    try simWrite(fs, "other", "o", 0, true);
    try simWrite(fs, "target", "t", 0, true);
    try fs.syncDir("");
    const other = try fs.open("other", .{});
    defer other.close();
    const target = try fs.open("target", .{});
    defer target.close();
    var buffer: [8]u8 = undefined;

    // Each kind fails only its own operation on the matching path, once.
    try sim.addFault(.{ .op = .read, .path_contains = "targ" });
    _ = try other.pread(&buffer, 0);
    try target.pwriteAll("T", 0);
    try testing.expectError(error.InputOutput, target.pread(&buffer, 0));
    _ = try target.pread(&buffer, 0);

    try sim.addFault(.{ .op = .write, .path_contains = "target", .err = error.NoSpaceLeft });
    try other.pwriteAll("O", 0);
    try testing.expectError(error.NoSpaceLeft, target.pwriteAll("x", 0));
    try target.pwriteAll("x", 0);

    try sim.addFault(.{ .op = .truncate, .path_contains = "target" });
    try other.truncate(1);
    try testing.expectError(error.InputOutput, target.truncate(0));
    try testing.expectEqual(@as(u64, 1), try target.size());
    try target.truncate(1);

    try sim.addFault(.{ .op = .allocate, .path_contains = "target" });
    try other.allocate(100);
    try testing.expectError(error.InputOutput, target.allocate(100));

    try sim.addFault(.{ .op = .open, .path_contains = "target" });
    (try fs.open("other", .{})).close();
    try testing.expectError(error.InputOutput, fs.open("target", .{}));
    (try fs.open("target", .{})).close();

    try sim.addFault(.{ .op = .rename, .path_contains = "target" });
    try testing.expectError(error.InputOutput, fs.rename("other", "target2"));
    try testing.expect(sim.exists("other"));
    try fs.rename("other", "other2");
    try fs.rename("other2", "other");

    try sim.addFault(.{ .op = .delete, .path_contains = "target" });
    try simWrite(fs, "scratch", "", 0, false);
    try fs.delete("scratch");
    try testing.expectError(error.InputOutput, fs.delete("target"));
    try testing.expect(sim.exists("target"));

    try sim.addFault(.{ .op = .make_dir, .path_contains = "dir2" });
    try testing.expectError(error.InputOutput, fs.makeDir("dir2"));
    try fs.makeDir("dir2");

    try sim.addFault(.{ .op = .list });
    try testing.expectError(error.InputOutput, expectNames(fs, "dir", &.{}));
    try expectNames(fs, "dir", &.{});

    try sim.addFault(.{ .op = .sync_dir, .path_contains = "dir" });
    try simWrite(fs, "dir/new", "n", 0, true);
    try testing.expectError(error.InputOutput, fs.syncDir("dir"));
    // A failed syncDir made nothing durable.
    try testing.expect(!sim.existsDurable("dir/new"));
    try fs.syncDir("dir");
    try testing.expect(sim.existsDurable("dir/new"));

    // skip lets matching operations pass first; times bounds the failures.
    sim.clearFaults();
    try sim.addFault(.{ .op = .write, .path_contains = "target", .skip = 2, .times = 2 });
    try target.pwriteAll("1", 0);
    try other.pwriteAll("-", 0);
    try target.pwriteAll("2", 0);
    try testing.expectError(error.InputOutput, target.pwriteAll("3", 0));
    try testing.expectError(error.InputOutput, target.pwriteAll("4", 0));
    try target.pwriteAll("5", 0);

    // Forever, on any operation, until cleared.
    try sim.addFault(.{ .op = .any, .times = null });
    for (0..5) |_| try testing.expectError(error.InputOutput, other.pwriteAll("x", 0));
    try testing.expectError(error.InputOutput, other.sync());
    try testing.expectError(error.InputOutput, fs.syncDir(""));
    sim.clearFaults();
    try other.sync();
    sim.checkInvariants();
}

test "SimFs: a failed sync makes nothing durable, and its writes are never synced later" {
    var sim = try SimFs.init(testing.allocator, 7);
    defer sim.deinit();
    const fs = sim.fs();
    const file = try fs.open("log", .{ .create = true });
    defer file.close();
    try fs.syncDir("");
    try file.pwriteAll("kept", 0);
    try file.sync();

    try file.pwriteAll(" lost", 4);
    try sim.addFault(.{ .op = .sync, .path_contains = "log" });
    try testing.expectError(error.InputOutput, file.sync());
    try expectSimDurable(&sim, "log", "kept");
    // Reads still see the bytes, but a later successful sync does not persist them:
    // the reason a failed sync must poison the database.
    try expectContents(file, "kept lost");
    try file.pwriteAll("!", 9);
    try file.sync();
    try expectSimDurable(&sim, "log", "kept\x00\x00\x00\x00\x00!");
    sim.crash(.torn_prefix);
    try expectSimData(&sim, "log", "kept\x00\x00\x00\x00\x00!");
}

test "SimFs: a partial write applies only a prefix, and only until the crash" {
    for (0..20) |seed| {
        var sim = try SimFs.init(testing.allocator, seed);
        defer sim.deinit();
        const fs = sim.fs();
        const file = try fs.open("f", .{ .create = true });
        defer file.close();
        try fs.syncDir("");
        var bytes: [100]u8 = undefined;
        for (&bytes, 0..) |*byte, i| byte.* = @intCast(i + 1);
        try sim.addFault(.{ .op = .write, .partial_write = true });
        try testing.expectError(error.InputOutput, file.pwriteAll(&bytes, 0));
        const data = try sim.readData(testing.allocator, "f");
        defer testing.allocator.free(data);
        try testing.expect(data.len < bytes.len);
        try testing.expectEqualSlices(u8, bytes[0..data.len], data);
        try expectSimDurable(&sim, "f", "");
        sim.crash(.lose_unsynced);
        try expectSimData(&sim, "f", "");
    }
}

test "SimFs: writes past the capacity fail with NoSpaceLeft" {
    var sim = try SimFs.init(testing.allocator, 8);
    defer sim.deinit();
    const fs = sim.fs();
    sim.setCapacity(100);
    const a = try fs.open("a", .{ .create = true });
    try a.pwriteAll(&([_]u8{1} ** 60), 0);
    try testing.expectError(error.NoSpaceLeft, a.pwriteAll(&([_]u8{2} ** 50), 60));
    try testing.expectEqual(@as(u64, 60), try a.size());
    try a.pwriteAll(&([_]u8{3} ** 60), 0);
    try testing.expectError(error.NoSpaceLeft, a.allocate(200));
    try a.allocate(100);

    const b = try fs.open("b", .{ .create = true });
    defer b.close();
    try b.pwriteAll(&([_]u8{4} ** 40), 0);
    try testing.expectError(error.NoSpaceLeft, b.pwriteAll("x", 40));
    try testing.expectError(error.NoSpaceLeft, b.truncate(41));
    try b.truncate(10);
    try b.pwriteAll(&([_]u8{5} ** 30), 10);

    // Deleting a file frees its space once the last handle closes.
    try fs.delete("a");
    try testing.expectError(error.NoSpaceLeft, b.pwriteAll("x", 40));
    a.close();
    try b.pwriteAll(&([_]u8{6} ** 60), 40);
    try testing.expectEqual(@as(u64, 100), sim.dataBytesTotal());
    sim.checkInvariants();
}

test "SimFs: flipBit corrupts both what reads see and what survives a crash" {
    var sim = try SimFs.init(testing.allocator, 9);
    defer sim.deinit();
    const fs = sim.fs();
    try simWrite(fs, "f", "abc", 0, true);
    try fs.syncDir("");
    sim.flipBit("f", 1, 0);
    try expectSimData(&sim, "f", "acc");
    try expectSimDurable(&sim, "f", "acc");
    sim.crash(.lose_unsynced);
    try expectSimData(&sim, "f", "acc");
    sim.flipBit("./f", 1, 0);
    try expectSimData(&sim, "f", "abc");
}

test "SimFs: handles and locks become invalid after a crash" {
    var sim = try SimFs.init(testing.allocator, 10);
    defer sim.deinit();
    const fs = sim.fs();
    try simWrite(fs, "f", "data", 0, true);
    try fs.syncDir("");
    const file = try fs.open("f", .{});
    const held = try fs.lock("LOCK");
    try testing.expectError(error.Busy, fs.lock("LOCK"));

    sim.crash(.lose_unsynced);
    var buffer: [4]u8 = undefined;
    try testing.expectError(error.InputOutput, file.pread(&buffer, 0));
    try testing.expectError(error.InputOutput, file.pwriteAll("x", 0));
    try testing.expectError(error.InputOutput, file.sync());
    try testing.expectError(error.InputOutput, file.size());
    // Closing and releasing stale handles is harmless.
    file.close();
    held.release();
    try testing.expectEqual(@as(usize, 0), sim.openHandleCount());

    const again = try fs.lock("LOCK");
    try testing.expectError(error.Busy, fs.lock("LOCK"));
    again.release();
    const reopened = try fs.open("f", .{});
    defer reopened.close();
    try expectContents(reopened, "data");
    sim.checkInvariants();
}

test "SimFs: short transfers are completed by preadAll and pwriteAll" {
    var sim = try SimFs.init(testing.allocator, 11);
    defer sim.deinit();
    sim.short_io = true;
    const fs = sim.fs();
    const file = try fs.open("f", .{ .create = true });
    defer file.close();
    var bytes: [10_000]u8 = undefined;
    for (&bytes, 0..) |*byte, i| byte.* = @truncate(i *% 13);
    try file.pwriteAll(&bytes, 0);
    var read: [10_000]u8 = undefined;
    try testing.expectEqual(bytes.len, try file.preadAll(&read, 0));
    try testing.expectEqualSlices(u8, &bytes, &read);
    // Some transfer really was short.
    var short = false;
    for (0..50) |_| {
        if (try file.pread(&read, 0) < read.len) short = true;
    }
    try testing.expect(short);
}

test "SimFs: direct handles need aligned I/O and work like the others" {
    var sim = try SimFs.init(testing.allocator, 12);
    defer sim.deinit();
    const fs = sim.fs();
    const file = try fs.open("d", .{ .create = true, .direct = true });
    defer file.close();
    const buffer = try alignedAlloc(testing.allocator, types.page_size_bytes);
    defer testing.allocator.free(buffer);
    @memset(buffer, 0xAB);
    try file.pwriteAll(buffer, types.page_size_bytes);
    @memset(buffer, 0);
    try testing.expectEqual(buffer.len, try file.preadAll(buffer, types.page_size_bytes));
    try testing.expect(std.mem.allEqual(u8, buffer, 0xAB));
}

test "SimFs: the trace records the last operations with their results" {
    var sim = try SimFs.init(testing.allocator, 13);
    defer sim.deinit();
    const fs = sim.fs();
    try sim.enableTrace(4);
    try fs.makeDir("wal");
    const file = try fs.open("wal/1.log", .{ .create = true });
    try file.pwriteAll("abc", 7);
    try file.sync();
    try testing.expectError(error.FileNotFound, fs.open("wal/missing", .{}));
    file.close();

    const trace = try sim.traceSnapshot(testing.allocator);
    defer testing.allocator.free(trace);
    try testing.expectEqual(@as(usize, 4), trace.len);
    try testing.expectEqual(SimFs.TraceOp.write, trace[0].op);
    try testing.expectEqualStrings("wal/1.log", trace[0].path());
    try testing.expectEqual(@as(u64, 7), trace[0].offset);
    try testing.expectEqual(@as(u64, 3), trace[0].length);
    try testing.expectEqual(@as(?anyerror, null), trace[0].result);
    try testing.expectEqual(SimFs.TraceOp.sync, trace[1].op);
    try testing.expectEqual(SimFs.TraceOp.open, trace[2].op);
    try testing.expectEqual(@as(?anyerror, error.FileNotFound), trace[2].result);
    try testing.expectEqual(SimFs.TraceOp.close, trace[3].op);
    try testing.expectEqual(@as(u64, 5), trace[3].sequence);
    sim.disableTrace();
}

test "SimFs: threads share one disk" {
    var sim = try SimFs.init(testing.allocator, 14);
    defer sim.deinit();
    const fs = sim.fs();
    const threads_count = 4;
    const Worker = struct {
        fn run(worker_fs: Fs, index: usize, failed: *std.atomic.Value(bool)) void {
            work(worker_fs, index) catch failed.store(true, .monotonic);
        }

        fn work(worker_fs: Fs, index: usize) !void {
            var path_buffer: [16]u8 = undefined;
            const path = try std.fmt.bufPrint(&path_buffer, "t{d}", .{index});
            const file = try worker_fs.open(path, .{ .create = true });
            defer file.close();
            for (0..200) |i| {
                try file.pwriteAll(&[_]u8{@intCast(index)}, i);
                if (i % 50 == 0) try file.sync();
            }
            try file.sync();
        }
    };
    var failed: std.atomic.Value(bool) = .init(false);
    var threads: [threads_count]std.Thread = undefined;
    for (&threads, 0..) |*thread, i| thread.* = try std.Thread.spawn(.{}, Worker.run, .{ fs, i, &failed });
    for (threads) |thread| thread.join();
    try testing.expect(!failed.load(.monotonic));
    try fs.syncDir("");
    for (0..threads_count) |i| {
        var path_buffer: [16]u8 = undefined;
        const path = try std.fmt.bufPrint(&path_buffer, "t{d}", .{i});
        try expectSimDurable(&sim, path, &([_]u8{@intCast(i)} ** 200));
    }
    sim.checkInvariants();
}
