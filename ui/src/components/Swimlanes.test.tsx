// @vitest-environment happy-dom
// The board cut into swimlanes (`z g`) as rendered: each lane's column headers count that
// lane's cards (the WIP limit staying the whole column's), a card dragged into another lane is
// dropped there, from its own lane, and of many lanes only those near the board's viewport (and
// the cursor's) mount their columns. What the drop sends is moves.test.ts's. Started on the
// sample board recorded from the real shell (src-tauri/tests/scenarios/app-start.json).

import { render } from "solid-js/web";
import { afterEach, describe, expect, it, vi } from "vitest";
import { app } from "../app/app";
import { useBackend } from "../ipc";
import { settle, task } from "../test/fixtures";
import { createReplayBackend, type ReplayBackend } from "../test/replay";
import { Board } from "./Board";

let replay: ReplayBackend | undefined;
let dispose: (() => void) | undefined;

afterEach(() => {
  expect(replay?.unexpected()).toEqual([]);
  dispose?.();
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
  document.body.innerHTML = "";
});

/** The sample board, cut into lanes by assignee: me, ada, lin (names typed on a task), Unassigned. */
async function byAssignee() {
  replay = createReplayBackend("app-start", { anyTime: ["set_selection"] });
  useBackend(replay);
  await app.start();
  await settle();
  const store = app.store();
  if (!store) throw new Error("no board");
  const root = document.createElement("div");
  document.body.append(root);
  dispose = render(() => <Board store={store} />, root);
  app.run("view.lanes");
  await settle();
  expect(app.lanes().map((l) => l.title)).toEqual(["me", "ada", "lin", "Unassigned"]);
  const column = (title: string) => {
    const id = store.columnIds().find((c) => store.column(c)?.().title === title);
    if (id === undefined) throw new Error(`no column ${title}`);
    return id;
  };
  /** The column `title` in lane `lane`. */
  const cell = (lane: number, title: string) => {
    const found = root.querySelector<HTMLElement>(
      `section.column[data-lane="${lane}"][data-column-id="${column(title)}"]`,
    );
    if (!found) throw new Error(`no ${title} in lane ${lane}`);
    return found;
  };
  return { store, root, column, cell };
}

describe("swimlanes", () => {
  it("counts a lane's cards in its column headers; the WIP limit stays the whole column's", async () => {
    const { cell, column } = await byAssignee();
    // Doing (WIP 2) has three cards: "Sync status badge" (ada and lin), two unassigned.
    const count = (lane: number) => cell(lane, "Doing").querySelector(".count");
    expect([0, 1, 2, 3].map((l) => count(l)?.textContent)).toEqual(["0", "1", "1", "2"]);
    expect(count(3)?.getAttribute("aria-label")).toBe(
      "2 in this lane; the column: 3 of 2 tasks, over the limit",
    );
    expect(count(3)?.getAttribute("data-over")).toBe("true");
    // Without lanes, the whole column's.
    app.run("view.lanes");
    app.run("view.lanes");
    await settle();
    const whole = document.querySelector(`section.column[data-column-id="${column("Doing")}"]`);
    expect(whole?.querySelector(".count")?.textContent).toBe("3 / 2");
    expect(document.querySelectorAll("section.column[data-lane]")).toHaveLength(0);
  });

  it("drops a card dragged into another lane there, from the lane it was dragged from", async () => {
    const { store, root, column, cell } = await byAssignee();
    const dropTask = vi.spyOn(app, "dropTask").mockImplementation(() => undefined);
    const card = cell(3, "Doing").querySelector<HTMLElement>(
      "[aria-label='Release notes for 0.1']",
    );
    const taskId = card?.dataset["taskId"] ?? "";
    const drag = (to: HTMLElement) => {
      vi.spyOn(document, "elementFromPoint").mockReturnValue(to);
      card?.dispatchEvent(new PointerEvent("pointerdown", { bubbles: true, button: 0 }));
      // At the top of the cell: its first slot.
      window.dispatchEvent(new PointerEvent("pointermove", { clientX: 40, clientY: 0 }));
      // The drop line shows in the one cell under the pointer, not in every lane's column.
      const lines = [...root.querySelectorAll(".drop-line")];
      expect(lines.map((l) => l.closest("section.column"))).toEqual([to.closest("section.column")]);
      window.dispatchEvent(new PointerEvent("pointerup", { clientX: 40, clientY: 0 }));
    };
    // From Unassigned (lane 3) into ada's lane of Todo, where ada has no card: its bottom.
    drag(cell(1, "Todo").querySelector<HTMLElement>(".cards") ?? cell(1, "Todo"));
    expect(dropTask).toHaveBeenLastCalledWith(taskId, column("Todo"), { kind: "bottom" }, 3, 1);
    // Into lin's lane of its own column: only the field changes (no place).
    drag(cell(2, "Doing"));
    expect(dropTask).toHaveBeenLastCalledWith(taskId, column("Doing"), null, 3, 2);
    // Within its own lane: the slot is among that lane's cards, so before "Fix drag ghost
    // offset", not before the column's first card ("Sync status badge", in other lanes).
    drag(cell(3, "Doing"));
    const [, other] = app.cellTasks(3, column("Doing"), store);
    expect(store.task(other ?? "")?.().title).toBe("Fix drag ghost offset");
    expect(dropTask).toHaveBeenLastCalledWith(
      taskId,
      column("Doing"),
      { kind: "before", id: other },
      3,
      3,
    );
  });
});

/** Comfortable cards, one per lane in Todo: a lane is 80 + 96 px tall, the first one at 1. */
const LANE = 176;
const VIEWPORT = 600;

/**
 * The sample board with 40 labels, one card each in Todo, cut into lanes by label (then
 * "No label", with the sample's cards), in a board 600 px tall. The DOM has no layout here, so
 * every element says it is that tall and is measured as soon as it is observed.
 */
async function manyLanes() {
  vi.spyOn(HTMLElement.prototype, "clientHeight", "get").mockReturnValue(VIEWPORT);
  vi.stubGlobal(
    "ResizeObserver",
    class {
      changed: () => void;
      constructor(changed: () => void) {
        this.changed = changed;
      }
      observe() {
        this.changed();
      }
      disconnect() {}
    },
  );
  replay = createReplayBackend("app-start", { anyTime: ["set_selection"] });
  useBackend(replay);
  await app.start();
  await settle();
  const store = app.store();
  const todo = store?.columnIds()[0];
  if (!store || todo === undefined) throw new Error("no board");
  const lanes = Array.from({ length: 40 }, (_, l) => String(l).padStart(2, "0"));
  store.apply([
    {
      type: "labelsReplaced",
      labels: lanes.map((n) => ({ id: `label-${n}`, name: `Label ${n}`, color: "#888" })),
    },
    ...lanes.map((n) => ({
      type: "taskUpserted" as const,
      columnId: todo,
      task: { ...task(`card-${n}`, todo, `z${n}`, `Card ${n}`), labels: [`label-${n}`] },
    })),
  ]);
  const root = document.createElement("div");
  document.body.append(root);
  dispose = render(() => <Board store={store} />, root);
  app.run("view.lanes");
  app.run("view.lanes");
  await settle();
  expect(app.grouping()).toBe("label");
  const board = root.querySelector<HTMLElement>(".board");
  if (!board) throw new Error("no board element");
  const sections = () => [...root.querySelectorAll<HTMLElement>("section.lane")];
  /** The lanes whose columns are mounted, by index. */
  const mounted = () =>
    sections().flatMap((lane, l) => (lane.querySelector("section.column") ? [l] : []));
  const scrollTo = (top: number) => {
    board.scrollTop = top;
    board.dispatchEvent(new Event("scroll"));
  };
  return { todo, board, sections, mounted, scrollTo };
}

describe("many swimlanes", () => {
  it("mounts only the lanes near the board's viewport; every lane keeps its band and title", async () => {
    const { todo, board, sections, mounted, scrollTo } = await manyLanes();
    app.focusTask(todo, "card-00", 0);
    expect(board.scrollTop).toBe(1);
    expect(sections()).toHaveLength(41);
    expect(sections().map((s) => s.querySelector(".lane-title")?.textContent)).toEqual([
      ...Array.from({ length: 40 }, (_, l) => `Label ${String(l).padStart(2, "0")} 1`),
      expect.stringMatching(/^No label \d+$/),
    ]);
    expect(sections()[39]?.getAttribute("aria-label")).toBe("Label 39, 1 tasks");
    expect(sections()[39]?.style.height).toBe(`${LANE}px`);
    // A viewport's height above and below: lanes starting before 1 + 600 + 600 px.
    expect(mounted()).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(sections()[7]?.querySelector(".card")).toBeNull();
    expect(sections()[0]?.querySelector("[aria-label='Card 00']")).not.toBeNull();

    // At the bottom: the last lanes, and the cursor's (which stays where it is).
    scrollTo(40 * LANE);
    expect(mounted()).toEqual([0, 36, 37, 38, 39, 40]);
    expect(sections()[39]?.querySelector("[aria-label='Card 39']")).not.toBeNull();
    expect(sections()[1]?.querySelector(".card")).toBeNull();
    // Lanes dropped on the way keep their band.
    expect(sections()[20]?.style.height).toBe(`${LANE}px`);
  });

  it("mounts and scrolls to a far lane the cursor moves into, and focuses its card", async () => {
    const { todo, board, sections, mounted, scrollTo } = await manyLanes();
    app.focusTask(todo, "card-00", 0);
    scrollTo(40 * LANE);
    expect(sections()[1]?.querySelector(".card")).toBeNull();
    // j past lane 0's only card in Todo: lane 1's, in a lane not mounted.
    app.run("cursor.down");
    expect(app.focus().taskId).toBe("card-01");
    expect(board.scrollTop).toBe(1 + LANE);
    const card = sections()[1]?.querySelector("[aria-label='Card 01']");
    expect(card).not.toBeNull();
    expect(document.activeElement).toBe(card);
    expect(mounted()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);

    // Put on a task found elsewhere (a search result): the first lane showing it.
    app.focusTask(todo, "card-30");
    expect(app.focus().lane).toBe(30);
    // Its bottom at the viewport's bottom.
    expect(board.scrollTop).toBe(1 + 31 * LANE - VIEWPORT);
    expect(document.activeElement).toBe(sections()[30]?.querySelector("[aria-label='Card 30']"));
    expect(mounted()).not.toContain(0);
    expect(mounted()).toContain(30);
  });
});
