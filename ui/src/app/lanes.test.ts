// Swimlanes: the lanes a board is cut into (by assignee, by label, the lane of tasks with
// none last), a task in each lane it belongs to, and the cursor walking across lanes.

import { createRoot, createSignal } from "solid-js";
import { describe, expect, it } from "vitest";
import type { BoardView, DirectoryEntry } from "../ipc/types";
import { createBoardStore, type BoardStore } from "../model/store";
import { task } from "../test/fixtures";
import { createCursor } from "./cursor";
import { lanesOf, nextGrouping, type Grouping } from "./lanes";

const people: DirectoryEntry[] = [
  { userId: "u-ada", name: "Ada", email: "ada@example.com", me: true },
  { userId: "u-bo", name: "Bo", email: "bo@example.com", me: false },
];

/**
 * Todo: t1 (Ada, bug), t2 (Ada and Bo, bug and ui), t3 (nobody, no label);
 * Doing: d1 (Bo, ui), d2 ("Carol" typed on an older board, bug).
 */
function board(): BoardStore {
  const withFields = (
    id: string,
    column: string,
    rank: string,
    assignees: string[],
    labels: string[],
  ) => ({ ...task(id, column, rank), assignees, labels });
  const view: BoardView = {
    id: "b1",
    title: "Board",
    createdAt: 0,
    labels: [
      { id: "l-ui", name: "ui", color: "#00f" },
      { id: "l-bug", name: "Bug", color: "#f00" },
    ],
    columns: [
      {
        id: "c-Todo",
        title: "Todo",
        rank: "a0",
        wip: null,
        archived: false,
        tasks: [
          withFields("t1", "c-Todo", "a0", ["u-ada"], ["l-bug"]),
          withFields("t2", "c-Todo", "a1", ["u-ada", "u-bo"], ["l-bug", "l-ui"]),
          withFields("t3", "c-Todo", "a2", [], []),
        ],
      },
      {
        id: "c-Doing",
        title: "Doing",
        rank: "a1",
        wip: null,
        archived: false,
        tasks: [
          withFields("d1", "c-Doing", "a0", ["u-bo"], ["l-ui"]),
          withFields("d2", "c-Doing", "a1", ["Carol"], ["l-bug"]),
        ],
      },
    ],
  };
  return createBoardStore(view, people);
}

function cursorOn(s: BoardStore, grouping: Grouping) {
  const [g, setGrouping] = createSignal<Grouping>(grouping);
  const cursor = createRoot(() =>
    createCursor({
      store: () => s,
      matching: () => null,
      sortOf: () => "rank",
      groupingOf: () => g(),
    }),
  );
  /** The focused task and its lane's title, or `-` when the cell is empty. */
  const at = () => {
    const f = cursor.focus();
    return `${f.taskId ?? "-"} in ${cursor.lanes()[f.lane ?? 0]?.title ?? "?"}`;
  };
  /** Each lane's cells, as "title: Todo cards | Doing cards". */
  const picture = () =>
    cursor.lanes().map(
      (lane, l) =>
        `${lane.title}: ${s
          .columnIds()
          .map((c) => cursor.cellTasks(l, c).join(" "))
          .join(" | ")}`,
    );
  return { ...cursor, setGrouping, at, picture };
}

describe("lanes", () => {
  it("z g cycles none, assignee, label and back", () => {
    expect(nextGrouping("none")).toBe("assignee");
    expect(nextGrouping("assignee")).toBe("label");
    expect(nextGrouping("label")).toBe("none");
  });

  it("by assignee: a lane per member, typed names, Unassigned last; a task in each of its lanes", () => {
    const c = cursorOn(board(), "assignee");
    expect(c.picture()).toEqual([
      "Ada: t1 t2 | ",
      "Bo: t2 | d1",
      "Carol:  | d2",
      "Unassigned: t3 | ",
    ]);
  });

  it("cells follow an edit; a cell the edit did not change stays the same list", () => {
    const s = board();
    const c = cursorOn(s, "assignee");
    const boTodo = c.cellTasks(1, "c-Todo");
    const t3 = s.task("t3")?.();
    if (!t3) throw new Error("no t3");
    s.apply([{ type: "taskUpserted", columnId: "c-Todo", task: { ...t3, assignees: ["u-ada"] } }]);
    expect(c.picture()).toEqual([
      "Ada: t1 t2 t3 | ",
      "Bo: t2 | d1",
      "Carol:  | d2",
      "Unassigned:  | ",
    ]);
    expect(c.cellTasks(1, "c-Todo")).toBe(boTodo);
  });

  it("by label: a lane per label by name, No label last", () => {
    const c = cursorOn(board(), "label");
    expect(c.picture()).toEqual(["Bug: t1 t2 | d2", "ui: t2 | d1", "No label: t3 | "]);
  });

  it("without grouping, one lane: every column as it is", () => {
    const s = board();
    expect(lanesOf(s, "none")).toHaveLength(1);
    const c = cursorOn(s, "none");
    expect(c.cellTasks(0, "c-Todo")).toEqual(["t1", "t2", "t3"]);
    expect(c.focus().lane).toBeUndefined();
  });
});

describe("the cursor across lanes", () => {
  it("j runs past a lane's last card into the next lane's same column, skipping empty cells; k back", () => {
    const c = cursorOn(board(), "assignee");
    expect(c.at()).toBe("t1 in Ada");
    c.commands["cursor.down"](1);
    expect(c.at()).toBe("t2 in Ada");
    c.commands["cursor.down"](1);
    // The same task again, now in Bo's lane.
    expect(c.at()).toBe("t2 in Bo");
    c.commands["cursor.down"](1);
    // Carol's Todo is empty: on to Unassigned.
    expect(c.at()).toBe("t3 in Unassigned");
    c.commands["cursor.down"](1);
    expect(c.at()).toBe("t3 in Unassigned");
    c.commands["cursor.up"](2);
    expect(c.at()).toBe("t2 in Ada");
    c.commands["cursor.up"](9);
    expect(c.at()).toBe("t1 in Ada");
  });

  it("h and l stay in the lane, landing on its empty cell", () => {
    const c = cursorOn(board(), "assignee");
    c.commands["cursor.down"](2);
    expect(c.at()).toBe("t2 in Bo");
    c.commands["cursor.right"](1);
    expect(c.at()).toBe("d1 in Bo");
    c.commands["cursor.down"](1);
    expect(c.at()).toBe("d2 in Carol");
    c.commands["cursor.down"](1);
    // Doing has nothing unassigned: the cursor stays on the last card it can reach.
    expect(c.at()).toBe("d2 in Carol");
    c.commands["cursor.left"](1);
    expect(c.at()).toBe("- in Carol");
    c.commands["cursor.down"](1);
    expect(c.at()).toBe("t3 in Unassigned");
  });

  it("a task focused by id lands in the first lane showing it; switching grouping keeps it", () => {
    const c = cursorOn(board(), "label");
    c.focusTask("c-Doing", "d1");
    expect(c.at()).toBe("d1 in ui");
    c.setGrouping("assignee");
    c.setCursor({ ...c.cursor(), lane: undefined });
    expect(c.at()).toBe("d1 in Bo");
  });
});
