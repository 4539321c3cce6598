// The board's filter (`/`): the filter grammar (words, `label:`, `@person`, `is:`, `due:`,
// `has:`, DESIGN §1 "Filters") answered by the shell from the store's task index
// (`filter_board`, the same code as `tackctl board show --filter`), so nothing here reads a
// query. What comes back narrows the board, marks the free words on cards, and explains the
// terms it could not read; `n` / `N` step through the matching cards.

import { batch, createSignal, type Accessor } from "solid-js";
import * as ipc from "../ipc";
import type { QueryError, TaskMatches } from "../ipc";

/** What the board shows through the filter: the answer to the query typed last. */
export interface FilterAnswer {
  /** The query this answers. */
  query: string;
  /** False when nothing in the query could be read: the board is shown whole. */
  narrows: boolean;
  /** The matching tasks. */
  ids: TaskMatch;
  /** Free words, lower case: a word of a card starting with one is marked. */
  words: readonly string[];
  errors: readonly QueryError[];
}

/** Which tasks of the board an answer shows: `has` says whether one is among them. */
export interface TaskMatch {
  has(taskId: string): boolean;
}

/** The shell's answer (those tasks, or all but those) as a `TaskMatch`. */
export function taskMatch(tasks: TaskMatches): TaskMatch {
  if ("only" in tasks) return new Set(tasks.only);
  const except = new Set(tasks.allBut);
  return { has: (taskId) => !except.has(taskId) };
}

/** A piece of text, marked when a filter word matched it. */
export interface MarkedPart {
  text: string;
  hit: boolean;
}

/** Words as the shell's index reads them: runs of letters and digits. */
const WORD = /[\p{Alphabetic}\p{N}]+/gu;

/** `text` in parts, each word starting with one of `words` (lower case) marked. */
export function markWords(text: string, words: readonly string[]): MarkedPart[] {
  if (words.length === 0) return [{ text, hit: false }];
  const parts: MarkedPart[] = [];
  let at = 0;
  const push = (part: string, hit: boolean) => {
    if (part === "") return;
    const last = parts[parts.length - 1];
    if (last && last.hit === hit) last.text += part;
    else parts.push({ text: part, hit });
  };
  for (const match of text.matchAll(WORD)) {
    const word = match[0];
    const lower = word.toLowerCase();
    if (words.some((w) => lower.startsWith(w))) {
      push(text.slice(at, match.index), false);
      push(word, true);
      at = match.index + word.length;
    }
  }
  push(text.slice(at), false);
  return parts;
}

/** Whether two markings are the same text marked the same way. */
export function sameParts(a: readonly MarkedPart[], b: readonly MarkedPart[]): boolean {
  return (
    a.length === b.length &&
    a.every((part, i) => {
      const other = b[i];
      return other !== undefined && part.text === other.text && part.hit === other.hit;
    })
  );
}

/** A card's place: a column's index and a row in what that column shows (null: none). */
export interface MatchPlace {
  column: number;
  row: number | null;
}

/**
 * The next (`by` 1) or previous (-1) card after `at`, column by column, left to right and top
 * to bottom, wrapping around the board; `lengths` are how many cards each column shows. Null
 * when no column shows any.
 */
export function stepMatch(
  lengths: readonly number[],
  at: MatchPlace,
  by: 1 | -1,
): { column: number; row: number } | null {
  const n = lengths.length;
  if (!lengths.some((length) => length > 0)) return null;
  const column = Math.max(0, Math.min(at.column, n - 1));
  const here = lengths[column] ?? 0;
  if (by === 1) {
    const row = at.row === null ? 0 : at.row + 1;
    if (row < here) return { column, row };
    for (let k = 1; k <= n; k++) {
      const c = (column + k) % n;
      if ((lengths[c] ?? 0) > 0) return { column: c, row: 0 };
    }
  } else {
    if (at.row !== null && at.row - 1 >= 0 && at.row - 1 < here) {
      return { column, row: at.row - 1 };
    }
    for (let k = 1; k <= n; k++) {
      const c = (column - k + n) % n;
      const length = lengths[c] ?? 0;
      if (length > 0) return { column: c, row: length - 1 };
    }
  }
  return null;
}

export interface FilterDeps {
  /** The board shown, whose tasks are filtered. */
  boardId: Accessor<string | null>;
  spawn: (action: () => Promise<unknown>) => void;
  /** Called once the board shows a new answer (the cursor may have lost its card). */
  answered?: () => void;
}

/** The filter bar's state: whether it is open, what was typed, and the shell's answer. */
export function createFilter(deps: FilterDeps) {
  const [filterOpen, setFilterOpen] = createSignal(false);
  const [query, setQueryText] = createSignal("");
  /** The answer to the latest query asked; null while the board is shown whole. */
  const [answer, setAnswer] = createSignal<FilterAnswer | null>(null);

  /** Bumped by every question: an answer overtaken by a later one is dropped. */
  let ticket = 0;
  /**
   * The timed question (a keystroke, a view applied) not shown yet. A later question that
   * overtakes it (a teammate's edit asking again) shows its result, so that answer marks it.
   */
  let timed: { at: number; probe: string } | null = null;

  /** Asks the shell about the query as it is now; `typedAt` times keystroke to paint. */
  async function ask(typedAt: number | null, probe = "tack:filter") {
    const asked = ++ticket;
    if (typedAt !== null) timed = { at: typedAt, probe };
    const boardId = deps.boardId();
    const text = query();
    if (boardId === null || text.trim() === "") {
      timed = null;
      setAnswer(null);
      return;
    }
    let found: ipc.BoardFilter;
    try {
      found = await ipc.filterBoard(boardId, text);
    } catch (error) {
      // The board closed meanwhile: nobody waits for this answer.
      if (asked !== ticket) return;
      throw error;
    }
    if (asked !== ticket) return;
    const mark = timed;
    timed = null;
    // The shell's part (IPC both ways and the index), for the e2e probe.
    if (mark !== null) performance.measure(`${mark.probe}-answered`, { start: mark.at });
    batch(() => {
      setAnswer({
        query: text,
        narrows: found.narrows,
        ids: taskMatch(found.tasks),
        words: found.words,
        errors: found.errors,
      });
      deps.answered?.();
    });
    if (mark !== null) {
      // The board's DOM is updated (Solid runs synchronously); painting comes next.
      performance.measure(`${mark.probe}-applied`, { start: mark.at });
      measureToPaint(mark.at, `${mark.probe}-painted`);
    }
  }

  // One refresh at a time: edits arriving meanwhile ask once more when it is back.
  let refreshing = false;
  let refreshAgain = false;
  /** Whether an edit arrived while the last answer was on its way (read after each await). */
  const askAgain = () => refreshAgain;

  /** The board changed (an edit here, undo, a teammate's): ask again while it is narrowed. */
  async function refresh() {
    if (query().trim() === "") return;
    if (refreshing) {
      refreshAgain = true;
      return;
    }
    refreshing = true;
    try {
      do {
        refreshAgain = false;
        await ask(null);
      } while (askAgain());
    } finally {
      refreshing = false;
    }
  }

  return {
    filterOpen,
    setFilterOpen,
    query,
    answer,
    /** What was typed into the filter field: asked at once (the index answers in ms). */
    setQuery: (text: string) => {
      setQueryText(text);
      const typedAt = performance.now();
      // The field's own echo of the keystroke, painted (what the board's answer is next to).
      measureToPaint(typedAt, "tack:filter-echo");
      deps.spawn(() => ask(typedAt));
    },
    /** Applies a query as a whole (a saved view), the field closed; timed as `tack:view-…`. */
    applyQuery: (text: string) => {
      setQueryText(text);
      const appliedAt = performance.now();
      measureToPaint(appliedAt, "tack:view-echo");
      deps.spawn(() => ask(appliedAt, "tack:view"));
    },
    refresh: () => deps.spawn(refresh),
    /** Whether the board shows only what the filter matches. */
    narrows: () => answer()?.narrows === true,
    /** Whether the filter is open or still narrows the board (Esc clears it then). */
    active: () => filterOpen() || query() !== "",
    clear: () => {
      ticket++;
      batch(() => {
        setFilterOpen(false);
        setQueryText("");
        setAnswer(null);
      });
    },
  };
}

/**
 * Marks keystroke (or view applied) → filtered board painted (`tack:filter-painted`,
 * `tack:view-painted`), and → the frame after it with no answer yet (`tack:filter-echo`, the
 * field showing what was typed; `tack:view-echo`), read by the e2e probes.
 */
function measureToPaint(typedAt: number, name: string) {
  if (typeof requestAnimationFrame === "undefined") return;
  requestAnimationFrame(() => setTimeout(() => performance.measure(name, { start: typedAt }), 0));
}
