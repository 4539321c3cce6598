// Pointer drag and drop of cards and columns. The keyboard does the same with H J K L and
// < >; both end in one `moveTask` / `moveColumn` op. A card dropped in another swimlane also
// changes that lane's field, as Alt+Shift+j/k do (moves.ts).

import { createSignal } from "solid-js";
import { app } from "../app/app";
import { rowHeight, SORT_TITLES } from "../app/view";
import type { Place } from "../ipc";

export interface DragState {
  kind: "task" | "column";
  id: string;
  title: string;
  x: number;
  y: number;
  overColumn: string | null;
  /** The swimlane of that column (left out without lanes). */
  overLane?: number | undefined;
  /** For tasks: the slot in the target column's visible list (excluding the dragged task). */
  overIndex: number;
}

const [dragState, setDragState] = createSignal<DragState | null>(null);
export { dragState };

const THRESHOLD = 5;

function columnAt(x: number, y: number): HTMLElement | null {
  const hit = document.elementFromPoint(x, y);
  return hit instanceof Element ? hit.closest<HTMLElement>("section.column") : null;
}

function slotAt(column: HTMLElement, y: number): number {
  const list = column.querySelector<HTMLElement>(".cards");
  if (!list) return 0;
  const top = list.getBoundingClientRect().top;
  return Math.max(0, Math.round((y - top + list.scrollTop) / rowHeight()));
}

function track(
  start: PointerEvent,
  kind: DragState["kind"],
  id: string,
  title: string,
  drop: (state: DragState) => void,
) {
  if (start.button !== 0) return;
  const originX = start.clientX;
  const originY = start.clientY;
  let active = false;

  const move = (e: PointerEvent) => {
    if (!active && Math.hypot(e.clientX - originX, e.clientY - originY) < THRESHOLD) return;
    active = true;
    const column = columnAt(e.clientX, e.clientY);
    setDragState({
      kind,
      id,
      title,
      x: e.clientX,
      y: e.clientY,
      overColumn: column?.dataset["columnId"] ?? null,
      overLane: column?.dataset["lane"] === undefined ? undefined : Number(column.dataset["lane"]),
      overIndex: column ? slotAt(column, e.clientY) : 0,
    });
  };
  const end = (e: PointerEvent) => {
    window.removeEventListener("pointermove", move);
    window.removeEventListener("pointerup", end);
    window.removeEventListener("pointercancel", end);
    const state = dragState();
    setDragState(null);
    if (active && state && e.type === "pointerup") drop(state);
  };
  window.addEventListener("pointermove", move);
  window.addEventListener("pointerup", end);
  window.addEventListener("pointercancel", end);
}

/** Lifts a card shown in swimlane `lane` (left out without lanes). */
export function startCardDrag(event: PointerEvent, taskId: string, title: string, lane?: number) {
  // A viewer's card does not lift: nothing could be dropped.
  if (app.readOnlyReason() !== null) return;
  track(event, "task", taskId, title, (state) => {
    const columnId = state.overColumn;
    if (columnId === null) return;
    const to = state.overLane;
    const stays = app.store()?.columnOf(taskId) === columnId;
    // Into another lane of its column: only the lane's field changes.
    if (stays && to !== lane) return app.dropTask(taskId, columnId, null, lane, to);
    const sort = app.sortedBy();
    if (sort !== "rank") {
      // Shown sorted, a slot among the cards says nothing about the shared order (rank).
      if (stays) {
        app.notify(
          `Sorted by ${SORT_TITLES[sort]}: cards reorder only in the board's own order (z s switches to it)`,
        );
        return;
      }
      return app.dropTask(taskId, columnId, { kind: "bottom" }, lane, to);
    }
    // The slot is among the cards of the lane it was dropped in.
    const ids = app.cellTasks(to ?? 0, columnId).filter((id) => id !== taskId);
    const before = ids[state.overIndex];
    const last = ids[ids.length - 1];
    const place: Place =
      before !== undefined
        ? { kind: "before", id: before }
        : last !== undefined
          ? { kind: "after", id: last }
          : { kind: "bottom" };
    app.dropTask(taskId, columnId, place, lane, to);
  });
}

export function startColumnDrag(event: PointerEvent, columnId: string, title: string) {
  if (app.readOnlyReason() !== null) return;
  track(event, "column", columnId, title, (state) => {
    const target = state.overColumn;
    const store = app.store();
    if (target === null || target === columnId || !store) return;
    const order = store.columnIds();
    const place: Place =
      order.indexOf(target) > order.indexOf(columnId)
        ? { kind: "after", id: target }
        : { kind: "before", id: target };
    app.spawn(() => app.applyOp({ type: "moveColumn", columnId, place }));
  });
}
