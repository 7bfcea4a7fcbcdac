// A device's configuration as the review shows it: the rendered XML one element per line,
// indented, and a line diff against what the box has now (for a new box, the factory default).
export interface DiffLine {
  change: 'added' | 'removed' | 'kept';
  text: string;
}

/** One line per element; an element holding only text stays on one line with it. */
export function configurationLines(xml: string): string[] {
  const tokens = xml.match(/<[^>]+>|[^<]+/g) ?? [];
  const lines: string[] = [];
  let depth = 0;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    const indent = '  '.repeat(depth);
    if (token.startsWith('</')) {
      depth -= 1;
      lines.push('  '.repeat(depth) + token);
    } else if (token.startsWith('<') && token.endsWith('/>')) {
      lines.push(indent + token);
    } else if (token.startsWith('<')) {
      const text = tokens[i + 1];
      const close = tokens[i + 2];
      if (text !== undefined && !text.startsWith('<') && close?.startsWith('</')) {
        lines.push(indent + token + text + close);
        i += 2;
      } else {
        lines.push(indent + token);
        depth += 1;
      }
    } else if (token.trim()) {
      lines.push(indent + token.trim());
    }
  }
  return lines;
}

/** The lines of `after` against `before`, by their longest common subsequence; removals before additions. */
export function lineDiff(before: readonly string[], after: readonly string[]): DiffLine[] {
  // common[i][j]: the longest common subsequence of before[i..] and after[j..].
  const common = Array.from({ length: before.length + 1 }, () => new Array<number>(after.length + 1).fill(0));
  for (let i = before.length - 1; i >= 0; i--) {
    for (let j = after.length - 1; j >= 0; j--) {
      common[i]![j] = before[i] === after[j] ? common[i + 1]![j + 1]! + 1 : Math.max(common[i + 1]![j]!, common[i]![j + 1]!);
    }
  }
  const diff: DiffLine[] = [];
  let [i, j] = [0, 0];
  while (i < before.length || j < after.length) {
    if (i < before.length && j < after.length && before[i] === after[j]) {
      diff.push({ change: 'kept', text: before[i]! });
      i += 1;
      j += 1;
    } else if (j < after.length && (i === before.length || common[i]![j + 1]! > common[i + 1]![j]!)) {
      diff.push({ change: 'added', text: after[j]! });
      j += 1;
    } else {
      diff.push({ change: 'removed', text: before[i]! });
      i += 1;
    }
  }
  return diff;
}
