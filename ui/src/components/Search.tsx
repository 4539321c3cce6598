// Search across every board (Ctrl/Cmd-P, `g /`) and My tasks (`g m`): keyboard-driven lists
// whose Enter shows the task on its board. The state and the calls are in app/search.ts.

import { createEffect, For, onMount, Show, type JSX } from "solid-js";
import { app } from "../app/app";
import { describeDue, dueLabel, dueStatus, now } from "../app/due";
import { isMac } from "../app/keys";
import { erroneousText, groupMyTasks, placeOf } from "../app/search";
import { describeKeys } from "../commands/registry";
import type { TextPart } from "../ipc";
import { moveSelection } from "./Dialogs";

/** Text with the words the query matched marked. */
function Marked(props: { parts: readonly TextPart[] }): JSX.Element {
  return (
    <For each={props.parts}>{(part) => (part.hit ? <mark>{part.text}</mark> : part.text)}</For>
  );
}

function Due(props: { due: string | null }): JSX.Element {
  return (
    <Show when={props.due}>
      {(due) => (
        <span
          class="result-due"
          data-status={dueStatus(due(), now())}
          title={dueLabel(due(), now())}
          aria-label={dueLabel(due(), now())}
        >
          {describeDue(due(), now())}
        </span>
      )}
    </Show>
  );
}

/** Keeps the chosen row in view as the selection moves. */
function scrollChosen(list: HTMLElement | undefined) {
  const chosen: Partial<Pick<Element, "scrollIntoView">> | null | undefined =
    list?.querySelector('[aria-selected="true"]');
  // Not every DOM has it (jsdom does not).
  chosen?.scrollIntoView?.({ block: "nearest" });
}

/**
 * Search every board: type (the filter grammar: words, `label:`, `@me`, `is:overdue`, …),
 * Up/Down or Ctrl-N/Ctrl-P choose, Enter shows the task on its board, Alt-A includes archived
 * tasks, Esc closes. What the query cannot read is said under the field.
 */
export function SearchDialog(): JSX.Element {
  const search = app.search;
  let input: HTMLInputElement | undefined;
  let list: HTMLUListElement | undefined;
  onMount(() => input?.focus());
  const hits = () => search.results()?.hits ?? [];
  const errors = () => search.results()?.errors ?? [];
  createEffect(() => {
    search.selected();
    scrollChosen(list);
  });

  const onKeyDown = (e: KeyboardEvent) => {
    if (moveSelection(e, hits().length, (f) => search.setSelected((i) => Math.max(0, f(i))))) {
      return;
    }
    if (e.key === "Enter") {
      e.preventDefault();
      search.openHit();
    } else if (e.altKey && (e.key === "a" || e.code === "KeyA")) {
      e.preventDefault();
      search.toggleArchived();
    }
  };

  return (
    <div class="scrim" onClick={(e) => e.target === e.currentTarget && app.closeOverlay()}>
      <div class="palette search" role="dialog" aria-modal="true" aria-label="Search every board">
        <input
          ref={input}
          type="search"
          role="combobox"
          aria-expanded="true"
          aria-controls="search-list"
          aria-activedescendant={hits().length > 0 ? `search-${search.selected()}` : undefined}
          aria-label="Search every board"
          aria-invalid={errors().length > 0 ? "true" : undefined}
          aria-describedby="search-problems"
          placeholder="Search every board… (label:bug, @me, is:overdue, due:<7d)"
          value={search.text()}
          onInput={(e) => search.setQuery(e.currentTarget.value)}
          onKeyDown={onKeyDown}
        />
        <div class="search-options muted small">
          <label>
            <input
              type="checkbox"
              tabindex="-1"
              checked={search.includeArchived()}
              onChange={() => search.toggleArchived()}
            />{" "}
            Archived too <kbd>{isMac ? "⌥A" : "Alt A"}</kbd>
          </label>
          <span>
            <kbd>↑</kbd> <kbd>↓</kbd> choose, <kbd>Enter</kbd> opens, <kbd>Esc</kbd> closes
          </span>
        </div>
        <ul id="search-problems" class="search-problems" aria-live="polite">
          <For each={errors()}>
            {(error) => (
              <li class="error">
                <code>{erroneousText(search.text(), error.start, error.end)}</code>: {error.message}{" "}
                (left out)
              </li>
            )}
          </For>
        </ul>
        <ul ref={list} id="search-list" role="listbox" aria-label="Tasks found">
          <For each={hits()}>
            {(hit, i) => (
              <li
                id={`search-${i()}`}
                role="option"
                aria-selected={i() === search.selected()}
                data-task-id={hit.taskId}
                data-board-id={hit.boardId}
                onMouseMove={() => search.setSelected(i())}
                onClick={() => search.openHit(hit)}
              >
                <span class="result-text">
                  <span class="result-title">
                    <Marked parts={hit.titleParts} />
                    <Show when={hit.archived}>
                      <span class="result-badge"> Archived</span>
                    </Show>
                  </span>
                  <Show when={hit.snippet.length > 0}>
                    <span class="result-snippet muted small">
                      <Marked parts={hit.snippet} />
                    </span>
                  </Show>
                </span>
                <span class="result-place muted small">
                  <Due due={hit.due} />
                  {placeOf(hit)}
                </span>
              </li>
            )}
          </For>
          <Show when={search.results() === null}>
            <li class="muted">
              Type to search the tasks of every board on this computer.{" "}
              <kbd>{describeKeys("Mod+p", isMac)}</kbd> or <kbd>g /</kbd> opens this anywhere.
            </li>
          </Show>
          <Show when={search.results() !== null && hits().length === 0}>
            <li class="muted">
              No task matches{search.includeArchived() ? "" : " (archived ones: Alt A)"}.
            </li>
          </Show>
        </ul>
      </div>
    </div>
  );
}

/**
 * My tasks: every task assigned to me on every board, grouped overdue / today / this week /
 * later / no date, soonest first. j/k or arrows choose, Enter shows it on its board, Esc closes.
 */
export function MyTasksDialog(): JSX.Element {
  const search = app.search;
  let list: HTMLUListElement | undefined;
  onMount(() => list?.focus());
  const tasks = () => search.mine() ?? [];
  const index = (taskId: string, boardId: string) =>
    tasks().findIndex((t) => t.taskId === taskId && t.boardId === boardId);
  createEffect(() => {
    search.mineSelected();
    scrollChosen(list);
  });

  const onKeyDown = (e: KeyboardEvent) => {
    const keys: Record<string, () => void> = {
      ArrowDown: () => search.moveMineSelection(1),
      j: () => search.moveMineSelection(1),
      ArrowUp: () => search.moveMineSelection(-1),
      k: () => search.moveMineSelection(-1),
      Home: () => search.setMineSelected(0),
      End: () => search.setMineSelected(Math.max(0, tasks().length - 1)),
      Enter: () => search.openMine(),
    };
    const action = e.ctrlKey || e.metaKey || e.altKey ? undefined : keys[e.key];
    if (action === undefined) return;
    e.preventDefault();
    action();
  };

  const chosen = () => tasks()[search.mineSelected()];

  return (
    <div class="scrim" onClick={(e) => e.target === e.currentTarget && app.closeOverlay()}>
      <div class="archive my-tasks" role="dialog" aria-modal="true" aria-labelledby="mine-title">
        <h2 id="mine-title">My tasks</h2>
        <p class="muted small">
          Assigned to me on every board, soonest first. <kbd>j</kbd> <kbd>k</kbd> choose,{" "}
          <kbd>Enter</kbd> opens on its board, <kbd>Esc</kbd> closes.
        </p>
        <ul
          ref={list}
          role="listbox"
          aria-label="My tasks"
          tabindex="0"
          aria-activedescendant={
            chosen() ? `mine-${chosen()?.boardId ?? ""}-${chosen()?.taskId ?? ""}` : undefined
          }
          aria-busy={search.mine() === null ? "true" : undefined}
          onKeyDown={onKeyDown}
        >
          <For each={groupMyTasks(tasks())}>
            {(group) => (
              <>
                <li class="group-heading" role="presentation" data-group={group.group}>
                  {group.title} ({group.tasks.length})
                </li>
                <For each={group.tasks}>
                  {(task) => (
                    <li
                      id={`mine-${task.boardId}-${task.taskId}`}
                      role="option"
                      aria-selected={chosen() === task}
                      data-task-id={task.taskId}
                      data-board-id={task.boardId}
                      onMouseMove={() => search.setMineSelected(index(task.taskId, task.boardId))}
                      onClick={() => search.openMine(task)}
                    >
                      <span class="archive-text">
                        <span class="archive-title">{task.title}</span>
                        <span class="muted small">{placeOf(task)}</span>
                      </span>
                      <Due due={task.due} />
                    </li>
                  )}
                </For>
              </>
            )}
          </For>
          <Show when={search.mine()?.length === 0}>
            <li class="muted">No task is assigned to you on any board.</li>
          </Show>
        </ul>
      </div>
    </div>
  );
}
