// @vitest-environment happy-dom
// A task's conversation in its panel: `c` goes to the comment box, Ctrl+Enter posts as me,
// the card counts it, and my own comment can be edited and deleted. Answered from a session
// recorded from the real shell (src-tauri/tests/scenarios/comments-post.json).

import { createSignal } from "solid-js";
import { render } from "solid-js/web";
import { afterEach, describe, expect, it } from "vitest";
import { app } from "../app/app";
import { useBackend } from "../ipc";
import { createReplayBackend, type ReplayBackend } from "../test/replay";
import { settle, task } from "../test/fixtures";
import type { CommentEntry } from "../ipc/types";
import { Comments, relativeTime } from "./Comments";
import { TaskDetail } from "./TaskDetail";

let replay: ReplayBackend;
let dispose: (() => void) | undefined;

afterEach(() => {
  expect(replay.unexpected()).toEqual([]);
  dispose?.();
  dispose = undefined;
  document.body.innerHTML = "";
});

function ctrlEnter(target: HTMLElement) {
  target.dispatchEvent(
    new KeyboardEvent("keydown", { key: "Enter", ctrlKey: true, bubbles: true, cancelable: true }),
  );
}

const comments = () =>
  [...document.querySelectorAll<HTMLElement>(".comment")].map((li) =>
    li.textContent.replace(/\s+/g, " ").trim(),
  );

describe("comments in the task panel", () => {
  it("posts with Ctrl+Enter, counts on the card, edits and deletes my own", async () => {
    replay = createReplayBackend("comments-post", { anyTime: ["set_selection"] });
    useBackend(replay);
    await app.start();
    await settle();
    const store = app.store();
    const taskId = app.focus().taskId;
    if (!store || taskId === null) throw new Error("no focused task");

    // `c` on the board opens the panel at the comment box.
    app.run("task.comment");
    expect(app.detailTaskId()).toBe(taskId);
    const root = document.createElement("div");
    document.body.append(root);
    dispose = render(() => <TaskDetail store={store} taskId={taskId} />, root);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const box = document.querySelector<HTMLTextAreaElement>(
      "textarea[aria-label='Write a comment']",
    );
    if (!box) throw new Error("no comment box");
    expect(document.activeElement).toBe(box);
    expect(comments()).toEqual([]);

    box.value = "Looks good to me";
    ctrlEnter(box);
    await settle();
    expect(store.task(taskId)?.().commentCount).toBe(1);
    expect(comments()).toHaveLength(1);
    expect(comments()[0]).toContain("You");
    expect(comments()[0]).toContain("Looks good to me");
    expect(box.value).toBe("");

    document.querySelector<HTMLButtonElement>("[aria-label='Edit comment']")?.click();
    const editor = document.querySelector<HTMLTextAreaElement>(
      "textarea[aria-label='Edit comment text']",
    );
    if (!editor) throw new Error("no comment editor");
    editor.value = "Looks **great**";
    ctrlEnter(editor);
    await settle();
    expect(comments()[0]).toContain("Looks great");
    expect(comments()[0]).toContain("(edited)");
    expect(
      document.querySelector(".comment strong + time, .comment .markdown strong"),
    ).not.toBeNull();

    document.querySelector<HTMLButtonElement>("[aria-label='Delete comment']")?.click();
    await settle();
    expect(store.task(taskId)?.().commentCount).toBe(0);
    expect(comments()).toEqual([]);
    const sent = replay
      .calls()
      .map((c) => c.name)
      .filter((n) => n.includes("comment"));
    expect(sent).toEqual([
      "add_comment",
      "list_comments",
      "edit_comment",
      "list_comments",
      "delete_comment",
    ]);
  });

  it("says when a comment was written, relative to now", () => {
    const now = Date.UTC(2026, 11, 4, 12, 0);
    expect(relativeTime(now - 20_000, now)).toBe("just now");
    expect(relativeTime(now - 5 * 60_000, now)).toBe("5 min ago");
    expect(relativeTime(now - 3 * 3_600_000, now)).toBe("3 h ago");
    expect(relativeTime(now - 26 * 3_600_000, now)).toBe("yesterday");
    expect(relativeTime(now - 3 * 86_400_000, now)).toBe("3 days ago");
    expect(relativeTime(Date.UTC(2026, 0, 2), now)).toBe("2026-01-02");
  });

  it("@ lists the board's members as typed; the chosen one is posted as @[id]", async () => {
    replay = createReplayBackend("comments-mention", { anyTime: ["set_selection"] });
    useBackend(replay);
    await app.start();
    await settle();
    const store = app.store();
    if (!store) throw new Error("no board");
    const taskId = replay.id("task:Pricing page copy");
    const root = document.createElement("div");
    document.body.append(root);
    dispose = render(() => <TaskDetail store={store} taskId={taskId} />, root);
    await settle();
    const box = document.querySelector<HTMLTextAreaElement>(
      "textarea[aria-label='Write a comment']",
    );
    if (!box) throw new Error("no comment box");
    // False when the list took the key (the app's own keys, Esc closing the panel, ignore it).
    const key = (k: string) =>
      box.dispatchEvent(new KeyboardEvent("keydown", { key: k, bubbles: true, cancelable: true }));
    const typeText = (text: string) => {
      box.value = text;
      box.setSelectionRange(text.length, text.length);
      box.dispatchEvent(new InputEvent("input", { bubbles: true }));
    };
    const listed = () =>
      [...document.querySelectorAll<HTMLElement>("[aria-label='Mention'] [role='option']")].map(
        (o) =>
          `${o.getAttribute("aria-selected") === "true" ? ">" : " "}${o.lastChild?.textContent ?? ""}`,
      );
    box.focus();

    typeText("Thanks @");
    expect(listed()).toEqual([">ada <ada@example.com>", " bo <bo@example.com>", " me (you)"]);
    expect(box.getAttribute("aria-expanded")).toBe("true");
    key("ArrowDown");
    key("ArrowDown");
    key("ArrowUp");
    expect(listed()[1]).toBe(">bo <bo@example.com>");
    // Esc closes the list; the text and the panel stay.
    expect(key("Escape")).toBe(false);
    expect(listed()).toEqual([]);
    expect(box.value).toBe("Thanks @");
    // With the list closed, Esc is the panel's again.
    expect(key("Escape")).toBe(true);

    typeText("Thanks @b");
    expect(listed()).toEqual([">bo <bo@example.com>"]);
    key("Enter");
    expect(box.value).toBe("Thanks @bo ");
    expect(listed()).toEqual([]);
    typeText(`${box.value}for the copy`);
    ctrlEnter(box);
    await settle();
    expect(comments()).toHaveLength(1);
    expect(comments()[0]).toContain("Thanks @bo for the copy");
    expect(box.value).toBe("");
  });
});

describe("a teammate's comment edit", () => {
  it("shows in the open panel when the task's comment stamp changes, and only then", async () => {
    let listed: CommentEntry[] = [];
    const calls: string[] = [];
    const entry = (body: string, editedAt: number | null): CommentEntry => ({
      id: "cm1",
      taskId: "t1",
      author: "ana",
      authorName: "ana",
      mine: false,
      body,
      shownBody: body,
      createdAt: 1_700_000_000_000,
      editedAt,
    });
    const fake = {
      listen: () => Promise.resolve(() => undefined),
      call(name: string) {
        calls.push(name);
        return Promise.resolve(name === "list_comments" ? listed : null);
      },
    };
    replay = Object.assign(fake, {
      unexpected: () => [],
    }) as unknown as ReplayBackend;
    useBackend(replay);
    const [shown, setShown] = createSignal({
      ...task("t1", "c1", "a0"),
      commentCount: 1,
      commentStamp: 7,
    });
    listed = [entry("Ship it Friday", null)];
    const root = document.createElement("div");
    document.body.append(root);
    dispose = render(() => <Comments boardId="b1" task={shown()} />, root);
    await settle();
    expect(comments()[0]).toContain("Ship it Friday");

    // Ana edits her comment on her computer: same count, a new stamp in the task's patch.
    listed = [entry("Ship it Monday", 1_700_000_100_000)];
    setShown({ ...shown(), title: "Renamed meanwhile" });
    await settle();
    expect(calls.filter((n) => n === "list_comments")).toHaveLength(1);
    setShown({ ...shown(), commentStamp: 8 });
    await settle();
    expect(calls.filter((n) => n === "list_comments")).toHaveLength(2);
    expect(comments()[0]).toContain("Ship it Monday");
    expect(comments()[0]).toContain("(edited)");
  });
});
