// A strict reader of Prometheus's text exposition format (0.0.4), for tests that scrape /metrics:
// every line must be a HELP, a TYPE or a sample of a family declared before it, with well-formed
// labels and a number; anything else throws, naming the line.

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface MetricFamily {
  name: string;
  type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
  help: string;
  samples: Sample[];
}

const metricName = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const labelName = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const types = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
const suffixes: Record<MetricFamily['type'], string[]> = {
  counter: ['', '_total'], gauge: [''], untyped: [''], histogram: ['_bucket', '_sum', '_count'], summary: ['', '_sum', '_count'],
};

function parseValue(text: string, line: string): number {
  if (text === '+Inf' || text === 'Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  if (text === 'NaN') return NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) throw new Error(`not a number (${text}): ${line}`);
  return Number(text);
}

/** Labels between braces: name="value", with \\, \" and \n escapes; answers them and where the braces end. */
function parseLabels(text: string, start: number, line: string): { labels: Record<string, string>; end: number } {
  const labels: Record<string, string> = {};
  let at = start + 1;
  for (;;) {
    if (text[at] === '}') return { labels, end: at + 1 };
    const equals = text.indexOf('=', at);
    const name = text.slice(at, equals);
    if (equals < 0 || !labelName.test(name) || text[equals + 1] !== '"') throw new Error(`malformed label: ${line}`);
    if (name in labels) throw new Error(`label ${name} twice: ${line}`);
    let value = '';
    at = equals + 2;
    for (;;) {
      const char = text[at];
      if (char === undefined) throw new Error(`unterminated label value: ${line}`);
      if (char === '"') break;
      if (char === '\\') {
        const escaped = text[at + 1];
        if (escaped === 'n') value += '\n';
        else if (escaped === '\\' || escaped === '"') value += escaped;
        else throw new Error(`bad escape in label value: ${line}`);
        at += 2;
      } else {
        value += char;
        at += 1;
      }
    }
    labels[name] = value;
    at += 1;
    if (text[at] === ',') at += 1;
    else if (text[at] !== '}') throw new Error(`expected , or } after a label: ${line}`);
  }
}

export function parsePrometheusText(text: string): Map<string, MetricFamily> {
  const families = new Map<string, MetricFamily>();
  const familyOf = (name: string) => families.get(name) ?? (() => {
    const family: MetricFamily = { name, type: 'untyped', help: '', samples: [] };
    families.set(name, family);
    return family;
  })();
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    if (line.startsWith('#')) {
      const [, keyword, name, rest = ''] = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line) ?? [];
      if (!keyword) continue; // a plain comment
      if (!metricName.test(name!)) throw new Error(`bad metric name: ${line}`);
      const family = familyOf(name!);
      if (keyword === 'HELP') family.help = rest;
      else {
        if (!types.has(rest)) throw new Error(`unknown type: ${line}`);
        if (family.samples.length > 0) throw new Error(`TYPE after samples: ${line}`);
        family.type = rest as MetricFamily['type'];
      }
      continue;
    }
    const nameEnd = line.search(/[{ ]/);
    const name = nameEnd < 0 ? line : line.slice(0, nameEnd);
    if (!metricName.test(name)) throw new Error(`bad sample name: ${line}`);
    let labels: Record<string, string> = {};
    let rest = line.slice(name.length);
    if (rest.startsWith('{')) {
      const parsed = parseLabels(line, name.length, line);
      labels = parsed.labels;
      rest = line.slice(parsed.end);
    }
    const parts = rest.trim().split(' ');
    if (!rest.startsWith(' ') || parts.length < 1 || parts.length > 2) throw new Error(`malformed sample: ${line}`);
    if (parts[1] !== undefined && !/^-?\d+$/.test(parts[1])) throw new Error(`bad timestamp: ${line}`);
    const family = [...families.values()].find((candidate) => suffixes[candidate.type].some((suffix) => candidate.name + suffix === name));
    if (!family) throw new Error(`sample of no declared family: ${line}`);
    family.samples.push({ name, labels, value: parseValue(parts[0]!, line) });
  }
  return families;
}

/** The samples of this name whose labels include every label given. */
export function samplesOf(families: Map<string, MetricFamily>, name: string, labels: Record<string, string> = {}): Sample[] {
  return [...families.values()].flatMap((family) => family.samples)
    .filter((sample) => sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value));
}
