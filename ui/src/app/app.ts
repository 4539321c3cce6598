// The application: the modules of this folder put together, and the surface components use.
// Each module owns its state (boards.ts the board list and the open board, cursor.ts where the
// keyboard is, ops.ts sending edits, collab.ts what the shell says about sync and people, ...)
// and gets what it needs from the others as functions; this file wires them, routes the
// shell's board patches, runs commands (key bindings, the palette and buttons all go through
// `run`) and starts and stops the whole.

import { batch, createEffect, createMemo, createRoot, createSignal, on } from "solid-js";
import * as ipc from "../ipc";
import type { BoardPatchEvent, Person } from "../ipc";
import {
  COMMANDS,
  createRegistry,
  editsBoard,
  type CommandHandler,
  type CommandId,
} from "../commands/registry";
import { createArchive } from "./archive";
import { createBoards } from "./boards";
import { createCollab, selectionsByTask } from "./collab";
import { createCursor } from "./cursor";
import { createDialogs } from "./dialogs";
import { createDraft } from "./draft";
import { createEdits } from "./edits";
import { createFilter, stepMatch } from "./filter";
import { createInbox } from "./inbox";
import { createKeys, isMac } from "./keys";
import { createMoves } from "./moves";
import { createOps } from "./ops";
import { createPalette } from "./palette";
import { afterPaint, whenPainted } from "./perf";
import { createSearch } from "./search";
import { createSharing } from "./sharing";
import { createToasts } from "./toast";
import { createViews } from "./views";
import { createTransfer } from "./transfer";
import { nextGrouping, type Grouping } from "./lanes";
import {
  density,
  groupingOf,
  nextSort,
  setGroupingOf,
  setSortOf,
  sidebarHidden,
  SORT_TITLES,
  sortOf,
  viewCommands,
  type SortKey,
} from "./view";
import { createUpdates } from "./update";

function createApp() {
  const toasts = createToasts();
  const { notify, spawn } = toasts;
  const updates = createUpdates((text) => notify(text));
  const dialogs = createDialogs();
  const boards = createBoards({
    ask: dialogs.ask,
    spawn,
    notify,
    dismissToast: toasts.dismiss,
    refocus: dialogs.refocus,
    patched: onBoardPatch,
  });
  const { store } = boards;
  const filter = createFilter({ boardId: () => store()?.id ?? null, spawn });
  const collab = createCollab({
    currentBoardId: () => store()?.id ?? null,
    refreshBoards: boards.refresh,
    reopenBoard: async (boardId) => {
      boards.close();
      await boards.refresh();
      await boards.openBoard(boardId);
    },
    notify: (text) => notify(text),
    joinLink: (invite) => {
      if (ready()) sharing.joinFromLink(invite);
      else waitingLinks.push(invite);
    },
  });
  /** Invites from `tack://join` links that arrived while the app was starting. */
  const waitingLinks: string[] = [];
  boards.onListed((list) => collab.learnBoards(list));

  /** Why the open board cannot be edited here, or null when it can. */
  const readOnlyReason = createMemo(() => collab.readOnlyReason(store()?.id ?? null));
  /** Who else has which card of the open board selected. */
  const selectedBy = createMemo(() => selectionsByTask(collab.peopleOn(store()?.id ?? null)));

  const cursor = createCursor({
    store,
    matching: () => {
      const answer = filter.answer();
      return answer?.narrows === true ? answer.ids : null;
    },
    sortOf,
    groupingOf,
  });
  /** The filter's free words, changed only when they change (every card reads them). */
  const filterWords = createMemo((): readonly string[] => filter.answer()?.words ?? [], [], {
    equals: (a, b) => a.length === b.length && a.every((w, i) => w === b[i]),
  });
  /** How the open board's columns are sorted here. */
  const sortedBy = createMemo((): SortKey => {
    const id = store()?.id;
    return id === undefined ? "rank" : sortOf(id);
  });
  const { focus } = cursor;
  /** Cuts a board into lanes; the cursor keeps its task, in the first lane showing it. */
  function setGrouping(boardId: string, grouping: Grouping) {
    const at = focus();
    batch(() => {
      setGroupingOf(boardId, grouping);
      cursor.setCursor({ ...at, lane: undefined });
    });
  }
  const { applyOp, saving } = createOps({
    boardId: () => store()?.id ?? null,
    readOnlyReason,
    refusedAsReadOnly: collab.refusedAsReadOnly,
  });
  const moves = createMoves({
    store,
    focus,
    cursor: cursor.cursor,
    setCursor: cursor.setCursor,
    applyOp,
    spawn,
    sortedBy,
    grouping: cursor.grouping,
    lanes: cursor.lanes,
    notify,
  });
  const edits = createEdits({
    store,
    focus,
    visibleTasks: (columnId) => cursor.visibleTasks(columnId),
    detailTaskId: cursor.detailTaskId,
    closeDetail: () => cursor.setDetailTaskId(null),
    focusColumn: cursor.focusColumn,
    applyOp,
    ask: dialogs.ask,
    spawn,
    notify,
  });
  const draft = createDraft({
    store,
    focus,
    setCursor: cursor.setCursor,
    focusTask: cursor.focusTask,
    applyOp,
    readOnlyReason,
    refocus: dialogs.refocus,
    noColumn: () => run("column.new"),
  });
  const archive = createArchive({
    store,
    applyOp,
    focusTask: cursor.focusTask,
    focusColumn: cursor.focusColumn,
    notify,
    setOverlay: dialogs.setOverlay,
    spawn,
  });
  const inbox = createInbox({
    store,
    openBoard: boards.openBoard,
    focusTask: cursor.focusTask,
    openDetail: cursor.setDetailTaskId,
    setOverlay: dialogs.setOverlay,
    closeOverlay: dialogs.closeOverlay,
    notify,
    spawn,
  });
  const sharing = createSharing({
    boards: boards.list,
    store,
    openBoard: boards.openBoard,
    refreshBoards: boards.refresh,
    collab,
    setOverlay: dialogs.setOverlay,
    toggle: dialogs.toggle,
    ask: dialogs.ask,
    notify,
    dismissToast: toasts.dismiss,
    spawn,
  });

  const transfer = createTransfer({
    store,
    boards: boards.list,
    focus,
    focusTask: cursor.focusTask,
    readOnlyReason,
    refusedAsReadOnly: collab.refusedAsReadOnly,
    openBoard: boards.openBoard,
    refreshBoards: boards.refresh,
    ask: dialogs.ask,
    setOverlay: dialogs.setOverlay,
    spawn,
    notify,
  });

  const search = createSearch({
    store,
    overlay: dialogs.overlay,
    setOverlay: dialogs.setOverlay,
    closeOverlay: dialogs.closeOverlay,
    openBoard: boards.openBoard,
    focusTask: cursor.focusTask,
    openDetail: (taskId) => cursor.setDetailTaskId(taskId),
    clearFilter: () => filter.clear(),
    showArchive: () => run("board.archived"),
    spawn,
    notify,
  });

  const views = createViews({
    store,
    query: filter.query,
    sortedBy,
    applyQuery: (query) => {
      filter.applyQuery(query);
      filter.setFilterOpen(false);
    },
    setSort: setSortOf,
    groupedBy: cursor.grouping,
    setGrouping,
    overlay: dialogs.overlay,
    setOverlay: dialogs.setOverlay,
    closeOverlay: dialogs.closeOverlay,
    ask: dialogs.ask,
    spawn,
    notify,
  });

  const palette = createPalette({
    commands: COMMANDS,
    store,
    boards: boards.list,
    remoteBoards: collab.remoteBoards,
    actedTaskId: () => cursor.detailTaskId() ?? focus().taskId,
    readOnlyReason,
    overlay: dialogs.overlay,
    setOverlay: dialogs.setOverlay,
    closeOverlay: dialogs.closeOverlay,
    run: (id) => run(id),
    applyOp,
    moveTask: moves.moveTaskTo,
    openBoard: boards.openBoard,
    openShared: sharing.openShared,
    transferTo: transfer.transferTo,
    openHit: search.openHit,
    views: views.views,
    applyView: (view) => views.apply(view),
    spawn,
    notify,
  });

  // What belonged to the board shown before goes with it.
  boards.onOpened((opened) => {
    views.opened(opened.views);
    sharing.setInvite(null);
    cursor.reset();
    draft.discard();
    filter.clear();
    dialogs.refocus();
  });

  /** Set once the backend is connected: presence is not sent before. */
  let started = false;

  // Tell the others which card I have selected (debounced inside; never blocks a key).
  createEffect(
    on([() => store()?.id ?? null, () => focus().taskId], ([boardId, taskId]) => {
      if (started) collab.selectionChanged(boardId, taskId);
    }),
  );

  /** Why a command is unavailable now (a viewer's editing commands), or null. */
  function disabledReason(id: CommandId): string | null {
    return editsBoard(id) ? readOnlyReason() : null;
  }

  async function undoOrRedo(which: "undo" | "redo") {
    const s = store();
    if (!s) return;
    const done = which === "undo" ? await ipc.undo(s.id) : await ipc.redo(s.id);
    if (!done) notify(which === "undo" ? "Nothing to undo" : "Nothing to redo");
    // Undoing a delete of an archived item changes nothing on the board, so no patch says so.
    else if (dialogs.overlay() === "archive") await archive.load();
  }

  /** Esc: closes the innermost thing open (question, dialog, composer, panel, filter, notice). */
  function back() {
    if (collab.closeRequest() !== null) {
      spawn(() => collab.answerClose(false));
      return;
    }
    if (dialogs.overlay() !== "none") return dialogs.closeOverlay();
    if (draft.draft()) {
      spawn(draft.cancelDraft);
      return;
    }
    if (cursor.detailTaskId() !== null) {
      cursor.setDetailTaskId(null);
      dialogs.refocus();
      return;
    }
    if (filter.active()) {
      filter.clear();
      dialogs.refocus();
      return;
    }
    toasts.dismiss();
    collab.dismissNotice();
  }

  /** Back to the board with the filter kept; the cursor lands on a match if it is not on one. */
  function finishFilter() {
    batch(() => {
      filter.setFilterOpen(false);
      cursor.landOnVisible();
      dialogs.refocus();
    });
  }

  /** `n` / `N`: the cursor to the next or previous card the filter matches, wrapping. */
  function jumpToMatch(by: 1 | -1, count: number) {
    const s = store();
    if (!s) return;
    if (!filter.narrows()) {
      notify("Nothing to jump between: filter the board with /");
      return;
    }
    const columns = s.columnIds();
    const shown = columns.map((id) => cursor.visibleTasks(id));
    let at = focus();
    for (let i = 0; i < count; i++) {
      const next = stepMatch(
        shown.map((ids) => ids.length),
        { column: at.columnIndex, row: at.taskId === null ? null : at.taskIndex },
        by,
      );
      const columnId = next === null ? undefined : columns[next.column];
      const taskId = next === null ? undefined : shown[next.column]?.[next.row];
      if (next === null || columnId === undefined || taskId === undefined) {
        notify("No task matches the filter");
        return;
      }
      at = { columnId, columnIndex: next.column, taskId, taskIndex: next.row };
    }
    if (at.columnId !== null && at.taskId !== null) {
      cursor.focusTask(at.columnId, at.taskId);
      if (cursor.detailTaskId() !== null) cursor.setDetailTaskId(at.taskId);
    }
  }

  const handlers: Record<CommandId, CommandHandler> = {
    ...cursor.commands,
    ...boards.commands,
    ...edits.commands,
    ...moves.commands,
    ...draft.commands,
    ...archive.commands,
    ...inbox.commands,
    ...sharing.commands,
    ...transfer.commands,
    ...search.commands,
    ...palette.commands,
    ...views.commands,
    ...viewCommands,
    "edit.undo": () => spawn(() => undoOrRedo("undo")),
    "edit.redo": () => spawn(() => undoOrRedo("redo")),
    "view.filter": () => {
      filter.setFilterOpen(true);
      dialogs.refocus();
    },
    "view.sort": () => {
      const s = store();
      if (!s) return;
      const next = nextSort(sortOf(s.id));
      setSortOf(s.id, next);
      notify(
        next === "rank"
          ? "Shown in the board's own order"
          : `Sorted by ${SORT_TITLES[next]} (only here; the board's order stays)`,
      );
    },
    "view.lanes": () => {
      const s = store();
      if (!s) return;
      const next = nextGrouping(groupingOf(s.id));
      setGrouping(s.id, next);
      notify(next === "none" ? "No swimlanes" : `Swimlanes by ${next} (only here)`);
    },
    "filter.next": (count) => jumpToMatch(1, count),
    "filter.previous": (count) => jumpToMatch(-1, count),
    "view.cheatsheet": () => dialogs.toggle("cheatsheet"),
    "app.check_update": () => spawn(updates.check),
    "app.install_update": () => spawn(updates.install),
    "app.restart_update": () => spawn(updates.restart),
    "app.quick_add": () => spawn(() => ipc.openQuickAdd()),
    "app.quick_add_shortcut": () =>
      spawn(async () => {
        const settings = await ipc.quickAddSettings();
        dialogs.ask({
          title: settings.problem
            ? `Quick add shortcut (${settings.problem})`
            : `Quick add shortcut (default ${settings.defaultShortcut}; empty: none)`,
          label: "Shortcut, like Ctrl+Alt+N",
          initial: settings.shortcut,
          submit: async (value) => {
            const set = await ipc.setQuickAddShortcut(value);
            notify(
              set.shortcut
                ? `Quick add: ${set.shortcut} from anywhere.`
                : "Quick add has no shortcut now.",
            );
          },
        });
      }),
    "view.back": () => back(),
    // The task panel opens on the task, its Files section lists what was attached.
    "task.attach": () => {
      const board = store();
      const taskId = cursor.detailTaskId() ?? cursor.focus().taskId;
      if (!board || taskId === null) return;
      cursor.setDetailTaskId(taskId);
      spawn(async () => {
        await ipc.attachFiles(board.id, taskId);
      });
    },
  };

  const registry = createRegistry(handlers);
  function run(id: CommandId, count = 1) {
    const reason = disabledReason(id);
    if (reason !== null) {
      // A quiet notice instead of acting: the key did something visible, nothing changed.
      notify(reason);
      return;
    }
    registry.run(id, count);
  }

  const keys = createKeys({
    overlay: dialogs.overlay,
    closeAsked: () => collab.closeRequest() !== null,
    back,
    run,
    isMac,
  });

  /** The shell's changes to a board (mine echoed, undo, teammates'), applied where they show. */
  function onBoardPatch(event: BoardPatchEvent) {
    // A mark per patch event, so a profile shows patch-to-paint time.
    performance.mark("tack:patch");
    const patched = boards.applyToOpenBoard(event);
    if (patched) {
      moves.patchesApplied(patched, event.patches);
      // A task typed, edited or moved may now match the filter, or no longer.
      filter.refresh();
      // The archive view follows undo and teammates' edits while it is open.
      if (dialogs.overlay() === "archive") spawn(archive.load);
    }
    performance.measure("tack:apply", "tack:patch");
    afterPaint("tack:patch-painted");
    boards.followTitle(event);
  }

  /** False until the first board is shown at start (or there is none): the window says "busy". */
  const [ready, setReady] = createSignal(false);
  let unlisten: (() => void) | undefined;

  async function start() {
    setReady(false);
    // Not awaited in the desktop app: the questions below go out while the page finishes its
    // first turn (what the window does before it can answer a promise, ~50 ms).
    if (!ipc.connectNow()) await ipc.connect();
    collab.stop();
    unlisten?.();
    started = true;
    // The board shown last time is asked for now: its answer comes while the window listens.
    boards.askEarly();
    // Subscribed together (each is an IPC round trip): the start waits for the slowest only.
    const subscribed = await Promise.all([
      ipc.onBoardPatch(onBoardPatch),
      // The relay's member list, fetched after a shared board opened (or the share dialog).
      ipc.on("board-directory", (event) => {
        const shown = store();
        if (shown?.id === event.boardId) shown.setPeople(event.people);
      }),
      // What concerns me arrived (a teammate's change, a reminder): the count, and the view.
      ipc.on("inbox", (event) => {
        inbox.setUnread(event.unread);
        if (dialogs.overlay() === "inbox") spawn(inbox.load);
      }),
      // A newer signed release (found by the shell's periodic look): offered, not installed.
      ipc.on("update-available", updates.offer),
      ipc.on("update-checked", updates.report),
      // The menu bar's items (macOS): each runs its command, as its key would.
      ipc.on("menu-command", (event) => run(event.command)),
    ]);
    unlisten = () => {
      for (const stop of subscribed) stop();
    };
    try {
      // Marks of the start path, read by the e2e probe (where launch-to-painted goes).
      performance.mark("tack:listening");
      await collab.start();
      performance.mark("tack:account");
      await boards.refresh();
      performance.mark("tack:listed");
      await boards.showFirst();
      // The unread count the sidebar shows; `inbox` events keep it current from here on.
      await inbox.load();
    } finally {
      setReady(true);
      // What the shell put off so as not to slow the first paint (the quick add shortcut).
      // Harmless when it fails: the shell does it a few seconds after start anyway.
      whenPainted(() => {
        ipc
          .firstPainted()
          .then(() => performance.mark("tack:start-done"))
          .catch((error: unknown) => console.warn("first_painted", error));
      });
      for (const invite of waitingLinks.splice(0)) sharing.joinFromLink(invite);
    }
  }

  function stop() {
    unlisten?.();
    unlisten = undefined;
    collab.stop();
    started = false;
  }

  return {
    boards: boards.list,
    store,
    focus,
    cursor: cursor.cursor,
    setCursor: cursor.setCursor,
    focusTask: cursor.focusTask,
    dropTask: moves.dropTask,
    visibleTasks: cursor.visibleTasks,
    grouping: cursor.grouping,
    lanes: cursor.lanes,
    cellTasks: cursor.cellTasks,
    detailTaskId: cursor.detailTaskId,
    setDetailTaskId: cursor.setDetailTaskId,
    commentRequested: cursor.commentRequested,
    setCommentRequested: cursor.setCommentRequested,
    overlay: dialogs.overlay,
    setOverlay: dialogs.setOverlay,
    closeOverlay: dialogs.closeOverlay,
    prompt: dialogs.prompt,
    draft: draft.draft,
    openDraftAtEnd: draft.openDraftAtEnd,
    submitDraft: draft.submitDraft,
    cancelDraft: draft.cancelDraft,
    setDraftText: draft.setTyped,
    filterOpen: filter.filterOpen,
    setFilterOpen: filter.setFilterOpen,
    finishFilter,
    query: filter.query,
    setQuery: filter.setQuery,
    filterAnswer: filter.answer,
    filterWords,
    sortedBy,
    toast: toasts.toast,
    notify,
    pendingKeys: keys.pendingKeys,
    saving,
    announcement: moves.announcement,
    focusTick: dialogs.focusTick,
    refocus: dialogs.refocus,
    applyOp,
    spawn,
    run,
    onKeyDown: keys.onKeyDown,
    ready,
    openBoard: boards.openBoard,
    openShared: sharing.openShared,
    archive: archive.archive,
    restoreArchived: archive.restoreArchived,
    deleteArchived: archive.deleteArchived,
    inbox: inbox.inbox,
    unread: inbox.unread,
    openInboxItem: inbox.openItem,
    toggleInboxRead: inbox.toggleRead,
    markInboxRead: inbox.markAllRead,
    refreshBoards: boards.refresh,
    readOnlyReason,
    disabledReason,
    selectedBy: (taskId: string): readonly Person[] => selectedBy().get(taskId) ?? [],
    transfer,
    search,
    palette,
    views,
    updates,
    density,
    sidebarHidden,
    invite: sharing.invite,
    setInvite: sharing.setInvite,
    collab,
    start,
    stop,
  };
}

export type App = ReturnType<typeof createApp>;

export const app: App = createRoot(() => createApp());
