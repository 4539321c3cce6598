// The palette (Ctrl/Cmd-K, `:`): one field that finds commands, boards (mine and the ones
// shared with me, downloaded or not) and tasks of every board (the shell's search index, as
// Ctrl-P uses it), and offers actions on the task under the cursor or in the open panel:
// "Move to ‹column›", "Assign ‹member›", "Label ‹label›", "Due ‹date›", "Open board ‹board›".
// Entries are made and ranked by plain functions (tested on their own); each action is one
// ordinary edit through `applyOp`, so one undo step.

import { batch, createMemo, createSignal, type Accessor } from "solid-js";
import * as ipc from "../ipc";
import type {
  BoardOp,
  BoardSummary,
  DirectoryEntry,
  LabelView,
  RemoteBoard,
  SavedView,
  SearchHit,
  TransferMode,
} from "../ipc";
import type { CommandHandler, CommandId, CommandSpec } from "../commands/registry";
import { describe as describePerson } from "../model/people";
import type { BoardStore } from "../model/store";
import type { Overlay } from "./dialogs";
import { fullDue } from "./due";
import { describeView } from "./views";

/** The most tasks the palette shows (the search view, Ctrl-P, shows more). */
export const PALETTE_TASK_LIMIT = 20;

/** What an action does to the task under the cursor. */
export type TaskAction =
  | { type: "move"; columnId: string; column: string }
  | { type: "assign"; userId: string; name: string; email: string; present: boolean }
  | { type: "label"; labelId: string; name: string; present: boolean }
  | { type: "due"; text: string }
  | { type: "clearDue" }
  | { type: "transfer"; boardId: string; mode: TransferMode };

export type PaletteEntry =
  | { kind: "command"; key: string; title: string; id: CommandId; keys: readonly string[] }
  | { kind: "action"; key: string; title: string; detail: string; action: TaskAction }
  | { kind: "board"; key: string; title: string; detail: string; boardId: string; shared: boolean }
  | { kind: "task"; key: string; title: string; detail: string; hit: SearchHit }
  | { kind: "view"; key: string; title: string; detail: string; view: SavedView }
  /** Not an action itself: Enter puts `complete` in the field (`Due ` then a date). */
  | { kind: "hint"; key: string; title: string; detail: string; complete: string };

/** The task the actions act on: the one in the open panel, else the one under the cursor. */
export interface ActedTask {
  id: string;
  title: string;
  columnId: string;
  labels: readonly string[];
  assignees: readonly string[];
  due: string | null;
}

/** Everything the entries are made from, read from the app when the query changes. */
export interface PaletteContext {
  commands: readonly CommandSpec[];
  openBoardId: string | null;
  boards: readonly Pick<BoardSummary, "id" | "title" | "role">[];
  remoteBoards: readonly RemoteBoard[];
  task: ActedTask | null;
  columns: readonly { id: string; title: string }[];
  labels: readonly LabelView[];
  people: readonly DirectoryEntry[];
  /** What the shell read from the text after "due", when the query is "due …". */
  due: DueReading | null;
  /** The open board's saved views. */
  views: readonly SavedView[];
}

/** The shell's reading of a typed due (`read_due`): the stored value, or why it is not one. */
export type DueReading = { text: string; due: string } | { text: string; error: string };

/** How well the query's terms match one entry's text. */
export interface Match {
  score: number;
  /** Every term starts a word of the title: shown before the tasks found. */
  strong: boolean;
}

/** The query's terms: lower case, split at spaces. */
export function terms(query: string): string[] {
  return query
    .toLowerCase()
    .split(/\s+/)
    .filter((t) => t !== "");
}

/** The words of a title, for word-start matching ("Move to Done" -> move, to, done). */
function words(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w !== "");
}

/**
 * How `query` matches `title` (and `extra`, other words it is found by: a command's group and
 * id): per term 3 for a whole word, 2 for a word's start, 1 inside a word or in `extra`; 2
 * more when the title starts with the whole query. Null when a term is nowhere.
 */
export function matchText(query: string, title: string, extra = ""): Match | null {
  const wanted = terms(query);
  if (wanted.length === 0) return { score: 0, strong: true };
  const lower = title.toLowerCase();
  const titleWords = words(title);
  const other = extra.toLowerCase();
  let score = 0;
  let strong = true;
  for (const term of wanted) {
    if (titleWords.includes(term)) score += 3;
    else if (titleWords.some((w) => w.startsWith(term))) score += 2;
    else if (lower.includes(term) || other.includes(term)) {
      score += 1;
      strong = false;
    } else return null;
  }
  if (lower.startsWith(wanted.join(" "))) score += 2;
  return { score, strong };
}

/** "due tomorrow 15:00" -> "tomorrow 15:00"; null when the query is not a due. */
export function dueText(query: string): string | null {
  const found = /^\s*due\s+(\S.*?)\s*$/i.exec(query);
  return found?.[1] ?? null;
}

/** The actions on the task under the cursor, in the order they are listed. */
export function taskActions(ctx: PaletteContext): PaletteEntry[] {
  const task = ctx.task;
  if (task === null) return [];
  const action = (key: string, title: string, detail: string, act: TaskAction): PaletteEntry => ({
    kind: "action",
    key: `action:${key}`,
    title,
    detail,
    action: act,
  });
  const on = `“${task.title}”`;
  const moves = ctx.columns
    .filter((c) => c.id !== task.columnId)
    .map((c) =>
      action(`move:${c.id}`, `Move to ${c.title}`, on, {
        type: "move",
        columnId: c.id,
        column: c.title,
      }),
    );
  const people = ctx.people.map((p) => {
    const present = !task.assignees.includes(p.userId);
    return action(
      `assign:${p.userId}`,
      `${present ? "Assign" : "Unassign"} ${p.name}`,
      `${describePerson(p)} · ${on}`,
      { type: "assign", userId: p.userId, name: p.name, email: p.email, present },
    );
  });
  const labels = ctx.labels.map((l) => {
    const present = !task.labels.includes(l.id);
    return action(`label:${l.id}`, `${present ? "Label" : "Remove label"} ${l.name}`, on, {
      type: "label",
      labelId: l.id,
      name: l.name,
      present,
    });
  });
  const clearDue =
    task.due === null
      ? []
      : [
          action("clear-due", "Clear due date", `${fullDue(task.due)} · ${on}`, {
            type: "clearDue",
          }),
        ];
  const transfers = (["move", "copy"] as const).flatMap((mode) =>
    ctx.boards
      .filter((b) => b.id !== ctx.openBoardId)
      .map((b) =>
        action(
          `${mode}-to-board:${b.id}`,
          `${mode === "move" ? "Move" : "Copy"} task to board ${b.title}`,
          on,
          { type: "transfer", boardId: b.id, mode },
        ),
      ),
  );
  return [...moves, ...people, ...labels, ...clearDue, ...transfers];
}

/** "Due ‹date›": the typed date read by the shell, or a hint to type one. */
function dueEntry(query: string, ctx: PaletteContext): PaletteEntry | null {
  const task = ctx.task;
  if (task === null) return null;
  const text = dueText(query);
  if (text === null) {
    // "due", "du": how to go on.
    const typed = terms(query);
    const asked = typed.length === 1 && "due".startsWith(typed[0] ?? "") && typed[0] !== "d";
    return asked
      ? {
          kind: "hint",
          key: "hint:due",
          title: "Due ‹date›",
          detail: "type when: tomorrow 15:00, fri, +3d, dec 24",
          complete: "Due ",
        }
      : null;
  }
  const reading = ctx.due?.text === text ? ctx.due : null;
  const detail = reading === null ? "…" : "due" in reading ? fullDue(reading.due) : reading.error;
  return {
    kind: "action",
    key: "action:due",
    title: `Due ${text}`,
    detail: `${detail} · “${task.title}”`,
    action: { type: "due", text },
  };
}

/** The boards to open: mine and the shared ones on this computer, then shared ones not yet
 * downloaded (opening one downloads it). The open board is left out. */
export function boardEntries(ctx: PaletteContext): PaletteEntry[] {
  const local: PaletteEntry[] = ctx.boards
    .filter((b) => b.id !== ctx.openBoardId)
    .map((b) => ({
      kind: "board",
      key: `board:${b.id}`,
      title: `Open board ${b.title}`,
      detail: b.role === null ? "Board" : `Shared board · ${b.role}`,
      boardId: b.id,
      shared: false,
    }));
  const remote: PaletteEntry[] = ctx.remoteBoards
    .filter((r) => !r.downloaded && !ctx.boards.some((b) => b.id === r.boardId))
    .map((r) => ({
      kind: "board",
      key: `board:${r.boardId}`,
      title: `Open board ${r.title ?? "Shared board"}`,
      detail: `Shared with me · ${r.role} · downloads it`,
      boardId: r.boardId,
      shared: true,
    }));
  return [...local, ...remote];
}

/** The open board's saved views: "View: ‹name›" applies one. */
export function viewEntries(ctx: PaletteContext): PaletteEntry[] {
  return ctx.views.map((view) => ({
    kind: "view",
    key: `view:${view.id}`,
    title: `View: ${view.name}`,
    detail: describeView(view),
    view,
  }));
}

/** Commands (the palette's own left out), with their group and id to be found by too. */
function commandEntries(ctx: PaletteContext): PaletteEntry[] {
  return ctx.commands
    .filter((c) => c.id !== "view.palette")
    .map((c) => ({
      kind: "command",
      key: `command:${c.id}`,
      title: c.title,
      id: c.id as CommandId,
      keys: c.keys.slice(0, 1),
    }));
}

/** Order among equally good matches: commands, the task's actions, boards, then moving or
 * copying the task to another board (a board's name more likely means opening it). */
function kindOrder(entry: PaletteEntry): number {
  if (entry.kind === "hint") return 0;
  if (entry.kind === "command") return 1;
  if (entry.kind === "action") return entry.action.type === "transfer" ? 4 : 2;
  if (entry.kind === "view") return 2;
  return 3;
}

/**
 * Every entry for `query`, best first: those the query matches well (each term starts a word
 * of the title; commands first among equals), then the tasks the search index found (in its
 * order), then the rest that match at all. A typed due comes first. Empty query: commands,
 * then the actions, then the boards (no tasks).
 */
export function paletteEntries(
  query: string,
  ctx: PaletteContext,
  tasks: readonly SearchHit[],
): PaletteEntry[] {
  const due = dueEntry(query, ctx);
  const local = [
    ...commandEntries(ctx),
    ...viewEntries(ctx),
    ...taskActions(ctx),
    ...boardEntries(ctx),
  ];
  if (terms(query).length === 0) return local;
  const extra = (e: PaletteEntry) => {
    if (e.kind === "command") {
      const spec = ctx.commands.find((c) => c.id === e.id);
      return `${spec?.group ?? ""} ${e.id}`;
    }
    if (e.kind === "action" && e.action.type === "assign") return e.action.email;
    if (e.kind === "view") return e.view.query;
    return e.kind === "board" && e.shared ? "shared" : "";
  };
  const scored = local
    .map((entry, index) => ({ entry, index, match: matchText(query, entry.title, extra(entry)) }))
    .filter((s): s is { entry: PaletteEntry; index: number; match: Match } => s.match !== null)
    .sort(
      (a, b) =>
        b.match.score - a.match.score ||
        kindOrder(a.entry) - kindOrder(b.entry) ||
        a.index - b.index,
    );
  const found: PaletteEntry[] = tasks
    .filter((hit) => !hit.archived)
    .map((hit) => ({
      kind: "task",
      key: `task:${hit.boardId}:${hit.taskId}`,
      title: hit.title,
      detail: `${hit.boardTitle} · ${hit.columnTitle}`,
      hit,
    }));
  return [
    ...(due === null ? [] : [due]),
    ...scored.filter((s) => s.match.strong).map((s) => s.entry),
    ...found,
    ...scored.filter((s) => !s.match.strong).map((s) => s.entry),
  ];
}

/** The edit an action makes; null for the ones made elsewhere: a move (the cursor goes along),
 * a typed due (read first), a transfer to another board. */
export function actionOp(taskId: string, action: TaskAction): BoardOp | null {
  switch (action.type) {
    case "assign":
      return { type: "setTaskAssignee", taskId, userId: action.userId, present: action.present };
    case "label":
      return { type: "setTaskLabel", taskId, labelId: action.labelId, present: action.present };
    case "clearDue":
      return { type: "setDue", taskId, due: null };
    case "move":
    case "due":
    case "transfer":
      return null;
  }
}

/** What the toast says once an action is done (`u` undoes it). */
export function actionSentence(title: string, action: TaskAction, due: string | null): string {
  switch (action.type) {
    case "move":
      return `“${title}” moved to ${action.column}`;
    case "assign":
      return action.present
        ? `${action.name} assigned to “${title}”`
        : `${action.name} unassigned from “${title}”`;
    case "label":
      return action.present
        ? `Label ${action.name} added to “${title}”`
        : `Label ${action.name} removed from “${title}”`;
    case "due":
      return due === null ? `“${title}” has no due date` : `“${title}” due ${fullDue(due)}`;
    case "clearDue":
      return `“${title}” has no due date`;
    case "transfer":
      return "";
  }
}

export interface PaletteDeps {
  commands: readonly CommandSpec[];
  store: Accessor<BoardStore | undefined>;
  boards: Accessor<readonly BoardSummary[]>;
  remoteBoards: Accessor<readonly RemoteBoard[]>;
  /** The task the actions act on (the open panel's, else the cursor's), or null. */
  actedTaskId: Accessor<string | null>;
  readOnlyReason: Accessor<string | null>;
  overlay: Accessor<Overlay>;
  setOverlay: (overlay: Overlay) => void;
  closeOverlay: () => void;
  run: (id: CommandId) => void;
  applyOp: (op: BoardOp) => Promise<string | null>;
  /** Moves a task on the open board, the cursor going along and the new place announced. */
  moveTask: (taskId: string, columnId: string) => Promise<unknown>;
  openBoard: (boardId: string) => Promise<void>;
  openShared: (boardId: string) => Promise<void>;
  transferTo: (boardId: string, mode: TransferMode) => void;
  openHit: (hit: SearchHit) => void;
  views: Accessor<readonly SavedView[]>;
  applyView: (view: SavedView) => void;
  spawn: (action: () => Promise<unknown>) => void;
  notify: (text: string, undo?: boolean) => void;
}

export function createPalette(deps: PaletteDeps) {
  const { store, spawn, notify } = deps;
  const [text, setText] = createSignal("");
  /** The tasks found for `text` (the answer to the latest search only). */
  const [hits, setHits] = createSignal<readonly SearchHit[]>([]);
  const [due, setDue] = createSignal<DueReading | null>(null);
  /** The chosen entry by key (it stays chosen when tasks arrive); null: the first. */
  const [chosenKey, setChosenKey] = createSignal<string | null>(null);
  /** Bumped by every query: answers to an older one are dropped. */
  let ticket = 0;

  const actedTask = createMemo((): ActedTask | null => {
    const s = store();
    const id = deps.actedTaskId();
    if (!s || id === null) return null;
    const task = s.task(id)?.();
    const columnId = s.columnOf(id);
    if (!task || columnId === undefined) return null;
    return { ...task, columnId };
  });

  const context = (): PaletteContext => {
    const s = store();
    return {
      commands: deps.commands,
      openBoardId: s?.id ?? null,
      boards: deps.boards(),
      remoteBoards: deps.remoteBoards(),
      task: actedTask(),
      columns: s ? s.columnIds().map((id) => ({ id, title: s.column(id)?.().title ?? "" })) : [],
      labels: s ? [...s.labels().values()] : [],
      people: s?.people() ?? [],
      due: due(),
      views: s ? deps.views() : [],
    };
  };

  const entries = createMemo(() => paletteEntries(text(), context(), hits()));
  const selected = createMemo(() => {
    const key = chosenKey();
    const at = key === null ? -1 : entries().findIndex((e) => e.key === key);
    return Math.max(0, at);
  });

  /** Why an entry cannot run now (a viewer's edits), or null. */
  function disabledReason(entry: PaletteEntry): string | null {
    if (entry.kind === "command") return null;
    if (entry.kind === "action") {
      if (entry.action.type === "due") {
        const reading = due();
        if (reading?.text === entry.action.text && "error" in reading) return reading.error;
      }
      return deps.readOnlyReason();
    }
    return null;
  }

  async function readDue(typed: string): Promise<DueReading> {
    const known = due();
    if (known?.text === typed) return known;
    try {
      return { text: typed, due: await ipc.readDue(typed) };
    } catch (error) {
      return { text: typed, error: ipc.errorMessage(error) };
    }
  }

  async function lookUp(query: string) {
    const asked = ++ticket;
    const typedDue = deps.store() ? dueText(query) : null;
    if (query.trim() === "") {
      setHits([]);
      return;
    }
    const [found, reading] = await Promise.all([
      ipc.search(query, false, PALETTE_TASK_LIMIT),
      typedDue === null ? Promise.resolve(null) : readDue(typedDue),
    ]);
    if (asked !== ticket) return;
    batch(() => {
      setHits(found.hits);
      if (reading !== null) setDue(reading);
    });
  }

  /** What was typed: entries at once, tasks (and a due's reading) when the shell answers. */
  function setQuery(query: string) {
    batch(() => {
      setText(query);
      setChosenKey(null);
    });
    spawn(() => lookUp(query));
  }

  async function act(taskId: string, title: string, action: TaskAction) {
    if (action.type === "transfer") {
      deps.transferTo(action.boardId, action.mode);
      return;
    }
    if (action.type === "move") {
      await deps.moveTask(taskId, action.columnId);
      notify(actionSentence(title, action, null), true);
      return;
    }
    if (action.type === "due") {
      const reading = await readDue(action.text);
      if ("error" in reading) {
        notify(reading.error);
        return;
      }
      await deps.applyOp({ type: "setDue", taskId, due: reading.due });
      notify(actionSentence(title, action, reading.due), true);
      return;
    }
    const op = actionOp(taskId, action);
    if (op === null) return;
    await deps.applyOp(op);
    notify(actionSentence(title, action, null), true);
  }

  /** Runs the chosen entry (or `entry`): the palette closes first, except for a hint. */
  function choose(entry: PaletteEntry | undefined = entries()[selected()]) {
    if (entry === undefined) return;
    if (entry.kind === "hint") {
      setQuery(entry.complete);
      return;
    }
    if (entry.kind === "task") {
      deps.openHit(entry.hit);
      return;
    }
    if (entry.kind === "action" && entry.action.type === "due") {
      // A date the shell could not read: the entry says why; the text stays to be fixed.
      const reading = due();
      if (reading?.text === entry.action.text && "error" in reading) return;
    }
    deps.closeOverlay();
    // A disabled command still runs: it says why it cannot act instead.
    if (entry.kind === "command") deps.run(entry.id);
    else if (entry.kind === "view") deps.applyView(entry.view);
    else if (entry.kind === "board") {
      const boardId = entry.boardId;
      spawn(() => (entry.shared ? deps.openShared(boardId) : deps.openBoard(boardId)));
    } else {
      const reason = disabledReason(entry);
      const task = actedTask();
      if (reason !== null) notify(reason);
      else if (task !== null) {
        const { id, title } = task;
        spawn(() => act(id, title, entry.action));
      }
    }
  }

  const commands = {
    "view.palette": () => {
      if (deps.overlay() === "palette") {
        deps.closeOverlay();
        return;
      }
      ticket++;
      batch(() => {
        setText("");
        setHits([]);
        setDue(null);
        setChosenKey(null);
        deps.setOverlay("palette");
      });
    },
  } satisfies Partial<Record<CommandId, CommandHandler>>;

  return {
    commands,
    text,
    setQuery,
    entries,
    selected,
    select: (index: number) => setChosenKey(entries()[index]?.key ?? null),
    choose,
    disabledReason,
    actedTask,
  };
}
