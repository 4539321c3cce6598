// Filter and search (`/`): every whitespace-separated term must appear in the title, a label
// name or the description, case-insensitively.

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
