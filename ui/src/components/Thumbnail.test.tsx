// @vitest-environment happy-dom
// An image pasted on a task shows as a thumbnail on its card and in its panel's Files list,
// made by the shell (a data: URL) and asked for once. Answered from a session recorded from the
// real shell (src-tauri/tests/scenarios/attachment-thumbnail.json).

import { render } from "solid-js/web";
import { afterEach, describe, expect, it } from "vitest";
import { app } from "../app/app";
import { useBackend } from "../ipc";
import { createReplayBackend, type ReplayBackend } from "../test/replay";
import { settle } from "../test/fixtures";
import recording from "../test/recorded/attachment-thumbnail.json";
import { attachPasted } from "./Attachments";
import { Board } from "./Board";
import { TaskDetail } from "./TaskDetail";
import { forgetThumbnails } from "./Thumbnail";

let replay: ReplayBackend;
let dispose: (() => void) | undefined;

afterEach(() => {
  expect(replay.unexpected()).toEqual([]);
  dispose?.();
  dispose = undefined;
  document.body.innerHTML = "";
  forgetThumbnails();
});

/** The bytes the recording pasted (a 60 × 40 PNG). */
function pastedBytes(): Uint8Array<ArrayBuffer> {
  for (const step of recording.steps) {
    if (typeof step === "object" && "call" in step && step.call === "attach_pasted") {
      const args = step.args as { bytes: number[] };
      return Uint8Array.from(args.bytes);
    }
  }
  throw new Error("the recording pastes nothing");
}

describe("image thumbnails", () => {
  it("shows a pasted image's thumbnail on its card and in the panel, asked for once", async () => {
    replay = createReplayBackend("attachment-thumbnail", { anyTime: ["set_selection"] });
    useBackend(replay);
    await app.start();
    await settle();
    const store = app.store();
    const taskId = app.focus().taskId;
    if (!store || taskId === null) throw new Error("no focused task");
    const boardId = store.id;
    app.setDetailTaskId(taskId);
    const root = document.createElement("div");
    document.body.append(root);
    dispose = render(
      () => (
        <>
          <Board store={store} />
          <TaskDetail store={store} taskId={taskId} />
        </>
      ),
      root,
    );
    await settle();
    const card = () => document.querySelector<HTMLElement>(`.card[data-task-id="${taskId}"]`);
    expect(card()?.querySelector("img")).toBeNull();
    expect(card()?.classList.contains("has-thumbnail")).toBe(false);

    const file = new File([pastedBytes()], "photo.png", { type: "image/png" });
    await attachPasted(boardId, taskId, [file]);
    await settle();

    // The card: the thumbnail the shell made, at its right; the paperclip still counts it.
    expect(store.task(taskId)?.().coverImage).toMatch(/^[0-9a-f]{64}$/);
    expect(card()?.classList.contains("has-thumbnail")).toBe(true);
    const onCard = card()?.querySelector<HTMLImageElement>("img.card-thumbnail");
    expect(onCard?.getAttribute("src")).toMatch(/^data:image\/jpeg;base64,\/9j\//);
    expect(card()?.querySelector('[aria-label="1 file"]')).not.toBeNull();

    // The panel's Files list: the same thumbnail beside the file's name.
    const inPanel = document.querySelector<HTMLImageElement>(".file img.file-thumbnail");
    expect(inPanel?.getAttribute("src")).toBe(onCard?.getAttribute("src"));
    expect(inPanel?.getAttribute("alt")).toBe("photo.png");

    // Made once: the card and the panel share one answer.
    const asked = replay.calls().filter((c) => c.name === "attachment_thumbnail");
    expect(asked).toHaveLength(1);
  });
});
