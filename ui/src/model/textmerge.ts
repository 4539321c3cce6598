// Plain-text merging for the description editor: the text being typed must never be replaced
// by a save's echo or lost to a teammate's concurrent edit of the same description.

/** One replacement: `remove` UTF-16 units at `at`, then `insert`. */
export interface Splice {
  at: number;
  remove: number;
  insert: string;
}

const isHighSurrogate = (code: number) => code >= 0xd800 && code <= 0xdbff;
const isLowSurrogate = (code: number) => code >= 0xdc00 && code <= 0xdfff;

/** The single splice turning `from` into `to`: everything but the common prefix and suffix. */
export function splice(from: string, to: string): Splice {
  const max = Math.min(from.length, to.length);
  let prefix = 0;
  while (prefix < max && from.charCodeAt(prefix) === to.charCodeAt(prefix)) prefix++;
  // Never split a surrogate pair.
  if (prefix > 0 && isHighSurrogate(from.charCodeAt(prefix - 1))) prefix--;
  let suffix = 0;
  while (
    suffix < max - prefix &&
    from.charCodeAt(from.length - 1 - suffix) === to.charCodeAt(to.length - 1 - suffix)
  ) {
    suffix++;
  }
  if (suffix > 0 && isLowSurrogate(from.charCodeAt(from.length - suffix))) suffix--;
  return {
    at: prefix,
    remove: from.length - prefix - suffix,
    insert: to.slice(prefix, to.length - suffix),
  };
}

function apply(text: string, s: Splice): string {
  return text.slice(0, s.at) + s.insert + text.slice(s.at + s.remove);
}

const isEmpty = (s: Splice) => s.remove === 0 && s.insert === "";

/**
 * Merges two edits of `base`: mine and theirs. Edits to different parts of the text are both
 * kept; where they touch the same part, mine wins there (it is what is on my screen). Also
 * returns where a position in `mine` (the caret, say) ends up in the result.
 */
export function merge3(
  base: string,
  mine: string,
  theirs: string,
): { text: string; map: (position: number) => number } {
  const m = splice(base, mine);
  const t = splice(base, theirs);
  const same = (position: number) => position;
  if (isEmpty(t) || mine === theirs) return { text: mine, map: same };
  if (isEmpty(m)) {
    // Nothing typed since `base`: theirs, with the position moved by their splice.
    const u = splice(mine, theirs);
    return { text: theirs, map: shiftedBy(u) };
  }
  const mEnd = m.at + m.remove;
  const tEnd = t.at + t.remove;
  if (tEnd <= m.at) {
    // Theirs lies before mine (or inserts where mine starts): the same place in my text.
    return { text: apply(mine, t), map: shiftedBy(t) };
  }
  if (mEnd <= t.at) {
    // Theirs lies after mine: in my text it starts later by what my splice added.
    const delta = m.insert.length - m.remove;
    const u: Splice = { at: t.at + delta, remove: t.remove, insert: t.insert };
    return { text: apply(mine, u), map: shiftedBy(u) };
  }
  return { text: mine, map: same };
}

/** Where a position lands after splice `u`: before it unchanged, after it shifted. */
function shiftedBy(u: Splice): (position: number) => number {
  return (position) => {
    if (position <= u.at) return position;
    if (position >= u.at + u.remove) return position + u.insert.length - u.remove;
    return u.at + u.insert.length;
  };
}
