// Builders shared by the unit tests (never imported by the app, so never bundled).

import type { TaskView } from "../ipc/types";

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
  };
}
