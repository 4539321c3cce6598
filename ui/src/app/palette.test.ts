// The palette's entries for what is typed: which commands, actions on the task under the
// cursor, boards and tasks found it lists, in which order, and what each action sends.

import { describe, expect, it } from "vitest";
import type { SearchHit } from "../ipc";
import { COMMANDS } from "../commands/registry";
import {
  actionOp,
  actionSentence,
  dueText,
  matchText,
  paletteEntries,
  type PaletteContext,
  type PaletteEntry,
} from "./palette";

const ME = { userId: "u-me", name: "me", email: "me@example.com", me: true };
const ANA = { userId: "u-ana", name: "ana", email: "ana@example.com", me: false };

function context(over: Partial<PaletteContext> = {}): PaletteContext {
  return {
    commands: COMMANDS,
    openBoardId: "b-launch",
    boards: [
      { id: "b-launch", title: "Product launch", role: null },
      { id: "b-venues", title: "Venues", role: "editor" },
    ],
    remoteBoards: [
      { boardId: "b-ops", role: "viewer", title: null, downloaded: false },
      { boardId: "b-venues", role: "editor", title: "Venues", downloaded: true },
    ],
    task: {
      id: "t-badge",
      title: "Sync status badge",
      columnId: "c-doing",
      labels: ["l-design"],
      assignees: ["u-ana"],
      due: null,
    },
    columns: [
      { id: "c-todo", title: "Todo" },
      { id: "c-doing", title: "Doing" },
      { id: "c-done", title: "Done" },
    ],
    labels: [
      { id: "l-bug", name: "bug", color: "#e5484d" },
      { id: "l-design", name: "design", color: "#8e4ec6" },
    ],
    people: [ME, ANA],
    due: null,
    views: [
      { id: "v-bugs", name: "My bugs", query: "label:bug @me", sort: "due", groupBy: null },
      { id: "v-all", name: "Everything", query: "", sort: "rank", groupBy: null },
    ],
    ...over,
  };
}

function hit(title: string, boardTitle: string, archived = false): SearchHit {
  return {
    boardId: `b-${boardTitle}`,
    boardTitle,
    taskId: `t-${title}`,
    columnId: "c",
    columnTitle: "To book",
    title,
    titleParts: [{ text: title, hit: false }],
    snippet: [],
    due: null,
    archived,
    rank: -1,
  };
}

describe("views", () => {
  it("lists the board's saved views as View: name, found by name or by their filter", () => {
    expect(shown(paletteEntries("view my", context(), []), 1)).toEqual(["view: View: My bugs"]);
    const found = paletteEntries("my bugs", context(), []);
    expect(shown(found, 1)).toEqual(["view: View: My bugs"]);
    expect(found[0]?.kind === "view" ? found[0].detail : "").toBe(
      "label:bug @me · sorted by due date",
    );
    expect(shown(paletteEntries("everything", context(), []), 1)).toEqual([
      "view: View: Everything",
    ]);
  });
});

/** Entries as the list reads: kind, title. */
function shown(entries: PaletteEntry[], count = entries.length): string[] {
  return entries.slice(0, count).map((e) => `${e.kind}: ${e.title}`);
}

describe("matching", () => {
  it("scores whole words over word starts over the inside of words, and a title it starts", () => {
    expect(matchText("move to done", "Move to Done")).toEqual({ score: 11, strong: true });
    expect(matchText("mov do", "Move to Done")).toEqual({ score: 4, strong: true });
    expect(matchText("ove", "Move to Done")).toEqual({ score: 1, strong: false });
    expect(matchText("doing", "Move to Done")).toBeNull();
    expect(matchText("tasks", "Archive task", "Tasks task.archive")).toEqual({
      score: 1,
      strong: false,
    });
  });

  it("reads the date after “due”", () => {
    expect(dueText("Due tomorrow 15:00 ")).toBe("tomorrow 15:00");
    expect(dueText("due")).toBeNull();
    expect(dueText("overdue tasks")).toBeNull();
  });
});

describe("entries", () => {
  it("lists commands, then the task's actions, then boards when nothing is typed", () => {
    const entries = paletteEntries("", context(), []);
    const kinds = [...new Set(entries.map((e) => e.kind))];
    expect(kinds).toEqual(["command", "view", "action", "board"]);
    expect(entries.some((e) => e.kind === "command" && e.id === "view.palette")).toBe(false);
    expect(shown(entries.filter((e) => e.kind !== "command"))).toEqual([
      "view: View: My bugs",
      "view: View: Everything",
      "action: Move to Todo",
      "action: Move to Done",
      "action: Assign me",
      "action: Unassign ana",
      "action: Label bug",
      "action: Remove label design",
      "action: Move task to board Venues",
      "action: Copy task to board Venues",
      "board: Open board Venues",
      "board: Open board Shared board",
    ]);
  });

  it("puts the action “Move to Done” first, before commands that match less", () => {
    const entries = paletteEntries("Move to Done", context(), []);
    expect(shown(entries, 1)).toEqual(["action: Move to Done"]);
    expect(shown(paletteEntries("done", context(), []), 1)).toEqual(["action: Move to Done"]);
  });

  it("puts commands that match well first, then the tasks found, then weaker matches", () => {
    const tasks = [hit("Archive the old invoices", "Venues"), hit("Old archive", "Ops", true)];
    const entries = paletteEntries("archive", context(), tasks);
    expect(shown(entries)).toEqual([
      "command: Archive task",
      "command: Archive column",
      "command: Archived tasks and columns",
      "task: Archive the old invoices",
    ]);
    // Found by group or id only: after the tasks.
    const weak = paletteEntries("navigate", context(), [hit("Navigate the venue", "Venues")]);
    expect(shown(weak)[0]).toBe("task: Navigate the venue");
    expect(weak.slice(1).every((e) => e.kind === "command")).toBe(true);
  });

  it("finds boards, shared ones not downloaded yet too, by their title", () => {
    expect(shown(paletteEntries("venues", context(), []))).toEqual([
      "board: Open board Venues",
      "action: Move task to board Venues",
      "action: Copy task to board Venues",
    ]);
    const shared = paletteEntries("open shared", context(), []);
    expect(shown(shared, 1)).toEqual(["board: Open board Shared board"]);
    const first = shared[0];
    expect(first?.kind === "board" && first.shared && first.boardId).toBe("b-ops");
  });

  it("offers to assign, unassign and toggle labels by name", () => {
    expect(shown(paletteEntries("assign me", context(), []), 1)).toEqual(["action: Assign me"]);
    expect(shown(paletteEntries("ana", context(), []), 1)).toEqual(["action: Unassign ana"]);
    // By email too, after the words of titles.
    expect(shown(paletteEntries("assign me@example", context(), []))).toEqual([
      "action: Assign me",
    ]);
    expect(shown(paletteEntries("label bug", context(), []), 1)).toEqual(["action: Label bug"]);
    expect(shown(paletteEntries("label design", context(), []), 1)).toEqual([
      "action: Remove label design",
    ]);
  });

  it("offers a typed due first, with the shell's reading; “due” alone says how to go on", () => {
    const pending = paletteEntries("due tomorrow 15:00", context(), []);
    expect(shown(pending, 1)).toEqual(["action: Due tomorrow 15:00"]);
    expect(pending[0]?.kind === "action" && pending[0].detail).toBe("… · “Sync status badge”");
    const read = paletteEntries(
      "due tomorrow 15:00",
      context({ due: { text: "tomorrow 15:00", due: "2026-12-05" } }),
      [],
    );
    expect(read[0]?.kind === "action" && read[0].detail).toBe(
      "Sat Dec 5 2026 · “Sync status badge”",
    );
    const hint = paletteEntries("due", context(), [])[0];
    expect(hint?.kind === "hint" && hint.complete).toBe("Due ");
    const clear = paletteEntries("due", context({ task: { ...taskOf(), due: "2026-12-01" } }), []);
    expect(shown(clear, 2)).toEqual(["hint: Due ‹date›", "action: Clear due date"]);
  });

  it("has no actions without a task under the cursor", () => {
    const entries = paletteEntries("move to done", context({ task: null }), []);
    expect(entries.some((e) => e.kind === "action" || e.kind === "hint")).toBe(false);
    expect(paletteEntries("due fri", context({ task: null }), [])).toEqual([]);
  });
});

function taskOf() {
  const task = context().task;
  if (task === null) throw new Error("no task");
  return task;
}

describe("actions", () => {
  it("are one ordinary edit each, and say what they did", () => {
    expect(
      actionOp("t", { type: "assign", userId: "u-me", name: "me", email: "", present: true }),
    ).toEqual({
      type: "setTaskAssignee",
      taskId: "t",
      userId: "u-me",
      present: true,
    });
    expect(actionOp("t", { type: "label", labelId: "l-bug", name: "bug", present: false })).toEqual(
      { type: "setTaskLabel", taskId: "t", labelId: "l-bug", present: false },
    );
    expect(actionOp("t", { type: "clearDue" })).toEqual({ type: "setDue", taskId: "t", due: null });
    expect(actionSentence("X", { type: "move", columnId: "c", column: "Done" }, null)).toBe(
      "“X” moved to Done",
    );
    expect(actionSentence("X", { type: "due", text: "dec 24" }, "2026-12-24")).toBe(
      "“X” due Thu Dec 24 2026",
    );
  });
});
