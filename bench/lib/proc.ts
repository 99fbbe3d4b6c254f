// Process measurements from /proc (Linux), with fallbacks elsewhere: resident memory (and its
// peak, which can be reset so each phase gets its own) and bytes written to storage.
import { readFileSync, writeFileSync } from "node:fs";

function statusField(name: string): number | undefined {
  try {
    const text = readFileSync("/proc/self/status", "utf8");
    const match = new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(text);
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Peak resident set size in bytes since start (or since the last resetPeakRss). */
export function peakRssBytes(): number {
  return statusField("VmHWM") ?? process.resourceUsage().maxRSS * 1024;
}

export function rssBytes(): number {
  return statusField("VmRSS") ?? process.memoryUsage().rss;
}

let peakResettable: boolean | undefined;

/** Resets the peak RSS to the current RSS (Linux: clear_refs 5). False when unsupported. */
export function resetPeakRss(): boolean {
  if (peakResettable === false) return false;
  try {
    writeFileSync("/proc/self/clear_refs", "5");
    peakResettable = true;
  } catch {
    peakResettable = false;
  }
  return peakResettable;
}

/** Bytes this process caused to be written to storage (counted when pages are dirtied), and
 * bytes passed to write calls. Undefined when /proc/self/io is not readable. */
export function ioCounters(): { writeBytes: number; wchar: number; readBytes: number } | undefined {
  try {
    const text = readFileSync("/proc/self/io", "utf8");
    const field = (name: string) => Number(new RegExp(`^${name}: (\\d+)`, "m").exec(text)?.[1] ?? NaN);
    return { writeBytes: field("write_bytes"), wchar: field("wchar"), readBytes: field("read_bytes") };
  } catch {
    return undefined;
  }
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
  if (bytes >= 1024 ** 2) return `${(bytes / 1024 ** 2).toFixed(0)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(0)} KiB`;
  return `${bytes} B`;
}
