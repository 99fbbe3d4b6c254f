// Exact decimal rounding of doubles, for casts that PostgreSQL performs with
// printf("%.*g"): glibc rounds the exact binary value half to even, while JavaScript's
// toPrecision() rounds exact ties away from zero.

/** The exact value of a finite double's magnitude as digits × 10^exponent. */
export function exactDecimal(value: number): { digits: bigint; exponent: number } {
  let scaled = Math.abs(value);
  let twos = 0;
  while (!Number.isInteger(scaled)) {
    scaled *= 2;
    twos++;
  }
  // m / 2^k = m * 5^k / 10^k
  return { digits: BigInt(scaled) * 5n ** BigInt(twos), exponent: -twos };
}

/** Whether |value| lies exactly halfway between two `precision`-digit decimals. */
function isExactTie(value: number, precision: number): boolean {
  const next = Math.abs(value).toExponential(precision);
  if (!/5e/.test(next)) return false;
  const exact = exactDecimal(value);
  const [mantissa = "", exponent = "0"] = next.split("e");
  const candidate = BigInt(mantissa.replace(".", ""));
  const candidateExponent = Number(exponent) - precision;
  const shift = candidateExponent - exact.exponent;
  if (shift >= 0) return candidate * 10n ** BigInt(shift) === exact.digits;
  return exact.digits * 10n ** BigInt(-shift) === candidate;
}

/**
 * A finite non-zero double rounded to `precision` significant digits, half to even, as
 * "d.ddde±x" without trailing zeros (what numeric input needs from %.*g).
 */
export function roundDoubleToDigits(value: number, precision: number): string {
  let text = Math.abs(value).toExponential(precision - 1);
  if (isExactTie(value, precision)) {
    const [mantissa = "", exponent = "0"] = text.split("e");
    const digits = BigInt(mantissa.replace(".", ""));
    // toExponential rounded the tie up; step back down when that made the last digit odd.
    if (digits % 2n === 1n) {
      const lowered = (digits - 1n).toString().padStart(precision, "0");
      text = `${lowered[0]}${lowered.length > 1 ? "." : ""}${lowered.slice(1)}e${exponent}`;
    }
  }
  const [mantissa = "", exponent = "0"] = text.split("e");
  const trimmed = mantissa.includes(".") ? mantissa.replace(/0+$/, "").replace(/\.$/, "") : mantissa;
  return `${value < 0 ? "-" : ""}${trimmed}e${exponent}`;
}
