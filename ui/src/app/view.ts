// How the window is laid out, per person and per computer (webview storage, like the last
// board shown): the sidebar shown or hidden, the card density, and each board's sort within
// columns. Rows of a column are virtualized, so the density is also the row height the board
// and drag and drop count with. A sort is mine alone (DESIGN §1 "Saved views": never in the
// document) and only changes what is shown, never a task's rank.

import { createSignal } from "solid-js";
import { readSetting, writeSetting } from "./settings";
import type { CommandHandler, CommandId } from "../commands/registry";
import { SORT_KEYS, type TaskView } from "../ipc";
import { dueDeadline } from "./due";
import { isGrouping, type Grouping } from "./lanes";

const SIDEBAR_KEY = "tack.sidebarHidden";
const DENSITY_KEY = "tack.density";

export type Density = "comfortable" | "compact";

/** A card's slot in a column, by density (the card is 8px shorter, for the gap). */
export const ROW_HEIGHTS: Record<Density, number> = { comfortable: 80, compact: 48 };

const [sidebarHidden, setSidebarHidden] = createSignal(readSetting(SIDEBAR_KEY) === "true");
const [density, setDensity] = createSignal<Density>(
  readSetting(DENSITY_KEY) === "compact" ? "compact" : "comfortable",
);

export { density, sidebarHidden };

/** The height of one card's slot now. */
export function rowHeight(): number {
  return ROW_HEIGHTS[density()];
}

export const viewCommands = {
  "view.sidebar": () => {
    const hidden = !sidebarHidden();
    setSidebarHidden(hidden);
    writeSetting(SIDEBAR_KEY, String(hidden));
  },
  "view.density": () => {
    const next: Density = density() === "compact" ? "comfortable" : "compact";
    setDensity(next);
    writeSetting(DENSITY_KEY, next);
  },
} satisfies Partial<Record<CommandId, CommandHandler>>;

/** The orders a column can be shown in (board-model's, generated); `rank` is the board's own. */
export const SORTS = SORT_KEYS;
export type SortKey = (typeof SORTS)[number];

/** How a sort reads in the toolbar and notices. */
export const SORT_TITLES: Record<SortKey, string> = {
  rank: "board order",
  due: "due date",
  created: "newest",
  updated: "recently updated",
  title: "title",
};

export function isSortKey(text: string): text is SortKey {
  return (SORTS as readonly string[]).includes(text);
}

/**
 * A setting each board has here (its sort, its swimlanes), kept in storage under `prefix` +
 * the board's id; what storage holds that `valid` refuses (a newer client's) reads as `fallback`.
 */
function perBoard<T extends string>(prefix: string, fallback: T, valid: (text: string) => boolean) {
  /** Chosen during this run (storage holds them across runs). */
  const [chosen, setChosen] = createSignal<ReadonlyMap<string, T>>(new Map());
  return [
    (boardId: string): T => {
      const stored = chosen().get(boardId) ?? readSetting(prefix + boardId) ?? fallback;
      return valid(stored) ? (stored as T) : fallback;
    },
    (boardId: string, value: T) => {
      // The same choice again (a saved view with the sort shown) changes nothing: what reads
      // the setting (every column's sorted tasks) is not run again.
      if (chosen().get(boardId) === value) return;
      setChosen((all) => new Map(all).set(boardId, value));
      writeSetting(prefix + boardId, value);
    },
  ] as const;
}

/** How a board's columns are sorted here, and sorting them. */
export const [sortOf, setSortOf] = perBoard<SortKey>("tack.sort.", "rank", isSortKey);
/** How a board is cut into swimlanes here (mine alone, like the sort), and cutting it. */
export const [groupingOf, setGroupingOf] = perBoard<Grouping>("tack.lanes.", "none", isGrouping);

/** The sort after `sort` (`z s` cycles through them). */
export function nextSort(sort: SortKey): SortKey {
  return SORTS[(SORTS.indexOf(sort) + 1) % SORTS.length] ?? "rank";
}

/**
 * A column's task ids (in rank order) in `sort`'s order, as board-model's `sort_view` orders
 * them: `due` soonest first and none last, `created` and `updated` newest first, `title` A to
 * Z ignoring case; ties keep rank order.
 */
export function sortTasks(
  ids: readonly string[],
  task: (id: string) => TaskView | undefined,
  sort: SortKey,
): readonly string[] {
  if (sort === "rank") return ids;
  const keyOf = (t: TaskView | undefined): number | string => {
    if (t === undefined) return Number.POSITIVE_INFINITY;
    switch (sort) {
      case "due":
        return (t.due === null ? null : dueDeadline(t.due)) ?? Number.POSITIVE_INFINITY;
      case "created":
        return -t.createdAt;
      case "updated":
        return -t.updatedAt;
      case "title":
        return t.title.toLowerCase();
    }
  };
  const keyed = ids.map((id) => ({ id, key: keyOf(task(id)) }));
  // Array.prototype.sort is stable: equal keys keep rank order.
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return keyed.map((k) => k.id);
}

/** Rows asked for beyond a screen's height (more than the board renders beyond its view). */
const FIRST_SCREEN_MARGIN = 8;
/** The least screen height a first screen covers, in CSS pixels (a tall laptop's). */
const FIRST_SCREEN_LEAST_PX = 1440;

/**
 * How many tasks of each column a board's first screen needs (`open_board`'s `firstScreen`):
 * the screen's height of rows (the window may be made as tall), and a margin. None (the whole
 * board at once) when the board is sorted or cut into lanes here, which may show any of its
 * tasks first.
 */
export function firstScreen(boardId: string): number | null {
  if (sortOf(boardId) !== "rank" || groupingOf(boardId) !== "none") return null;
  // No screen where there is no window (tests run without one).
  const screenHeight = typeof screen === "undefined" ? 0 : screen.height;
  const tall = Math.max(FIRST_SCREEN_LEAST_PX, screenHeight);
  return Math.ceil(tall / rowHeight()) + FIRST_SCREEN_MARGIN;
}
