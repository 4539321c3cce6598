// The inline composer for new tasks (`o` below the focused card, `O` above it, a column's "+"
// at its end): where the next task goes, and what happens to it while a save is in flight.

import { createEffect, createSignal, on, type Accessor } from "solid-js";
import type { BoardOp, Place } from "../ipc";
import type { CommandHandler, CommandId } from "../commands/registry";
import type { BoardStore } from "../model/store";
import type { Cursor } from "./cursor";

/** The inline composer for `o` / `O`: where the next task goes. */
export interface Draft {
  columnId: string;
  place: Place;
}

/** Where `o` (below) or `O` (above) puts a new task next to the focused one. */
export function draftPlace(focus: Cursor, above: boolean): Draft | null {
  if (focus.columnId === null) return null;
  const place: Place =
    focus.taskId === null
      ? { kind: "bottom" }
      : above
        ? { kind: "before", id: focus.taskId }
        : { kind: "after", id: focus.taskId };
  return { columnId: focus.columnId, place };
}

export interface DraftDeps {
  store: Accessor<BoardStore | undefined>;
  focus: Accessor<Cursor>;
  setCursor: (cursor: Cursor) => void;
  focusTask: (columnId: string, taskId: string) => void;
  applyOp: (op: BoardOp) => Promise<string | null>;
  /** Why the open board cannot be edited here: the composer goes when this becomes non-null. */
  readOnlyReason: Accessor<string | null>;
  refocus: () => void;
  /** `o` on a board without columns: make a column first. */
  noColumn: () => void;
}

export function createDraft(deps: DraftDeps) {
  const { store, setCursor, focusTask, applyOp } = deps;
  const [draft, setDraft] = createSignal<Draft | null>(null);
  /** What is typed in the composer and not yet added: Esc adds it rather than drop it. */
  const [typed, setTyped] = createSignal("");

  // Becoming a viewer while typing a new task: the composer goes (it could not be saved).
  createEffect(
    on(deps.readOnlyReason, (reason) => {
      if (reason !== null && draft() !== null) replaceDraft(null);
    }),
  );

  function openDraft(above: boolean) {
    const next = draftPlace(deps.focus(), above);
    if (next === null) {
      deps.noColumn();
      return;
    }
    replaceDraft(next);
  }

  /** Opens the composer at the end of a column (the column's "+" button). */
  function openDraftAtEnd(columnId: string) {
    const s = store();
    if (!s) return;
    const ids = s.taskIds(columnId)();
    const last = ids[ids.length - 1];
    setCursor({
      columnId,
      columnIndex: Math.max(0, s.columnIds().indexOf(columnId)),
      taskId: last ?? null,
      taskIndex: Math.max(0, ids.length - 1),
    });
    replaceDraft({ columnId, place: { kind: "bottom" } });
  }

  // Titles are saved one after another, in the order they were typed: a title entered while
  // the previous one is still saving goes below it, not where the composer stood before.
  let queue: Promise<void> = Promise.resolve();
  // Bumped whenever a composer opens or closes; a save belongs to the composer it was typed in.
  let session = 0;
  let chain: { session: number; place: Place } | null = null;
  const replaceDraft = (next: Draft | null) => {
    session++;
    setTyped("");
    setDraft(next);
  };

  /** Creates the drafted task; the composer stays open below it for the next one. */
  function submitDraft(title: string): Promise<void> {
    const d = draft();
    if (!d || title.trim() === "") return Promise.resolve();
    const mine = session;
    setTyped("");
    const run = queue.then(() => addDrafted(d, mine, title.trim()));
    queue = run.catch(() => undefined);
    return run;
  }

  async function addDrafted(d: Draft, mine: number, title: string) {
    const place = chain?.session === mine ? chain.place : d.place;
    const id = await applyOp({
      type: "addTask",
      columnId: d.columnId,
      title,
      place,
      description: null,
    });
    if (id === null) return;
    chain = { session: mine, place: { kind: "after", id } };
    if (session !== mine) {
      // Esc closed the composer while the save was in flight (a slow or offline save makes
      // that window wide): it stays closed, and the cursor lands on the new task. Another
      // composer opened meanwhile keeps the cursor.
      if (draft() === null) focusTask(d.columnId, id);
      return;
    }
    setDraft({ columnId: d.columnId, place: { kind: "after", id } });
    focusTask(d.columnId, id);
  }

  /** Esc: "finish" — a half-typed title is added first (u takes it back), then it closes. */
  function cancelDraft(): Promise<void> {
    const pending = typed();
    const saved = pending.trim() === "" ? Promise.resolve() : submitDraft(pending);
    replaceDraft(null);
    deps.refocus();
    return saved;
  }

  const commands = {
    "board.new_task": () => openDraft(false),
    "task.new_above": () => openDraft(true),
  } satisfies Partial<Record<CommandId, CommandHandler>>;

  return {
    draft,
    openDraftAtEnd,
    submitDraft,
    cancelDraft,
    /** The composer's text as it is typed (what Esc keeps). */
    setTyped,
    /** A newly shown board: no composer (without taking focus, the board does that). */
    discard: () => replaceDraft(null),
    commands,
  };
}
