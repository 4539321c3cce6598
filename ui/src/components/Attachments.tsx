// A task's files in its detail panel (DESIGN §1 `attachments`): each with its size, who attached
// it and where its bytes are (on this computer, uploading, on the relay). "Attach file…" opens
// the system's file dialog from Rust (the window has no file access); Open hands the file to the
// system's application (downloading it first when it is not here; anything that would run asks
// first, right here); Save as… copies it where the person picks; Remove is one undoable edit.
// The list is asked for again whenever the card's file count changes, and every few seconds
// while an upload is pending.

import {
  createEffect,
  createMemo,
  createSignal,
  For,
  on,
  onCleanup,
  Show,
  type JSX,
} from "solid-js";
import { app } from "../app/app";
import * as ipc from "../ipc";
import type { AttachmentEntry, AttachmentState, TaskView } from "../ipc";
import { Thumbnail, THUMBNAIL_MIMES } from "./Thumbnail";

/** How often the list is asked for again while a file waits to be uploaded. */
export const UPLOAD_RECHECK_MS = 5000;

/** The most a pasted file may weigh (the shell refuses more: `MAX_PASTED_BYTES`). */
export const MAX_PASTED_BYTES = 10 * 1024 * 1024;

/** "512 B", "12 KB", "3.4 MB", "1.2 GB". */
export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KB", "MB", "GB", "TB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const shown = value < 10 ? value.toFixed(1).replace(/\.0$/, "") : Math.round(value).toString();
  return `${shown} ${units[unit]}`;
}

/** Where a file's bytes are, in words. */
export function stateText(state: AttachmentState): string {
  switch (state) {
    case "here":
      return "on this computer";
    case "uploading":
      return "uploading…";
    case "relay":
      return "on the server";
    case "refused":
      return "not uploaded";
  }
}

/** The files a paste holds (an image copied from elsewhere); none for pasted text. */
export function pastedFiles(event: ClipboardEvent): File[] {
  const items = event.clipboardData?.files;
  return items ? Array.from(items) : [];
}

/** A name for a pasted file that has none worth keeping ("image.png" from a screenshot). */
export function pastedName(file: File, now: Date): string {
  const extension = file.type.startsWith("image/") ? file.type.slice(6).replace("jpeg", "jpg") : "";
  if (file.name !== "" && file.name !== "image.png") return file.name;
  const stamp = now.toISOString().slice(0, 19).replace("T", " ").replace(/:/g, "-");
  return `Pasted ${stamp}${extension === "" ? "" : `.${extension}`}`;
}

/** Attaches pasted files to a task, each bounded. */
export async function attachPasted(boardId: string, taskId: string, files: File[]): Promise<void> {
  for (const file of files) {
    if (file.size > MAX_PASTED_BYTES) {
      app.notify(`${file.name || "The pasted file"} is too large to paste: use Attach file…`);
      continue;
    }
    const bytes = new Uint8Array(await file.arrayBuffer());
    await ipc.attachPasted(boardId, taskId, pastedName(file, new Date()), Array.from(bytes));
  }
}

export function Attachments(props: {
  boardId: string;
  task: TaskView;
  readOnly: boolean;
}): JSX.Element {
  const [files, setFiles] = createSignal<AttachmentEntry[]>([]);
  /** The executable waiting for "Open anyway". */
  const [confirming, setConfirming] = createSignal<string | null>(null);
  const [note, setNote] = createSignal<string | null>(null);

  async function load() {
    const taskId = props.task.id;
    const listed = await ipc.listAttachments(props.boardId, taskId);
    if (props.task.id === taskId) setFiles(listed);
  }

  // Keyed by task and count (a memo, so other edits of the task do not ask again).
  const key = createMemo(() => `${props.task.id}\u0000${props.task.attachmentCount}`);
  createEffect(
    on(key, () => {
      setConfirming(null);
      setNote(null);
      if (props.task.attachmentCount > 0) app.spawn(load);
      else setFiles([]);
    }),
  );

  // While an upload is pending, its state is asked for again now and then.
  const uploading = createMemo(() => files().some((f) => f.state === "uploading"));
  createEffect(() => {
    if (!uploading()) return;
    const timer = setInterval(() => app.spawn(load), UPLOAD_RECHECK_MS);
    onCleanup(() => clearInterval(timer));
  });

  function attach() {
    // The card's count changes with them, and the list is asked for again.
    app.spawn(async () => {
      await ipc.attachFiles(props.boardId, props.task.id);
    });
  }

  function open(file: AttachmentEntry, confirmed: boolean) {
    setConfirming(null);
    setNote(null);
    app.spawn(async () => {
      const opened = await ipc.openAttachment(props.boardId, props.task.id, file.id, confirmed);
      if (opened.type === "confirm") setConfirming(file.id);
      else if (opened.type === "uploading") setNote(opened.message);
      else if (file.state === "relay") await load();
    });
  }

  function saveAs(file: AttachmentEntry) {
    app.spawn(async () => {
      const written = await ipc.saveAttachmentAs(props.boardId, props.task.id, file.id);
      if (written !== null) app.notify(`Saved ${written}`);
    });
  }

  function remove(file: AttachmentEntry) {
    app.spawn(async () => {
      await ipc.removeAttachment(props.boardId, props.task.id, file.id);
      app.notify(`Removed ${file.name}`, true);
    });
  }

  return (
    <section class="field files" aria-label="Files">
      <div class="field-label">
        Files
        <Show when={files().length > 0}>
          <span class="muted"> {files().length}</span>
        </Show>
      </div>
      <ul class="file-list">
        <For each={files()}>
          {(file) => (
            <li class="file" data-attachment-id={file.id}>
              <Show when={THUMBNAIL_MIMES.includes(file.mime)}>
                <Thumbnail sha256={file.sha256} class="file-thumbnail" alt={file.name} />
              </Show>
              <button
                type="button"
                class="link-button file-name"
                aria-label={`Open ${file.name}`}
                title={file.mime}
                onClick={() => open(file, false)}
              >
                {file.name}
              </button>
              <span class="muted small">
                {" "}
                {formatSize(file.size)} · {file.authorName} ·{" "}
                <span class={`file-state file-${file.state}`} title={file.note ?? undefined}>
                  {stateText(file.state)}
                </span>
              </span>
              <span class="file-actions">
                <button
                  type="button"
                  class="link-button small"
                  aria-label={`Save ${file.name} as`}
                  onClick={() => saveAs(file)}
                >
                  Save as…
                </button>
                <button
                  type="button"
                  class="icon-button small"
                  aria-label={`Remove ${file.name}`}
                  disabled={props.readOnly}
                  onClick={() => remove(file)}
                >
                  ×
                </button>
              </span>
              <Show when={file.note}>{(why) => <p class="muted small">{why()}</p>}</Show>
              <Show when={confirming() === file.id}>
                <div class="file-confirm" role="alert">
                  <p class="small">
                    {file.name} is a program or script: opening it runs it. Open it only if you
                    trust {file.authorName === "You" ? "where it came from" : file.authorName}.
                  </p>
                  <button
                    type="button"
                    ref={(el) => queueMicrotask(() => el.focus())}
                    onClick={() => setConfirming(null)}
                  >
                    Cancel
                  </button>{" "}
                  <button type="button" class="danger" onClick={() => open(file, true)}>
                    Open anyway
                  </button>
                </div>
              </Show>
            </li>
          )}
        </For>
      </ul>
      <Show when={note()}>{(text) => <p class="muted small file-note">{text()}</p>}</Show>
      <button
        type="button"
        class="attach-file"
        aria-label="Attach file…"
        disabled={props.readOnly}
        onClick={attach}
      >
        Attach file…
      </button>
      <Show when={!props.readOnly}>
        <span class="muted small"> or drop files here, or paste an image</span>
      </Show>
    </section>
  );
}
