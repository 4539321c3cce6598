// Sharing and the account, as commands: publish the open board, invite people (the share
// dialog, an invite link), join a board from a link, leave one, open a board shared with me
// (downloading it first), the account settings and signing out. Each needs an account; without
// one the settings open instead.

import { createSignal, type Accessor } from "solid-js";
import * as ipc from "../ipc";
import type { BoardSummary, Invite } from "../ipc";
import type { CommandHandler, CommandId } from "../commands/registry";
import type { BoardStore } from "../model/store";
import type { Collab } from "./collab";
import type { Overlay, PromptRequest } from "./dialogs";

export interface SharingDeps {
  boards: Accessor<readonly BoardSummary[]>;
  store: Accessor<BoardStore | undefined>;
  openBoard: (boardId: string) => Promise<void>;
  refreshBoards: () => Promise<void>;
  collab: Pick<Collab, "account" | "refreshRemote" | "accountChanged">;
  setOverlay: (overlay: Overlay) => void;
  toggle: (overlay: Overlay) => void;
  ask: (request: PromptRequest) => void;
  notify: (text: string) => void;
  dismissToast: () => void;
  spawn: (action: () => Promise<unknown>) => void;
}

export function createSharing(deps: SharingDeps) {
  const { store, collab, ask, notify, spawn } = deps;
  /** The invite link made last for the open board, shown in the share dialog. */
  const [invite, setInvite] = createSignal<Invite | null>(null);

  /** Opens a board shared with me, downloading it first if this computer has no copy. */
  async function openShared(boardId: string) {
    if (!deps.boards().some((b) => b.id === boardId)) {
      notify("Downloading the board…");
      await ipc.openRemoteBoard(boardId);
      await Promise.all([deps.refreshBoards(), collab.refreshRemote()]);
      deps.dismissToast();
    }
    await deps.openBoard(boardId);
  }

  /** The share dialog needs an account and a published board; say what is missing. */
  function needsAccount(): boolean {
    if (collab.account().user !== null) return false;
    notify("Sign in to share boards.");
    deps.setOverlay("settings");
    return true;
  }

  /** "Join a board": the invite link or code, then the board opens (downloaded first). */
  function askToJoin(initial: string) {
    ask({
      title: "Join a board",
      label: "Invite link or code",
      initial,
      submit: async (value) => {
        const board = await ipc.acceptInvite(value);
        await collab.refreshRemote();
        await openShared(board.boardId);
      },
    });
  }

  /**
   * A `tack://join` link opened the app: the same "Join a board" prompt, the link filled in, so
   * a web page can put an invite in front of the user but never joins a board by itself.
   */
  function joinFromLink(invite: string) {
    if (collab.account().user === null) {
      notify("Sign in to join the board, then open the invite link again.");
      deps.setOverlay("settings");
      return;
    }
    askToJoin(invite);
  }

  const commands = {
    "board.share": () => {
      if (!store() || needsAccount()) return;
      deps.setOverlay("share");
    },
    "board.publish": () => {
      const s = store();
      if (!s || needsAccount()) return;
      spawn(async () => {
        await ipc.publishBoard(s.id);
        await deps.refreshBoards();
        notify(`“${s.title()}” is on the server now; share it with S.`);
      });
    },
    "board.invite_link": () => {
      const s = store();
      if (!s || needsAccount()) return;
      spawn(async () => {
        setInvite(await ipc.createInvite(s.id, "editor"));
        deps.setOverlay("share");
      });
    },
    "board.accept_invite": () => {
      if (needsAccount()) return;
      askToJoin("");
    },
    "board.leave": () => {
      const s = store();
      if (!s || needsAccount()) return;
      const title = s.title();
      ask({
        title: `Leave “${title}”? Your copy stays on this computer, read-only.`,
        label: "Type the board title to confirm",
        initial: "",
        submit: async (typed) => {
          if (typed !== title) throw new Error("The title does not match; you are still a member.");
          await ipc.leaveBoard(s.id);
          await Promise.all([deps.refreshBoards(), collab.refreshRemote()]);
        },
      });
    },
    "account.settings": () => deps.toggle("settings"),
    "account.sign_out": () =>
      spawn(async () => {
        await collab.accountChanged(await ipc.signOut());
        notify("Signed out. Your boards stay on this computer.");
      }),
  } satisfies Partial<Record<CommandId, CommandHandler>>;

  return { invite, setInvite, openShared, joinFromLink, commands };
}
