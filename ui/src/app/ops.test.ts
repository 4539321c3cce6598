// Sending edits: refused before the shell on a read-only board, believed when the shell
// refuses, and "Saving…" only while answers are slow.

import { createRoot, createSignal } from "solid-js";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { useBackend } from "../ipc";
import type { OpResult } from "../ipc";
import { createOps, SLOW_SAVE_MS } from "./ops";

/** A backend whose `apply` answers when the test says so. */
function backend() {
  const calls: string[] = [];
  const answers: { resolve: (r: OpResult) => void; reject: (e: unknown) => void }[] = [];
  useBackend({
    listen: () => Promise.resolve(() => undefined),
    call(name) {
      calls.push(name);
      return new Promise((resolve, reject) => {
        answers.push({ resolve, reject });
      });
    },
  });
  return { calls, answers };
}

function ops(boardId: string | null = "b1") {
  const [reason, setReason] = createSignal<string | null>(null);
  const refused: [string, string][] = [];
  const made = createRoot(() =>
    createOps({
      boardId: () => boardId,
      readOnlyReason: reason,
      refusedAsReadOnly: (board, why) => refused.push([board, why]),
    }),
  );
  return { ...made, setReason, refused };
}

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe("ops", () => {
  it("says Saving only once answers take longer than the threshold, until all are in", async () => {
    const { answers } = backend();
    const { applyOp, saving } = ops();
    const first = applyOp({ type: "renameBoard", title: "A" });
    const second = applyOp({ type: "renameBoard", title: "B" });
    vi.advanceTimersByTime(SLOW_SAVE_MS - 1);
    expect(saving()).toBe(false);
    vi.advanceTimersByTime(1);
    expect(saving()).toBe(true);
    answers[0]?.resolve({ createdId: null });
    await first;
    expect(saving()).toBe(true);
    answers[1]?.resolve({ createdId: "c9" });
    expect(await second).toBe("c9");
    expect(saving()).toBe(false);
  });

  it("Saving never stays once every answer is in, however the ops overlap", async () => {
    const { answers } = backend();
    const { applyOp, saving } = ops();
    const first = applyOp({ type: "renameBoard", title: "A" });
    vi.advanceTimersByTime(SLOW_SAVE_MS - 50);
    const second = applyOp({ type: "renameBoard", title: "B" });
    answers[0]?.resolve({ createdId: null });
    answers[1]?.resolve({ createdId: null });
    await Promise.all([first, second]);
    vi.advanceTimersByTime(SLOW_SAVE_MS * 2);
    expect(saving()).toBe(false);
  });

  it("a quick answer never shows Saving", async () => {
    const { answers } = backend();
    const { applyOp, saving } = ops();
    const op = applyOp({ type: "renameBoard", title: "A" });
    answers[0]?.resolve({ createdId: null });
    await op;
    vi.advanceTimersByTime(SLOW_SAVE_MS * 2);
    expect(saving()).toBe(false);
  });

  it("refuses on a read-only board without asking the shell", async () => {
    const { calls } = backend();
    const { applyOp, setReason } = ops();
    setReason("You can view this board but not edit it.");
    await expect(applyOp({ type: "renameBoard", title: "A" })).rejects.toThrow(
      "You can view this board but not edit it.",
    );
    expect(calls).toEqual([]);
  });

  it("does nothing without an open board", async () => {
    const { calls } = backend();
    const { applyOp } = ops(null);
    expect(await applyOp({ type: "renameBoard", title: "A" })).toBeNull();
    expect(calls).toEqual([]);
  });

  it("believes the shell's read-only refusal, and only that one", async () => {
    const { answers } = backend();
    const { applyOp, refused, saving } = ops();
    const denied = applyOp({ type: "renameBoard", title: "A" });
    answers[0]?.reject({ kind: "readOnly", message: "Access removed" });
    await expect(denied).rejects.toEqual({ kind: "readOnly", message: "Access removed" });
    const failed = applyOp({ type: "renameBoard", title: "B" });
    answers[1]?.reject({ kind: "storage", message: "disk full" });
    await expect(failed).rejects.toEqual({ kind: "storage", message: "disk full" });
    expect(refused).toEqual([["b1", "Access removed"]]);
    expect(saving()).toBe(false);
  });
});
