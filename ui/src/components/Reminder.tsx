// My reminder of a task with a due, in its panel (Alt+R): none, at due, or a while before it.
// Mine alone: kept in this computer's profile, never in the board (DESIGN §2 `reminders`); it
// fires as a native notification while the app runs, and lands in the Inbox.

import { createEffect, createSignal, For, on, Show, type JSX } from "solid-js";
import { app } from "../app/app";
import * as ipc from "../ipc";
import type { ReminderView, TaskView } from "../ipc";

export const REMINDER_CHOICES: readonly { minutes: number | null; label: string }[] = [
  { minutes: null, label: "No reminder" },
  { minutes: 0, label: "At due" },
  { minutes: 15, label: "15 minutes before" },
  { minutes: 60, label: "1 hour before" },
  { minutes: 24 * 60, label: "1 day before" },
];

const NONE = "none";
const OTHER = "other";

function choiceValue(minutes: number | null): string {
  return minutes === null ? NONE : String(minutes);
}

export function ReminderField(props: { boardId: string; task: TaskView }): JSX.Element {
  const [reminder, setReminder] = createSignal<ReminderView | null>(null);

  createEffect(
    on(
      () => props.task.id,
      (taskId) => {
        setReminder(null);
        app.spawn(async () => {
          const mine = await ipc.taskReminder(props.boardId, taskId);
          if (props.task.id === taskId) setReminder(mine);
        });
      },
    ),
  );

  // A reminder set elsewhere (`tackctl remind --at`) is shown as itself, not as a choice.
  const value = () => {
    const r = reminder();
    if (r === null) return NONE;
    const known = REMINDER_CHOICES.some((c) => c.minutes !== null && c.minutes === r.beforeMinutes);
    return known ? choiceValue(r.beforeMinutes) : OTHER;
  };

  function choose(selected: string) {
    if (selected === OTHER) return;
    const minutes = selected === NONE ? null : Number(selected);
    const taskId = props.task.id;
    app.spawn(async () => {
      const now = await ipc.setTaskReminder(props.boardId, taskId, minutes);
      if (props.task.id === taskId) setReminder(now);
    });
  }

  return (
    <section class="field">
      <label class="field-label" for="reminder-select">
        Reminder
      </label>
      <div class="row">
        <select id="reminder-select" onChange={(e) => choose(e.currentTarget.value)}>
          <For each={REMINDER_CHOICES}>
            {(c) => (
              <option value={choiceValue(c.minutes)} selected={value() === choiceValue(c.minutes)}>
                {c.label}
              </option>
            )}
          </For>
          <Show when={value() === OTHER}>
            <option value={OTHER} selected>
              {reminder()?.text}
            </option>
          </Show>
        </select>
        <Show when={reminder()}>
          {(r) => (
            <span class="meta" aria-live="polite">
              {r().text}
              {r().fired ? " · sent" : ""}
            </span>
          )}
        </Show>
      </div>
    </section>
  );
}
