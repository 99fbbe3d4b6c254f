// A strict reader of the Prometheus text exposition format (version 0.0.4), the test oracle
// for GET /metrics: it rejects what Prometheus would reject (bad names, bad label syntax,
// unparsable values, samples without or before their TYPE, duplicate series) and checks the
// conventions a scraper relies on (counters end in _total; histogram buckets are cumulative,
// end with le="+Inf" and agree with _count).

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface Family {
  readonly name: string;
  readonly type: "counter" | "gauge" | "histogram" | "summary" | "untyped";
  readonly help: string;
  readonly samples: Sample[];
}

const metricName = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const labelName = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export function parsePrometheusText(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  const helps = new Map<string, string>();
  const seen = new Set<string>();
  let current: Family | null = null;
  const lines = text.split("\n");
  if (lines.at(-1) !== "") throw new Error("exposition must end with a newline");
  lines.forEach((line, index) => {
    const where = `line ${index + 1}: ${JSON.stringify(line)}`;
    if (line === "") return;
    if (line.startsWith("#")) {
      const match = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
      if (!match) return; // a plain comment
      const [, keyword, name, rest] = match as unknown as [string, string, string, string];
      if (!metricName.test(name)) throw new Error(`${where}: bad metric name`);
      if (keyword === "HELP") {
        if (helps.has(name)) throw new Error(`${where}: second HELP for ${name}`);
        helps.set(name, rest);
        return;
      }
      if (families.has(name)) throw new Error(`${where}: second TYPE for ${name}`);
      if (!["counter", "gauge", "histogram", "summary", "untyped"].includes(rest)) throw new Error(`${where}: bad type`);
      current = { name, type: rest as Family["type"], help: helps.get(name) ?? "", samples: [] };
      families.set(name, current);
      return;
    }
    const sample = parseSample(line, where);
    const family = current as Family | null;
    if (family === null || !belongsTo(sample.name, family)) throw new Error(`${where}: sample outside its family's TYPE block`);
    const key = `${sample.name}${JSON.stringify(Object.entries(sample.labels).sort())}`;
    if (seen.has(key)) throw new Error(`${where}: duplicate series`);
    seen.add(key);
    family.samples.push(sample);
  });
  for (const family of families.values()) checkFamily(family);
  return families;
}

function belongsTo(sampleName: string, family: Family): boolean {
  if (sampleName === family.name) return family.type !== "histogram";
  if (family.type === "histogram") return [`${family.name}_bucket`, `${family.name}_sum`, `${family.name}_count`].includes(sampleName);
  if (family.type === "summary") return [`${family.name}_sum`, `${family.name}_count`].includes(sampleName);
  return false;
}

function parseSample(line: string, where: string): Sample {
  const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)( -?\d+)?$/.exec(line);
  if (!match) throw new Error(`${where}: not a sample line`);
  const [, name, , labelText, valueText] = match as unknown as [string, string, string | undefined, string | undefined, string];
  const labels: Record<string, string> = {};
  if (labelText !== undefined && labelText !== "") {
    const labelPattern = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)/y;
    let position = 0;
    while (position < labelText.length) {
      labelPattern.lastIndex = position;
      const label = labelPattern.exec(labelText);
      if (!label) throw new Error(`${where}: bad label syntax at ${labelText.slice(position)}`);
      const [, key, raw] = label as unknown as [string, string, string];
      if (!labelName.test(key) || key.startsWith("__")) throw new Error(`${where}: bad label name ${key}`);
      if (key in labels) throw new Error(`${where}: label ${key} twice`);
      labels[key] = raw.replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c));
      position = labelPattern.lastIndex;
    }
  }
  const value = parseValue(valueText);
  if (value === null) throw new Error(`${where}: bad value ${valueText}`);
  return { name, labels, value };
}

function parseValue(text: string): number | null {
  // Prometheus reads values with Go's strconv.ParseFloat, which ignores the case of these.
  const special = text.toLowerCase();
  if (special === "+inf" || special === "inf") return Number.POSITIVE_INFINITY;
  if (special === "-inf") return Number.NEGATIVE_INFINITY;
  if (special === "nan") return Number.NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) return null;
  return Number(text);
}

function checkFamily(family: Family): void {
  if (family.type === "counter") {
    if (!family.name.endsWith("_total")) throw new Error(`counter ${family.name} does not end in _total`);
    for (const s of family.samples) if (!(s.value >= 0)) throw new Error(`counter ${s.name} is ${s.value}`);
  }
  if (family.type !== "histogram") return;
  const series = new Map<string, { buckets: [number, number][]; count?: number; sum?: number }>();
  for (const s of family.samples) {
    const { le, ...rest } = s.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    const entry = series.get(key) ?? { buckets: [] };
    series.set(key, entry);
    if (s.name.endsWith("_bucket")) {
      if (le === undefined) throw new Error(`${s.name} without le`);
      entry.buckets.push([parseValue(le) ?? Number.NaN, s.value]);
    } else if (s.name.endsWith("_count")) entry.count = s.value;
    else entry.sum = s.value;
  }
  for (const [key, entry] of series) {
    const what = `${family.name}${key}`;
    if (entry.count === undefined || entry.sum === undefined) throw new Error(`${what}: missing _count or _sum`);
    const last = entry.buckets.at(-1);
    if (last === undefined || last[0] !== Number.POSITIVE_INFINITY) throw new Error(`${what}: last bucket is not +Inf`);
    if (last[1] !== entry.count) throw new Error(`${what}: +Inf bucket ${last[1]} != _count ${entry.count}`);
    for (let i = 1; i < entry.buckets.length; i++) {
      const [bound, count] = entry.buckets[i]!;
      const [previousBound, previousCount] = entry.buckets[i - 1]!;
      if (!(bound > previousBound)) throw new Error(`${what}: bucket bounds not increasing`);
      if (count < previousCount) throw new Error(`${what}: bucket counts not cumulative`);
    }
  }
}

/** The value of one series; labels must match exactly. Undefined when absent. */
export function sampleValue(families: Map<string, Family>, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const family of families.values()) {
    for (const s of family.samples) {
      if (s.name !== name) continue;
      const keys = Object.keys(s.labels);
      if (keys.length === Object.keys(labels).length && keys.every((k) => s.labels[k] === labels[k])) return s.value;
    }
  }
  return undefined;
}
