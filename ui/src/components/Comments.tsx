// A task's conversation in its detail panel (DESIGN §1, root `comments`): oldest first, each
// with its author's name and a relative time; Ctrl/Cmd-Enter posts; only the author edits or
// deletes. The list is asked for only when the card counts comments, and again whenever that
// count changes (a post, a delete, a teammate's comment arriving by sync). Typing `@` in the
// composer lists the board's members (filtered as typed; Up/Down, Enter or Tab choose, Esc
// closes the list and keeps the text); a chosen member is posted as `@[userId]`.

import { createEffect, createMemo, createSignal, For, on, Show, type JSX } from "solid-js";
import { app } from "../app/app";
import * as ipc from "../ipc";
import type { CommentEntry, DirectoryEntry, TaskView } from "../ipc";
import {
  describe,
  encodeMentions,
  initials,
  matchPeople,
  mentionAt,
  mentionText,
} from "../model/people";
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
  const mentions = createMentions(() => area);

  async function load() {
    const taskId = props.task.id;
    const listed = await ipc.listComments(props.boardId, taskId);
    if (props.task.id === taskId) setComments(listed);
  }

  // Keyed by task, count and stamp (a memo, so other edits of the task do not ask again; the
  // stamp changes when a teammate edits or deletes a comment).
  const key = createMemo(
    () => `${props.task.id}\u0000${props.task.commentCount}\u0000${props.task.commentStamp}`,
  );
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
    const typed = area?.value.trim() ?? "";
    if (typed === "" || !area) return;
    const box = area;
    const body = encodeMentions(typed, mentions.chosen);
    app.spawn(async () => {
      await ipc.addComment(props.boardId, props.task.id, body);
      box.value = "";
      mentions.reset();
    });
  }

  function saveEdit(comment: CommentEntry, body: string) {
    setEditing(null);
    if (body.trim() === "" || body.trim() === comment.body) return;
    // The task's patch brings a new comment stamp, and the list is read again.
    app.spawn(() => ipc.editComment(props.boardId, comment.id, body.trim()));
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
      <div class="member-picker">
        <textarea
          ref={area}
          class="comment-input"
          aria-label="Write a comment"
          placeholder="Write a comment… @ to mention (Ctrl+Enter to post)"
          rows={2}
          aria-autocomplete="list"
          aria-controls={mentions.listId}
          aria-expanded={mentions.open()}
          aria-activedescendant={
            mentions.open() ? `${mentions.listId}-${mentions.active()}` : undefined
          }
          onInput={() => mentions.typed()}
          onClick={() => mentions.typed()}
          onBlur={() => mentions.close()}
          onKeyDown={(e) => {
            if (mentions.onKeyDown(e)) return;
            if (isSubmit(e)) {
              e.preventDefault();
              post();
            }
          }}
        />
        <Show when={mentions.open()}>
          <ul id={mentions.listId} class="member-list" role="listbox" aria-label="Mention">
            <For each={mentions.matches()}>
              {(person, i) => (
                <li
                  id={`${mentions.listId}-${i()}`}
                  role="option"
                  aria-selected={i() === mentions.active()}
                  onMouseDown={(e) => {
                    e.preventDefault();
                    mentions.choose(person);
                  }}
                >
                  <span class="avatar" aria-hidden="true">
                    {initials(person.name)}
                  </span>
                  {describe(person)}
                </li>
              )}
            </For>
          </ul>
        </Show>
      </div>
    </section>
  );
}

let mentionLists = 0;

/** The `@` list of a comment box: what is typed after `@` filters the board's people. */
function createMentions(box: () => HTMLTextAreaElement | undefined) {
  const listId = `mention-list-${++mentionLists}`;
  const people = (): readonly DirectoryEntry[] => app.store()?.people() ?? [];
  const [query, setQuery] = createSignal<{ start: number; query: string } | null>(null);
  const [active, setActive] = createSignal(0);
  /** Text written for each member chosen from the list -> their id, for posting. */
  const chosen = new Map<string, string>();

  const matches = createMemo(() => {
    const at = query();
    return at === null ? [] : matchPeople(people(), at.query);
  });
  const open = () => matches().length > 0;

  function typed() {
    const el = box();
    const at = el ? mentionAt(el.value, el.selectionStart) : null;
    const was = query();
    if (at?.start !== was?.start || at?.query !== was?.query) setActive(0);
    setQuery(at);
  }

  function close() {
    setQuery(null);
  }

  function choose(person: DirectoryEntry | undefined) {
    const el = box();
    const at = query();
    if (!el || !at || !person) return;
    const text = mentionText(people(), person);
    chosen.set(text, person.userId);
    const end = at.start + 1 + at.query.length;
    const inserted = `@${text} `;
    el.value = el.value.slice(0, at.start) + inserted + el.value.slice(end);
    const caret = at.start + inserted.length;
    el.setSelectionRange(caret, caret);
    close();
  }

  /** Handles a key for the list; true when it was the list's. */
  function onKeyDown(e: KeyboardEvent): boolean {
    if (!open()) return false;
    const count = matches().length;
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      const step = e.key === "ArrowDown" ? 1 : -1;
      setActive((at) => (at + step + count) % count);
      return true;
    }
    if ((e.key === "Enter" && !e.ctrlKey && !e.metaKey) || e.key === "Tab") {
      e.preventDefault();
      choose(matches()[Math.min(active(), count - 1)]);
      return true;
    }
    if (e.key === "Escape") {
      // The list closes; the text and the panel stay.
      e.preventDefault();
      e.stopPropagation();
      close();
      return true;
    }
    return false;
  }

  return {
    listId,
    open,
    active,
    matches,
    chosen,
    typed,
    close,
    choose,
    onKeyDown,
    reset: () => chosen.clear(),
  };
}
