// The saved-view picker (`v`): the board's views, shared with everyone on it. Arrows or j/k
// choose, Enter shows the board as the view says, `s` saves what is shown as a view, `r`
// renames, Delete (twice) deletes; Esc closes. What views do is in app/views.ts.

import { createSignal, For, onMount, Show, type JSX } from "solid-js";
import { app } from "../app/app";
import { describeView } from "../app/views";
import type { SavedView } from "../ipc";

export function ViewPicker(): JSX.Element {
  const views = app.views;
  const [selected, setSelected] = createSignal(0);
  /** The view Delete was pressed on once: a second Delete deletes it. */
  const [deleting, setDeleting] = createSignal<string | null>(null);
  let list: HTMLUListElement | undefined;
  onMount(() => list?.focus());

  const chosen = (): SavedView | undefined =>
    views.views()[Math.min(selected(), views.views().length - 1)];
  const apply = (view = chosen()) => {
    if (view === undefined) return;
    app.closeOverlay();
    views.apply(view);
  };
  const remove = () => {
    const view = chosen();
    if (view === undefined) return;
    if (deleting() !== view.id) {
      setDeleting(view.id);
      return;
    }
    setDeleting(null);
    views.remove(view);
    setSelected((i) => Math.max(0, Math.min(i, views.views().length - 2)));
  };

  const onKeyDown = (e: KeyboardEvent) => {
    const down = () => setSelected((i) => Math.min(i + 1, views.views().length - 1));
    const up = () => setSelected((i) => Math.max(i - 1, 0));
    const keys: Record<string, () => void> = {
      ArrowDown: down,
      j: down,
      ArrowUp: up,
      k: up,
      Home: () => setSelected(0),
      End: () => setSelected(Math.max(0, views.views().length - 1)),
      Enter: () => apply(),
      s: () => views.saveShown(),
      r: () => {
        const view = chosen();
        if (view !== undefined) views.rename(view);
      },
      Delete: remove,
      Backspace: remove,
    };
    const action = e.ctrlKey || e.metaKey || e.altKey ? undefined : keys[e.key];
    if (action === undefined) return;
    e.preventDefault();
    if (e.key !== "Delete" && e.key !== "Backspace") setDeleting(null);
    action();
  };

  return (
    <div class="scrim" onClick={(e) => e.target === e.currentTarget && app.closeOverlay()}>
      <div class="archive views" role="dialog" aria-modal="true" aria-labelledby="views-title">
        <h2 id="views-title">Saved views</h2>
        <p class="muted small">
          <kbd>Enter</kbd> shows the board through a view, <kbd>s</kbd> saves this filter and sort
          as one, <kbd>r</kbd> renames, <kbd>Delete</kbd> twice deletes. Everyone on the board
          shares them.
        </p>
        <Show when={deleting() !== null}>
          <p class="disabled-reason" role="alert">
            Press Delete again to delete “{chosen()?.name ?? ""}” for everyone on the board.
          </p>
        </Show>
        <ul
          ref={list}
          id="views-list"
          role="listbox"
          aria-label="Saved views"
          tabindex="0"
          aria-activedescendant={chosen() ? `view-${chosen()?.id ?? ""}` : undefined}
          onKeyDown={onKeyDown}
        >
          <For
            each={views.views()}
            fallback={
              <li class="muted">
                No saved views yet. Filter with <kbd>/</kbd>, sort with <kbd>z s</kbd>, then press{" "}
                <kbd>s</kbd> here.
              </li>
            }
          >
            {(view, i) => (
              <li
                id={`view-${view.id}`}
                role="option"
                aria-selected={chosen() === view}
                aria-current={views.current()?.id === view.id ? "true" : undefined}
                onMouseMove={() => setSelected(i())}
                onClick={() => apply(view)}
              >
                <span class="archive-text">
                  <span class="archive-title">{view.name}</span>
                  <span class="muted small">{describeView(view)}</span>
                </span>
              </li>
            )}
          </For>
        </ul>
      </div>
    </div>
  );
}
