// Builders shared by the unit tests (never imported by the app, so never bundled).

import type { TaskView } from "../ipc/types";

/** Lets the backend's answers and events (each a `setTimeout(0)` away in a replay) arrive. */
export async function settle() {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setTimeout(resolve, 0));
}

/** A plain live task in `column` at `rank`, titled by its id unless told otherwise. */
export function task(id: string, column: string, rank: string, title = id): TaskView {
  return {
    id,
    title,
    column,
    rank,
    description: "",
    labels: [],
    assignees: [],
    due: null,
    checklist: [],
    createdAt: 0,
    updatedAt: 0,
    createdBy: "local",
    archived: false,
    commentCount: 0,
    commentStamp: 0,
    attachmentCount: 0,
  };
}
