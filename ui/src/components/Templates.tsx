// The new-board picker: start empty or from a template (built in, or a board saved as one).
// Type to narrow, arrows (or Ctrl-N / Ctrl-P) choose, Enter asks the title, Delete removes a
// saved template, Esc closes.

import { createMemo, createSignal, For, onMount, Show, type JSX } from "solid-js";
import { app } from "../app/app";
import type { StartChoice } from "../app/transfer";
import { moveSelection } from "./Dialogs";

function choiceTitle(choice: StartChoice): string {
  return choice.kind === "empty" ? "Empty board" : choice.template.name;
}

function choiceDetail(choice: StartChoice): string {
  if (choice.kind === "empty") return "No columns yet";
  const { columns, tasks, builtin } = choice.template;
  const starter = tasks === 0 ? "" : ` · ${tasks} starter task${tasks === 1 ? "" : "s"}`;
  return `${columns.join(" · ")}${starter}${builtin ? "" : " · saved here"}`;
}

export function TemplatePicker(): JSX.Element {
  const [query, setQuery] = createSignal("");
  const [selected, setSelected] = createSignal(0);
  let input: HTMLInputElement | undefined;
  onMount(() => input?.focus());

  const matches = createMemo(() => {
    const q = query().trim().toLowerCase();
    return app.transfer
      .choices()
      .filter((c) => q === "" || `${choiceTitle(c)} ${choiceDetail(c)}`.toLowerCase().includes(q));
  });

  const choose = (choice?: StartChoice) => {
    const chosen = choice ?? matches()[selected()];
    if (chosen === undefined) return;
    app.transfer.start(chosen);
  };

  return (
    <div class="scrim" onClick={(e) => e.target === e.currentTarget && app.closeOverlay()}>
      <div class="palette" role="dialog" aria-modal="true" aria-label="New board">
        <input
          ref={input}
          role="combobox"
          aria-expanded="true"
          aria-controls="template-list"
          aria-activedescendant={`template-${selected()}`}
          aria-label="Start from"
          placeholder="New board: start empty or from a template…"
          value={query()}
          onInput={(e) => {
            setQuery(e.currentTarget.value);
            setSelected(0);
          }}
          onKeyDown={(e) => {
            if (moveSelection(e, matches().length, setSelected)) return;
            if (e.key === "Enter") {
              e.preventDefault();
              choose();
            } else if (e.key === "Delete" && query() === "") {
              const chosen = matches()[selected()];
              if (chosen?.kind === "template" && !chosen.template.builtin) {
                e.preventDefault();
                app.spawn(() => app.transfer.deleteTemplate(chosen.template));
              }
            }
          }}
        />
        <ul id="template-list" role="listbox" aria-label="Templates">
          <For each={matches()}>
            {(choice, i) => (
              <li
                id={`template-${i()}`}
                role="option"
                aria-selected={i() === selected()}
                data-template-id={choice.kind === "template" ? choice.template.id : "empty"}
                onMouseMove={() => setSelected(i())}
                onClick={() => choose(choice)}
              >
                <span>
                  {choiceTitle(choice)}
                  <span class="muted small"> — {choiceDetail(choice)}</span>
                </span>
              </li>
            )}
          </For>
          <Show when={matches().length === 0}>
            <li class="muted">No template matches.</li>
          </Show>
        </ul>
      </div>
    </div>
  );
}
