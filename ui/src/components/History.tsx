// A task's history in its panel (DESIGN "History"): who changed what, when, newest first —
// the relay's, named after each author, on a shared board; this computer's own otherwise —
// and a Restore on each change whose value can come back (one undoable edit).

import { createSignal, For, Show, type JSX } from "solid-js";
import { app } from "../app/app";
import * as ipc from "../ipc";
import type { HistoryEntry, TaskHistoryView } from "../ipc";
import { relativeTime } from "./Comments";

/** What a change did, in words: "renamed it to", "moved it to", … */
export function changeWords(entry: HistoryEntry): string {
  switch (entry.field) {
    case "created":
      return `created it as ${entry.shown}`;
    case "title":
      return `renamed it to ${entry.shown}`;
    case "column":
      return `moved it to ${entry.shown}`;
    case "description":
      return `changed the description to ${entry.shown}`;
    case "labels":
      return `set the labels to ${entry.shown}`;
    case "assignees":
      return `set the assignees to ${entry.shown}`;
    case "due":
      return entry.shown === "none" ? "removed the due date" : `set the due to ${entry.shown}`;
    case "checklist":
      return `changed the checklist (${entry.shown})`;
    case "archived":
      return entry.shown === "true" ? "archived it" : "brought it back from the archive";
    case "deleted":
      return "deleted it";
    case "comment":
      return entry.shown;
    default:
      return `changed ${entry.field} to ${entry.shown}`;
  }
}

export function History(props: { boardId: string; taskId: string }): JSX.Element {
  const [view, setView] = createSignal<TaskHistoryView | null>(null);
  const [error, setError] = createSignal<string | null>(null);

  async function load() {
    try {
      setView(await ipc.taskHistory(props.boardId, props.taskId));
      setError(null);
    } catch (err) {
      setError(ipc.errorMessage(err));
    }
  }

  async function restore(entry: HistoryEntry) {
    try {
      await ipc.restoreChange(props.boardId, props.taskId, entry.id);
      await load();
    } catch (err) {
      setError(ipc.errorMessage(err));
    }
  }

  return (
    <section class="field history" aria-label="History">
      <div class="field-label">History</div>
      <Show
        when={view()}
        fallback={
          <button type="button" class="link-button" onClick={() => app.spawn(load)}>
            Show who changed what
          </button>
        }
      >
        {(v) => (
          <>
            <Show when={v().note}>{(note) => <p class="meta">{note()}</p>}</Show>
            <Show when={v().entries.length === 0}>
              <p class="meta">No changes recorded yet.</p>
            </Show>
            <ol class="history-list">
              <For each={v().entries}>
                {(entry) => (
                  <li class="history-entry" data-change-id={entry.id}>
                    <span>
                      <strong>{entry.authorName}</strong> {changeWords(entry)}
                    </span>{" "}
                    <time class="meta" datetime={new Date(entry.at).toISOString()}>
                      {relativeTime(entry.at, Date.now())}
                      {entry.synced ? "" : " · not synced yet"}
                    </time>
                    <Show when={entry.restorable}>
                      <button
                        type="button"
                        class="link-button"
                        aria-label={`Restore: ${changeWords(entry)}`}
                        onClick={() => app.spawn(() => restore(entry))}
                      >
                        Restore
                      </button>
                    </Show>
                  </li>
                )}
              </For>
            </ol>
          </>
        )}
      </Show>
      <Show when={error()}>{(e) => <p class="meta invalid">{e()}</p>}</Show>
    </section>
  );
}
