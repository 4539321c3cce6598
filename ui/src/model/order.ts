// Display order of columns and tasks: by `rank` compared as UTF-8 bytes, ties by id, exactly as
// board-model's view does (crates/board-model/src/view.rs, rank.rs).

/**
 * Compares two strings as their UTF-8 bytes would compare. UTF-8 byte order is code point
 * order, which differs from JavaScript's UTF-16 `<` for characters above U+FFFF versus
 * U+E000..U+FFFF, so walk code points rather than code units.
 */
export function compareBytes(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    const xp = a.codePointAt(i) ?? x;
    const yp = b.codePointAt(i) ?? y;
    return xp < yp ? -1 : xp > yp ? 1 : 0;
  }
  return a.length - b.length === 0 ? 0 : a.length < b.length ? -1 : 1;
}

export interface Ranked {
  id: string;
  rank: string;
}

/** Rank order, then id order: a total order, so every replica shows the same sequence. */
export function compareRanked(a: Ranked, b: Ranked): number {
  return compareBytes(a.rank, b.rank) || compareBytes(a.id, b.id);
}

/** Where `item` goes in `sorted` (first index whose element sorts after it). */
export function insertionIndex<T>(sorted: readonly T[], item: T, compare: (a: T, b: T) => number) {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    const probe = sorted[mid];
    if (probe !== undefined && compare(probe, item) <= 0) low = mid + 1;
    else high = mid;
  }
  return low;
}
