/** One metric family of a Prometheus text exposition (format 0.0.4). */
export interface MetricFamily {
  name: string;
  help: string;
  type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
  samples: { name: string; labels: Record<string, string>; value: number }[];
}

const sampleLine = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: \d+)?$/;
const labelPair = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(?:,|$)/y;
const suffixes = {
  counter: [''],
  gauge: [''],
  untyped: [''],
  histogram: ['_bucket', '_sum', '_count'],
  summary: ['', '_sum', '_count'],
};

/**
 * A strict parser for the text format: every sample must belong to a family declared by HELP and
 * TYPE before it, with a suffix its type allows, well-formed labels and a numeric value. Throws on
 * the first violation, naming the line.
 */
export function parsePrometheusText(text: string): Map<string, MetricFamily> {
  const families = new Map<string, MetricFamily>();
  let current: MetricFamily | undefined;
  const fail = (line: string, why: string): never => {
    throw new Error(`invalid exposition line (${why}): ${line}`);
  };
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (line.startsWith('# HELP ')) {
      const [name = '', ...help] = line.slice(7).split(' ');
      if (families.has(name)) fail(line, 'family declared twice');
      current = { name, help: help.join(' '), type: 'untyped', samples: [] };
      families.set(name, current);
      continue;
    }
    if (line.startsWith('# TYPE ')) {
      const [name, type] = line.slice(7).split(' ');
      if (!current || current.name !== name) fail(line, 'TYPE without its HELP');
      if (!type || !(type in suffixes)) fail(line, 'unknown type');
      (current as MetricFamily).type = type as MetricFamily['type'];
      continue;
    }
    if (line.startsWith('#')) continue;
    const match = sampleLine.exec(line) ?? fail(line, 'not a sample');
    const [, name = '', rawLabels = '', rawValue = ''] = match;
    if (!current) return fail(line, 'sample before any family');
    const family = current;
    const allowed = suffixes[family.type].some((suffix) => name === `${family.name}${suffix}`);
    if (!allowed) fail(line, `sample of another family than ${family.name}`);
    const value = parseValue(rawValue) ?? fail(line, 'value is not a number');
    family.samples.push({ name, labels: parseLabels(rawLabels, line, fail), value });
  }
  return families;
}

/** As Prometheus reads values (Go's ParseFloat): NaN and Inf in any case; prom-client writes "Nan". */
function parseValue(raw: string): number | undefined {
  const lower = raw.toLowerCase();
  if (lower === 'nan') return Number.NaN;
  if (lower === '+inf' || lower === 'inf') return Number.POSITIVE_INFINITY;
  if (lower === '-inf') return Number.NEGATIVE_INFINITY;
  const value = Number(raw);
  return raw.trim() === '' || Number.isNaN(value) ? undefined : value;
}

function parseLabels(
  raw: string,
  line: string,
  fail: (line: string, why: string) => never,
): Record<string, string> {
  const labels: Record<string, string> = {};
  labelPair.lastIndex = 0;
  while (labelPair.lastIndex < raw.length) {
    const match = labelPair.exec(raw) ?? fail(line, 'malformed labels');
    labels[match[1] as string] = (match[2] as string).replace(/\\(.)/g, (_, c: string) =>
      c === 'n' ? '\n' : c,
    );
  }
  return labels;
}

/** The value of one sample, 0 when it is absent (a counter with those labels was never incremented). */
export function sampleValue(
  families: Map<string, MetricFamily>,
  name: string,
  labels: Record<string, string> = {},
): number {
  for (const family of families.values()) {
    for (const sample of family.samples) {
      if (sample.name !== name) continue;
      if (Object.entries(labels).every(([key, value]) => sample.labels[key] === value)) return sample.value;
    }
  }
  return 0;
}
