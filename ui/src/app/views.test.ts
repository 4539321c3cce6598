// Saved views end to end inside the UI, answered from a session recorded from the real shell
// (src-tauri/tests/scenarios/views.json): the board's views arrive with it, `v` reads them
// again, applying one filters and sorts the board, and what is shown is saved, renamed and
// deleted as a view.

import { afterEach, describe, expect, it } from "vitest";
import { useBackend } from "../ipc";
import { createReplayBackend, type ReplayBackend } from "../test/replay";
import { app } from "./app";

function press(keys: string) {
  for (const key of keys.split(" ")) {
    app.onKeyDown({
      key,
      ctrlKey: false,
      metaKey: false,
      altKey: false,
      shiftKey: false,
      target: null,
      defaultPrevented: false,
      preventDefault() {},
    });
  }
}

async function settle() {
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setTimeout(resolve, 0));
}

/** The board as the user sees it: a line per column. */
function screen(): string[] {
  const store = app.store();
  if (!store) return [];
  return store.columnIds().map((columnId) => {
    const titles = app.visibleTasks(columnId).map((id) => store.task(id)?.().title ?? "?");
    return `${store.column(columnId)?.().title ?? "?"}: ${titles.join(", ")}`;
  });
}

const names = () => app.views.views().map((v) => v.name);

let replay: ReplayBackend | undefined;

afterEach(() => {
  expect(replay?.unexpected()).toEqual([]);
  replay = undefined;
});

describe("saved views", () => {
  it("applies a view's filter and sort, saves what is shown, renames and deletes", async () => {
    replay = createReplayBackend("views", { anyTime: ["set_selection"] });
    useBackend(replay);
    await app.start();
    await settle();
    // The board's views come with it.
    expect(names()).toEqual(["Bugs"]);
    expect(app.sortedBy()).toBe("rank");

    // `v`: the picker, the views read again; choosing one shows the board through it.
    press("v");
    expect(app.overlay()).toBe("views");
    await settle();
    const bugs = app.views.views()[0];
    if (!bugs) throw new Error("no view");
    app.closeOverlay();
    app.views.apply(bugs);
    await settle();
    expect(app.query()).toBe("label:bug");
    expect(app.sortedBy()).toBe("title");
    expect(screen()).toEqual([
      "Backlog: ",
      "Todo: Crash when a column is deleted twice",
      // Sorted by title: not the board's order (Sync status badge is ranked first).
      "Doing: Fix drag ghost offset, Sync status badge",
      "Done: ",
    ]);
    expect(app.views.current()?.name).toBe("Bugs");
    expect(app.toast()?.text).toBe("View “Bugs”: label:bug · sorted by title");

    // Swimlanes are part of what a view shows: `z g` to lanes leaves the view, back to none
    // it is the view again.
    press("z g");
    expect(app.grouping()).toBe("assignee");
    expect(app.lanes().at(-1)?.title).toBe("Unassigned");
    expect(app.views.current()).toBeNull();
    press("z g");
    expect(app.grouping()).toBe("label");
    press("z g");
    expect(app.grouping()).toBe("none");
    expect(app.views.current()?.name).toBe("Bugs");

    // Changing the filter leaves the view; saving what is shown makes a new one.
    app.setQuery("label:bug @ada");
    await settle();
    expect(screen()[1]).toBe("Todo: ");
    expect(app.views.current()).toBeNull();
    app.views.saveShown();
    expect(app.overlay()).toBe("prompt");
    await app.prompt()?.submit("Ada's bugs");
    app.closeOverlay();
    expect(names()).toEqual(["Ada's bugs", "Bugs"]);
    expect(app.views.current()?.name).toBe("Ada's bugs");

    app.views.rename(bugs);
    await app.prompt()?.submit("All bugs");
    app.closeOverlay();
    expect(names()).toEqual(["Ada's bugs", "All bugs"]);
    const adas = app.views.views()[0];
    if (!adas) throw new Error("no view");
    app.views.remove(adas);
    await settle();
    expect(names()).toEqual(["All bugs"]);
    expect(app.views.current()).toBeNull();

    // A name differing only in case is the same view; an empty name is refused, with why.
    const all = app.views.views()[0];
    if (!all) throw new Error("no view");
    app.views.rename(all);
    await app.prompt()?.submit("all BUGS");
    app.closeOverlay();
    expect(names()).toEqual(["all BUGS"]);
    app.views.saveShown();
    await expect(app.prompt()?.submit("")).rejects.toThrow(/view name/);
    app.closeOverlay();
    expect(names()).toEqual(["all BUGS"]);
  });
});
