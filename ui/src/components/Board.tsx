// The board: columns side by side (only those near the viewport are mounted) and, in each,
// cards stacked at fixed heights (only those near the column's viewport are mounted). Cut into
// swimlanes (`z g`), lanes are bands of known heights one under another, each showing every
// column, and the whole board scrolls down too: every lane keeps its band, title and count, but
// only those near the board's viewport, and the cursor's, mount their columns.

import {
  createEffect,
  createMemo,
  createSignal,
  For,
  on,
  onCleanup,
  onMount,
  Show,
  type JSX,
} from "solid-js";
import { app } from "../app/app";
import { rowHeight } from "../app/view";
import { describeDue, dueLabel, dueStatus, now } from "../app/due";
import { assignee, initials } from "../model/people";
import type { BoardStore } from "../model/store";
import { startCardDrag, startColumnDrag, dragState } from "./drag";
import { Marked } from "./Marked";
import { Thumbnail } from "./Thumbnail";

export const COLUMN_WIDTH = 280;
export const COLUMN_GAP = 12;
/** The board's padding before the first column (CSS `.column { left }`). */
const BOARD_PADDING = 14;
/** The "+ Add column" button after the last column (CSS `.add-column { width }`). */
const ADD_COLUMN_WIDTH = 200;
const COLUMN_OVERSCAN = 1;
const ROW_OVERSCAN = 6;
/** The line before the lanes that gives the board its width (CSS `.board-space { height }`). */
const BOARD_SPACE_HEIGHT = 1;
/** A lane's height besides its cards: its title and its columns' headers and margins. */
const LANE_CHROME_HEIGHT = 96;
/** A lane's tallest cell is shown up to this many cards; a longer one scrolls. */
const LANE_MAX_ROWS = 6;

function Card(props: {
  store: BoardStore;
  taskId: string;
  columnId: string;
  index: number;
  setSize: number;
  /** The swimlane it is shown in (a task may be in several). */
  lane?: number | undefined;
}): JSX.Element {
  const task = createMemo(() => props.store.task(props.taskId)?.());
  const focused = () =>
    app.focus().taskId === props.taskId &&
    (props.lane === undefined || app.focus().lane === props.lane);
  /** The filter's free words, marked in the title. */
  const words = app.filterWords;
  /** Others who have this card selected: it is outlined in the first one's colour. */
  const selectors = createMemo(() => app.selectedBy(props.taskId), undefined, {
    equals: (a, b) => a.length === b.length && a.every((p, i) => p === b[i]),
  });
  let element: HTMLDivElement | undefined;

  createEffect(
    on([focused, app.focusTick, app.overlay, app.detailTaskId, app.draft, app.filterOpen], () => {
      if (!focused() || !element) return;
      const busy = app.overlay() !== "none" || app.detailTaskId() !== null || app.draft() !== null;
      const typing = document.activeElement?.closest("input, textarea, select") != null;
      if (!busy && !(app.filterOpen() && typing)) element.focus({ preventScroll: true });
    }),
  );

  const checklist = () => {
    const items = task()?.checklist ?? [];
    return items.length === 0 ? null : `${items.filter((i) => i.done).length}/${items.length}`;
  };

  return (
    <Show when={task()}>
      {(t) => (
        <div
          ref={element}
          class="card"
          role="option"
          id={props.lane ? `task-${props.taskId}-${props.lane}` : `task-${props.taskId}`}
          tabindex={focused() ? 0 : -1}
          aria-selected={focused()}
          aria-posinset={props.index + 1}
          aria-setsize={props.setSize}
          aria-label={t().title}
          aria-description={
            selectors().length === 0
              ? undefined
              : `Selected by ${selectors()
                  .map((p) => p.name)
                  .join(", ")}`
          }
          data-task-id={props.taskId}
          data-column-id={props.columnId}
          data-selected-by={
            selectors().length === 0
              ? undefined
              : selectors()
                  .map((p) => p.userId)
                  .join(" ")
          }
          classList={{
            dragging: dragState()?.id === props.taskId,
            "has-presence": selectors().length > 0,
            "has-thumbnail": t().coverImage !== undefined,
          }}
          style={{
            transform: `translateY(${props.index * rowHeight()}px)`,
            "--presence": selectors()[0]?.color,
          }}
          onClick={() => {
            app.focusTask(props.columnId, props.taskId, props.lane);
            if (app.detailTaskId() !== null) app.setDetailTaskId(props.taskId);
          }}
          onDblClick={() => app.setDetailTaskId(props.taskId)}
          onPointerDown={(e) => startCardDrag(e, props.taskId, t().title, props.lane)}
        >
          <Show when={t().coverImage}>
            {(sha256) => <Thumbnail sha256={sha256()} class="card-thumbnail" />}
          </Show>
          <div class="card-title">
            <Marked text={t().title} words={words()} />
          </div>
          <Show when={selectors()[0]}>
            {(person) => (
              <span class="presence-tag" aria-hidden="true" title={person().name}>
                {person().initials}
              </span>
            )}
          </Show>
          <div class="card-meta">
            <For each={t().labels}>
              {(labelId) => {
                const label = () => props.store.labels().get(labelId);
                return (
                  <Show when={label()}>
                    {(l) => (
                      <span class="chip" style={{ "--chip": l().color }} title={l().name}>
                        {l().name}
                      </span>
                    )}
                  </Show>
                );
              }}
            </For>
            <Show when={checklist()}>
              {(text) => (
                <span class="meta" title="Checklist">
                  ✓ {text()}
                </span>
              )}
            </Show>
            <Show when={t().due}>{(due) => <DueChip due={due()} />}</Show>
            <Show when={t().commentCount > 0}>
              <span
                class="meta"
                title={`${t().commentCount} comment${t().commentCount === 1 ? "" : "s"}`}
                aria-label={`${t().commentCount} comment${t().commentCount === 1 ? "" : "s"}`}
              >
                <svg class="meta-icon" viewBox="0 0 16 16" aria-hidden="true">
                  <path d="M2.5 3h11a1 1 0 0 1 1 1v6.5a1 1 0 0 1-1 1H7l-3 2.5v-2.5H2.5a1 1 0 0 1-1-1V4a1 1 0 0 1 1-1z" />
                </svg>{" "}
                {t().commentCount}
              </span>
            </Show>
            <Show when={t().attachmentCount > 0}>
              <span
                class="meta"
                title={`${t().attachmentCount} file${t().attachmentCount === 1 ? "" : "s"}`}
                aria-label={`${t().attachmentCount} file${t().attachmentCount === 1 ? "" : "s"}`}
              >
                <svg class="meta-icon" viewBox="0 0 16 16" aria-hidden="true">
                  <path d="M10.5 4.5 5.2 9.8a1.4 1.4 0 0 0 2 2l5.6-5.6a2.8 2.8 0 0 0-4-4L3.2 7.8a4.2 4.2 0 0 0 6 6l4.3-4.3" />
                </svg>{" "}
                {t().attachmentCount}
              </span>
            </Show>
            <Show when={t().description.trim() !== ""}>
              <span class="meta" title="Has a description" aria-hidden="true">
                ≡
              </span>
            </Show>
            <span class="avatars">
              <For each={t().assignees}>
                {(id) => {
                  const shown = () => assignee(props.store.people(), id);
                  const name = () => {
                    const a = shown();
                    return a.kind === "member" ? a.person.name : a.id;
                  };
                  return (
                    <span
                      class="avatar"
                      classList={{ unmatched: shown().kind === "unmatched" }}
                      role="img"
                      title={shown().kind === "member" ? name() : `“${name()}” (not a member)`}
                      aria-label={`Assigned to ${name()}`}
                    >
                      {initials(name())}
                    </span>
                  );
                }}
              </For>
            </span>
          </div>
        </div>
      )}
    </Show>
  );
}

function Composer(props: { columnId: string }): JSX.Element {
  let input: HTMLInputElement | undefined;
  onMount(() => input?.focus());
  createEffect(on(app.draft, () => input?.focus()));
  return (
    <form
      class="composer"
      onSubmit={(e) => {
        e.preventDefault();
        const field = input;
        if (!field) return;
        const title = field.value;
        field.value = "";
        app.spawn(() => app.submitDraft(title));
      }}
    >
      <input
        ref={input}
        aria-label="Task title"
        placeholder="Task title, Enter to add, Esc to finish"
        data-column-id={props.columnId}
        onInput={(e) => app.setDraftText(e.currentTarget.value)}
        onBlur={(e) => {
          if (e.currentTarget.value.trim() === "" && !e.relatedTarget) app.spawn(app.cancelDraft);
        }}
      />
    </form>
  );
}

function Column(props: {
  store: BoardStore;
  columnId: string;
  index: number;
  /** The swimlane whose cards it shows. */
  lane?: number | undefined;
}): JSX.Element {
  const column = createMemo(() => props.store.column(props.columnId)?.());
  const ids = createMemo(() =>
    props.lane === undefined
      ? app.visibleTasks(props.columnId, props.store)
      : app.cellTasks(props.lane, props.columnId, props.store),
  );
  const liveCount = createMemo(
    () => props.store.taskIds(props.columnId)().length + props.store.withheld(props.columnId),
  );
  /** Rows the column scrolls through: its cards, and those a first screen has not brought yet. */
  const rows = () =>
    ids().length +
    (props.lane === undefined && app.query() === "" ? props.store.withheld(props.columnId) : 0);
  const [scrollTop, setScrollTop] = createSignal(0);
  const [height, setHeight] = createSignal(600);
  let scroller: HTMLDivElement | undefined;

  onMount(() => {
    const list = scroller;
    if (!list) return;
    const observer = new ResizeObserver(() => setHeight(list.clientHeight));
    observer.observe(list);
    onCleanup(() => observer.disconnect());
  });

  const range = createMemo(() => {
    const first = Math.max(0, Math.floor(scrollTop() / rowHeight()) - ROW_OVERSCAN);
    const last = Math.min(
      ids().length,
      Math.ceil((scrollTop() + height()) / rowHeight()) + ROW_OVERSCAN,
    );
    return { first, last };
  });
  const slice = createMemo(() => ids().slice(range().first, range().last));

  const isFocusedColumn = () =>
    app.focus().columnId === props.columnId &&
    (props.lane === undefined || app.focus().lane === props.lane);

  // Keep the focused card in view.
  createEffect(() => {
    const f = app.focus();
    if (!isFocusedColumn() || !scroller) return;
    const top = f.taskIndex * rowHeight();
    const view = scroller.clientHeight;
    if (top < scroller.scrollTop) scroller.scrollTop = top;
    else if (top + rowHeight() + 4 > scroller.scrollTop + view) {
      scroller.scrollTop = top + rowHeight() + 4 - view;
    }
    setScrollTop(scroller.scrollTop);
  });

  // An empty column takes focus itself so the cursor is always somewhere visible.
  createEffect(
    on([isFocusedColumn, ids, app.focusTick, app.overlay, app.draft, app.detailTaskId], () => {
      if (!isFocusedColumn() || ids().length > 0 || !scroller) return;
      if (app.overlay() !== "none" || app.draft() !== null || app.detailTaskId() !== null) return;
      if (document.activeElement?.closest("input, textarea") != null) return;
      scroller.focus({ preventScroll: true });
    }),
  );

  const over = () => {
    const wip = column()?.wip;
    return wip !== null && wip !== undefined && liveCount() > wip;
  };
  /**
   * The whole column's count, with its WIP limit, read aloud. In a lane the header shows the
   * lane's cards (as the lane's title counts them) and says the column's in its title: WIP
   * limits stay the whole column's.
   */
  const columnCount = (wip: number | null) =>
    wip === null
      ? `${liveCount()} tasks`
      : `${liveCount()} of ${wip} tasks${over() ? ", over the limit" : ""}`;

  return (
    <Show when={column()}>
      {(c) => (
        <section
          class="column"
          role="group"
          aria-label={c().title}
          data-column-id={props.columnId}
          data-lane={props.lane}
          classList={{ focused: isFocusedColumn(), over: over() }}
          style={{ transform: `translateX(${props.index * (COLUMN_WIDTH + COLUMN_GAP)}px)` }}
        >
          <header
            class="column-header"
            onPointerDown={(e) => startColumnDrag(e, props.columnId, c().title)}
          >
            <h2 class="column-title" onDblClick={() => app.run("column.rename")}>
              {c().title}
            </h2>
            <span
              class="count"
              data-over={over() ? "true" : "false"}
              title={
                props.lane === undefined
                  ? over()
                    ? "Over the WIP limit"
                    : undefined
                  : `The column: ${columnCount(c().wip)}`
              }
              aria-label={
                props.lane === undefined
                  ? columnCount(c().wip)
                  : `${ids().length} in this lane; the column: ${columnCount(c().wip)}`
              }
            >
              {props.lane === undefined ? liveCount() : ids().length}
              {c().wip === null || props.lane !== undefined ? "" : ` / ${c().wip}`}
            </span>
            <button
              type="button"
              class="icon-button add-task"
              tabindex="-1"
              aria-label={`Add a task to ${c().title}`}
              aria-disabled={app.readOnlyReason() !== null ? "true" : undefined}
              title={app.readOnlyReason() ?? "Add a task (o)"}
              onPointerDown={(e) => e.stopPropagation()}
              onClick={() => {
                const reason = app.readOnlyReason();
                if (reason === null) app.openDraftAtEnd(props.columnId);
                else app.notify(reason);
              }}
            >
              +
            </button>
          </header>
          <Show when={app.draft()?.columnId === props.columnId}>
            <Composer columnId={props.columnId} />
          </Show>
          <div
            ref={scroller}
            class="cards"
            role="listbox"
            aria-label={`${c().title} tasks`}
            tabindex={isFocusedColumn() && ids().length === 0 ? 0 : -1}
            data-column-id={props.columnId}
            onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}
            onClick={(e) => {
              if (e.target === e.currentTarget) {
                app.setCursor({
                  columnId: props.columnId,
                  columnIndex: props.index,
                  taskId: null,
                  taskIndex: 0,
                  lane: props.lane,
                });
              }
            }}
          >
            <div class="cards-space" style={{ height: `${rows() * rowHeight()}px` }} />
            <For each={slice()}>
              {(taskId, i) => (
                <Card
                  store={props.store}
                  taskId={taskId}
                  columnId={props.columnId}
                  index={range().first + i()}
                  setSize={rows()}
                  lane={props.lane}
                />
              )}
            </For>
            <Show when={ids().length === 0}>
              <p class="empty">
                {app.query() === "" ? "No tasks. Press o to add one." : "No matches."}
              </p>
            </Show>
            <Show
              when={
                dragState()?.overColumn === props.columnId &&
                dragState()?.overLane === props.lane &&
                dragState()?.kind === "task"
              }
            >
              <div
                class="drop-line"
                style={{
                  transform: `translateY(${(dragState()?.overIndex ?? 0) * rowHeight() - 4}px)`,
                }}
              />
            </Show>
          </div>
        </section>
      )}
    </Show>
  );
}

export function Board(props: { store: BoardStore }): JSX.Element {
  const [scrollLeft, setScrollLeft] = createSignal(0);
  const [scrollTop, setScrollTop] = createSignal(0);
  const [width, setWidth] = createSignal(1000);
  const [height, setHeight] = createSignal(800);
  let scroller: HTMLDivElement | undefined;

  onMount(() => {
    const board = scroller;
    if (!board) return;
    const observer = new ResizeObserver(() => {
      setWidth(board.clientWidth);
      setHeight(board.clientHeight);
    });
    observer.observe(board);
    onCleanup(() => observer.disconnect());
  });

  const stride = COLUMN_WIDTH + COLUMN_GAP;
  const columns = () => props.store.columnIds();
  const range = createMemo(() => {
    const first = Math.max(0, Math.floor(scrollLeft() / stride) - COLUMN_OVERSCAN);
    const last = Math.min(
      columns().length,
      Math.ceil((scrollLeft() + width()) / stride) + COLUMN_OVERSCAN,
    );
    return { first, last };
  });
  const visible = createMemo(() => columns().slice(range().first, range().last));

  // Keep the focused column in view, also when the board narrows (the detail panel opens).
  createEffect(() => {
    const index = app.focus().columnIndex;
    width();
    if (!scroller) return;
    const left = index * stride;
    if (left < scroller.scrollLeft) scroller.scrollLeft = left;
    else if (left + COLUMN_WIDTH + 2 * BOARD_PADDING > scroller.scrollLeft + scroller.clientWidth) {
      scroller.scrollLeft = left + COLUMN_WIDTH + 2 * BOARD_PADDING - scroller.clientWidth;
    }
    setScrollLeft(scroller.scrollLeft);
  });

  /**
   * Where each lane starts on the board, then where the last one ends. A lane is as tall as its
   * tallest cell, so this is known without laying anything out, also for lanes not mounted.
   */
  const laneEdges = createMemo((): readonly number[] => {
    if (app.grouping() === "none") return [];
    let top = BOARD_SPACE_HEIGHT;
    const edges = [top];
    for (let lane = 0; lane < app.lanes().length; lane++) {
      let rows = 1;
      for (const c of columns()) {
        rows = Math.max(rows, Math.min(LANE_MAX_ROWS, app.cellTasks(lane, c, props.store).length));
      }
      top += rows * rowHeight() + LANE_CHROME_HEIGHT;
      edges.push(top);
    }
    return edges;
  });
  /** The first and last lanes within a viewport's height above or below the board's viewport. */
  const nearLanes = createMemo(
    () => {
      const edges = laneEdges();
      return {
        first: laneAt(edges, scrollTop() - height()),
        last: laneAt(edges, scrollTop() + 2 * height()),
      };
    },
    undefined,
    { equals: (a, b) => a.first === b.first && a.last === b.last },
  );

  // Keep the focused lane in view, as the focused column: its columns mount there, so j, k,
  // a card moved to another lane or a search result land on a card that is on screen.
  createEffect(
    on([app.focus, height], ([f, view]) => {
      const top = f.lane === undefined ? undefined : laneEdges()[f.lane];
      const bottom = f.lane === undefined ? undefined : laneEdges()[f.lane + 1];
      if (!scroller || top === undefined || bottom === undefined) return;
      if (top < scroller.scrollTop) scroller.scrollTop = top;
      else if (bottom > scroller.scrollTop + view) {
        scroller.scrollTop = Math.min(top, bottom - view);
      }
      setScrollTop(scroller.scrollTop);
    }),
  );

  return (
    <div
      ref={scroller}
      class="board"
      classList={{ lanes: app.grouping() !== "none" }}
      role="region"
      aria-label={`Board ${props.store.title()}`}
      aria-roledescription="board"
      aria-readonly={app.readOnlyReason() !== null ? "true" : "false"}
      data-board-id={props.store.id}
      onScroll={(e) => {
        setScrollLeft(e.currentTarget.scrollLeft);
        setScrollTop(e.currentTarget.scrollTop);
      }}
    >
      <div
        class="board-space"
        style={{ width: `${columns().length * stride + ADD_COLUMN_WIDTH + 2 * BOARD_PADDING}px` }}
      />
      <Show
        when={app.grouping() !== "none"}
        fallback={
          <For each={visible()}>
            {(columnId, i) => (
              <Column store={props.store} columnId={columnId} index={range().first + i()} />
            )}
          </For>
        }
      >
        <For each={app.lanes()}>
          {(lane, l) => {
            // The lane's tasks, once each.
            const count = createMemo(() => {
              const ids = new Set<string>();
              for (const c of columns()) {
                for (const id of app.cellTasks(l(), c, props.store)) ids.add(id);
              }
              return ids.size;
            });
            const mounted = createMemo(
              () =>
                (nearLanes().first <= l() && l() <= nearLanes().last) || app.focus().lane === l(),
            );
            return (
              <section
                class="lane"
                role="group"
                aria-label={`${lane.title}, ${count()} tasks`}
                style={{
                  height: `${(laneEdges()[l() + 1] ?? 0) - (laneEdges()[l()] ?? 0)}px`,
                }}
              >
                <h3 class="lane-title">
                  {lane.title} <span class="count">{count()}</span>
                </h3>
                <Show when={mounted()}>
                  <For each={visible()}>
                    {(columnId, i) => (
                      <Column
                        store={props.store}
                        columnId={columnId}
                        index={range().first + i()}
                        lane={l()}
                      />
                    )}
                  </For>
                </Show>
              </section>
            );
          }}
        </For>
      </Show>
      <button
        type="button"
        class="add-column"
        tabindex="-1"
        aria-disabled={app.readOnlyReason() !== null ? "true" : undefined}
        title={app.readOnlyReason() ?? undefined}
        style={{ transform: `translateX(${columns().length * stride}px)` }}
        onClick={() => app.run("column.new")}
      >
        + Add column <kbd>C</kbd>
      </button>
    </div>
  );
}

/** The lane at height `y` of the board, given where lanes start (-1 above the first one). */
function laneAt(edges: readonly number[], y: number): number {
  const after = edges.findIndex((top) => top > y);
  return (after < 0 ? edges.length : after) - 1;
}

/** A card's due: relative words, and an icon whose shape (not only its colour) says overdue
 * (a warning sign) or due soon (a filled clock). */
export function DueChip(props: { due: string }): JSX.Element {
  const status = () => dueStatus(props.due, now());
  return (
    <span
      class={`meta due due-${status()}`}
      title={dueLabel(props.due, now())}
      aria-label={dueLabel(props.due, now())}
      data-status={status()}
    >
      <svg class="meta-icon" viewBox="0 0 16 16" aria-hidden="true">
        <Show
          when={status() === "overdue"}
          fallback={
            <>
              <circle cx="8" cy="8" r="6" class={status() === "soon" ? "filled" : ""} />
              <path d="M8 4.5V8l2.5 1.5" />
            </>
          }
        >
          <path d="M8 1.8 15 14H1z" />
          <path d="M8 6v4M8 11.5v1" />
        </Show>
      </svg>{" "}
      {describeDue(props.due, now())}
    </span>
  );
}
