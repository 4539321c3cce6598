// A task's conversation in its detail panel (DESIGN §1, root `comments`): oldest first, each
// with its author's name and a relative time; Ctrl/Cmd-Enter posts; only the author edits or
// deletes. The list is asked for only when the card counts comments, and again whenever that
// count changes (a post, a delete, a teammate's comment arriving by sync).

import { createEffect, createMemo, createSignal, For, on, Show, type JSX } from "solid-js";
import { app } from "../app/app";
import * as ipc from "../ipc";
import type { CommentEntry, TaskView } from "../ipc";
import { Markdown } from "./Markdown";

/** "just now", "5 min ago", "3 h ago", "2 days ago", then the date. */
export function relativeTime(ms: number, now: number): string {
  const minutes = Math.floor((now - ms) / 60_000);
  if (minutes < 1) return "just now";
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} h ago`;
  const days = Math.floor(hours / 24);
  if (days < 7) return days === 1 ? "yesterday" : `${days} days ago`;
  return new Date(ms).toISOString().slice(0, 10);
}

const isSubmit = (e: KeyboardEvent) => e.key === "Enter" && (e.ctrlKey || e.metaKey);

export function Comments(props: { boardId: string; task: TaskView }): JSX.Element {
  const [comments, setComments] = createSignal<CommentEntry[]>([]);
  const [editing, setEditing] = createSignal<string | null>(null);
  let area: HTMLTextAreaElement | undefined;

  async function load() {
    const taskId = props.task.id;
    const listed = await ipc.listComments(props.boardId, taskId);
    if (props.task.id === taskId) setComments(listed);
  }

  // Keyed by task and count (a memo, so other edits of the task do not ask again).
  const key = createMemo(() => `${props.task.id}\u0000${props.task.commentCount}`);
  createEffect(
    on(key, () => {
      if (props.task.commentCount > 0) app.spawn(load);
      else setComments([]);
    }),
  );

  // `c` on the board or in the panel: straight to the comment box.
  createEffect(() => {
    if (app.commentRequested()) {
      app.setCommentRequested(false);
      setTimeout(() => area?.focus(), 0);
    }
  });

  function post() {
    const body = area?.value.trim() ?? "";
    if (body === "" || !area) return;
    const box = area;
    app.spawn(async () => {
      await ipc.addComment(props.boardId, props.task.id, body);
      box.value = "";
    });
  }

  function saveEdit(comment: CommentEntry, body: string) {
    setEditing(null);
    if (body.trim() === "" || body.trim() === comment.body) return;
    app.spawn(async () => {
      await ipc.editComment(props.boardId, comment.id, body.trim());
      await load();
    });
  }

  return (
    <section class="field comments" aria-label="Comments">
      <div class="field-label">
        Comments
        <Show when={comments().length > 0}>
          <span class="muted"> {comments().length}</span>
        </Show>
      </div>
      <ol class="comment-list">
        <For each={comments()}>
          {(comment) => (
            <li class="comment" data-comment-id={comment.id}>
              <div class="comment-meta small">
                <strong>{comment.authorName}</strong>{" "}
                <time
                  class="muted"
                  dateTime={new Date(comment.createdAt).toISOString()}
                  title={new Date(comment.createdAt).toLocaleString()}
                >
                  {relativeTime(comment.createdAt, Date.now())}
                </time>
                <Show when={comment.editedAt !== null}>
                  <span class="muted"> (edited)</span>
                </Show>
                <Show when={comment.mine}>
                  <button
                    type="button"
                    class="link-button small"
                    aria-label="Edit comment"
                    onClick={() => setEditing(comment.id)}
                  >
                    Edit
                  </button>
                  <button
                    type="button"
                    class="link-button small"
                    aria-label="Delete comment"
                    onClick={() => app.spawn(() => ipc.deleteComment(props.boardId, comment.id))}
                  >
                    Delete
                  </button>
                </Show>
              </div>
              <Show
                when={editing() === comment.id}
                fallback={<Markdown source={comment.shownBody} />}
              >
                <textarea
                  class="comment-input"
                  aria-label="Edit comment text"
                  value={comment.body}
                  ref={(el) => setTimeout(() => el.focus(), 0)}
                  onKeyDown={(e) => {
                    if (isSubmit(e)) {
                      e.preventDefault();
                      saveEdit(comment, e.currentTarget.value);
                    } else if (e.key === "Escape") {
                      e.preventDefault();
                      e.stopPropagation();
                      setEditing(null);
                    }
                  }}
                />
              </Show>
            </li>
          )}
        </For>
      </ol>
      <textarea
        ref={area}
        class="comment-input"
        aria-label="Write a comment"
        placeholder="Write a comment… (Ctrl+Enter to post)"
        rows={2}
        onKeyDown={(e) => {
          if (isSubmit(e)) {
            e.preventDefault();
            post();
          }
        }}
      />
    </section>
  );
}
