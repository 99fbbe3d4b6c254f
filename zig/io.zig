//! Platform I/O behind one interface. Every engine module does its I/O through `Fs` and
//! `File`, so tests can swap the real file system for the simulated disk.
//!
//! Paths are relative to the directory the `Fs` was opened on (the data directory) and use
//! '/' as separator. Durability rules, the same for every backend:
//! - data written to a file is durable only after `File.sync` returns;
//! - a created, renamed or deleted directory entry is durable only after `Fs.syncDir` on
//!   its parent directory returns;
//! - a failed sync is final: the caller must not assume any unsynced byte reached the disk.

const std = @import("std");
const builtin = @import("builtin");
const types = @import("types.zig");

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
