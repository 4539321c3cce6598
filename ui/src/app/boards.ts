// The board list and the open board: which boards this computer has, which one is shown (its
// store), opening one (an open overtaken by a later one shows nothing), switching between them
// and remembering the last one across runs.

import { batch, createSignal } from "solid-js";
import * as ipc from "../ipc";
import type {
  BoardPatchEvent,
  BoardSummary,
  ExportFormat,
  ImportFormat,
  ImportOutcome,
  OpenedBoard,
} from "../ipc";
import type { CommandHandler, CommandId } from "../commands/registry";
import { createBoardStore, untilWhole, type BoardStore } from "../model/store";
import type { PromptRequest } from "./dialogs";
import { afterPaint, whenPainted } from "./perf";
import { readSetting, writeSetting } from "./settings";
import { firstScreen } from "./view";

const LAST_BOARD_KEY = "tack.lastBoard";

/** The board open when the app last ran (losing it only means opening the first). */
const rememberedBoard = () => readSetting(LAST_BOARD_KEY);
const rememberBoard = (boardId: string) => writeSetting(LAST_BOARD_KEY, boardId);

/** The board to show at start: the one open last time if it is still here, else the first. */
export function boardToShow(
  list: readonly BoardSummary[],
  remembered: string | null,
): BoardSummary | undefined {
  return list.find((b) => b.id === remembered) ?? list[0];
}

/** The board `delta` places from `current` in the list, wrapping around. */
export function boardAfter(
  list: readonly BoardSummary[],
  current: string | undefined,
  delta: number,
): BoardSummary | undefined {
  const at = list.findIndex((b) => b.id === current);
  return list[(at + delta + list.length) % Math.max(1, list.length)];
}

export interface BoardsDeps {
  ask: (request: PromptRequest) => void;
  spawn: (action: () => Promise<unknown>) => void;
  notify: (text: string) => void;
  dismissToast: () => void;
  /** The board shown already was asked for again: focus goes back to it. */
  refocus: () => void;
  /** Patches for the open board that are not a `board-patch` event (a start's reconcile). */
  patched: (event: BoardPatchEvent) => void;
}

export function createBoards(deps: BoardsDeps) {
  const [list, setList] = createSignal<BoardSummary[]>([]);
  const [store, setStore] = createSignal<BoardStore | undefined>();
  const listedListeners: ((list: readonly BoardSummary[]) => void)[] = [];
  const openedListeners: ((opened: OpenedBoard) => void)[] = [];

  /** Called with the list each time `refresh` reads it (collaboration learns roles from it). */
  function onListed(listener: (list: readonly BoardSummary[]) => void) {
    listedListeners.push(listener);
  }

  /**
   * Called when a different board is shown, inside the batch that shows it: what belonged to
   * the board before (cursor, composer, filter, invite) resets with it.
   */
  function onOpened(listener: (opened: OpenedBoard) => void) {
    openedListeners.push(listener);
  }

  async function refresh() {
    const boards = await ipc.listBoards();
    for (const listener of listedListeners) listener(boards);
    setList(boards);
  }

  /** Bumped by every `openBoard`: an open that was overtaken by a later one shows nothing. */
  let openTicket = 0;

  /** The board shown last time, asked for by `askEarly`; taken by the first `openBoard`. */
  let early: { boardId: string; answer: Promise<OpenedBoard | null> } | undefined;

  /**
   * At start, before the window subscribes to events and reads the list (round trips of their
   * own): asks for the board shown last time, so its answer crosses the IPC meanwhile. Only
   * when no board is shown yet (a second start keeps its board).
   */
  function askEarly() {
    const remembered = rememberedBoard();
    if (!remembered || store()) return;
    performance.mark("tack:board-open");
    const answer = ipc.openBoard(remembered, firstScreen(remembered)).catch(() => null);
    early = { boardId: remembered, answer };
  }

  /**
   * `askEarly`'s answer for `boardId`, when it is a kept view or a first screen (`cached`):
   * its reconcile brings whatever changed before the window listened. Any other answer (the
   * board was loaded already, or the ask failed) could miss such a change: asked again.
   */
  async function earlyAnswer(boardId: string, whole: boolean): Promise<OpenedBoard | null> {
    const asked = early;
    early = undefined;
    if (asked?.boardId !== boardId || whole) return null;
    const opened = await asked.answer;
    return opened?.cached ? opened : null;
  }

  /**
   * Shows a board with the cursor on its first card. The board already shown keeps its cursor
   * and only takes focus back (from the sidebar, say): reloading it would throw away keys typed
   * while it loads. A big board comes as its first screen (`firstScreen`), the rest once that
   * is painted, unless `whole` (a task anywhere on it is shown next: asked whole, or, shown
   * already as a first screen, answered once its rest is in).
   */
  async function openBoard(boardId: string, { whole = false }: { whole?: boolean } = {}) {
    const ticket = ++openTicket;
    const current = store();
    if (current?.id === boardId) {
      deps.refocus();
      // A task anywhere on it is shown next: a first screen's rest comes first.
      if (whole) await untilWhole(current);
      return;
    }
    let opened = await earlyAnswer(boardId, whole);
    if (!opened) {
      performance.mark("tack:board-open");
      opened = await ipc.openBoard(boardId, whole ? null : firstScreen(boardId));
    }
    performance.mark("tack:board-answered");
    if (ticket !== openTicket) return;
    rememberBoard(boardId);
    const shown = createBoardStore(opened.view, opened.people, opened.withheld);
    batch(() => {
      setStore(shown);
      for (const listener of openedListeners) listener(opened);
    });
    afterPaint("tack:board-painted");
    // A view kept from before, or a first screen, is shown; once it is painted, what changed
    // since and the rest of its columns (the shell loads the board then, so the load does not
    // slow this paint).
    if (opened.cached)
      whenPainted(() =>
        deps.spawn(async () => {
          try {
            deps.patched({ boardId, patches: await ipc.reconcileBoard(boardId) });
            performance.mark("tack:board-whole");
          } finally {
            shown.settle();
          }
        }),
      );
  }

  /** Shows the board open last time, or the first; none when there is none. */
  async function showFirst() {
    const first = boardToShow(list(), rememberedBoard());
    if (first) await openBoard(first.id);
    else setStore(undefined);
  }

  /** Shows no board (until the next `openBoard`). */
  function close() {
    setStore(undefined);
  }

  /** Applies a patch event to the open board; returns that board when it was the one patched. */
  function applyToOpenBoard(event: BoardPatchEvent): BoardStore | null {
    const s = store();
    if (!s || s.id !== event.boardId) return null;
    s.apply(event.patches);
    return s;
  }

  /** A renamed board (by undo, or a teammate) gets its new title in the list too. */
  function followTitle(event: BoardPatchEvent) {
    const meta = event.patches.find((p) => p.type === "boardMeta");
    if (meta?.type === "boardMeta") {
      setList((boards) =>
        boards.map((b) => (b.id === event.boardId ? { ...b, title: meta.title } : b)),
      );
    }
  }

  function switchBoard(delta: number) {
    const current = store()?.id;
    const next = boardAfter(list(), current, delta);
    if (next && next.id !== current) deps.spawn(() => openBoard(next.id));
  }

  // `board.delete` and `board.generate_demo` read the list without `refresh`'s
  // listeners: a board made or deleted here changes no one's access to another.
  const commands = {
    "board.next": (n) => switchBoard(n),
    "board.previous": (n) => switchBoard(-n),
    "board.delete": () => {
      const s = store();
      if (!s) return;
      const title = s.title();
      deps.ask({
        title: `Delete board “${title}”? This cannot be undone.`,
        label: "Type the board title to confirm",
        initial: "",
        submit: async (typed) => {
          if (typed !== title) throw new Error("The title does not match; nothing was deleted.");
          await ipc.deleteBoard(s.id);
          const boards = await ipc.listBoards();
          setList(boards);
          const next = boards[0];
          if (next) await openBoard(next.id);
          else setStore(undefined);
        },
      });
    },
    "board.generate_demo": () =>
      deps.spawn(async () => {
        deps.notify("Generating a demo board…");
        const board = await ipc.generateDemoBoard("Demo 20 × 500", 20, 10000);
        setList(await ipc.listBoards());
        await openBoard(board.id);
        deps.dismissToast();
      }),
    "board.import_trello": () => deps.spawn(() => importBoard("trello")),
    "board.import_csv": () => deps.spawn(() => importBoard("csv")),
    "board.import_csv_here": () => deps.spawn(importIntoBoard),
    "board.export_markdown": () => deps.spawn(() => exportBoard("markdown")),
    "board.export_csv": () => deps.spawn(() => exportBoard("csv")),
    "board.export_json": () => deps.spawn(() => exportBoard("json")),
    "board.export_yjs": () => deps.spawn(() => exportBoard("yjs")),
  } satisfies Partial<Record<CommandId, CommandHandler>>;

  /** Brings a board in from a file picked in the system's dialog, and opens it. */
  async function importBoard(format: ImportFormat) {
    const outcome = await ipc.importBoard(format);
    if (outcome === null) return;
    setList(await ipc.listBoards());
    await openBoard(outcome.board.id);
    deps.notify(importedSentence(outcome));
  }

  /** Adds the tasks of a CSV file picked in the system's dialog to the open board. */
  async function importIntoBoard() {
    const s = store();
    if (!s) return;
    const outcome = await ipc.importIntoBoard(s.id);
    if (outcome !== null) deps.notify(importedSentence(outcome));
  }

  /** Writes the open board to a file picked in the system's save dialog. */
  async function exportBoard(format: ExportFormat) {
    const s = store();
    if (!s) return;
    const path = await ipc.exportBoard(s.id, format);
    if (path !== null) deps.notify(`Saved “${s.title()}” to ${path}`);
  }

  return {
    list,
    store,
    refresh,
    onListed,
    onOpened,
    openBoard,
    askEarly,
    showFirst,
    close,
    applyToOpenBoard,
    followTitle,
    commands,
  };
}

/** What an import brought in, in one sentence for the toast. */
export function importedSentence(outcome: ImportOutcome): string {
  const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? "" : "s"}`;
  let text =
    `Imported “${outcome.board.title}”: ${plural(outcome.tasks, "task")} in ` +
    `${plural(outcome.columns, "column")}, ${plural(outcome.labels, "label")}, ` +
    `${plural(outcome.comments, "comment")}.`;
  if (outcome.unmatchedPeople.length > 0) {
    text += ` Kept as names (no member matched): ${outcome.unmatchedPeople.join(", ")}.`;
  }
  return text;
}
