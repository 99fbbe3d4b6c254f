const std = @import("std");

/// `zig build`            the engine library, zig-out/lib/libpgz.{so,dylib} (ReleaseSafe)
/// `zig build test`       every Zig test (inline tests and the *_fuzz.zig model tests)
/// `zig build cross`      compiles the library for x86_64-macos and aarch64-macos
/// Options: -Doptimize=Debug|ReleaseSafe|ReleaseFast|ReleaseSmall, -Dtest-filter=...,
///          -Dfuzz-scale=N (multiplies the randomized tests' operation counts)
pub fn build(b: *std.Build) void {
    const target = b.standardTargetOptions(.{});
    const optimize = b.option(std.builtin.OptimizeMode, "optimize", "Optimization mode (default ReleaseSafe)") orelse .ReleaseSafe;
    const test_optimize = b.option(std.builtin.OptimizeMode, "test-optimize", "Optimization mode for tests (default ReleaseSafe)") orelse .ReleaseSafe;
    const test_filters = b.option([]const []const u8, "test-filter", "Run only tests whose name contains this") orelse &.{};
    const fuzz_scale = b.option(u32, "fuzz-scale", "Multiplier for randomized test lengths (default 1)") orelse 1;

    const options = b.addOptions();
    options.addOption(u32, "fuzz_scale", fuzz_scale);

    const lib = b.addLibrary(.{
        .name = "pgz",
        .linkage = .dynamic,
        .root_module = engineModule(b, target, optimize),
    });
    b.installArtifact(lib);

    const test_module = b.createModule(.{
        .root_source_file = b.path("zig/tests.zig"),
        .target = target,
        .optimize = test_optimize,
        .link_libc = true,
    });
    test_module.addOptions("build_options", options);
    const tests = b.addTest(.{ .root_module = test_module, .filters = test_filters });
    const run_tests = b.addRunArtifact(tests);
    run_tests.has_side_effects = true;
    const test_step = b.step("test", "Run the engine's tests");
    test_step.dependOn(&run_tests.step);

    const cross_step = b.step("cross", "Compile the engine for x86_64-macos and aarch64-macos");
    const cross_targets = [_]std.Target.Query{
        .{ .cpu_arch = .x86_64, .os_tag = .macos },
        .{ .cpu_arch = .aarch64, .os_tag = .macos },
    };
    for (cross_targets) |query| {
        const cross_lib = b.addLibrary(.{
            .name = "pgz",
            .linkage = .dynamic,
            .root_module = engineModule(b, b.resolveTargetQuery(query), optimize),
        });
        cross_step.dependOn(&cross_lib.step);
        // The tests compile for macOS too, so the macOS I/O paths in them type-check.
        const cross_test_module = b.createModule(.{
            .root_source_file = b.path("zig/tests.zig"),
            .target = b.resolveTargetQuery(query),
            .optimize = .Debug,
            .link_libc = true,
        });
        cross_test_module.addOptions("build_options", options);
        const cross_tests = b.addTest(.{ .root_module = cross_test_module });
        cross_step.dependOn(&cross_tests.step);
    }
}

fn engineModule(b: *std.Build, target: std.Build.ResolvedTarget, optimize: std.builtin.OptimizeMode) *std.Build.Module {
    return b.createModule(.{
        .root_source_file = b.path("zig/capi.zig"),
        .target = target,
        .optimize = optimize,
        // Threads must be the host process's pthreads: the library lives inside Bun.
        .link_libc = true,
    });
}
