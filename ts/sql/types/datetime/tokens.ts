// Keywords of date/time and interval input (PostgreSQL's datetktbl and deltatktbl).

export type TokenType =
  | "reserved"
  | "month"
  | "dow"
  | "ampm"
  | "adbc"
  | "units"
  | "isotime"
  | "ignore"
  | "dstModifier"
  | "ago";

/** Values of "reserved" and "units" tokens. */
export type TokenValue =
  | "early"
  | "late"
  | "epoch"
  | "now"
  | "today"
  | "tomorrow"
  | "yesterday"
  | "zulu"
  | "time"
  | "julian"
  | "microsecond"
  | "millisecond"
  | "second"
  | "minute"
  | "hour"
  | "day"
  | "week"
  | "month"
  | "year"
  | "decade"
  | "century"
  | "millennium"
  | "quarter"
  | "dow"
  | "doy"
  | "isodow"
  | "isoyear"
  | "tz"
  | "tzHour"
  | "tzMinute";

export interface Token {
  readonly type: TokenType;
  /** Month number, day of week, AM=0/PM=1, AD=0/BC=1, or DST shift in seconds. */
  readonly number?: number;
  readonly value?: TokenValue;
}

/** Tokens are compared on their first ten characters (TOKMAXLEN). */
const TOKEN_LENGTH_MAX = 10;

function table(entries: Record<string, Token>): Map<string, Token> {
  return new Map(Object.entries(entries).map(([key, token]) => [key.slice(0, TOKEN_LENGTH_MAX), token]));
}

const month = (number: number): Token => ({ type: "month", number });
const dow = (number: number): Token => ({ type: "dow", number });
const reserved = (value: TokenValue): Token => ({ type: "reserved", value });
const units = (value: TokenValue): Token => ({ type: "units", value });

const dateTokens = table({
  "-infinity": reserved("early"),
  ad: { type: "adbc", number: 0 },
  allballs: reserved("zulu"),
  am: { type: "ampm", number: 0 },
  apr: month(4),
  april: month(4),
  at: { type: "ignore" },
  aug: month(8),
  august: month(8),
  bc: { type: "adbc", number: 1 },
  d: units("day"),
  dec: month(12),
  december: month(12),
  dow: units("dow"),
  doy: units("doy"),
  dst: { type: "dstModifier", number: 3600 },
  epoch: reserved("epoch"),
  feb: month(2),
  february: month(2),
  fri: dow(5),
  friday: dow(5),
  h: units("hour"),
  infinity: reserved("late"),
  isodow: units("isodow"),
  isoyear: units("isoyear"),
  j: units("julian"),
  jan: month(1),
  january: month(1),
  jd: units("julian"),
  jul: month(7),
  julian: units("julian"),
  july: month(7),
  jun: month(6),
  june: month(6),
  m: units("month"),
  mar: month(3),
  march: month(3),
  may: month(5),
  mm: units("minute"),
  mon: dow(1),
  monday: dow(1),
  nov: month(11),
  november: month(11),
  now: reserved("now"),
  oct: month(10),
  october: month(10),
  on: { type: "ignore" },
  pm: { type: "ampm", number: 1 },
  s: units("second"),
  sat: dow(6),
  saturday: dow(6),
  sep: month(9),
  sept: month(9),
  september: month(9),
  sun: dow(0),
  sunday: dow(0),
  t: { type: "isotime", value: "time" },
  thu: dow(4),
  thur: dow(4),
  thurs: dow(4),
  thursday: dow(4),
  today: reserved("today"),
  tomorrow: reserved("tomorrow"),
  tue: dow(2),
  tues: dow(2),
  tuesday: dow(2),
  wed: dow(3),
  wednesday: dow(3),
  weds: dow(3),
  y: units("year"),
  yesterday: reserved("yesterday"),
});

const intervalTokens = table({
  "@": { type: "ignore" },
  ago: { type: "ago" },
  c: units("century"),
  cent: units("century"),
  centuries: units("century"),
  century: units("century"),
  d: units("day"),
  day: units("day"),
  days: units("day"),
  dec: units("decade"),
  decade: units("decade"),
  decades: units("decade"),
  decs: units("decade"),
  h: units("hour"),
  hour: units("hour"),
  hours: units("hour"),
  hr: units("hour"),
  hrs: units("hour"),
  m: units("minute"),
  microsecond: units("microsecond"),
  mil: units("millennium"),
  millennia: units("millennium"),
  millennium: units("millennium"),
  millisecond: units("millisecond"),
  mils: units("millennium"),
  min: units("minute"),
  mins: units("minute"),
  minute: units("minute"),
  minutes: units("minute"),
  mon: units("month"),
  mons: units("month"),
  month: units("month"),
  months: units("month"),
  ms: units("millisecond"),
  msec: units("millisecond"),
  msecond: units("millisecond"),
  mseconds: units("millisecond"),
  msecs: units("millisecond"),
  qtr: units("quarter"),
  quarter: units("quarter"),
  s: units("second"),
  sec: units("second"),
  second: units("second"),
  seconds: units("second"),
  secs: units("second"),
  timezone: units("tz"),
  timezone_h: units("tzHour"),
  timezone_m: units("tzMinute"),
  us: units("microsecond"),
  usec: units("microsecond"),
  usecond: units("microsecond"),
  useconds: units("microsecond"),
  usecs: units("microsecond"),
  w: units("week"),
  week: units("week"),
  weeks: units("week"),
  y: units("year"),
  year: units("year"),
  years: units("year"),
  yr: units("year"),
  yrs: units("year"),
});

export function findDateToken(lowerCase: string): Token | undefined {
  return dateTokens.get(lowerCase.slice(0, TOKEN_LENGTH_MAX));
}

export function findIntervalToken(lowerCase: string): Token | undefined {
  return intervalTokens.get(lowerCase.slice(0, TOKEN_LENGTH_MAX));
}
