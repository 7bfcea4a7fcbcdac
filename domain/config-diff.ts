// Configuration diffs for people: both configurations pretty-printed one element per line, then
// a unified diff of the lines. A hub's configuration runs to tens of thousands of lines and a
// change touches a few, so the diff costs what the change touches (Myers' O((N+M)·D) algorithm,
// after the common head and tail are set aside), not the product of the two lengths.
import { canonicalNine } from './junos-nine.ts';

const entities: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

const unescapeXml = (text: string) => text.replace(/&(#x[0-9a-fA-F]+|#\d+|\w+);/g, (entity, name: string) => {
  if (name.startsWith('#x')) return String.fromCodePoint(parseInt(name.slice(2), 16));
  if (name.startsWith('#')) return String.fromCodePoint(Number(name.slice(1)));
  return entities[name] ?? entity;
});

/**
 * The tags and text of a configuration, in order. Configurations are machine-written XML (what a
 * device returned, or a renderer wrote), so a scan of tags is enough; it keeps this pure, for the
 * API and the UI as much as the device activities. Attributes, comments and declarations do not
 * count, as they never did in a diff.
 */
const token = /<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<!\[CDATA\[([\s\S]*?)\]\]>|<!(?:[^>"']|"[^"]*"|'[^']*')*>|<(\/?)([^\s/>]+)((?:[^>"']|"[^"]*"|'[^']*')*?)(\/?)>|([^<]+)/g;

/** An element of a configuration: its name without prefix, its elements, its own text, and an edit's NETCONF operation on it. */
export interface ConfigNode {
  name: string;
  children: ConfigNode[];
  text: string;
  operation?: string;
}

const operationAttribute = /(?:^|\s)(?:[\w.-]+:)?operation\s*=\s*["']([^"']*)["']/;

/** The elements of machine-written configuration XML (one or several roots), as a tree. */
export function parseElements(xml: string): ConfigNode[] {
  const root: ConfigNode = { name: '', children: [], text: '' };
  const open: ConfigNode[] = [root];
  for (const [, cdata, closing, tag, attributes, selfClosing, text] of xml.matchAll(token)) {
    const current = open.at(-1)!;
    if (tag === undefined) {
      if (cdata !== undefined) current.text += cdata;
      else if (text !== undefined) current.text += unescapeXml(text);
      continue;
    }
    const name = tag.slice(tag.indexOf(':') + 1);
    if (closing) {
      if (open.length > 1) open.pop();
      continue;
    }
    const operation = attributes && operationAttribute.exec(attributes)?.[1];
    const element: ConfigNode = { name, children: [], text: '', ...(operation ? { operation } : {}) };
    current.children.push(element);
    if (!selfClosing) open.push(element);
  }
  return root.children;
}

/** A leaf's text as xmldom's textContent had it: its own text and its descendants'. */
export const textOf = (node: ConfigNode): string => node.text + node.children.map(textOf).join('');

/** One line per element: `<name>` opening containers, `<leaf>text</leaf>` for leaves, indented. */
export function configLines(xml: string): string[] {
  if (!xml.trim()) return [];
  const lines: string[] = [];
  const walk = (element: ConfigNode, depth: number) => {
    const indent = '  '.repeat(depth);
    const name = element.name;
    if (element.children.length === 0) {
      // A Junos secret is spelt with a new salt each time it is loaded: compare the secret.
      const text = canonicalNine(textOf(element).trim());
      lines.push(text ? `${indent}<${name}>${text}</${name}>` : `${indent}<${name}/>`);
      return;
    }
    lines.push(`${indent}<${name}>`);
    for (const child of element.children) walk(child, depth + 1);
    lines.push(`${indent}</${name}>`);
  };
  for (const element of parseElements(xml)) walk(element, 0);
  return lines;
}

/** Whether two configurations say the same, as a diff reads them (whitespace, attributes and secrets' salts aside). */
export function sameConfiguration(a: string, b: string): boolean {
  const left = configLines(a);
  const right = configLines(b);
  return left.length === right.length && left.every((line, index) => line === right[index]);
}

type Op = { kind: ' ' | '-' | '+'; line: string };

/** Past this many differing lines, the middle is shown as all removed then all added. */
const maxEdits = 2_000;

/** The shortest edit script from a to b (Myers, 1986), or undefined past `maxEdits`. */
function shortestEdit(a: string[], b: string[]): Op[] | undefined {
  const n = a.length;
  const m = b.length;
  const offset = Math.min(n + m, maxEdits) + 1;
  const v = new Int32Array(2 * offset + 1);
  // Per step d, the furthest x reached on each diagonal k in [-d, d], for the way back.
  const trace: Int32Array[] = [];
  for (let d = 0; d <= Math.min(n + m, maxEdits); d++) {
    trace.push(v.slice(offset - d, offset + d + 1));
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[offset + k - 1]! < v[offset + k + 1]!) ? v[offset + k + 1]! : v[offset + k - 1]! + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) return backtrack(a, b, trace, d);
    }
  }
  return undefined;
}

function backtrack(a: string[], b: string[], trace: Int32Array[], steps: number): Op[] {
  const reversed: Op[] = [];
  let x = a.length;
  let y = b.length;
  for (let d = steps; d > 0; d--) {
    const before = trace[d]!; // diagonals -d..d as they were when step d began
    const at = (k: number) => before[k + d]!;
    const k = x - y;
    const previousK = k === -d || (k !== d && at(k - 1) < at(k + 1)) ? k + 1 : k - 1;
    const previousX = at(previousK);
    const previousY = previousX - previousK;
    for (; x > previousX && y > previousY; x--, y--) reversed.push({ kind: ' ', line: a[x - 1]! });
    if (x === previousX) reversed.push({ kind: '+', line: b[--y]! });
    else reversed.push({ kind: '-', line: a[--x]! });
  }
  for (; x > 0 && y > 0; x--, y--) reversed.push({ kind: ' ', line: a[x - 1]! });
  return reversed.reverse();
}

/**
 * Of the equally short scripts, the one people read best: a run of added (or removed) lines moves
 * down while the line after it equals its first, so a new entry shows as a whole entry.
 */
function slideDown(ops: Op[]): Op[] {
  for (let i = 0; i < ops.length; i++) {
    const kind = ops[i]!.kind;
    if (kind === ' ') continue;
    let j = i;
    while (j < ops.length && ops[j]!.kind === kind) j++;
    for (; j < ops.length && ops[j]!.kind === ' ' && ops[j]!.line === ops[i]!.line; i++, j++) {
      ops[i] = { kind: ' ', line: ops[i]!.line };
      ops[j] = { kind, line: ops[j]!.line };
    }
    i = j - 1;
  }
  return ops;
}

/** The lines of a and b as kept, removed and added. */
function editScript(a: string[], b: string[]): Op[] {
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const middleA = a.slice(head, a.length - tail);
  const middleB = b.slice(head, b.length - tail);
  const middle = shortestEdit(middleA, middleB)
    ?? [...middleA.map((line) => ({ kind: '-' as const, line })), ...middleB.map((line) => ({ kind: '+' as const, line }))];
  const kept = (lines: string[]) => lines.map((line) => ({ kind: ' ' as const, line }));
  return slideDown([...kept(a.slice(0, head)), ...middle, ...kept(a.slice(a.length - tail))]);
}

/** A unified diff (`-` removed, `+` added, `  ` kept, 3 lines of context); '' when equal. */
export function diffConfigs(before: string, after: string, context = 3): string {
  const ops = editScript(configLines(before), configLines(after));
  if (ops.every((op) => op.kind === ' ')) return '';
  // near[i]: a change within `context` lines of line i, either way.
  const near = new Array<boolean>(ops.length).fill(false);
  for (let i = 0, last = -Infinity; i < ops.length; i++) {
    if (ops[i]!.kind !== ' ') last = i;
    near[i] = i - last <= context;
  }
  for (let i = ops.length - 1, next = Infinity; i >= 0; i--) {
    if (ops[i]!.kind !== ' ') next = i;
    near[i] = near[i]! || next - i <= context;
  }
  const out: string[] = [];
  let skipped = false;
  ops.forEach((op, index) => {
    if (!near[index]) {
      skipped = true;
      return;
    }
    if (skipped) out.push('@@');
    skipped = false;
    out.push(`${op.kind} ${op.line}`);
  });
  return out.join('\n');
}
