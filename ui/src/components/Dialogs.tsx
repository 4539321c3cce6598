// The keyboard cheat sheet (generated from the command registry), the small text prompt and the
// board's archive. The palette is in Palette.tsx.

import { createMemo, createSignal, For, onMount, Show, type JSX } from "solid-js";
import { app } from "../app/app";
import type { ArchiveEntry } from "../app/archive";
import { isMac } from "../app/keys";
import { terms as queryTerms } from "../app/palette";
import { COMMANDS, describeKeys } from "../commands/registry";
import { errorMessage } from "../ipc";

export function Keys(props: { keys: readonly string[] }): JSX.Element {
  return (
    <span class="keys">
      <For each={props.keys}>{(k) => <kbd>{describeKeys(k, isMac)}</kbd>}</For>
    </span>
  );
}

/** Down / Ctrl-N and Up / Ctrl-P move a list's selection (palette, new-board picker);
 * true when the key was one of them. */
export function moveSelection(
  e: KeyboardEvent,
  count: number,
  setSelected: (f: (i: number) => number) => void,
): boolean {
  if (e.key === "ArrowDown" || (e.key === "n" && e.ctrlKey)) {
    e.preventDefault();
    setSelected((i) => Math.min(i + 1, count - 1));
    return true;
  }
  if (e.key === "ArrowUp" || (e.key === "p" && e.ctrlKey)) {
    e.preventDefault();
    setSelected((i) => Math.max(i - 1, 0));
    return true;
  }
  return false;
}

export function CheatSheet(): JSX.Element {
  const groups = [...new Set(COMMANDS.map((c) => c.group))];
  let dialog: HTMLDivElement | undefined;
  onMount(() => dialog?.focus());
  return (
    <div class="scrim" onClick={(e) => e.target === e.currentTarget && app.closeOverlay()}>
      <div
        ref={dialog}
        class="cheatsheet"
        role="dialog"
        aria-modal="true"
        aria-label="Keyboard shortcuts"
        tabindex="-1"
      >
        <h2>Keyboard shortcuts</h2>
        <p class="muted small">
          A number before a motion or move repeats it (5j). Esc backs out of anything.
        </p>
        <Show when={app.readOnlyReason()}>
          {(reason) => (
            <p class="disabled-reason" role="note">
              Editing shortcuts are off here: {reason()}
            </p>
          )}
        </Show>
        <div class="cheat-grid">
          <For each={groups}>
            {(group) => (
              <section>
                <h3>{group}</h3>
                <dl>
                  <For each={COMMANDS.filter((c) => c.group === group && c.keys.length > 0)}>
                    {(command) => {
                      const disabled = () => app.disabledReason(command.id);
                      return (
                        <>
                          <dt aria-disabled={disabled() !== null ? "true" : undefined}>
                            <Keys keys={command.keys} />
                          </dt>
                          <dd
                            aria-disabled={disabled() !== null ? "true" : undefined}
                            title={disabled() ?? undefined}
                            data-command-id={command.id}
                          >
                            {command.title}
                          </dd>
                        </>
                      );
                    }}
                  </For>
                </dl>
              </section>
            )}
          </For>
        </div>
      </div>
    </div>
  );
}

export function PromptDialog(): JSX.Element {
  const [error, setError] = createSignal<string | null>(null);
  const [busy, setBusy] = createSignal(false);
  let input: HTMLInputElement | undefined;
  onMount(() => input?.select());
  return (
    <Show when={app.prompt()}>
      {(request) => (
        <div class="scrim" onClick={(e) => e.target === e.currentTarget && app.closeOverlay()}>
          <form
            class="prompt"
            role="dialog"
            aria-modal="true"
            aria-labelledby="prompt-title"
            onSubmit={(e) => {
              e.preventDefault();
              const value = input?.value.trim() ?? "";
              if (busy()) return;
              setBusy(true);
              request()
                .submit(value)
                .then(() => app.closeOverlay())
                .catch((err: unknown) => setError(errorMessage(err)))
                .finally(() => setBusy(false));
            }}
          >
            <h2 id="prompt-title">{request().title}</h2>
            <input
              ref={input}
              aria-label={request().label}
              placeholder={request().label}
              value={request().initial}
              aria-invalid={error() !== null}
              aria-describedby="prompt-error"
            />
            <p id="prompt-error" class="error" role="alert">
              {error() ?? ""}
            </p>
            <div class="row end">
              <button type="button" onClick={() => app.closeOverlay()}>
                Cancel
              </button>
              <button type="submit" class="primary" disabled={busy()}>
                OK
              </button>
            </div>
          </form>
        </div>
      )}
    </Show>
  );
}

/** What a row of the archive view says under its title. */
function archiveDetail(entry: ArchiveEntry): string {
  if (entry.kind === "task") return `Task in ${entry.columnTitle}`;
  return entry.tasks === 1 ? "Column with 1 task" : `Column with ${entry.tasks} tasks`;
}

/**
 * The board's archive: archived columns, then archived tasks. Arrows or j/k choose, `/` filters
 * by title or column, Enter restores, Delete deletes for good (undo still brings it back), Esc
 * leaves the filter, then closes.
 */
export function ArchiveDialog(): JSX.Element {
  const [selected, setSelected] = createSignal(0);
  const [query, setQuery] = createSignal("");
  let list: HTMLUListElement | undefined;
  let filter: HTMLInputElement | undefined;
  onMount(() => list?.focus());
  const entries = createMemo(() => {
    const terms = queryTerms(query());
    const all = app.archive() ?? [];
    if (terms.length === 0) return all;
    return all.filter((entry) => {
      const text = `${entry.title} ${archiveDetail(entry)}`.toLowerCase();
      return terms.every((t) => text.includes(t));
    });
  });
  const chosen = () => entries()[Math.min(selected(), entries().length - 1)];
  const act = (what: (entry: ArchiveEntry) => Promise<void>, entry = chosen()) => {
    if (entry === undefined) return;
    app.spawn(async () => {
      await what(entry);
      setSelected((i) => Math.max(0, Math.min(i, entries().length - 1)));
      if (document.activeElement !== filter) list?.focus();
    });
  };
  const restore = (entry?: ArchiveEntry) => act((e) => app.restoreArchived(e), entry);
  const remove = (entry?: ArchiveEntry) => act((e) => app.deleteArchived(e), entry);
  const down = () => setSelected((i) => Math.min(i + 1, entries().length - 1));
  const up = () => setSelected((i) => Math.max(i - 1, 0));

  const onListKeyDown = (e: KeyboardEvent) => {
    const keys: Record<string, () => void> = {
      ArrowDown: down,
      j: down,
      ArrowUp: up,
      k: up,
      Home: () => setSelected(0),
      End: () => setSelected(Math.max(0, entries().length - 1)),
      Enter: () => restore(),
      Delete: () => remove(),
      Backspace: () => remove(),
      "/": () => filter?.focus(),
    };
    const action = e.ctrlKey || e.metaKey || e.altKey ? undefined : keys[e.key];
    if (action === undefined) return;
    e.preventDefault();
    action();
  };

  // In the filter: arrows still choose and Enter restores; Esc goes back to the list.
  const onFilterKeyDown = (e: KeyboardEvent) => {
    const keys: Record<string, () => void> = {
      ArrowDown: down,
      ArrowUp: up,
      Enter: () => restore(),
      Escape: () => list?.focus(),
    };
    const action = keys[e.key];
    if (action === undefined) return;
    e.preventDefault();
    action();
  };

  return (
    <div class="scrim" onClick={(e) => e.target === e.currentTarget && app.closeOverlay()}>
      <div class="archive" role="dialog" aria-modal="true" aria-labelledby="archive-title">
        <h2 id="archive-title">Archived on this board</h2>
        <p class="muted small">
          <kbd>Enter</kbd> restores, <kbd>Delete</kbd> deletes for good (<kbd>u</kbd> undoes),{" "}
          <kbd>/</kbd> filters, <kbd>Esc</kbd> closes.
        </p>
        <Show when={app.readOnlyReason()}>
          {(reason) => (
            <p class="disabled-reason" role="note">
              {reason()}
            </p>
          )}
        </Show>
        <input
          ref={filter}
          type="search"
          aria-label="Filter archived items"
          aria-controls="archive-list"
          placeholder="Filter by title or column…"
          value={query()}
          onInput={(e) => {
            setQuery(e.currentTarget.value);
            setSelected(0);
          }}
          onKeyDown={onFilterKeyDown}
        />
        <ul
          ref={list}
          id="archive-list"
          role="listbox"
          aria-label="Archived items"
          tabindex="0"
          aria-activedescendant={chosen() ? `archive-${chosen()?.id ?? ""}` : undefined}
          aria-busy={app.archive() === null ? "true" : undefined}
          onKeyDown={onListKeyDown}
        >
          <For each={entries()}>
            {(entry, i) => (
              <li
                id={`archive-${entry.id}`}
                role="option"
                aria-selected={chosen() === entry}
                data-kind={entry.kind}
                onMouseMove={() => setSelected(i())}
              >
                <span class="archive-text">
                  <span class="archive-title">{entry.title}</span>
                  <span class="muted small">{archiveDetail(entry)}</span>
                </span>
                <span class="row">
                  <button
                    type="button"
                    tabindex="-1"
                    disabled={app.readOnlyReason() !== null}
                    onClick={() => restore(entry)}
                  >
                    Restore
                  </button>
                  <button
                    type="button"
                    tabindex="-1"
                    class="danger"
                    disabled={app.readOnlyReason() !== null}
                    onClick={() => remove(entry)}
                  >
                    Delete
                  </button>
                </span>
              </li>
            )}
          </For>
          <Show when={app.archive()?.length === 0}>
            <li class="muted">Nothing is archived on this board.</li>
          </Show>
          <Show when={(app.archive()?.length ?? 0) > 0 && entries().length === 0}>
            <li class="muted">No archived item matches.</li>
          </Show>
        </ul>
      </div>
    </div>
  );
}
