// The window: sidebar of boards, the board with its toolbar, the detail panel and dialogs.

import { createEffect, For, Match, on, onCleanup, onMount, Show, Switch, type JSX } from "solid-js";
import { app } from "../app/app";
import { listenForDroppedFiles } from "../app/drop";
import { isMac } from "../app/keys";
import { erroneousText } from "../app/search";
import { SORT_TITLES } from "../app/view";
import { describeKeys } from "../commands/registry";
import { errorMessage } from "../ipc";
import type { BoardSummary } from "../ipc";
import { Board } from "./Board";
import {
  CloseDialog,
  NoticeBar,
  PresenceList,
  ReadOnlyBanner,
  SettingsDialog,
  ShareDialog,
  SyncIndicator,
} from "./Collab";
import { ArchiveDialog, CheatSheet, PromptDialog } from "./Dialogs";
import { Palette } from "./Palette";
import { MyTasksDialog, SearchDialog } from "./Search";
import { InboxDialog } from "./Inbox";
import { TemplatePicker } from "./Templates";
import { dragState } from "./drag";
import { TaskDetail } from "./TaskDetail";
import { ViewPicker } from "./Views";

function BoardLink(props: { board: BoardSummary }): JSX.Element {
  const sync = () => app.collab.boardSync(props.board.id);
  return (
    <li>
      <button
        type="button"
        class="board-link"
        // One tab stop for the list: the open board (Shift+Tab from the board reaches it);
        // Up and Down move between boards, Enter opens one.
        tabindex={app.store()?.id === props.board.id ? "0" : "-1"}
        aria-current={app.store()?.id === props.board.id ? "page" : undefined}
        aria-describedby={`board-sync-${props.board.id}`}
        data-board-id={props.board.id}
        onClick={() => app.spawn(() => app.openBoard(props.board.id))}
      >
        {props.board.title}
      </button>
      <span
        id={`board-sync-${props.board.id}`}
        class="board-sync"
        title={sync()?.text}
        data-kind={sync()?.kind ?? "local"}
        data-board-id={props.board.id}
      >
        {props.board.readOnly ? "Read-only · " : ""}
        {sync()?.text ?? "On this computer only"}
      </span>
    </li>
  );
}

/** Up and Down on a board in the sidebar move to the board above or below (shared ones too);
 * the board's own keys do not act while the sidebar has the focus. */
function moveAmongBoards(event: KeyboardEvent) {
  if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
  const target = event.target;
  if (!(target instanceof HTMLElement) || !target.classList.contains("board-link")) return;
  const nav = event.currentTarget;
  if (!(nav instanceof HTMLElement)) return;
  const links = [...nav.querySelectorAll<HTMLElement>("button.board-link")];
  const next = links[links.indexOf(target) + (event.key === "ArrowDown" ? 1 : -1)];
  event.preventDefault();
  next?.focus();
}

function Sidebar(): JSX.Element {
  // Shared with me: editor or viewer, or read-only with no role (my access was removed).
  const shared = (b: BoardSummary) => b.role === "editor" || b.role === "viewer" || b.readOnly;
  // A board downloaded since the relay was last asked (by itself, `collab::shared`) is listed
  // once, as a board of this computer.
  const notDownloaded = () =>
    app.collab
      .remoteBoards()
      .filter((r) => !r.downloaded && !app.boards().some((b) => b.id === r.boardId));
  return (
    <nav class="sidebar" aria-label="Boards" onKeyDown={moveAmongBoards}>
      <div class="brand">
        <span class="logo" aria-hidden="true">
          ◆
        </span>
        Tack
      </div>
      <button
        type="button"
        class="inbox-link"
        tabindex="-1"
        aria-label={`Inbox, ${app.unread()} unread`}
        onClick={() => app.run("view.inbox")}
      >
        <span>Inbox</span>
        <Show when={app.unread() > 0}>
          <span class="unread-count">{app.unread()}</span>
        </Show>
        <kbd>g i</kbd>
      </button>
      <div class="board-lists">
        <h2 class="sidebar-heading" id="my-boards">
          My boards
        </h2>
        <ul class="board-list" aria-labelledby="my-boards">
          <For each={app.boards().filter((b) => !shared(b))}>
            {(board) => <BoardLink board={board} />}
          </For>
        </ul>
        <Show when={app.boards().some(shared) || notDownloaded().length > 0}>
          <h2 class="sidebar-heading" id="shared-boards">
            Shared with me
          </h2>
          <ul class="board-list" aria-labelledby="shared-boards">
            <For each={app.boards().filter(shared)}>{(board) => <BoardLink board={board} />}</For>
            <For each={notDownloaded()}>
              {(remote) => (
                <li>
                  <button
                    type="button"
                    class="board-link remote"
                    tabindex="-1"
                    data-board-id={remote.boardId}
                    title="Not on this computer yet: opening downloads it"
                    onClick={() => app.spawn(() => app.openShared(remote.boardId))}
                  >
                    {remote.title ?? "Shared board"}
                  </button>
                  <span class="board-sync">Not downloaded yet · {remote.role}</span>
                </li>
              )}
            </For>
          </ul>
        </Show>
      </div>
      <button type="button" class="new-board" tabindex="-1" onClick={() => app.run("board.new")}>
        + New board <kbd>B</kbd>
      </button>
      <div class="sidebar-foot">
        <button
          type="button"
          class="link-button account"
          tabindex="-1"
          aria-label="Account and server settings"
          onClick={() => app.run("account.settings")}
        >
          <Show when={app.collab.account().user} fallback={<span>Not signed in — sign in</span>}>
            {(user) => <span class="signed-in">{user().email}</span>}
          </Show>
          <kbd>,</kbd>
        </button>
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
  /** What the answer to the query on screen could not read (an older answer says nothing). */
  const errors = () => {
    const answer = app.filterAnswer();
    return answer !== null && answer.query === app.query() ? answer.errors : [];
  };
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
          aria-invalid={errors().length > 0 ? "true" : undefined}
          aria-describedby={errors().length > 0 ? "filter-errors" : undefined}
          placeholder="Filter: words, label:bug, @ana, @me, due:<7d, is:overdue…"
          value={app.query()}
          onInput={(e) => app.setQuery(e.currentTarget.value)}
          onFocus={() => app.setFilterOpen(true)}
        />
        <Show when={errors().length > 0}>
          <ul class="filter-errors" id="filter-errors" aria-live="polite">
            <For each={errors()}>
              {(error) => (
                <li class="error">
                  <code>{erroneousText(app.query(), error.start, error.end)}</code>: {error.message}
                </li>
              )}
            </For>
          </ul>
        </Show>
      </form>
    </Show>
  );
}

export function App(): JSX.Element {
  const onKeyDown = (e: KeyboardEvent) => app.onKeyDown(e);
  // Files dropped on the window attach to the open task or the card under them.
  let stopDrops: (() => void) | undefined;
  onMount(() => {
    window.addEventListener("keydown", onKeyDown);
    app
      .start()
      .then(async () => {
        stopDrops = await listenForDroppedFiles();
      })
      .catch((error: unknown) => app.notify(errorMessage(error)));
  });
  onCleanup(() => {
    window.removeEventListener("keydown", onKeyDown);
    stopDrops?.();
    app.stop();
  });

  return (
    <div
      class="app"
      classList={{
        "is-dragging": dragState() !== null,
        "no-sidebar": app.sidebarHidden(),
        compact: app.density() === "compact",
      }}
    >
      <Show when={!app.sidebarHidden()}>
        <Sidebar />
      </Show>
      <main class="main" aria-busy={app.ready() ? undefined : "true"}>
        <Show
          when={app.store()}
          fallback={
            <Show when={app.ready()}>
              <div class="welcome">
                <h1>Tack</h1>
                <p>
                  No board open. Press <kbd>B</kbd> to create one.
                </p>
              </div>
            </Show>
          }
        >
          {(store) => (
            <>
              <header class="toolbar">
                <h1 class="board-title">{store().title()}</h1>
                <Show when={app.views.current()}>
                  {(view) => (
                    <button
                      type="button"
                      class="link-button view-name"
                      tabindex="-1"
                      onClick={() => app.run("view.views")}
                    >
                      View: {view().name} <kbd>v</kbd>
                    </button>
                  )}
                </Show>
                <FilterField />
                <Show when={app.sortedBy() !== "rank"}>
                  <button
                    type="button"
                    class="link-button sort-button"
                    tabindex="-1"
                    title="Only here: the board's own order stays"
                    onClick={() => app.run("view.sort")}
                  >
                    Sorted by {SORT_TITLES[app.sortedBy()]} <kbd>z s</kbd>
                  </button>
                </Show>
                <span class="spacer" />
                <Show when={app.pendingKeys() !== ""}>
                  <span class="pending" aria-live="polite">
                    {app.pendingKeys()}
                  </span>
                </Show>
                <PresenceList boardId={store().id} />
                <button
                  type="button"
                  class="share-button"
                  tabindex="-1"
                  onClick={() => app.run("board.share")}
                >
                  Share <kbd>S</kbd>
                </button>
              </header>
              <ReadOnlyBanner />
              <NoticeBar />
              <div class="workspace">
                <Board store={store()} />
                <Show when={app.detailTaskId()} keyed>
                  {(taskId) => <TaskDetail store={store()} taskId={taskId} />}
                </Show>
              </div>
            </>
          )}
        </Show>
        <SyncIndicator />
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
        <Match when={app.overlay() === "settings"}>
          <SettingsDialog />
        </Match>
        <Match when={app.overlay() === "share"}>
          <ShareDialog />
        </Match>
        <Match when={app.overlay() === "templates"}>
          <TemplatePicker />
        </Match>
        <Match when={app.overlay() === "archive"}>
          <ArchiveDialog />
        </Match>
        <Match when={app.overlay() === "views"}>
          <ViewPicker />
        </Match>
        <Match when={app.overlay() === "search"}>
          <SearchDialog />
        </Match>
        <Match when={app.overlay() === "mytasks"}>
          <MyTasksDialog />
        </Match>
        <Match when={app.overlay() === "inbox"}>
          <InboxDialog />
        </Match>
      </Switch>
      <CloseDialog />
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
