// The inbox view (`g i`): what concerns me, newest first, keyboard-driven.

import { createSignal, For, onMount, Show, type JSX } from "solid-js";
import { app } from "../app/app";
import { agoText, inboxAction, inboxSelection } from "../app/inbox";
import type { InboxItem } from "../ipc";

export function InboxDialog(): JSX.Element {
  const [selected, setSelected] = createSignal(0);
  let list: HTMLUListElement | undefined;
  onMount(() => list?.focus());
  const items = (): readonly InboxItem[] => app.inbox()?.items ?? [];
  const chosen = () => items()[Math.min(selected(), items().length - 1)];
  const now = Date.now();

  const onKeyDown = (e: KeyboardEvent) => {
    const action = inboxAction(e.key, e.ctrlKey || e.metaKey || e.altKey);
    if (action === undefined) return;
    e.preventDefault();
    const item = chosen();
    if (action === "open") {
      if (item) app.spawn(() => app.openInboxItem(item));
    } else if (action === "toggleRead") {
      if (item) app.spawn(() => app.toggleInboxRead(item));
    } else if (action === "allRead") {
      app.spawn(() => app.markInboxRead());
    } else {
      setSelected((i) => inboxSelection(i, action, items().length));
    }
  };

  return (
    <div class="scrim" onClick={(e) => e.target === e.currentTarget && app.closeOverlay()}>
      <div class="archive" role="dialog" aria-modal="true" aria-labelledby="inbox-title">
        <h2 id="inbox-title">
          Inbox <span class="muted small">{app.inbox()?.unread ?? 0} unread</span>
        </h2>
        <p class="muted small">
          <kbd>j</kbd>/<kbd>k</kbd> choose, <kbd>Enter</kbd> opens the task, <kbd>u</kbd> marks read
          or unread, <kbd>Shift A</kbd> marks all read, <kbd>Esc</kbd> closes.
        </p>
        <ul
          ref={list}
          id="inbox-list"
          role="listbox"
          aria-label="Inbox"
          tabindex="0"
          aria-activedescendant={chosen() ? `inbox-${chosen()?.key ?? ""}` : undefined}
          aria-busy={app.inbox() === null ? "true" : undefined}
          onKeyDown={onKeyDown}
        >
          <For each={items()}>
            {(item, i) => (
              <li
                id={`inbox-${item.key}`}
                role="option"
                aria-selected={chosen() === item}
                data-read={item.read ? "true" : "false"}
                data-kind={item.kind}
                onMouseMove={() => setSelected(i())}
                onClick={() => app.spawn(() => app.openInboxItem(item))}
              >
                <span class="archive-text">
                  <span class="archive-title">
                    {item.read ? "" : "● "}
                    {item.text}
                  </span>
                  <span class="muted small">
                    {item.boardTitle} · {agoText(item.at, now)}
                    {item.read ? "" : " · unread"}
                  </span>
                </span>
              </li>
            )}
          </For>
        </ul>
        <Show when={app.inbox() !== null && items().length === 0}>
          <p class="muted">Nothing yet: mentions, assignments and reminders land here.</p>
        </Show>
      </div>
    </div>
  );
}
