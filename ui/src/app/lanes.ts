// Swimlanes (a view's `groupBy`, DESIGN §1 "Saved views"): the board cut into horizontal lanes
// by assignee or by label, each lane showing every column. A task is in every lane it belongs
// to (two assignees: two lanes), as Linear and Jira show it; a task with none is in the last
// lane ("Unassigned", "No label").

import type { TaskView } from "../ipc";
import type { BoardStore } from "../model/store";

export const GROUPINGS = ["none", "assignee", "label"] as const;
export type Grouping = (typeof GROUPINGS)[number];

export function isGrouping(text: string): text is Grouping {
  return (GROUPINGS as readonly string[]).includes(text);
}

/** The grouping after `grouping` (`z g` cycles through them). */
export function nextGrouping(grouping: Grouping): Grouping {
  return GROUPINGS[(GROUPINGS.indexOf(grouping) + 1) % GROUPINGS.length] ?? "none";
}

/** A lane: its assignee's or label's id, or null for the lane of tasks with none. */
export interface Lane {
  value: string | null;
  title: string;
}

/** The assignees' or labels' ids a task is grouped by (labels the board no longer has left out). */
export function valuesOf(s: BoardStore, grouping: Grouping, task: TaskView): readonly string[] {
  if (grouping === "assignee") return task.assignees;
  if (grouping === "label") return task.labels.filter((id) => s.labels().has(id));
  return [];
}

/** Whether a task is shown in a lane. */
export function inLane(s: BoardStore, grouping: Grouping, lane: Lane, task: TaskView): boolean {
  if (grouping === "none") return true;
  const values = valuesOf(s, grouping, task);
  return lane.value === null ? values.length === 0 : values.includes(lane.value);
}

/**
 * `ids` cut into lanes in one pass, their order kept: each lane's value (null: the lane of
 * tasks with none) to its tasks; a task is in every lane it belongs to, once. What `inLane`
 * says for each lane, without a pass per lane (a board grouped by 30 people has 32 lanes).
 */
export function splitIntoLanes(
  s: BoardStore,
  grouping: Grouping,
  ids: readonly string[],
): ReadonlyMap<string | null, readonly string[]> {
  const cells = new Map<string | null, string[]>();
  const add = (value: string | null, id: string) => {
    const cell = cells.get(value);
    if (cell) cell.push(id);
    else cells.set(value, [id]);
  };
  for (const id of ids) {
    const task = s.task(id)?.();
    if (task === undefined) continue;
    const values = valuesOf(s, grouping, task);
    if (values.length === 0) add(null, id);
    else for (const value of new Set(values)) add(value, id);
  }
  return cells;
}

/**
 * The lanes of a board: one per member (the board's people, then names typed on an older
 * board's tasks) and "Unassigned" last; or one per label, by name, and "No label" last.
 * Without grouping, one lane: the whole board.
 */
export function lanesOf(s: BoardStore, grouping: Grouping): readonly Lane[] {
  if (grouping === "none") return [{ value: null, title: "" }];
  if (grouping === "label") {
    const labels = [...s.labels().values()].sort((a, b) =>
      a.name.toLowerCase().localeCompare(b.name.toLowerCase()),
    );
    return [
      ...labels.map((l) => ({ value: l.id, title: l.name })),
      { value: null, title: "No label" },
    ];
  }
  const lanes: Lane[] = s.people().map((p) => ({ value: p.userId, title: p.name }));
  const known = new Set(lanes.map((l) => l.value));
  for (const columnId of s.columnIds()) {
    for (const id of s.taskIds(columnId)()) {
      for (const name of s.task(id)?.().assignees ?? []) {
        if (known.has(name)) continue;
        known.add(name);
        lanes.push({ value: name, title: name });
      }
    }
  }
  return [...lanes, { value: null, title: "Unassigned" }];
}
