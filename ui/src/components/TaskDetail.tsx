// The task detail panel: title, Markdown description, labels, assignees, due date, checklist.
// Every field change is one `apply` op (so one undo step). The description saves itself while
// it is typed, and a teammate's edit of it merges into what is being typed.

import {
  createEffect,
  createMemo,
  createSignal,
  For,
  on,
  onCleanup,
  onMount,
  Show,
  untrack,
  type JSX,
} from "solid-js";
import { app } from "../app/app";
import { isMac } from "../app/keys";
import { describeDue, dueLabel, dueStatus, fullDue, now } from "../app/due";
import * as ipc from "../ipc";
import { errorKind, errorMessage, type BoardOp, type TaskView } from "../ipc";
import type { BoardStore } from "../model/store";
import { merge3, splice } from "../model/textmerge";
import { Assignees } from "./Assignees";
import { Attachments, attachPasted, pastedFiles } from "./Attachments";
import { Comments } from "./Comments";
import { History } from "./History";
import { Markdown } from "./Markdown";
import { ReminderField } from "./Reminder";

function send(op: BoardOp) {
  app.spawn(() => app.applyOp(op));
}

/**
 * The panel's field keys: Alt (Option on a Mac) and a letter puts the cursor in that field,
 * wherever focus is in the panel. The selector finds the field's input by its label.
 */
export const FIELD_KEYS: readonly { key: string; field: string; selector: string }[] = [
  { key: "t", field: "Title", selector: 'input[aria-label="Title"]' },
  { key: "d", field: "Description", selector: "textarea[aria-label=Description]" },
  { key: "l", field: "Labels", selector: 'input[aria-label="Add label"]' },
  { key: "a", field: "Assignees", selector: 'input[aria-label="Assign someone"]' },
  { key: "u", field: "Due", selector: "#due-input" },
  { key: "r", field: "Reminder", selector: "#reminder-select" },
  { key: "k", field: "Checklist", selector: 'input[aria-label="Add checklist item"]' },
  { key: "m", field: "Comment", selector: 'textarea[aria-label="Write a comment"]' },
  { key: "f", field: "Files", selector: 'section[aria-label="Files"] button:not(:disabled)' },
];

/** The field an Alt-key press in the panel asks for, if any (`e.code` is used: on a Mac,
 * Option turns the letter into another character). */
export function fieldForKey(event: {
  altKey: boolean;
  ctrlKey: boolean;
  metaKey: boolean;
  code: string;
}): (typeof FIELD_KEYS)[number] | undefined {
  if (!event.altKey || event.ctrlKey || event.metaKey || !event.code.startsWith("Key")) {
    return undefined;
  }
  const letter = event.code.slice(3).toLowerCase();
  return FIELD_KEYS.find((f) => f.key === letter);
}

export function TaskDetail(props: { store: BoardStore; taskId: string }): JSX.Element {
  const task = createMemo(() => props.store.task(props.taskId)?.());
  const [editingDescription, setEditingDescription] = createSignal(false);
  let titleInput: HTMLInputElement | undefined;
  let descriptionInput: HTMLTextAreaElement | undefined;
  /** Saves what the description editor holds (set while it is open). */
  let saveDescription: (() => void) | undefined;

  onMount(() => titleInput?.focus());

  // Closing the panel (Esc) keeps what was typed: removed fields get no blur event.
  onCleanup(() => {
    const t = task();
    if (!t || props.store.task(props.taskId) === undefined) return;
    if (titleInput) commitTitle(t, titleInput.value);
    if (editingDescription()) saveDescription?.();
  });

  // If the task disappears (deleted here or by a teammate), close the panel.
  createEffect(
    on(task, (t) => {
      if (t === undefined) app.setDetailTaskId(null);
    }),
  );

  const commitTitle = (t: TaskView, value: string) => {
    if (value.trim() !== "" && value.trim() !== t.title) {
      send({ type: "setTaskTitle", taskId: t.id, title: value.trim() });
    }
  };

  const labelByName = (name: string) =>
    [...props.store.labels().values()].find((l) => l.name.toLowerCase() === name.toLowerCase());

  async function addLabel(t: TaskView, name: string) {
    const existing = labelByName(name);
    const labelId = existing?.id ?? (await app.applyOp({ type: "addLabel", name, color: null }));
    if (labelId !== null) {
      await app.applyOp({ type: "setTaskLabel", taskId: t.id, labelId, present: true });
    }
  }

  return (
    <Show when={task()}>
      {(t) => (
        <aside
          class="detail"
          role="dialog"
          aria-modal="false"
          aria-label="Task details"
          aria-keyshortcuts={FIELD_KEYS.map((f) => `Alt+${f.key.toUpperCase()}`).join(" ")}
          data-task-id={props.taskId}
          onKeyDown={(e) => {
            const wanted = fieldForKey(e);
            if (wanted === undefined) return;
            e.preventDefault();
            e.stopPropagation();
            const panel = e.currentTarget;
            // The description edits in place: Alt-D opens its editor first.
            if (wanted.key === "d" && !editingDescription()) setEditingDescription(true);
            queueMicrotask(() => panel.querySelector<HTMLElement>(wanted.selector)?.focus());
          }}
          onPaste={(e) => {
            // A pasted image (or any file) is attached; pasted text goes where it was pasted.
            const files = pastedFiles(e);
            if (files.length === 0 || app.readOnlyReason() !== null) return;
            e.preventDefault();
            app.spawn(() => attachPasted(props.store.id, t().id, files));
          }}
        >
          <header class="detail-header">
            <input
              ref={titleInput}
              class="detail-title"
              aria-label="Title"
              value={t().title}
              readOnly={app.readOnlyReason() !== null}
              onKeyDown={(e) => {
                if (e.key === "Enter") {
                  // Enter keeps the title and goes on to the description.
                  e.preventDefault();
                  commitTitle(t(), e.currentTarget.value);
                  if (editingDescription()) descriptionInput?.focus();
                  else setEditingDescription(true);
                }
              }}
              onBlur={(e) => commitTitle(t(), e.currentTarget.value)}
            />
            <button
              type="button"
              class="icon-button"
              aria-label="Close task details"
              onClick={() => app.run("view.back")}
            >
              ×
            </button>
          </header>
          <p class="muted small field-keys">
            {`${isMac ? "⌥" : "Alt "}+ `}
            <For each={FIELD_KEYS}>
              {(f, i) => (
                <>
                  {i() > 0 ? " · " : ""}
                  <kbd>{f.key.toUpperCase()}</kbd> {f.field.toLowerCase()}
                </>
              )}
            </For>
          </p>
          <Show when={app.readOnlyReason()}>
            {(reason) => <p class="muted small">{reason()}</p>}
          </Show>
          {/* Outside the fieldset: a viewer opens and saves files too. */}
          <Attachments
            boardId={props.store.id}
            task={t()}
            readOnly={app.readOnlyReason() !== null}
          />
          {/* A viewer sees every field; a disabled fieldset makes them all read-only at once. */}
          <fieldset class="detail-fields" disabled={app.readOnlyReason() !== null}>
            <section class="field">
              <div class="field-label">
                <span>Description</span>
                <button
                  type="button"
                  class="link-button"
                  onClick={() => {
                    if (editingDescription()) saveDescription?.();
                    setEditingDescription(!editingDescription());
                  }}
                >
                  {editingDescription() ? "Done" : "Edit"}
                </button>
              </div>
              <Show
                when={editingDescription()}
                fallback={
                  <div
                    class="description-view"
                    tabindex="0"
                    role="button"
                    aria-label="Edit description"
                    onClick={() => setEditingDescription(true)}
                    onKeyDown={(e) => {
                      if (e.key === "Enter") {
                        e.preventDefault();
                        setEditingDescription(true);
                      }
                    }}
                  >
                    <Show
                      when={t().description.trim() !== ""}
                      fallback={<p class="muted">Add a description…</p>}
                    >
                      <Markdown source={t().description} />
                    </Show>
                  </div>
                }
              >
                <DescriptionEditor
                  ref={(el) => (descriptionInput = el)}
                  current={t().description}
                  saver={(save) => (saveDescription = save)}
                  onSave={(edit) =>
                    app.applyOp({ type: "spliceDescription", taskId: t().id, ...edit })
                  }
                  onDone={() => {
                    saveDescription?.();
                    setEditingDescription(false);
                  }}
                />
              </Show>
            </section>

            <section class="field">
              <div class="field-label">Labels</div>
              <div class="chips">
                <For each={t().labels}>
                  {(labelId) => {
                    const label = () => props.store.labels().get(labelId);
                    return (
                      <span class="chip" style={{ "--chip": label()?.color ?? "#888" }}>
                        {label()?.name ?? labelId}
                        <button
                          type="button"
                          aria-label={`Remove label ${label()?.name ?? labelId}`}
                          onClick={() =>
                            send({ type: "setTaskLabel", taskId: t().id, labelId, present: false })
                          }
                        >
                          ×
                        </button>
                      </span>
                    );
                  }}
                </For>
              </div>
              <AddField
                label="Add label"
                list="label-names"
                onAdd={(name) => app.spawn(() => addLabel(t(), name))}
              />
              <datalist id="label-names">
                <For each={[...props.store.labels().values()]}>
                  {(l) => <option value={l.name} />}
                </For>
              </datalist>
            </section>

            <Assignees store={props.store} task={t()} />

            <DueField task={t()} />

            <Show when={t().due !== null}>
              <ReminderField boardId={props.store.id} task={t()} />
            </Show>

            <section class="field">
              <div class="field-label">
                Checklist
                <Show when={t().checklist.length > 0}>
                  <span class="muted">
                    {" "}
                    {t().checklist.filter((i) => i.done).length}/{t().checklist.length}
                  </span>
                </Show>
              </div>
              <ul class="checklist">
                <For each={t().checklist}>
                  {(item, index) => (
                    <li>
                      <input
                        type="checkbox"
                        checked={item.done}
                        aria-label={item.text}
                        onChange={(e) =>
                          send({
                            type: "setChecklistItemDone",
                            taskId: t().id,
                            index: index(),
                            done: e.currentTarget.checked,
                          })
                        }
                      />
                      <span classList={{ done: item.done }}>{item.text}</span>
                      <button
                        type="button"
                        class="icon-button small"
                        aria-label={`Remove ${item.text}`}
                        onClick={() =>
                          send({ type: "removeChecklistItem", taskId: t().id, index: index() })
                        }
                      >
                        ×
                      </button>
                    </li>
                  )}
                </For>
              </ul>
              <AddField
                label="Add checklist item"
                onAdd={(text) => send({ type: "addChecklistItem", taskId: t().id, text })}
              />
            </section>

            <Comments boardId={props.store.id} task={t()} />

            <History boardId={props.store.id} taskId={t().id} />

            <footer class="detail-footer">
              <button
                type="button"
                onClick={() => {
                  send({ type: "setTaskArchived", taskId: t().id, archived: true });
                  app.setDetailTaskId(null);
                  app.notify("Task archived", true);
                }}
              >
                Archive
              </button>
              <button
                type="button"
                class="danger"
                onClick={() => {
                  send({ type: "deleteTask", taskId: t().id });
                  app.setDetailTaskId(null);
                  app.notify("Task deleted", true);
                }}
              >
                Delete
              </button>
              <span class="muted small">Esc to close · u to undo</span>
            </footer>
          </fieldset>
        </aside>
      )}
    </Show>
  );
}

/** How long typing pauses before the description is saved (each save is durable). */
export const DESCRIPTION_AUTOSAVE_MS = 400;

/**
 * The description's textarea. Its text belongs to the person typing: it is saved after each
 * pause (and on blur and close), so a crash loses at most the last pause's worth, and a change
 * that reaches it while typing (a teammate's edit, or the echo of a save) is merged into it
 * instead of replacing it.
 */
function DescriptionEditor(props: {
  ref: (el: HTMLTextAreaElement) => void;
  /** The stored description, as the board shows it now. */
  current: string;
  /** Hands the panel the editor's save, for Done and for closing. */
  saver: (save: () => void) => void;
  /** Sends one splice of `base` (the stored text it was made on); rejects as the shell does. */
  onSave: (edit: { base: string; at: number; delete: number; insert: string }) => Promise<unknown>;
  onDone: () => void;
}): JSX.Element {
  let area: HTMLTextAreaElement | undefined;
  /** The stored text my typing started from: the last one saved or seen. */
  let base = untrack(() => props.current);
  /** Texts saved and not yet seen coming back, oldest first. */
  const sent: string[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;

  const save = () => {
    clearTimeout(timer);
    timer = undefined;
    if (!area || area.value === base) return;
    // Only what changed goes, with the text it changed: the shell moves it past a teammate's
    // edit that reaches it first, instead of writing this whole text over theirs.
    const from = base;
    const text = area.value;
    const edit = splice(from, text);
    base = text;
    sent.push(text);
    props
      .onSave({ base: from, at: edit.at, delete: edit.remove, insert: edit.insert })
      .catch((error: unknown) => {
        const at = sent.indexOf(text);
        if (at >= 0) sent.splice(at, 1);
        if (errorKind(error) !== "conflict" || !area) return;
        // Someone changed the same words first: merge onto what is stored now and save again.
        const current = untrack(() => props.current);
        const merged = merge3(from, area.value, current);
        base = current;
        area.value = merged.text;
        saveSoon();
      });
  };
  const saveSoon = () => {
    clearTimeout(timer);
    timer = setTimeout(save, DESCRIPTION_AUTOSAVE_MS);
  };
  props.saver(save);
  onCleanup(() => clearTimeout(timer));

  onMount(() => {
    if (!area) return;
    area.value = base;
    area.focus();
    area.setSelectionRange(area.value.length, area.value.length);
  });

  createEffect(
    on(
      () => props.current,
      (current) => {
        if (!area) return;
        const echo = sent.indexOf(current);
        if (echo >= 0) {
          // One of my saves came back; an older one is not news once a newer is on its way.
          sent.splice(0, echo + 1);
          if (sent.length === 0) base = current;
          return;
        }
        const [start, end] = [area.selectionStart, area.selectionEnd];
        const merged = merge3(base, area.value, current);
        base = current;
        if (merged.text !== area.value) {
          area.value = merged.text;
          area.setSelectionRange(merged.map(start), merged.map(end));
        }
        if (merged.text !== current) saveSoon();
      },
      { defer: true },
    ),
  );

  return (
    <textarea
      ref={(el) => {
        area = el;
        props.ref(el);
      }}
      class="description-input"
      aria-label="Description"
      rows={8}
      onInput={saveSoon}
      onBlur={save}
      onKeyDown={(e) => {
        if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
          e.preventDefault();
          props.onDone();
        }
      }}
    />
  );
}

function AddField(props: {
  label: string;
  list?: string;
  onAdd: (value: string) => void;
}): JSX.Element {
  return (
    <form
      class="add-field"
      onSubmit={(e) => {
        e.preventDefault();
        const input = e.currentTarget.elements.namedItem("value");
        if (!(input instanceof HTMLInputElement)) return;
        const value = input.value.trim();
        if (value === "") return;
        input.value = "";
        props.onAdd(value);
      }}
    >
      <input
        name="value"
        aria-label={props.label}
        placeholder={`${props.label}…`}
        list={props.list}
      />
    </form>
  );
}

/** The due field: shows the due in full and relative words; a date or time is typed as people
 * say it ("tomorrow", "fri 15:00", "+3d"), read by the Rust side with a preview as it is typed,
 * and set with Enter. Esc clears what was typed; Enter on an empty field clears the due. */
function DueField(props: { task: TaskView }): JSX.Element {
  const [preview, setPreview] = createSignal<{ due: string } | { error: string } | null>(null);
  let input: HTMLInputElement | undefined;
  // Answers may come back out of order: only the latest one counts. The last answer is kept
  // so Enter does not ask again for what the preview already read.
  let asked = 0;
  let lastRead: { text: string; due: string | null } | null = null;

  async function read(text: string): Promise<string | null> {
    if (lastRead?.text === text) return lastRead.due;
    const mine = ++asked;
    if (text.trim() === "") {
      setPreview(null);
      return null;
    }
    try {
      const due = await ipc.readDue(text);
      if (mine === asked) setPreview({ due });
      lastRead = { text, due };
      return due;
    } catch (error) {
      if (mine === asked) setPreview({ error: errorMessage(error) });
      lastRead = { text, due: null };
      return null;
    }
  }

  async function commit(text: string) {
    if (text.trim() === "") {
      if (props.task.due !== null) send({ type: "setDue", taskId: props.task.id, due: null });
      return;
    }
    const due = await read(text);
    if (due === null) return;
    if (due !== props.task.due) send({ type: "setDue", taskId: props.task.id, due });
    if (input) input.value = "";
    setPreview(null);
  }

  return (
    <section class="field">
      <label class="field-label" for="due-input">
        Due
      </label>
      <div class="row">
        <Show when={props.task.due} fallback={<span class="meta">No due date</span>}>
          {(due) => (
            <span
              class={`due due-${dueStatus(due(), now())}`}
              aria-label={`${dueLabel(due(), now())}: ${fullDue(due())}`}
            >
              {fullDue(due())} · {describeDue(due(), now())}
              {dueStatus(due(), now()) === "overdue" ? " · overdue" : ""}
            </span>
          )}
        </Show>
        <Show when={props.task.due !== null}>
          <button
            type="button"
            class="link-button"
            onClick={() => send({ type: "setDue", taskId: props.task.id, due: null })}
          >
            Clear
          </button>
        </Show>
      </div>
      <input
        id="due-input"
        ref={(el) => (input = el)}
        type="text"
        autocomplete="off"
        placeholder="tomorrow, fri 15:00, +3d, dec 24…"
        aria-describedby="due-preview"
        onInput={(e) => void read(e.currentTarget.value)}
        onKeyDown={(e) => {
          if (e.key === "Enter") {
            e.preventDefault();
            void commit(e.currentTarget.value);
          } else if (e.key === "Escape" && e.currentTarget.value !== "") {
            e.preventDefault();
            e.stopPropagation();
            e.currentTarget.value = "";
            asked++;
            setPreview(null);
          }
        }}
      />
      <div
        id="due-preview"
        class="due-preview"
        classList={{
          invalid: (() => {
            const p = preview();
            return p !== null && "error" in p;
          })(),
        }}
        aria-live="polite"
      >
        {(() => {
          const p = preview();
          if (p === null) return "";
          return "due" in p ? `Enter sets ${fullDue(p.due)}` : p.error;
        })()}
      </div>
    </section>
  );
}
