// A unified configuration diff (domain/config-diff.ts) laid out side by side: the older version on
// the left, the newer on the right, a removed line beside the line that took its place, kept lines
// on both sides, and a gap where the diff leaves unchanged lines out.

export interface DiffCell {
  text: string;
  change: 'kept' | 'removed' | 'added' | 'none';
}

export type DiffRow = { gap: true } | { gap: false; left: DiffCell; right: DiffCell };

const none: DiffCell = { text: '', change: 'none' };

export function sideBySide(diff: string): DiffRow[] {
  const rows: DiffRow[] = [];
  let removed: string[] = [];
  let added: string[] = [];
  const flush = () => {
    for (let i = 0; i < Math.max(removed.length, added.length); i++) {
      rows.push({
        gap: false,
        left: i < removed.length ? { text: removed[i]!, change: 'removed' } : none,
        right: i < added.length ? { text: added[i]!, change: 'added' } : none,
      });
    }
    removed = [];
    added = [];
  };
  for (const line of diff ? diff.split('\n') : []) {
    if (line === '@@') {
      flush();
      rows.push({ gap: true });
      continue;
    }
    const text = line.slice(2);
    if (line.startsWith('-')) removed.push(text);
    else if (line.startsWith('+')) added.push(text);
    else {
      flush();
      rows.push({ gap: false, left: { text, change: 'kept' }, right: { text, change: 'kept' } });
    }
  }
  flush();
  return rows;
}
