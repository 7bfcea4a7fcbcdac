// Configuration diffs for people: both configurations pretty-printed one element per line, then
// a unified diff of the lines (longest common subsequence; configurations are small).
import { elementChildren, parseXml, type Element } from './netconf/xml.ts';

/** One line per element: `<name>` opening containers, `<leaf>text</leaf>` for leaves, indented. */
export function configLines(xml: string): string[] {
  if (!xml.trim()) return [];
  const lines: string[] = [];
  const walk = (element: Element, depth: number) => {
    const indent = '  '.repeat(depth);
    const children = elementChildren(element);
    const name = element.localName ?? '';
    if (children.length === 0) {
      const text = element.textContent?.trim() ?? '';
      lines.push(text ? `${indent}<${name}>${text}</${name}>` : `${indent}<${name}/>`);
      return;
    }
    lines.push(`${indent}<${name}>`);
    for (const child of children) walk(child, depth + 1);
    lines.push(`${indent}</${name}>`);
  };
  const root = parseXml(`<root>${xml}</root>`).documentElement!;
  for (const element of elementChildren(root)) walk(element, 0);
  return lines;
}

/** A unified diff (`-` removed, `+` added, `  ` kept, 3 lines of context); '' when equal. */
export function diffConfigs(before: string, after: string, context = 3): string {
  const a = configLines(before);
  const b = configLines(after);
  // lcs[i][j]: length of the longest common subsequence of a[i..] and b[j..].
  const lcs = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    }
  }
  const ops: { kind: ' ' | '-' | '+'; line: string }[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      ops.push({ kind: ' ', line: a[i++]! });
      j++;
    } else if (j < b.length && (i === a.length || lcs[i]![j + 1]! > lcs[i + 1]![j]!)) {
      ops.push({ kind: '+', line: b[j++]! });
    } else {
      ops.push({ kind: '-', line: a[i++]! });
    }
  }
  if (ops.every((op) => op.kind === ' ')) return '';
  const near = ops.map((_, index) => ops.slice(Math.max(0, index - context), index + context + 1).some((op) => op.kind !== ' '));
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
