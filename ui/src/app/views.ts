// Saved views (DESIGN §1 root `views`): a named filter + sort (+ grouping) kept in the board
// document, so everyone on the board shares them. `v` opens the picker (Enter applies a view,
// `s` saves what is shown as one, `r` renames, Delete deletes), the palette lists "View: ‹name›".
// Saving, renaming and deleting are one document edit each, synced like any other (not undo
// steps). Applying a view only changes what this window shows.

import { batch, createSignal, type Accessor } from "solid-js";
import * as ipc from "../ipc";
import type { SavedView } from "../ipc";
import type { CommandHandler, CommandId } from "../commands/registry";
import type { BoardStore } from "../model/store";
import type { Overlay, PromptRequest } from "./dialogs";
import { isGrouping, type Grouping } from "./lanes";
import { isSortKey, SORT_TITLES, type SortKey } from "./view";

/** How a view reads under its name: "label:bug @me · sorted by due date". */
export function describeView(view: Pick<SavedView, "query" | "sort" | "groupBy">): string {
  const parts = [view.query.trim() === "" ? "every task" : view.query.trim()];
  if (view.sort !== "rank") {
    parts.push(`sorted by ${isSortKey(view.sort) ? SORT_TITLES[view.sort] : view.sort}`);
  }
  if (view.groupBy !== null) parts.push(`lanes by ${view.groupBy}`);
  return parts.join(" · ");
}

export interface ViewsDeps {
  store: Accessor<BoardStore | undefined>;
  /** What the board shows now: the filter typed, and the sort. */
  query: Accessor<string>;
  sortedBy: Accessor<SortKey>;
  /** Shows the board through `query` (the filter field closed). */
  applyQuery: (query: string) => void;
  setSort: (boardId: string, sort: SortKey) => void;
  /** How the board is cut into swimlanes now, and cutting it. */
  groupedBy: Accessor<Grouping>;
  setGrouping: (boardId: string, grouping: Grouping) => void;
  overlay: Accessor<Overlay>;
  setOverlay: (overlay: Overlay) => void;
  closeOverlay: () => void;
  ask: (request: PromptRequest) => void;
  spawn: (action: () => Promise<unknown>) => void;
  notify: (text: string) => void;
}

export function createViews(deps: ViewsDeps) {
  const { store, spawn, notify } = deps;
  /** The open board's views, by name (from `open_board`, then each change's answer). */
  const [views, setViews] = createSignal<readonly SavedView[]>([]);
  /** The view last applied, while the board still shows it. */
  const [applied, setApplied] = createSignal<SavedView | null>(null);

  /** The view applied, if what is shown is still exactly it. */
  const current = () => {
    const view = applied();
    if (view === null) return null;
    return view.query.trim() === deps.query().trim() &&
      view.sort === deps.sortedBy() &&
      (view.groupBy ?? "none") === deps.groupedBy()
      ? view
      : null;
  };

  /** Reads the board's views again (a teammate may have saved one). */
  async function load() {
    const s = store();
    if (!s) return;
    const found = await ipc.listViews(s.id);
    if (store()?.id === s.id) setViews(found);
  }

  /** Shows the board as `view` says: its filter, its sort and its lanes. */
  function apply(view: SavedView) {
    const s = store();
    if (!s) return;
    batch(() => {
      deps.applyQuery(view.query);
      // A sort a newer client wrote is left alone: the board keeps the one shown.
      if (isSortKey(view.sort)) deps.setSort(s.id, view.sort);
      const grouping = view.groupBy ?? "none";
      if (isGrouping(grouping)) deps.setGrouping(s.id, grouping);
      setApplied(view);
    });
    notify(`View “${view.name}”: ${describeView(view)}`);
  }

  /** Saves what the board shows as a view, named in a prompt (the applied view's name first). */
  function saveShown() {
    const s = store();
    if (!s) return;
    const query = deps.query().trim();
    const sort = deps.sortedBy();
    const grouping = deps.groupedBy();
    deps.ask({
      title: "Save view",
      label: "View name",
      initial: current()?.name ?? applied()?.name ?? "",
      submit: async (name) => {
        const groupBy = grouping === "none" ? null : grouping;
        const saved = await ipc.saveView(s.id, name, query, sort, groupBy);
        if (store()?.id !== s.id) return;
        const view = saved.find((v) => v.name.toLowerCase() === name.trim().toLowerCase());
        batch(() => {
          setViews(saved);
          if (view) setApplied(view);
        });
        notify(`Saved view “${name.trim()}”: everyone on the board sees it`);
      },
    });
  }

  function rename(view: SavedView) {
    const s = store();
    if (!s) return;
    deps.ask({
      title: "Rename view",
      label: "View name",
      initial: view.name,
      submit: async (name) => {
        const renamed = await ipc.renameView(s.id, view.id, name);
        if (store()?.id === s.id) setViews(renamed);
      },
    });
  }

  async function remove(view: SavedView) {
    const s = store();
    if (!s) return;
    const left = await ipc.deleteView(s.id, view.id);
    if (store()?.id !== s.id) return;
    batch(() => {
      setViews(left);
      if (applied()?.id === view.id) setApplied(null);
    });
    notify(`Deleted view “${view.name}”`);
  }

  const commands = {
    "view.views": () => {
      if (deps.overlay() === "views") {
        deps.closeOverlay();
        return;
      }
      deps.setOverlay("views");
      spawn(load);
    },
    "view.save_view": () => saveShown(),
  } satisfies Partial<Record<CommandId, CommandHandler>>;

  return {
    views,
    current,
    /** A board was opened: its views, none applied. */
    opened(list: readonly SavedView[]) {
      batch(() => {
        setViews(list);
        setApplied(null);
      });
    },
    apply,
    saveShown,
    rename,
    remove: (view: SavedView) => spawn(() => remove(view)),
    commands,
  };
}
