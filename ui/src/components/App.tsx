// The window: sidebar of boards, the board with its toolbar, the detail panel and dialogs.

import { createEffect, For, Match, on, onCleanup, onMount, Show, Switch, type JSX } from "solid-js";
import { app, isMac } from "../app/app";
import { describeKeys } from "../commands/registry";
import { errorMessage } from "../ipc";
import { Board } from "./Board";
import { CheatSheet, Palette, PromptDialog } from "./Dialogs";
import { dragState } from "./drag";
import { TaskDetail } from "./TaskDetail";

function Sidebar(): JSX.Element {
  return (
    <nav class="sidebar" aria-label="Boards">
      <div class="brand">
        <span class="logo" aria-hidden="true">
          ◆
        </span>
        Tack
      </div>
      <ul class="board-list">
        <For each={app.boards()}>
          {(board) => (
            <li>
              <button
                type="button"
                class="board-link"
                tabindex="-1"
                aria-current={app.store()?.id === board.id ? "page" : undefined}
                data-board-id={board.id}
                onClick={() => app.spawn(() => app.openBoard(board.id))}
              >
                {board.title}
              </button>
            </li>
          )}
        </For>
      </ul>
      <button type="button" class="new-board" tabindex="-1" onClick={() => app.run("board.new")}>
        + New board <kbd>B</kbd>
      </button>
      <div class="sidebar-foot">
        <button
          type="button"
          class="link-button"
          tabindex="-1"
          onClick={() => app.run("view.cheatsheet")}
        >
          Shortcuts <kbd>?</kbd>
        </button>
        <button
          type="button"
          class="link-button"
          tabindex="-1"
          onClick={() => app.run("view.palette")}
        >
          Commands <kbd>{describeKeys("Mod+k", isMac)}</kbd>
        </button>
      </div>
    </nav>
  );
}

function FilterField(): JSX.Element {
  let input: HTMLInputElement | undefined;
  createEffect(
    on(app.focusTick, () => {
      if (app.filterOpen()) input?.focus();
    }),
  );
  return (
    <Show when={app.filterOpen() || app.query() !== ""}>
      <form
        class="filter"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          input?.blur();
          app.finishFilter();
        }}
      >
        <input
          ref={input}
          type="search"
          aria-label="Filter tasks"
          placeholder="Filter by title, label, description…"
          value={app.query()}
          onInput={(e) => app.setQuery(e.currentTarget.value)}
          onFocus={() => app.setFilterOpen(true)}
        />
      </form>
    </Show>
  );
}

export function App(): JSX.Element {
  const onKeyDown = (e: KeyboardEvent) => app.onKeyDown(e);
  onMount(() => {
    window.addEventListener("keydown", onKeyDown);
    app.start().catch((error: unknown) => app.notify(errorMessage(error)));
  });
  onCleanup(() => {
    window.removeEventListener("keydown", onKeyDown);
    app.stop();
  });

  return (
    <div class="app" classList={{ "is-dragging": dragState() !== null }}>
      <Sidebar />
      <main class="main">
        <Show
          when={app.store()}
          fallback={
            <div class="welcome">
              <h1>Tack</h1>
              <p>
                No board open. Press <kbd>B</kbd> to create one.
              </p>
            </div>
          }
        >
          {(store) => (
            <>
              <header class="toolbar">
                <h1 class="board-title">{store().title()}</h1>
                <FilterField />
                <span class="spacer" />
                <Show when={app.pendingKeys() !== ""}>
                  <span class="pending" aria-live="polite">
                    {app.pendingKeys()}
                  </span>
                </Show>
                <span class="sync" title="Every change is saved on this computer first">
                  <span class="dot" classList={{ busy: app.saving() }} aria-hidden="true" />
                  {app.saving() ? "Saving…" : "Saved locally"}
                </span>
              </header>
              <div class="workspace">
                <Board store={store()} />
                <Show when={app.detailTaskId()} keyed>
                  {(taskId) => <TaskDetail store={store()} taskId={taskId} />}
                </Show>
              </div>
            </>
          )}
        </Show>
      </main>
      <Switch>
        <Match when={app.overlay() === "palette"}>
          <Palette />
        </Match>
        <Match when={app.overlay() === "cheatsheet"}>
          <CheatSheet />
        </Match>
        <Match when={app.overlay() === "prompt"}>
          <PromptDialog />
        </Match>
      </Switch>
      <Show when={dragState()}>
        {(drag) => (
          <div
            class="drag-ghost"
            style={{ transform: `translate(${drag().x + 8}px, ${drag().y + 8}px)` }}
          >
            {drag().title}
          </div>
        )}
      </Show>
      <div class="visually-hidden" aria-live="polite">
        {app.announcement()}
      </div>
      <div class="toast-region" role="status" aria-live="polite">
        <Show when={app.toast()}>
          {(toast) => (
            <div class="toast">
              {toast().text}
              <Show when={toast().undo}>
                <button type="button" class="link-button" onClick={() => app.run("edit.undo")}>
                  Undo <kbd>u</kbd>
                </button>
              </Show>
            </div>
          )}
        </Show>
      </div>
    </div>
  );
}
