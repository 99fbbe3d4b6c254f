// Bit masks recording which date/time fields the input has supplied (PostgreSQL's DTK_M).

export const Mask = {
  /** Reserved words: epoch, infinity, -infinity. */
  reserved: 1 << 0,
  month: 1 << 1,
  year: 1 << 2,
  day: 1 << 3,
  julian: 1 << 4,
  tz: 1 << 5,
  dtz: 1 << 6,
  ignore: 1 << 8,
  ampm: 1 << 9,
  hour: 1 << 10,
  minute: 1 << 11,
  second: 1 << 12,
  millisecond: 1 << 13,
  microsecond: 1 << 14,
  doy: 1 << 15,
  dow: 1 << 16,
  adbc: 1 << 18,
  week: 1 << 24,
  decade: 1 << 25,
  century: 1 << 26,
  millennium: 1 << 27,
  dtzmod: 1 << 28,
} as const;

export const DATE_MASK = Mask.year | Mask.month | Mask.day;
export const ALL_SECONDS_MASK = Mask.second | Mask.millisecond | Mask.microsecond;
export const TIME_MASK = Mask.hour | Mask.minute | ALL_SECONDS_MASK;

/** C's rint(): round half to even. */
export function roundHalfEven(value: number): number {
  const rounded = Math.round(value);
  return Math.abs(value % 1) === 0.5 && rounded % 2 !== 0 ? rounded - 1 : rounded;
}
