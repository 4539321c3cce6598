// Filter and search (`/`): every whitespace-separated term must appear in the title, a label
// name or the description, case-insensitively.

import { createMemo, createSignal } from "solid-js";
import type { LabelView, TaskView } from "../ipc/types";

export function parseQuery(query: string): string[] {
  return query
    .toLowerCase()
    .split(/\s+/)
    .filter((term) => term !== "");
}

export function matchesQuery(
  task: TaskView,
  terms: readonly string[],
  labels: ReadonlyMap<string, LabelView>,
): boolean {
  if (terms.length === 0) return true;
  const haystack = [
    task.title,
    task.description,
    ...task.labels.map((id) => labels.get(id)?.name ?? ""),
    ...task.assignees,
  ]
    .join("\n")
    .toLowerCase();
  return terms.every((term) => haystack.includes(term.replace(/^#/, "")));
}

/** The filter bar's state: whether it is open and what it narrows the board to. */
export function createFilter() {
  const [filterOpen, setFilterOpen] = createSignal(false);
  const [query, setQuery] = createSignal("");
  const terms = createMemo(() => parseQuery(query()));

  return {
    filterOpen,
    setFilterOpen,
    query,
    setQuery,
    terms,
    /** Whether the filter is open or still narrows the board (Esc clears it then). */
    active: () => filterOpen() || query() !== "",
    clear() {
      setFilterOpen(false);
      setQuery("");
    },
  };
}
