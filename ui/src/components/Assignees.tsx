// The task panel's assignees: members of the board (DESIGN §1: ids, names from the directory),
// picked with MemberPicker. An assignee no member matches (an older board's free-text name) is
// kept and shown quoted and marked; it can be removed, or mapped to a member in one undoable
// step that puts the member's id in its place.

import { createSignal, For, Show, type JSX } from "solid-js";
import { app } from "../app/app";
import type { TaskView } from "../ipc";
import { assignee } from "../model/people";
import type { BoardStore } from "../model/store";
import { MemberPicker } from "./MemberPicker";

export function Assignees(props: { store: BoardStore; task: TaskView }): JSX.Element {
  /** The unmatched name being mapped to a member, if any. */
  const [mapping, setMapping] = createSignal<string | null>(null);
  const send = (op: Parameters<typeof app.applyOp>[0]) => app.spawn(() => app.applyOp(op));
  const unassign = (userId: string) =>
    send({ type: "setTaskAssignee", taskId: props.task.id, userId, present: false });

  return (
    <section class="field">
      <div class="field-label">Assignees</div>
      <ul class="chips" aria-label="Assignees">
        <For each={props.task.assignees}>
          {(id) => {
            const shown = () => assignee(props.store.people(), id);
            return (
              <li>
                <Show
                  when={shown().kind === "unmatched"}
                  fallback={
                    <span class="chip plain" title={memberTitle(shown())}>
                      {name(shown())}
                      <button
                        type="button"
                        aria-label={`Unassign ${name(shown())}`}
                        onClick={() => unassign(id)}
                      >
                        ×
                      </button>
                    </span>
                  }
                >
                  <span
                    class="chip unmatched"
                    title="Not a member of this board (a name from an older version): map it to a member or remove it"
                  >
                    “{id}”
                    <button
                      type="button"
                      class="link-button small"
                      aria-label={`Map “${id}” to a member`}
                      onClick={() => setMapping(id)}
                    >
                      map
                    </button>
                    <button
                      type="button"
                      aria-label={`Remove “${id}”`}
                      onClick={() => unassign(id)}
                    >
                      ×
                    </button>
                  </span>
                </Show>
              </li>
            );
          }}
        </For>
      </ul>
      <Show
        when={mapping()}
        fallback={
          <MemberPicker
            label="Assign someone"
            people={props.store.people()}
            except={props.task.assignees}
            onPick={(person) =>
              send({
                type: "setTaskAssignee",
                taskId: props.task.id,
                userId: person.userId,
                present: true,
              })
            }
          />
        }
      >
        {(from) => (
          <MemberPicker
            label={`Map “${from()}” to`}
            people={props.store.people()}
            except={props.task.assignees}
            initial={from()}
            autofocus
            onPick={(person) => {
              const name = from();
              setMapping(null);
              send({
                type: "replaceTaskAssignee",
                taskId: props.task.id,
                from: name,
                to: person.userId,
              });
            }}
            onCancel={() => setMapping(null)}
          />
        )}
      </Show>
    </section>
  );
}

function name(shown: ReturnType<typeof assignee>): string {
  return shown.kind === "member" ? shown.person.name : shown.id;
}

function memberTitle(shown: ReturnType<typeof assignee>): string {
  if (shown.kind !== "member") return shown.id;
  const { person } = shown;
  return person.email === "" ? person.name : person.email;
}
