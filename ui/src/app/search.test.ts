// Search and My tasks: the text a query error points at (the shell counts UTF-8 bytes), My
// tasks' groups, and a result shown on a board still showing its first screen.

import { createRoot, createSignal } from "solid-js";
import { describe, expect, it } from "vitest";
import type { MyTask } from "../ipc";
import type { BoardStore } from "../model/store";
import { boardOf } from "../test/board";
import { task as taskView } from "../test/fixtures";
import { createSearch, erroneousText, groupMyTasks } from "./search";

function task(title: string, group: MyTask["group"]): MyTask {
  return {
    group,
    boardId: "b",
    boardTitle: "Board",
    taskId: title,
    columnId: "c",
    columnTitle: "Todo",
    title,
    due: null,
    labels: [],
  };
}

describe("search", () => {
  it("reads an error's byte offsets in text with accents and emoji", () => {
    const query = "café 🎉 is:soon";
    const start = new TextEncoder().encode("café 🎉 ").length;
    expect(erroneousText(query, start, start + "is:soon".length)).toBe("is:soon");
  });

  it("groups my tasks in the order given, with headings", () => {
    const groups = groupMyTasks([
      task("a", "overdue"),
      task("b", "overdue"),
      task("c", "thisWeek"),
      task("d", "noDate"),
    ]);
    expect(groups.map((g) => `${g.title}: ${g.tasks.map((t) => t.title).join(",")}`)).toEqual([
      "Overdue: a,b",
      "This week: c",
      "No date: d",
    ]);
  });
});

describe("showing a result", () => {
  it("on a board shown a moment ago waits for the rest of its first screen, then focuses the task", async () => {
    const board = boardOf({ A: ["a1"] }, "b1", { "c-A": 1 });
    const [store] = createSignal<BoardStore | undefined>(board);
    const shown: string[] = [];
    const waits: Promise<unknown>[] = [];
    const search = createRoot(() =>
      createSearch({
        store,
        overlay: () => "none",
        setOverlay: () => undefined,
        closeOverlay: () => undefined,
        // The board is shown already: opening it only takes focus back.
        openBoard: () => Promise.resolve(),
        focusTask: (columnId, taskId) => shown.push(`focus ${columnId} ${taskId}`),
        openDetail: (taskId) => shown.push(`detail ${taskId}`),
        clearFilter: () => undefined,
        showArchive: () => undefined,
        spawn: (action) => void waits.push(action()),
        notify: (text) => shown.push(`notify ${text}`),
      }),
    );
    search.openMine({ ...task("a2", "today"), boardId: "b1", columnId: "c-A", taskId: "a2" });
    await Promise.resolve();
    expect(shown).toEqual([]);
    board.apply([{ type: "taskUpserted", columnId: "c-A", task: taskView("a2", "c-A", "a1") }]);
    board.settle();
    await Promise.all(waits);
    expect(shown).toEqual(["focus c-A a2", "detail a2"]);
  });
});
