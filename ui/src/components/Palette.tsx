// The palette (Ctrl/Cmd-K, `:`): a combobox over commands, actions on the task under the
// cursor, boards and the tasks of every board. Up/Down or Ctrl-N/Ctrl-P choose, Enter runs,
// Esc closes. The entries and what they do are in app/palette.ts.

import { createEffect, For, onMount, Show, type JSX } from "solid-js";
import { app } from "../app/app";
import type { PaletteEntry } from "../app/palette";
import type { TextPart } from "../ipc";
import { Keys, moveSelection } from "./Dialogs";

const KIND_NAMES: Record<PaletteEntry["kind"], string> = {
  command: "Command",
  action: "Action",
  board: "Board",
  task: "Task",
  hint: "Action",
  view: "View",
};

/** Text with the words the search matched marked. */
function Marked(props: { parts: readonly TextPart[] }): JSX.Element {
  return (
    <For each={props.parts}>{(part) => (part.hit ? <mark>{part.text}</mark> : part.text)}</For>
  );
}

export function Palette(): JSX.Element {
  const palette = app.palette;
  let input: HTMLInputElement | undefined;
  let list: HTMLUListElement | undefined;
  onMount(() => input?.focus());
  createEffect(() => {
    palette.selected();
    palette.entries();
    const chosen: Partial<Pick<Element, "scrollIntoView">> | null | undefined =
      list?.querySelector('[aria-selected="true"]');
    // Not every DOM has it (happy-dom does not).
    chosen?.scrollIntoView?.({ block: "nearest" });
  });

  const disabled = (entry: PaletteEntry): string | null =>
    entry.kind === "command" ? app.disabledReason(entry.id) : palette.disabledReason(entry);

  return (
    <div class="scrim" onClick={(e) => e.target === e.currentTarget && app.closeOverlay()}>
      <div class="palette" role="dialog" aria-modal="true" aria-label="Command palette">
        <input
          ref={input}
          role="combobox"
          aria-expanded="true"
          aria-autocomplete="list"
          aria-controls="palette-list"
          aria-activedescendant={
            palette.entries().length > 0 ? `palette-${palette.selected()}` : undefined
          }
          aria-label="Command"
          aria-describedby="palette-hint"
          placeholder="Type a command, a task, a board, or Move to…, Assign…, Label…, Due…"
          value={palette.text()}
          onInput={(e) => palette.setQuery(e.currentTarget.value)}
          onKeyDown={(e) => {
            if (
              moveSelection(e, palette.entries().length, (f) =>
                palette.select(f(palette.selected())),
              )
            ) {
              return;
            }
            if (e.key === "Enter") {
              e.preventDefault();
              palette.choose();
            }
          }}
        />
        <p id="palette-hint" class="palette-hint muted small">
          <Show when={palette.actedTask()} fallback="No task under the cursor: actions need one.">
            {(task) => <>Actions act on “{task().title}”.</>}
          </Show>{" "}
          <kbd>↑</kbd> <kbd>↓</kbd> choose, <kbd>Enter</kbd> runs, <kbd>Esc</kbd> closes
        </p>
        <ul ref={list} id="palette-list" role="listbox" aria-label="Commands, tasks and boards">
          <For each={palette.entries()}>
            {(entry, i) => (
              <li
                id={`palette-${i()}`}
                role="option"
                aria-selected={i() === palette.selected()}
                aria-disabled={disabled(entry) !== null ? "true" : undefined}
                title={disabled(entry) ?? undefined}
                data-kind={entry.kind}
                data-command-id={entry.kind === "command" ? entry.id : undefined}
                data-board-id={
                  entry.kind === "board"
                    ? entry.boardId
                    : entry.kind === "task"
                      ? entry.hit.boardId
                      : undefined
                }
                data-task-id={entry.kind === "task" ? entry.hit.taskId : undefined}
                onMouseMove={() => palette.select(i())}
                onClick={() => palette.choose(entry)}
              >
                <span class="result-text">
                  <span class="result-title">
                    {entry.kind === "task" ? <Marked parts={entry.hit.titleParts} /> : entry.title}
                    <Show when={entry.kind === "command" && disabled(entry)}>
                      {(reason) => <span class="disabled-reason"> — {reason()}</span>}
                    </Show>
                  </span>
                  <Show when={entry.kind !== "command" ? entry.detail : ""}>
                    {(detail) => (
                      <span
                        class="result-snippet muted small"
                        classList={{ error: entry.kind === "action" && disabled(entry) !== null }}
                      >
                        {detail()}
                      </span>
                    )}
                  </Show>
                </span>
                <Show
                  when={entry.kind === "command" ? entry.keys : null}
                  fallback={<span class="result-place muted small">{KIND_NAMES[entry.kind]}</span>}
                >
                  {(keys) => <Keys keys={keys()} />}
                </Show>
              </li>
            )}
          </For>
          <Show when={palette.entries().length === 0}>
            <li class="muted">Nothing matches.</li>
          </Show>
        </ul>
      </div>
    </div>
  );
}
