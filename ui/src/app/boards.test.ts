// The board list and the open board on their own: which board shows at start, switching
// around the list, what hears of a new list or a newly shown board, and renames followed.

import { createRoot } from "solid-js";
import { afterEach, describe, expect, it, vi } from "vitest";
import { useBackend } from "../ipc";
import type { BoardSummary, BoardView } from "../ipc";
import { boardAfter, boardToShow, createBoards } from "./boards";

function summary(id: string): BoardSummary {
  return {
    id,
    title: id.toUpperCase(),
    createdAt: 0,
    role: null,
    readOnly: false,
    readOnlyReason: null,
  };
}

const list = ["a", "b", "c"].map(summary);

/**
 * A backend with boards a, b and c, none with columns; `cached` boards answer the view kept at
 * the last run (holding back `withheld`, as a first screen), and `reconcile_board` renames
 * them once `reconciled` resolves.
 */
function backend(
  cached: string[] = [],
  {
    withheld = {},
    reconciled = Promise.resolve(),
  }: { withheld?: Record<string, number>; reconciled?: Promise<void> } = {},
) {
  const opened: string[] = [];
  useBackend({
    listen: () => Promise.resolve(() => undefined),
    call(name, args) {
      if (name === "list_boards") return Promise.resolve(list as never);
      if (name === "reconcile_board" && "boardId" in args) {
        opened.push(`reconcile ${args.boardId}`);
        return reconciled.then(() => [{ type: "boardMeta", title: "Now" }] as never);
      }
      if (name === "open_board" && "boardId" in args) {
        opened.push(args.boardId);
        const view: BoardView = {
          id: args.boardId,
          title: args.boardId.toUpperCase(),
          createdAt: 0,
          labels: [],
          columns: [],
        };
        const kept = cached.includes(args.boardId);
        const held = kept ? withheld : {};
        return Promise.resolve({
          view,
          people: [],
          views: [],
          cached: kept,
          withheld: held,
        } as never);
      }
      return Promise.reject(new Error(`unexpected ${name}`));
    },
  });
  return { opened };
}

function boards() {
  const events: string[] = [];
  const made = createRoot(() =>
    createBoards({
      ask: () => events.push("ask"),
      spawn: (action) => void action(),
      notify: (text) => events.push(`notify ${text}`),
      dismissToast: () => events.push("dismiss"),
      refocus: () => events.push("refocus"),
      patched: (event) => {
        events.push(`patched ${event.boardId}`);
        made.applyToOpenBoard(event);
      },
    }),
  );
  made.onListed((boards) => events.push(`listed ${boards.map((b) => b.id).join(",")}`));
  made.onOpened(() => events.push(`opened ${made.store()?.id ?? "none"}`));
  return { ...made, events };
}

afterEach(() => vi.unstubAllGlobals());

describe("boardToShow and boardAfter", () => {
  it("shows the board open last time if it is still here, else the first", () => {
    expect(boardToShow(list, "b")?.id).toBe("b");
    expect(boardToShow(list, "gone")?.id).toBe("a");
    expect(boardToShow(list, null)?.id).toBe("a");
    expect(boardToShow([], "b")).toBeUndefined();
  });

  it("switches around the list, both ways, wrapping", () => {
    expect(boardAfter(list, "a", 1)?.id).toBe("b");
    expect(boardAfter(list, "c", 1)?.id).toBe("a");
    expect(boardAfter(list, "a", -1)?.id).toBe("c");
    expect(boardAfter(list, "b", 4)?.id).toBe("c");
    expect(boardAfter([], undefined, 1)).toBeUndefined();
  });
});

describe("boards", () => {
  it("tells its listeners of each list read and of each board shown, remembered for next time", async () => {
    const stored = new Map<string, string>([["tack.lastBoard", "b"]]);
    vi.stubGlobal("localStorage", {
      getItem: (key: string) => stored.get(key) ?? null,
      setItem: (key: string, value: string) => stored.set(key, value),
    });
    const { opened } = backend();
    const b = boards();
    await b.refresh();
    await b.showFirst();
    expect(b.list().map((x) => x.id)).toEqual(["a", "b", "c"]);
    expect(b.store()?.id).toBe("b");
    b.commands["board.next"](1);
    await vi.waitFor(() => expect(b.store()?.id).toBe("c"));
    expect(stored.get("tack.lastBoard")).toBe("c");
    // The board shown already only takes focus back.
    await b.openBoard("c");
    expect(opened).toEqual(["b", "c"]);
    expect(b.events).toEqual(["listed a,b,c", "opened b", "opened c", "refocus"]);
  });

  it("shows a view kept at the last run at once, then applies what changed since", async () => {
    const { opened } = backend(["b"]);
    const b = boards();
    await b.refresh();
    await b.openBoard("b");
    expect(b.store()?.id).toBe("b");
    await vi.waitFor(() => expect(b.store()?.title()).toBe("Now"));
    expect(opened).toEqual(["b", "reconcile b"]);
    expect(b.events).toEqual(["listed a,b,c", "opened b", "patched b"]);
    // A board opened from its document needs nothing more.
    await b.openBoard("c");
    expect(opened).toEqual(["b", "reconcile b", "c"]);
  });

  it("asks for the board shown last time before the list: a kept view is taken, any other answer asked again", async () => {
    const stored = new Map<string, string>([["tack.lastBoard", "b"]]);
    vi.stubGlobal("localStorage", {
      getItem: (key: string) => stored.get(key) ?? null,
      setItem: (key: string, value: string) => stored.set(key, value),
    });
    // Kept: one ask, answered before the list was read, then its reconcile.
    const kept = backend(["b"]);
    const b = boards();
    b.askEarly();
    expect(kept.opened).toEqual(["b"]);
    await b.refresh();
    await b.showFirst();
    expect(b.store()?.id).toBe("b");
    await vi.waitFor(() => expect(b.store()?.title()).toBe("Now"));
    expect(kept.opened).toEqual(["b", "reconcile b"]);
    // A second start with the board shown asks nothing early.
    b.askEarly();
    expect(kept.opened).toEqual(["b", "reconcile b"]);

    // Loaded already (no reconcile would follow): a change made before the window listened
    // could be missing from that answer, so the board is asked for again.
    const loaded = backend();
    const c = boards();
    c.askEarly();
    await c.refresh();
    await c.showFirst();
    expect(c.store()?.id).toBe("b");
    expect(loaded.opened).toEqual(["b", "b"]);

    // Another board shown first: the early answer is not used for a later open either.
    const other = backend(["b"]);
    const d = boards();
    d.askEarly();
    await d.refresh();
    await d.openBoard("c");
    await d.openBoard("b");
    expect(other.opened).toEqual(["b", "c", "b", "reconcile b"]);
  });

  it("asked whole for the board it shows as a first screen, answers once the rest is in", async () => {
    let release = () => {};
    const reconciled = new Promise<void>((done) => (release = done));
    backend(["b"], { withheld: { "c-A": 1 }, reconciled });
    const b = boards();
    await b.refresh();
    await b.openBoard("b");
    let answered = false;
    const asked = b.openBoard("b", { whole: true }).then(() => (answered = true));
    await new Promise((done) => setTimeout(done, 20));
    expect(answered).toBe(false);
    release();
    await asked;
    // The rest is in when it answers: a task anywhere on the board can be shown.
    expect(b.store()?.title()).toBe("Now");
    expect(b.events).toEqual(["listed a,b,c", "opened b", "refocus", "patched b"]);
  });

  it("follows a rename of any board in the list", async () => {
    backend();
    const b = boards();
    await b.refresh();
    b.followTitle({ boardId: "c", patches: [{ type: "boardMeta", title: "Renamed" }] });
    expect(b.list().map((x) => x.title)).toEqual(["A", "B", "Renamed"]);
    expect(b.applyToOpenBoard({ boardId: "c", patches: [] })).toBeNull();
  });
});
