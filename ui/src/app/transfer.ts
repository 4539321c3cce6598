// Copy and paste of tasks (`y y`, `p`), duplicates, tasks moved or copied to another board,
// duplicated boards and templates. What a copy holds stays in the shell (it is taken when
// `y y` is pressed: a later edit or delete does not change it); this module says where it
// lands and what happened.

import { createSignal, type Accessor } from "solid-js";
import * as ipc from "../ipc";
import type { BoardSummary, Place, Template, TransferMode, TransferOutcome } from "../ipc";
import type { CommandHandler, CommandId } from "../commands/registry";
import type { BoardStore } from "../model/store";
import type { Cursor } from "./cursor";
import type { Overlay, PromptRequest } from "./dialogs";

export interface TransferDeps {
  store: Accessor<BoardStore | undefined>;
  boards: Accessor<readonly BoardSummary[]>;
  focus: Accessor<Cursor>;
  focusTask: (columnId: string, taskId: string) => void;
  readOnlyReason: Accessor<string | null>;
  refusedAsReadOnly: (boardId: string, reason: string) => void;
  openBoard: (boardId: string) => Promise<void>;
  refreshBoards: () => Promise<void>;
  ask: (request: PromptRequest) => void;
  setOverlay: (overlay: Overlay) => void;
  spawn: (action: () => Promise<unknown>) => void;
  notify: (text: string, undo?: boolean) => void;
}

/** What a move or copy to another board says in its toast. */
export function transferSentence(mode: TransferMode, outcome: TransferOutcome): string {
  let text = `${mode === "move" ? "Moved" : "Copied"} to “${outcome.boardTitle}”.`;
  if (outcome.leftOut.length > 0) {
    text += ` Not assigned there (no member): ${outcome.leftOut.join(", ")}.`;
  }
  if (outcome.reattributed > 0) {
    text += ` ${outcome.reattributed} comment${outcome.reattributed === 1 ? "" : "s"} kept with their authors' names.`;
  }
  return text;
}

/** One row of the new-board picker: an empty board, or a template. */
export type StartChoice = { kind: "empty" } | { kind: "template"; template: Template };

export function startChoices(templates: readonly Template[]): StartChoice[] {
  return [
    { kind: "empty" },
    ...templates.map((template): StartChoice => ({ kind: "template", template })),
  ];
}

export function createTransfer(deps: TransferDeps) {
  const { store, focus, spawn, notify } = deps;
  /** The title of the task `y y` copied, for the hint; null before any. */
  const [yanked, setYanked] = createSignal<string | null>(null);
  /** The new-board picker's rows while it is open. */
  const [choices, setChoices] = createSignal<StartChoice[]>([]);

  /** Runs an edit of the open board, telling collaboration when the shell says read-only. */
  async function edit<T>(boardId: string, action: () => Promise<T>): Promise<T> {
    const reason = deps.readOnlyReason();
    if (reason !== null) throw new Error(reason);
    try {
      return await action();
    } catch (error) {
      if (ipc.errorKind(error) === "readOnly") {
        deps.refusedAsReadOnly(boardId, ipc.errorMessage(error));
      }
      throw error;
    }
  }

  async function yank(): Promise<string | null> {
    const s = store();
    const taskId = focus().taskId;
    if (!s || taskId === null) return null;
    const title = await ipc.yankTask(s.id, taskId);
    setYanked(title);
    return title;
  }

  /** Pastes below the card under the cursor (or at the bottom of an empty column). */
  async function paste() {
    const s = store();
    const { columnId, taskId } = focus();
    if (!s || columnId === null) return;
    const place: Place = taskId === null ? { kind: "bottom" } : { kind: "after", id: taskId };
    const result = await edit(s.id, () => ipc.pasteTask(s.id, columnId, place));
    if (result.createdId !== null) deps.focusTask(columnId, result.createdId);
    notify("Task pasted", true);
  }

  /** Moves or copies the task under the cursor to another board. */
  function transferTo(boardId: string, mode: TransferMode) {
    const s = store();
    const taskId = focus().taskId;
    if (!s || taskId === null) return;
    spawn(async () => {
      const outcome = await edit(s.id, () => ipc.transferTask(s.id, taskId, boardId, mode));
      notify(transferSentence(mode, outcome));
    });
  }

  /** Opens the new-board picker: an empty board, or one of the templates. */
  function chooseStart() {
    spawn(async () => {
      setChoices(startChoices(await ipc.listTemplates()));
      deps.setOverlay("templates");
    });
  }

  /** The picker's choice: asks the board's title, then makes it and shows it. */
  function start(choice: StartChoice) {
    deps.ask({
      title: choice.kind === "empty" ? "New board" : `New board from “${choice.template.name}”`,
      label: "Board title",
      initial: "",
      submit: async (title) => {
        const board =
          choice.kind === "empty"
            ? await ipc.createBoard(title)
            : await ipc.createBoardFromTemplate(title, choice.template.id);
        await deps.refreshBoards();
        await deps.openBoard(board.id);
      },
    });
  }

  /** Deletes a saved template from the picker (built-in ones stay). */
  async function deleteTemplate(template: Template) {
    if (template.builtin) return;
    await ipc.deleteTemplate(template.id);
    setChoices(startChoices(await ipc.listTemplates()));
    notify(`Template “${template.name}” deleted`);
  }

  const commands = {
    "task.yank": () =>
      spawn(async () => {
        const title = await yank();
        if (title !== null) notify(`Copied “${title}”: p pastes it below the cursor, on any board`);
      }),
    "task.paste": () => spawn(paste),
    "task.duplicate": () =>
      spawn(async () => {
        if ((await yank()) !== null) await paste();
      }),
    "board.new": () => chooseStart(),
    "board.duplicate": () => {
      const s = store();
      if (!s) return;
      deps.ask({
        title: `Duplicate “${s.title()}”`,
        label: "New board title",
        initial: `${s.title()} (copy)`,
        submit: async (title) => {
          const board = await ipc.duplicateBoard(s.id, title);
          await deps.refreshBoards();
          await deps.openBoard(board.id);
          notify(`Duplicated as “${board.title}”`);
        },
      });
    },
    "board.save_template": () => {
      const s = store();
      if (!s) return;
      deps.ask({
        title: "Save board as template",
        label: "Template name",
        initial: s.title(),
        submit: async (name) => {
          const template = await ipc.saveTemplate(s.id, name);
          notify(`Saved template “${template.name}”: New board (B) offers it`);
        },
      });
    },
  } satisfies Partial<Record<CommandId, CommandHandler>>;

  return { commands, yanked, choices, start, deleteTemplate, transferTo };
}
