// A small board for the app modules' unit tests (never imported by the app, so never bundled).

import type { BoardView } from "../ipc/types";
import { createBoardStore, type BoardStore } from "../model/store";
import { task } from "./fixtures";

/**
 * A board from a picture: each column's title and its tasks' ids (also their titles), in
 * order. Column ids are `c-<title>`.
 */
export function boardOf(
  columns: Record<string, readonly string[]>,
  id = "b1",
  /** Tasks each column held back (a first screen): `c-<title>` to how many. */
  withheld: Record<string, number> = {},
): BoardStore {
  const view: BoardView = {
    id,
    title: "Board",
    createdAt: 0,
    labels: [],
    columns: Object.entries(columns).map(([title, ids], c) => ({
      id: `c-${title}`,
      title,
      rank: `a${c}`,
      wip: null,
      archived: false,
      tasks: ids.map((t, i) => task(t, `c-${title}`, `a${i}`)),
    })),
  };
  return createBoardStore(view, [], withheld);
}
