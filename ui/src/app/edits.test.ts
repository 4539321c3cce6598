// The editing commands on their own, with the ops they send recorded instead of applied.

import { createRoot, createSignal } from "solid-js";
import { describe, expect, it } from "vitest";
import type { BoardOp } from "../ipc";
import { boardOf } from "../test/board";
import type { Cursor } from "./cursor";
import type { PromptRequest } from "./dialogs";
import { createEdits, parseWipLimit } from "./edits";

function edits(focus: Cursor) {
  const store = boardOf({ Todo: ["a", "b", "c"], Done: [] });
  const sent: BoardOp[] = [];
  const said: string[] = [];
  const asked: PromptRequest[] = [];
  const [detail, setDetail] = createSignal<string | null>(null);
  const pending: Promise<unknown>[] = [];
  const made = createRoot(() =>
    createEdits({
      store: () => store,
      focus: () => focus,
      visibleTasks: (columnId) => store.taskIds(columnId)(),
      detailTaskId: detail,
      closeDetail: () => setDetail(null),
      focusColumn: (columnId) => said.push(`focus ${columnId}`),
      applyOp: (op) => {
        sent.push(op);
        return Promise.resolve(op.type === "addColumn" ? "c-new" : null);
      },
      ask: (request) => asked.push(request),
      spawn: (action) => pending.push(action()),
      notify: (text) => said.push(text),
    }),
  );
  const settled = () => Promise.all(pending);
  return { ...made, sent, said, asked, detail, setDetail, settled };
}

const onB: Cursor = { columnId: "c-Todo", columnIndex: 0, taskId: "b", taskIndex: 1 };

describe("parseWipLimit", () => {
  it("reads empty as no limit and refuses what is not a whole number", () => {
    expect(parseWipLimit("")).toBeNull();
    expect(parseWipLimit("  ")).toBeNull();
    expect(parseWipLimit("3")).toBe(3);
    expect(parseWipLimit("0")).toBe(0);
    for (const bad of ["2.5", "-1", "three"]) {
      expect(() => parseWipLimit(bad)).toThrow("A WIP limit is a whole number.");
    }
  });
});

describe("edits", () => {
  it("archives as many tasks as the count from the focused one, and says how many", async () => {
    const e = edits(onB);
    e.commands["task.archive"](5);
    await e.settled();
    expect(e.sent).toEqual([
      { type: "setTaskArchived", taskId: "b", archived: true },
      { type: "setTaskArchived", taskId: "c", archived: true },
    ]);
    expect(e.said).toEqual(["2 tasks archived"]);
  });

  it("deleting the task open in the detail panel closes the panel", async () => {
    const e = edits(onB);
    e.setDetail("b");
    e.commands["task.delete"]();
    expect(e.detail()).toBeNull();
    await e.settled();
    expect(e.sent).toEqual([{ type: "deleteTask", taskId: "b" }]);
  });

  it("adds a column after the focused one and puts the cursor in it", async () => {
    const e = edits(onB);
    e.commands["column.new"]();
    await e.asked[0]?.submit("Review");
    expect(e.sent).toEqual([
      { type: "addColumn", title: "Review", wip: null, place: { kind: "after", id: "c-Todo" } },
    ]);
    expect(e.said).toEqual(["focus c-new"]);
  });

  it("sets a WIP limit from its prompt, refusing a bad one without sending it", async () => {
    const e = edits(onB);
    e.commands["column.set_wip"]();
    const prompt = e.asked[0];
    expect(prompt?.title).toBe("WIP limit for Todo");
    await expect(prompt?.submit("1.5")).rejects.toThrow("whole number");
    await prompt?.submit("4");
    expect(e.sent).toEqual([{ type: "setWipLimit", columnId: "c-Todo", wip: 4 }]);
  });
});
