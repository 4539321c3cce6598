// The keyboard flows end to end inside the UI: keys -> commands -> IPC ops (answered from a
// session recorded from the real shell: src-tauri/tests/scenarios/app-*.json) -> board store
// -> cursor.

import { afterEach, describe, expect, it } from "vitest";
import { useBackend } from "../ipc";
import type { Backend } from "../ipc/backend";
import { createReplayBackend, type ReplayBackend } from "../test/replay";
import { app } from "./app";
import { rowHeight } from "./view";

interface FakeTarget {
  tagName: string;
  type?: string;
}

function press(keys: string, target: FakeTarget | null = null) {
  for (const key of keys.split(" ")) {
    const ctrl = key.startsWith("Ctrl+");
    app.onKeyDown({
      key: ctrl ? key.slice("Ctrl+".length) : key,
      ctrlKey: ctrl,
      metaKey: false,
      altKey: false,
      shiftKey: false,
      target: target as unknown as EventTarget | null,
      defaultPrevented: false,
      preventDefault() {},
    });
  }
}

/** Lets the backend's patch events arrive. */
async function settle() {
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setTimeout(resolve, 0));
}

/** The board as the user sees it: a line per column, `*` before the focused card. */
function screen(): string[] {
  const store = app.store();
  if (!store) return [];
  const focused = app.focus().taskId;
  return store.columnIds().map((columnId) => {
    const titles = app
      .visibleTasks(columnId)
      .map((id) => `${id === focused ? "*" : ""}${store.task(id)?.().title ?? "?"}`);
    return `${store.column(columnId)?.().title ?? "?"}: ${titles.join(", ")}`;
  });
}

let replay: ReplayBackend | undefined;

/** Starts the app on a recorded session (signed out, the sample board). */
async function begin(scenario: string) {
  replay = createReplayBackend(scenario, { anyTime: ["set_selection"] });
  useBackend(replay);
  await app.start();
  await settle();
}

afterEach(() => {
  // Every call the UI made was one the real shell answered in the recording.
  expect(replay?.unexpected()).toEqual([]);
  replay = undefined;
});

describe("keyboard flows", () => {
  it("moves the cursor with hjkl, counts, gg and G", async () => {
    await begin("app-start");
    press("j l");
    expect(screen()[1]).toBe("Todo: Keyboard cheat sheet, *Crash when a column is deleted twice");
    press("l 5 j");
    expect(screen()[2]).toBe(
      "Doing: Sync status badge, Release notes for 0.1, *Fix drag ghost offset",
    );
    press("g g");
    expect(screen()[2]).toBe(
      "Doing: *Sync status badge, Release notes for 0.1, Fix drag ghost offset",
    );
    press("G h h");
    expect(screen()[0]).toBe(
      "Backlog: Pricing page copy, Offline indicator in the sidebar, *Import from Trello",
    );
  });

  it("moves a task with L and J, follows it, and undoes and redoes the moves", async () => {
    await begin("app-move-undo");
    press("j l L");
    await settle();
    expect(screen().slice(1, 3)).toEqual([
      "Todo: Keyboard cheat sheet",
      "Doing: Sync status badge, *Crash when a column is deleted twice, Release notes for 0.1, Fix drag ghost offset",
    ]);
    expect(app.announcement()).toBe("Crash when a column is deleted twice: Doing, 2 of 4");
    press("J");
    await settle();
    expect(screen()[2]).toBe(
      "Doing: Sync status badge, Release notes for 0.1, *Crash when a column is deleted twice, Fix drag ghost offset",
    );
    press("u");
    await settle();
    press("u");
    await settle();
    expect(screen().slice(1, 3)).toEqual([
      "Todo: Keyboard cheat sheet, *Crash when a column is deleted twice",
      "Doing: Sync status badge, Release notes for 0.1, Fix drag ghost offset",
    ]);
    press("Ctrl+r");
    await settle();
    expect(screen()[1]).toBe("Todo: Keyboard cheat sheet");
  });

  it("adds tasks below and above the focused one with o and O", async () => {
    await begin("app-add-tasks");
    press("o");
    expect(app.draft()).not.toBeNull();
    await app.submitDraft("First new");
    await settle();
    await app.submitDraft("Second new");
    await settle();
    press("Escape");
    expect(app.draft()).toBeNull();
    expect(screen()[0]).toBe(
      "Backlog: Pricing page copy, First new, *Second new, Offline indicator in the sidebar, Import from Trello",
    );
    press("g g O");
    await app.submitDraft("On top");
    await settle();
    expect(screen()[0]).toMatch(/^Backlog: \*On top, Pricing page copy/);
  });

  it("imports a Trello board from the palette, opens it, says what came in, and exports it", async () => {
    await begin("import-export");
    app.run("board.import_trello");
    await settle();
    await settle();
    expect(app.store()?.title()).toBe("Lancement – été 🚀");
    expect(app.toast()?.text).toBe(
      "Imported “Lancement – été 🚀”: 6 tasks in 5 columns, 4 labels, 3 comments. " +
        "Kept as names (no member matched): Ana Lima, Old Colleague, Trello member m-gone, bo.",
    );
    expect(screen()[0]).toMatch(/^To do: \*?Book the venue, Write the press release/);
    app.run("board.export_csv");
    await settle();
    expect(app.toast()?.text).toBe("Saved “Lancement – été 🚀” to /home/me/Lancement – été 🚀.csv");
  });

  it("imports a CSV file into the open board, reusing its columns and labels; u takes it all back", async () => {
    await begin("import-csv-here");
    const before = screen();
    app.run("board.import_csv_here");
    await settle();
    await settle();
    expect(app.toast()?.text).toBe(
      "Imported “Product launch”: 2 tasks in 1 column, 1 label, 0 comments.",
    );
    expect(screen()[1]).toBe(
      "Todo: Keyboard cheat sheet, Crash when a column is deleted twice, Fix the crash, again",
    );
    expect(screen()[4]).toBe('Review: Say "thanks" to the team — ✨');
    press("u");
    await settle();
    expect(screen()).toEqual(before);
  });

  it("keeps typing order when a title is entered before the previous one is saved", async () => {
    await begin("app-add-tasks");
    press("o");
    // Both Enters before the first save answers: the second still goes below the first.
    const first = app.submitDraft("First new");
    const second = app.submitDraft("Second new");
    await Promise.all([first, second]);
    await settle();
    press("Escape");
    expect(screen()[0]).toBe(
      "Backlog: Pricing page copy, First new, *Second new, Offline indicator in the sidebar, Import from Trello",
    );
  });

  it("Esc pressed while a new task is still being saved closes the composer for good", async () => {
    await begin("app-add-then-esc");
    press("o");
    const saving = app.submitDraft("Typed then Esc");
    press("Escape");
    await saving;
    await settle();
    expect(app.draft()).toBeNull();
    expect(screen()[0]).toBe(
      "Backlog: Pricing page copy, *Typed then Esc, Offline indicator in the sidebar, Import from Trello",
    );
  });

  it("Esc finishes the composer keeping a half-typed task, and u takes it back", async () => {
    await begin("app-esc-keeps-draft");
    press("o");
    app.setDraftText("Half typed");
    press("Escape");
    await settle();
    expect(app.draft()).toBeNull();
    expect(screen()[0]).toBe(
      "Backlog: Pricing page copy, *Half typed, Offline indicator in the sidebar, Import from Trello",
    );
    press("u");
    await settle();
    expect(screen()[0]).toBe(
      "Backlog: *Pricing page copy, Offline indicator in the sidebar, Import from Trello",
    );
  });

  it("archives with dd, moving the cursor to the next task; u brings it back under the cursor", async () => {
    await begin("app-archive-undo");
    press("d d");
    await settle();
    expect(screen()[0]).toBe("Backlog: *Offline indicator in the sidebar, Import from Trello");
    expect(app.toast()?.text).toBe("Task archived");
    press("u");
    await settle();
    expect(screen()[0]).toBe(
      "Backlog: *Pricing page copy, Offline indicator in the sidebar, Import from Trello",
    );
  });

  it("A lists what is archived; a task restored from there comes back under the cursor", async () => {
    await begin("app-archive-restore");
    press("d d");
    await settle();
    press("j d d");
    await settle();
    expect(screen()[0]).toBe("Backlog: *Offline indicator in the sidebar");
    press("l");
    app.run("column.archive");
    await settle();
    press("A");
    expect(app.overlay()).toBe("archive");
    await settle();
    const rows = () =>
      (app.archive() ?? []).map((e) =>
        e.kind === "task" ? `${e.title} in ${e.columnTitle}` : `column ${e.title} (${e.tasks})`,
      );
    expect(rows()).toEqual([
      "column Todo (2)",
      "Pricing page copy in Backlog",
      "Import from Trello in Backlog",
    ]);

    const pricing = app.archive()?.[1];
    if (pricing === undefined) throw new Error("no row");
    await app.restoreArchived(pricing);
    await settle();
    expect(rows()).toEqual(["column Todo (2)", "Import from Trello in Backlog"]);
    expect(app.toast()?.text).toBe("Restored “Pricing page copy” to Backlog");
    press("Escape");
    expect(app.overlay()).toBe("none");
    expect(screen()[0]).toBe("Backlog: *Pricing page copy, Offline indicator in the sidebar");

    // A restored column comes back with its tasks, the cursor in it.
    press("A");
    await settle();
    const todo = app.archive()?.[0];
    if (todo === undefined) throw new Error("no row");
    await app.restoreArchived(todo);
    await settle();
    press("Escape");
    expect(screen()[1]).toBe("Todo: *Keyboard cheat sheet, Crash when a column is deleted twice");
  });

  it("deletes an archived task for good from the archive; undo puts it back there", async () => {
    await begin("app-archive-delete");
    press("d d");
    await settle();
    press("A");
    await settle();
    const row = app.archive()?.[0];
    expect(row?.title).toBe("Pricing page copy");
    if (row === undefined) throw new Error("no row");
    await app.deleteArchived(row);
    await settle();
    expect(app.archive()).toEqual([]);
    expect(app.toast()?.text).toBe("Deleted “Pricing page copy”");
    app.run("edit.undo");
    await settle();
    expect(app.archive()?.map((e) => e.title)).toEqual(["Pricing page copy"]);
    press("Escape");
  });

  it("ignores single-key commands typed into a text field", async () => {
    await begin("app-start");
    const input = { tagName: "INPUT", type: "text" };
    press("j d d L", input);
    await settle();
    expect(screen()[0]).toBe(
      "Backlog: *Pricing page copy, Offline indicator in the sidebar, Import from Trello",
    );
  });

  it("filters on the shell's grammar, marks words, explains what it cannot read; Esc clears", async () => {
    await begin("filter");
    press("/");
    expect(app.filterOpen()).toBe(true);
    // A free word finds titles, label names and descriptions alike.
    app.setQuery("bug");
    await settle();
    expect(screen()).toEqual([
      "Backlog: ",
      "Todo: Crash when a column is deleted twice",
      "Doing: Fix drag ghost offset",
      "Done: ",
    ]);
    expect(app.filterAnswer()?.words).toEqual(["bug"]);
    app.setQuery("label:bug @ada");
    await settle();
    expect(screen()).toEqual(["Backlog: ", "Todo: ", "Doing: Fix drag ghost offset", "Done: "]);
    expect(app.filterAnswer()?.words).toEqual([]);
    app.finishFilter();
    expect(app.focus().taskId).not.toBeNull();
    app.setQuery("registry");
    await settle();
    expect(screen()[1]).toBe("Todo: Keyboard cheat sheet");
    // Enter in the field: the cursor lands on a match.
    app.finishFilter();
    expect(screen()[1]).toBe("Todo: *Keyboard cheat sheet");
    // Not readable: explained, the board shown whole, nothing thrown (no toast either).
    const toastBefore = app.toast();
    app.setQuery("lable:bug");
    await settle();
    expect(app.filterAnswer()?.errors.map((e) => e.message)).toEqual([
      "unknown key `lable:` — did you mean `label:`?",
    ]);
    expect(screen()[0]).toBe(
      "Backlog: Pricing page copy, Offline indicator in the sidebar, Import from Trello",
    );
    expect(app.toast()).toBe(toastBefore);
    press("Escape");
    expect(app.query()).toBe("");
  });

  it("n and N jump between matches across columns, wrapping; an edit is filtered again", async () => {
    await begin("filter");
    press("/");
    app.setQuery("label:bug");
    await settle();
    app.finishFilter();
    expect(screen()).toEqual([
      "Backlog: ",
      "Todo: *Crash when a column is deleted twice",
      "Doing: Fix drag ghost offset",
      "Done: ",
    ]);
    press("n");
    expect(app.focus().taskId).toBe(replay?.id("task:Fix drag ghost offset"));
    press("n");
    expect(app.focus().taskId).toBe(replay?.id("task:Crash when a column is deleted twice"));
    press("N");
    expect(app.focus().taskId).toBe(replay?.id("task:Fix drag ghost offset"));
    // A task added while filtered shows once it matches (the shell is asked after each patch).
    const added = await app.applyOp({
      type: "addTask",
      columnId: replay?.id("column:Backlog") ?? "",
      title: "Drag bug on Safari",
      place: { kind: "bottom" },
      description: null,
    });
    await settle();
    expect(screen()[0]).toBe("Backlog: ");
    await app.applyOp({
      type: "setTaskLabel",
      taskId: added ?? "",
      labelId: replay?.id("label:bug") ?? "",
      present: true,
    });
    await settle();
    expect(screen()[0]).toBe("Backlog: Drag bug on Safari");
    press("n");
    expect(app.focus().taskId).toBe(added);
  });

  it("creates a column through its prompt and puts the cursor in it", async () => {
    await begin("app-add-column");
    press("C");
    expect(app.overlay()).toBe("prompt");
    await app.prompt()?.submit("Review");
    app.closeOverlay();
    await settle();
    expect(screen()[1]).toBe("Review: ");
    expect(app.focus().columnIndex).toBe(1);
    press("o");
    await app.submitDraft("In review");
    await settle();
    expect(screen()[1]).toBe("Review: *In review");
  });

  it("copies with y y and pastes with p, on its board and another; moves, duplicates and templates boards", async () => {
    await begin("transfer");
    press("l l y y");
    await settle();
    expect(app.toast()?.text).toBe(
      "Copied “Sync status badge”: p pastes it below the cursor, on any board",
    );
    press("p");
    await settle();
    expect(screen()[2]).toBe(
      "Doing: Sync status badge, *Sync status badge, Release notes for 0.1, Fix drag ghost offset",
    );
    // The duplicate holds what the original holds: labels, assignees, due and checklist.
    const store = app.store();
    const [original, duplicate] = app.visibleTasks(store?.columnIds()[2] ?? "");
    const fields = (id: string | undefined) => {
      const t = store?.task(id ?? "")?.();
      return [t?.labels, t?.assignees, t?.due, t?.checklist];
    };
    expect(fields(duplicate)).toEqual(fields(original));

    // A new board starts from a template, chosen in the picker.
    app.run("board.new");
    await settle();
    expect(app.overlay()).toBe("templates");
    const choices = app.transfer.choices();
    expect(choices.map((c) => (c.kind === "empty" ? "Empty" : c.template.name))).toEqual([
      "Empty",
      "Kanban",
      "Bug triage",
      "Sprint",
    ]);
    const kanban = choices[1];
    if (kanban === undefined) throw new Error("no Kanban");
    app.transfer.start(kanban);
    await app.prompt()?.submit("Ops");
    app.closeOverlay();
    await settle();
    expect(app.store()?.title()).toBe("Ops");
    expect(screen()).toEqual(["Backlog: ", "To do: ", "In progress: ", "Done: "]);
    // The copy pastes on the other board too.
    press("l p");
    await settle();
    expect(screen()[1]).toBe("To do: *Sync status badge");
    const ops = app.store()?.id ?? "";

    // A task moves to another board from the palette's "Move task to board".
    await app.openBoard(app.boards().find((b) => b.title === "Product launch")?.id ?? "");
    press("l j");
    app.transfer.transferTo(ops, "move");
    await settle();
    expect(app.toast()?.text).toBe("Moved to “Ops”.");
    expect(screen()[1]).toBe("Todo: *Keyboard cheat sheet");

    // Duplicate the board, then save the duplicate as a template the picker offers.
    app.run("board.duplicate");
    await app.prompt()?.submit("Product launch (copy)");
    app.closeOverlay();
    await settle();
    expect(app.store()?.title()).toBe("Product launch (copy)");
    expect(screen()[1]).toBe("Todo: Keyboard cheat sheet");
    app.run("board.save_template");
    await app.prompt()?.submit("Launch flow");
    app.closeOverlay();
    expect(app.toast()?.text).toBe("Saved template “Launch flow”: New board (B) offers it");
    press("B");
    await settle();
    expect(
      app.transfer.choices().map((c) => (c.kind === "empty" ? "Empty" : c.template.name)),
    ).toEqual(["Empty", "Kanban", "Bug triage", "Sprint", "Launch flow"]);
    press("Escape");
    expect(app.overlay()).toBe("none");
  });

  it("hides the sidebar with Ctrl-B and makes cards compact with z d, and back", async () => {
    await begin("app-start");
    expect([app.sidebarHidden(), app.density()]).toEqual([false, "comfortable"]);
    press("Ctrl+b z d");
    expect([app.sidebarHidden(), app.density()]).toEqual([true, "compact"]);
    expect(rowHeight()).toBe(48);
    press("Ctrl+b z d");
    expect([app.sidebarHidden(), app.density()]).toEqual([false, "comfortable"]);
    expect(rowHeight()).toBe(80);
  });

  it("deletes a board only when its title is typed", async () => {
    await begin("app-delete-board");
    app.run("board.delete");
    await expect(app.prompt()?.submit("Product")).rejects.toThrow(/does not match/);
    expect(app.boards().map((b) => b.title)).toEqual(["Product launch"]);
    await app.prompt()?.submit("Product launch");
    app.closeOverlay();
    expect(app.boards()).toEqual([]);
    expect(app.store()).toBeUndefined();
  });

  it("opens the palette and cheat sheet and backs out with Esc", async () => {
    await begin("app-start");
    press("Ctrl+k");
    expect(app.overlay()).toBe("palette");
    press("j");
    expect(app.focus().taskIndex).toBe(0);
    press("Escape ?");
    expect(app.overlay()).toBe("cheatsheet");
    press("Escape");
    expect(app.overlay()).toBe("none");
  });

  it("Enter on the open board's sidebar entry brings focus back and keeps the cursor", async () => {
    await begin("app-start");
    const open = app.store()?.id ?? "";
    press("j l");
    const before = app.focus();
    const tick = app.focusTick();
    await app.openBoard(open);
    expect(app.focus()).toEqual(before);
    expect(app.focusTick()).toBe(tick + 1);
    expect(screen()[1]).toBe("Todo: Keyboard cheat sheet, *Crash when a column is deleted twice");
  });

  it("a board that loads slowly does not replace one opened after it", async () => {
    const recorded = createReplayBackend("app-slow-open", { anyTime: ["set_selection"] });
    replay = recorded;
    let release = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const slow = new Set<string>();
    const gated: Backend = {
      listen: (event, handler) => recorded.listen(event, handler),
      async call(name, args) {
        if (name === "open_board" && "boardId" in args && slow.has(args.boardId)) await gate;
        return recorded.call(name, args);
      },
    };
    useBackend(gated);
    await app.start();
    await settle();
    expect(app.ready()).toBe(true);
    const first = app.store()?.id ?? "";
    const other = app.boards().find((b) => b.id !== first);
    expect(other?.title).toBeDefined();
    slow.add(other?.id ?? "");
    const loading = app.openBoard(other?.id ?? "");
    await app.openBoard(first);
    release();
    await loading;
    expect(app.store()?.id).toBe(first);

    // Without a later open, the slow board does show.
    slow.clear();
    await app.openBoard(other?.id ?? "");
    expect(app.store()?.id).toBe(other?.id);

    // Starting again: busy until a board is shown, so nothing races the focus it takes.
    let release2 = () => {};
    const gate2 = new Promise<void>((resolve) => {
      release2 = resolve;
    });
    useBackend({
      listen: (event, handler) => recorded.listen(event, handler),
      async call(name, args) {
        if (name === "open_board") await gate2;
        return recorded.call(name, args);
      },
    });
    const starting = app.start();
    await settle();
    expect(app.ready()).toBe(false);
    release2();
    await starting;
    expect(app.ready()).toBe(true);
    expect(app.store()).toBeDefined();
  });
});
