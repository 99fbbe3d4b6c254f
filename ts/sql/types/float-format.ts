// Text output for real and double precision: PostgreSQL's float4out/float8out with
// extra_float_digits = 1 (shortest digits that read back exactly).

import { shortestDouble, shortestSingle, type Shortest } from "./float-shortest.ts";

/** %e notation outside [1e-4, 10^fixedBelow), plain digits inside it, as Ryu's output does. */
function layoutDecimal(negative: boolean, shortest: Shortest, fixedBelow: number): string {
  const { digits, exponent } = shortest;
  const sign = negative ? "-" : "";
  if (exponent >= -4 && exponent < fixedBelow) {
    if (exponent < 0) return `${sign}0.${"0".repeat(-exponent - 1)}${digits}`;
    if (digits.length <= exponent + 1) return `${sign}${digits.padEnd(exponent + 1, "0")}`;
    return `${sign}${digits.slice(0, exponent + 1)}.${digits.slice(exponent + 1)}`;
  }
  const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  const exponentText = String(Math.abs(exponent)).padStart(2, "0");
  return `${sign}${mantissa}e${exponent < 0 ? "-" : "+"}${exponentText}`;
}

function formatSpecial(value: number): string | null {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "Infinity";
  if (value === -Infinity) return "-Infinity";
  if (value === 0) return Object.is(value, -0) ? "-0" : "0";
  return null;
}

/**
 * JavaScript prints the same text for 1e-4 ≤ |v| < 1e15 (plain notation, shortest digits),
 * except where its digits sit exactly on a midpoint, which needs a final 5 after the point
 * (or an integer beyond 2^53, which this range does not reach).
 */
function fastFloat8(value: number): string | null {
  const magnitude = Math.abs(value);
  if (!(magnitude >= 1e-4 && magnitude < 1e15)) return null;
  const text = String(value);
  return text.endsWith("5") && text.includes(".") ? null : text;
}

export function formatFloat8(value: number): string {
  return formatSpecial(value) ?? fastFloat8(value) ?? layoutDecimal(value < 0, shortestDouble(Math.abs(value)), 15);
}

export function formatFloat4(value: number): string {
  return formatSpecial(value) ?? layoutDecimal(value < 0, shortestSingle(Math.abs(value)), 6);
}
