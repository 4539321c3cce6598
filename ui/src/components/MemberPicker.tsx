// Picking a member of the board from the keyboard: a combobox over the board's people (the
// cached directory, so it works offline). Typing filters; Up/Down move; Enter or Tab choose;
// Esc closes the list and keeps the text (a second Esc is the panel's).

import { createMemo, createSignal, For, onMount, Show, type JSX } from "solid-js";
import type { DirectoryEntry } from "../ipc";
import { describe, initials, matchPeople } from "../model/people";

let pickers = 0;

export function MemberPicker(props: {
  label: string;
  people: readonly DirectoryEntry[];
  /** Already chosen: not offered again. */
  except: readonly string[];
  initial?: string;
  autofocus?: boolean;
  onPick: (person: DirectoryEntry) => void;
  /** Esc with the list already closed (the mapping editor closes itself). */
  onCancel?: () => void;
}): JSX.Element {
  const listId = `member-list-${++pickers}`;
  const [text, setText] = createSignal(props.initial ?? "");
  const [open, setOpen] = createSignal(false);
  const [active, setActive] = createSignal(0);
  let input: HTMLInputElement | undefined;

  const matches = createMemo(() => matchPeople(props.people, text(), props.except));
  const shown = () => open() && matches().length > 0;

  onMount(() => {
    if (props.autofocus && input) {
      input.focus();
      input.select();
      setOpen(true);
    }
  });

  function pick(person: DirectoryEntry | undefined) {
    if (!person) return;
    setText("");
    setOpen(false);
    setActive(0);
    props.onPick(person);
  }

  function onKeyDown(e: KeyboardEvent) {
    const count = matches().length;
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      if (!open()) {
        setOpen(true);
        return;
      }
      if (count === 0) return;
      const step = e.key === "ArrowDown" ? 1 : -1;
      setActive((at) => (at + step + count) % count);
    } else if (e.key === "Enter" || (e.key === "Tab" && shown())) {
      if (e.key === "Enter" && !shown()) {
        // Nobody matches: nothing is assigned (assignees are members, never free text).
        e.preventDefault();
        return;
      }
      e.preventDefault();
      pick(matches()[Math.min(active(), count - 1)]);
    } else if (e.key === "Escape") {
      if (shown()) {
        e.preventDefault();
        e.stopPropagation();
        setOpen(false);
      } else if (props.onCancel) {
        e.preventDefault();
        e.stopPropagation();
        props.onCancel();
      }
    }
  }

  return (
    <div class="member-picker">
      <input
        ref={input}
        role="combobox"
        aria-label={props.label}
        aria-autocomplete="list"
        aria-expanded={shown()}
        aria-controls={listId}
        aria-activedescendant={shown() ? `${listId}-${active()}` : undefined}
        placeholder={`${props.label}…`}
        value={text()}
        onInput={(e) => {
          setText(e.currentTarget.value);
          setActive(0);
          setOpen(true);
        }}
        onFocus={() => setOpen(true)}
        onBlur={() => setOpen(false)}
        onKeyDown={onKeyDown}
      />
      <Show when={shown()}>
        <ul id={listId} class="member-list" role="listbox" aria-label={props.label}>
          <For each={matches()}>
            {(person, i) => (
              <li
                id={`${listId}-${i()}`}
                role="option"
                aria-selected={i() === active()}
                // Chosen on mousedown: a click must not blur the input first.
                onMouseDown={(e) => {
                  e.preventDefault();
                  pick(person);
                }}
              >
                <span class="avatar" aria-hidden="true">
                  {initials(person.name)}
                </span>
                {describe(person)}
              </li>
            )}
          </For>
        </ul>
      </Show>
    </div>
  );
}
