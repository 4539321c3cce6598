// The toast: shown, replaced, gone after its time; a failed action says why.

import { createRoot } from "solid-js";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createToasts, TOAST_MS } from "./toast";

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe("toast", () => {
  it("goes after its time, counted again from the newest one", () => {
    const toasts = createRoot(() => createToasts());
    toasts.notify("Task archived", true);
    expect(toasts.toast()).toEqual({ text: "Task archived", undo: true });
    vi.advanceTimersByTime(TOAST_MS - 1000);
    toasts.notify("Column archived");
    vi.advanceTimersByTime(TOAST_MS - 1);
    expect(toasts.toast()).toEqual({ text: "Column archived", undo: false });
    vi.advanceTimersByTime(1);
    expect(toasts.toast()).toBeNull();
  });

  it("shows a failed action's message instead of dropping it", async () => {
    const toasts = createRoot(() => createToasts());
    toasts.spawn(() => Promise.reject(new Error("A title cannot be empty.")));
    await vi.advanceTimersByTimeAsync(0);
    expect(toasts.toast()?.text).toBe("A title cannot be empty.");
    toasts.dismiss();
    expect(toasts.toast()).toBeNull();
  });
});
