// Search across every board (Ctrl/Cmd-P, `g /`) and My tasks (`g m`): both answered by the
// store's task index in the shell (the filter grammar, ranked, matched words marked; my tasks
// grouped by when they are due). Choosing a result shows its board with the cursor on the card
// and the card's details open.

import { batch, createSignal, type Accessor } from "solid-js";
import * as ipc from "../ipc";
import type { DueGroup, MyTask, SearchHit, SearchResults } from "../ipc";
import type { CommandHandler, CommandId } from "../commands/registry";
import type { BoardStore } from "../model/store";
import type { Overlay } from "./dialogs";

/** The most results one search shows. */
export const SEARCH_LIMIT = 50;

export interface SearchDeps {
  store: Accessor<BoardStore | undefined>;
  overlay: Accessor<Overlay>;
  setOverlay: (overlay: Overlay) => void;
  closeOverlay: () => void;
  openBoard: (boardId: string, options?: { whole?: boolean }) => Promise<void>;
  focusTask: (columnId: string, taskId: string) => void;
  openDetail: (taskId: string) => void;
  /** Clears the board's own filter (it could hide the card shown). */
  clearFilter: () => void;
  /** Shows the open board's archive view. */
  showArchive: () => void;
  spawn: (action: () => Promise<unknown>) => void;
  notify: (text: string) => void;
}

/** Where a task is, as a result row says it: "Product launch · Doing". */
export function placeOf(task: { boardTitle: string; columnTitle: string }): string {
  return `${task.boardTitle} · ${task.columnTitle}`;
}

/** The text a query error points at (its offsets are UTF-8 bytes, as the shell counts). */
export function erroneousText(query: string, start: number, end: number): string {
  const bytes = new TextEncoder().encode(query);
  return new TextDecoder().decode(bytes.slice(start, end));
}

export const DUE_GROUP_TITLES: Record<DueGroup, string> = {
  overdue: "Overdue",
  today: "Today",
  thisWeek: "This week",
  later: "Later",
  noDate: "No date",
};

/** My tasks in their groups, in the order the shell gave them (grouped, soonest first). */
export function groupMyTasks(
  tasks: readonly MyTask[],
): { group: DueGroup; title: string; tasks: MyTask[] }[] {
  const groups: { group: DueGroup; title: string; tasks: MyTask[] }[] = [];
  for (const task of tasks) {
    const last = groups[groups.length - 1];
    if (last?.group === task.group) last.tasks.push(task);
    else groups.push({ group: task.group, title: DUE_GROUP_TITLES[task.group], tasks: [task] });
  }
  return groups;
}

/** A task to show on its board. */
interface Target {
  boardId: string;
  boardTitle: string;
  columnId: string;
  taskId: string;
  title: string;
  archived: boolean;
}

export function createSearch(deps: SearchDeps) {
  const { spawn, notify } = deps;
  const [text, setText] = createSignal("");
  const [includeArchived, setIncludeArchived] = createSignal(false);
  /** The answer to the text typed last; null before one (or for an empty query). */
  const [results, setResults] = createSignal<SearchResults | null>(null);
  const [selected, setSelected] = createSignal(0);
  /** My tasks while the view is open; null while loading. */
  const [mine, setMine] = createSignal<readonly MyTask[] | null>(null);
  const [mineSelected, setMineSelected] = createSignal(0);

  /** Bumped by every search: an answer overtaken by a later query is dropped. */
  let ticket = 0;

  async function runSearch() {
    const query = text();
    const archived = includeArchived();
    const asked = ++ticket;
    if (query.trim() === "") {
      batch(() => {
        setResults(null);
        setSelected(0);
      });
      return;
    }
    const found = await ipc.search(query, archived, SEARCH_LIMIT);
    if (asked !== ticket) return;
    batch(() => {
      setResults(found);
      setSelected(0);
    });
  }

  /** What was typed into the search field: searched at once (the index answers in ms). */
  function setQuery(query: string) {
    setText(query);
    spawn(runSearch);
  }

  /** Archived tasks in the results too, or not (`is:archived` in the query asks as well). */
  function toggleArchived() {
    setIncludeArchived((on) => !on);
    spawn(runSearch);
  }

  function moveSelection(by: number) {
    const count = results()?.hits.length ?? 0;
    setSelected((i) => Math.max(0, Math.min(i + by, count - 1)));
  }

  function moveMineSelection(by: number) {
    const count = mine()?.length ?? 0;
    setMineSelected((i) => Math.max(0, Math.min(i + by, count - 1)));
  }

  /** Shows the task on its board: the board opened, the cursor on the card, its details open. */
  async function show(target: Target) {
    deps.closeOverlay();
    await deps.openBoard(target.boardId, { whole: true });
    const s = deps.store();
    if (s?.id !== target.boardId) return;
    if (target.archived) {
      deps.showArchive();
      notify(`“${target.title}” is archived: Enter in the archive restores it`);
      return;
    }
    // Where the board shows it now (the index may be a moment behind a teammate's move).
    const columnId = s.columnOf(target.taskId);
    if (columnId === undefined) {
      notify(`“${target.title}” is no longer on “${target.boardTitle}”`);
      return;
    }
    batch(() => {
      deps.clearFilter();
      deps.focusTask(columnId, target.taskId);
      deps.openDetail(target.taskId);
    });
  }

  function openHit(hit: SearchHit | undefined = results()?.hits[selected()]) {
    if (hit === undefined) return;
    spawn(() => show(hit));
  }

  function openMine(task: MyTask | undefined = mine()?.[mineSelected()]) {
    if (task === undefined) return;
    spawn(() => show({ ...task, archived: false }));
  }

  async function loadMine() {
    const tasks = await ipc.myTasks();
    if (deps.overlay() !== "mytasks") return;
    batch(() => {
      setMine(tasks);
      setMineSelected((i) => Math.max(0, Math.min(i, tasks.length - 1)));
    });
  }

  const commands = {
    "view.search": () => {
      if (deps.overlay() === "search") {
        deps.closeOverlay();
        return;
      }
      ticket++;
      // A new search: empty, archived tasks left out until asked for again.
      batch(() => {
        setText("");
        setIncludeArchived(false);
        setResults(null);
        setSelected(0);
        deps.setOverlay("search");
      });
    },
    "view.my_tasks": () => {
      if (deps.overlay() === "mytasks") {
        deps.closeOverlay();
        return;
      }
      batch(() => {
        setMine(null);
        setMineSelected(0);
        deps.setOverlay("mytasks");
      });
      spawn(loadMine);
    },
  } satisfies Partial<Record<CommandId, CommandHandler>>;

  return {
    commands,
    text,
    setQuery,
    includeArchived,
    toggleArchived,
    results,
    selected,
    setSelected,
    moveSelection,
    openHit,
    mine,
    mineSelected,
    setMineSelected,
    moveMineSelection,
    openMine,
  };
}
