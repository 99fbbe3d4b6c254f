// Time zones: the session TimeZone setting and zone names inside date/time input, resolved
// to UTC offsets through the Intl API (the IANA database that Bun ships).
//
// Offsets here are seconds EAST of UTC (ISO convention).

import { SqlError, SqlState } from "../../errors.ts";
import { SECS_PER_DAY } from "./calendar.ts";
import { parsePosixSpec, posixZone } from "./posix-zone.ts";

export interface TimeZone {
  /** The name as resolved (for IANA zones, the canonical spelling). */
  readonly name: string;
  /** UTC offset at a UTC instant given in seconds since 1970-01-01. */
  offsetAt(unixSeconds: number): number;
  /** Offset when the zone never changes it (fixed-offset zones), else null. */
  readonly fixedOffset: number | null;
}

/** The Gregorian calendar repeats every 400 years; shift far instants into Date's range. */
const SECONDS_PER_400_YEARS = 12622780800;
const DATE_LIMIT_SECONDS = 8.6e12;
/** Offsets are cached per span of 2^25 seconds (about 388 days) as a list of transitions. */
const SPAN_SECONDS = 2 ** 25;
/** Transitions are found by sampling weekly, then bisecting to the second. */
const SAMPLE_SECONDS = 7 * 86400;
const CACHED_SPANS_MAX = 2048;

function fixedZone(name: string, offset: number): TimeZone {
  return { name, fixedOffset: offset, offsetAt: () => offset };
}

export const utcZone = fixedZone("UTC", 0);

interface Span {
  readonly startOffset: number;
  /** Instants (unix seconds) where the offset changes, and the offset from then on. */
  readonly changes: readonly { readonly at: number; readonly offset: number }[];
}

class IntlZone implements TimeZone {
  readonly fixedOffset = null;
  private readonly format: Intl.DateTimeFormat;
  private readonly spans = new Map<number, Span>();

  constructor(readonly name: string) {
    this.format = new Intl.DateTimeFormat("en-US", {
      timeZone: name,
      hourCycle: "h23",
      era: "short",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
  }

  /** The offset straight from Intl: local wall time minus the instant. */
  private compute(unixSeconds: number): number {
    let seconds = unixSeconds;
    while (seconds > DATE_LIMIT_SECONDS) seconds -= SECONDS_PER_400_YEARS;
    while (seconds < -DATE_LIMIT_SECONDS) seconds += SECONDS_PER_400_YEARS;
    const fields: Record<string, string> = {};
    for (const part of this.format.formatToParts(new Date(seconds * 1000))) fields[part.type] = part.value;
    const yearOfEra = Number(fields.year);
    const year = fields.era === "BC" || fields.era === "B" ? 1 - yearOfEra : yearOfEra;
    const local = new Date(0);
    local.setUTCFullYear(year, Number(fields.month) - 1, Number(fields.day));
    local.setUTCHours(Number(fields.hour), Number(fields.minute), Number(fields.second), 0);
    return local.getTime() / 1000 - seconds;
  }

  /** The first second in (low, high] whose offset differs from the offset at low. */
  private transitionBetween(low: number, high: number, before: number): number {
    let lo = low;
    let hi = high;
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (this.compute(mid) === before) lo = mid;
      else hi = mid;
    }
    return hi;
  }

  private buildSpan(index: number): Span {
    const start = index * SPAN_SECONDS;
    const startOffset = this.compute(start);
    const changes: { at: number; offset: number }[] = [];
    let previous = startOffset;
    for (let sample = start; sample < start + SPAN_SECONDS; ) {
      const next = Math.min(sample + SAMPLE_SECONDS, start + SPAN_SECONDS - 1);
      const offset = this.compute(next);
      if (offset !== previous) {
        const at = this.transitionBetween(sample, next, previous);
        changes.push({ at, offset: this.compute(at) });
        previous = this.compute(at);
        sample = at;
        continue;
      }
      sample = next === start + SPAN_SECONDS - 1 ? start + SPAN_SECONDS : next;
    }
    return { startOffset, changes };
  }

  offsetAt(unixSeconds: number): number {
    const index = Math.floor(unixSeconds / SPAN_SECONDS);
    let span = this.spans.get(index);
    if (!span) {
      if (this.spans.size >= CACHED_SPANS_MAX) this.spans.clear();
      span = this.buildSpan(index);
      this.spans.set(index, span);
    }
    let offset = span.startOffset;
    for (const change of span.changes) {
      if (change.at > unixSeconds) break;
      offset = change.offset;
    }
    return offset;
  }
}

const ianaZones = new Map<string, TimeZone | null>();

/** A zone of the IANA database by name, case-insensitively; null when unknown. */
export function findIanaZone(name: string): TimeZone | null {
  const key = name.toLowerCase();
  const known = ianaZones.get(key);
  if (known !== undefined) return known;
  let zone: TimeZone | null = null;
  if (/^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(name)) {
    try {
      const resolved = new Intl.DateTimeFormat("en-US", { timeZone: name }).resolvedOptions().timeZone;
      zone = resolved === "UTC" || resolved === "Etc/UTC" ? fixedZone(resolved, 0) : new IntlZone(resolved);
    } catch {
      zone = null;
    }
  }
  ianaZones.set(key, zone);
  return zone;
}

function parsePosix(text: string): TimeZone | null {
  const spec = parsePosixSpec(text);
  return spec ? posixZone(text, spec) : null;
}

/** A bare number in the TimeZone setting is hours EAST of UTC (SET TIME ZONE 5). */
function parseNumericZone(text: string): TimeZone | null {
  if (!/^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/.test(text)) return null;
  const hours = Number(text);
  if (!Number.isFinite(hours) || Math.abs(hours) > 168) return null;
  return fixedZone(text.trim(), Math.round(hours * 3600));
}

/** A zone named inside date/time input (pg_tzset): IANA names, then POSIX TZ strings. */
export function findNamedZone(name: string): TimeZone | null {
  return findIanaZone(name) ?? parsePosix(name);
}

const sessionZones = new Map<string, TimeZone>();

/** Resolves the TimeZone setting; 22023 for values PostgreSQL would reject. */
export function resolveTimeZoneSetting(setting: string): TimeZone {
  const cached = sessionZones.get(setting);
  if (cached) return cached;
  const zone = parseNumericZone(setting) ?? findIanaZone(setting) ?? parsePosix(setting);
  if (!zone) {
    throw new SqlError(SqlState.invalidParameterValue, `invalid value for parameter "TimeZone": "${setting}"`);
  }
  sessionZones.set(setting, zone);
  return zone;
}

/**
 * The offset that applies to a local wall-clock time (DetermineTimeZoneOffset). In a
 * spring-forward gap the offset before the change applies; in a fall-back overlap, the one
 * after it.
 */
export function offsetForLocalTime(zone: TimeZone, localUnixSeconds: number): number {
  if (zone.fixedOffset !== null) return zone.fixedOffset;
  const before = zone.offsetAt(localUnixSeconds - SECS_PER_DAY);
  const after = zone.offsetAt(localUnixSeconds + SECS_PER_DAY);
  if (before === after) {
    const exact = zone.offsetAt(localUnixSeconds - before);
    if (exact === before) return before;
  }
  const boundary = findTransition(zone, localUnixSeconds - SECS_PER_DAY, localUnixSeconds + SECS_PER_DAY);
  const beforeOffset = zone.offsetAt(boundary - 1);
  const afterOffset = zone.offsetAt(boundary);
  const beforeTime = localUnixSeconds - beforeOffset;
  const afterTime = localUnixSeconds - afterOffset;
  if (beforeTime < boundary && afterTime < boundary) return beforeOffset;
  if (beforeTime > boundary && afterTime >= boundary) return afterOffset;
  return beforeTime > afterTime ? beforeOffset : afterOffset;
}

/** The first second at which the offset differs from the offset at `low`. */
function findTransition(zone: TimeZone, low: number, high: number): number {
  const initial = zone.offsetAt(low);
  let lo = low;
  let hi = high;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (zone.offsetAt(mid) === initial) lo = mid;
    else hi = mid;
  }
  return hi;
}
