// The quick add window (its own window, `quick-add`): a title, a board and a column, and
// nothing else. Enter adds and hides the window; Ctrl/Cmd-Enter adds and stays; Esc hides it.
// Alt-B and Alt-C reach the board and column choices. State and calls: app/quickadd.ts.

import { For, onCleanup, onMount, Show, type JSX } from "solid-js";
import { isMac } from "../app/keys";
import { createQuickAdd, type QuickAdd as State } from "../app/quickadd";
import * as ipc from "../ipc";

/** `CommandOrControl+Alt+N` as this computer names it. */
export const shortcutText = (shortcut: string) =>
  shortcut.replace(/^(CommandOrControl|CmdOrCtrl)\+/i, isMac ? "Cmd+" : "Ctrl+");

export function QuickAddForm(props: { state: State }): JSX.Element {
  const s = props.state;
  let titleField: HTMLInputElement | undefined;
  let boardField: HTMLSelectElement | undefined;
  let columnField: HTMLSelectElement | undefined;

  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === "Escape") {
      event.preventDefault();
      void s.close();
    } else if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      const stay = isMac ? event.metaKey : event.ctrlKey;
      void s.submit(stay).then(() => titleField?.focus());
    } else if (event.altKey && (event.code === "KeyB" || event.code === "KeyC")) {
      event.preventDefault();
      (event.code === "KeyB" ? boardField : columnField)?.focus();
    }
  };

  onMount(() => titleField?.focus());

  return (
    <form
      class="quick-add"
      aria-label="Quick add"
      onKeyDown={onKeyDown}
      onSubmit={(e) => e.preventDefault()}
    >
      <input
        ref={titleField}
        class="quick-add-title"
        aria-label="New task"
        placeholder="New task"
        value={s.title()}
        onInput={(e) => s.setTitle(e.currentTarget.value)}
      />
      <div class="quick-add-where">
        <label>
          Board (Alt+B)
          <select
            ref={boardField}
            aria-label="Board"
            value={s.board() ?? ""}
            onChange={(e) => void s.chooseBoard(e.currentTarget.value)}
          >
            <For each={s.boards()}>{(b) => <option value={b.id}>{b.title}</option>}</For>
          </select>
        </label>
        <label>
          Column (Alt+C)
          <select
            ref={columnField}
            aria-label="Column"
            value={s.column() ?? ""}
            onChange={(e) => s.setColumn(e.currentTarget.value)}
          >
            <For each={s.columns()}>{(c) => <option value={c.id}>{c.title}</option>}</For>
          </select>
        </label>
      </div>
      <p class="quick-add-status" role="status">
        <Show when={s.error()} fallback={s.message() ?? ""}>
          {(error) => <span class="error">{error()}</span>}
        </Show>
      </p>
      <p class="quick-add-hint">
        Enter adds · {isMac ? "⌘" : "Ctrl"}+Enter adds another · Esc closes
        <Show when={s.shortcut()}>
          {(keys) => <> · {shortcutText(keys())} opens this from anywhere</>}
        </Show>
      </p>
    </form>
  );
}

/** The quick add window's whole page. */
export function QuickAddWindow(): JSX.Element {
  const state = createQuickAdd();
  const focusTitle = () => document.querySelector<HTMLInputElement>(".quick-add-title")?.focus();
  onMount(() => {
    const unlisten = ipc.on("quick-add-shown", (event) => {
      state.setShortcut(event.shortcut);
      void state.load();
      focusTitle();
    });
    onCleanup(() => void unlisten.then((stop) => stop()));
    // Made hidden: ready now, so it shows itself (and hears `quick-add-shown`).
    void unlisten.then(() => ipc.openQuickAdd());
  });
  return <QuickAddForm state={state} />;
}
