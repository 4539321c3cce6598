// The new-task composer on its own: where `o` and `O` put the task, staying open for the
// next one, and going away when the board becomes read-only.

import { createRoot, createSignal } from "solid-js";
import { describe, expect, it } from "vitest";
import type { BoardOp } from "../ipc";
import { boardOf } from "../test/board";
import type { Cursor } from "./cursor";
import { createDraft, draftPlace } from "./draft";

const onB: Cursor = { columnId: "c-Todo", columnIndex: 0, taskId: "b", taskIndex: 1 };

function draft(focus: Cursor) {
  const store = boardOf({ Todo: ["a", "b"] });
  const [reason, setReason] = createSignal<string | null>(null);
  const sent: BoardOp[] = [];
  const events: string[] = [];
  const made = createRoot(() =>
    createDraft({
      store: () => store,
      focus: () => focus,
      setCursor: (c) => events.push(`cursor ${c.taskId ?? "-"}`),
      focusTask: (_, taskId) => events.push(`focus ${taskId}`),
      applyOp: (op) => {
        sent.push(op);
        return Promise.resolve(`new${sent.length}`);
      },
      readOnlyReason: reason,
      refocus: () => events.push("refocus"),
      noColumn: () => events.push("no column"),
    }),
  );
  return { ...made, setReason, sent, events };
}

describe("draftPlace", () => {
  it("puts o below and O above the focused task, at the bottom of an empty column", () => {
    expect(draftPlace(onB, false)).toEqual({
      columnId: "c-Todo",
      place: { kind: "after", id: "b" },
    });
    expect(draftPlace(onB, true)?.place).toEqual({ kind: "before", id: "b" });
    const empty = { ...onB, taskId: null };
    expect(draftPlace(empty, true)?.place).toEqual({ kind: "bottom" });
    expect(draftPlace({ ...empty, columnId: null }, false)).toBeNull();
  });
});

describe("draft", () => {
  it("stays open below each new task; blank titles send nothing", async () => {
    const d = draft(onB);
    d.commands["board.new_task"]();
    await d.submitDraft("   ");
    await d.submitDraft(" First ");
    await d.submitDraft("Second");
    expect(d.sent.map((op) => (op.type === "addTask" ? [op.title, op.place] : op.type))).toEqual([
      ["First", { kind: "after", id: "b" }],
      ["Second", { kind: "after", id: "new1" }],
    ]);
    expect(d.draft()).toEqual({ columnId: "c-Todo", place: { kind: "after", id: "new2" } });
    expect(d.events).toEqual(["focus new1", "focus new2"]);
  });

  it("asks for a column first on a board without one", () => {
    const d = draft({ columnId: null, columnIndex: 0, taskId: null, taskIndex: 0 });
    d.commands["task.new_above"]();
    expect(d.draft()).toBeNull();
    expect(d.events).toEqual(["no column"]);
  });

  it("goes away when the board becomes read-only", () => {
    const d = draft(onB);
    d.openDraftAtEnd("c-Todo");
    expect(d.draft()).toEqual({ columnId: "c-Todo", place: { kind: "bottom" } });
    expect(d.events).toEqual(["cursor b"]);
    d.setReason("You can view this board but not edit it.");
    expect(d.draft()).toBeNull();
  });
});
