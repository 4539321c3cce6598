// Collaboration on screen: the sync indicator, who is on the board, the read-only banner,
// quiet notices (conflicts, a board closed on me), and the account, sharing and
// unsynced-changes dialogs.

import { createResource, createSignal, For, onMount, Show, type JSX } from "solid-js";
import { app } from "../app/app";
import * as ipc from "../ipc";
import type { Member, Person, Role } from "../ipc";

/** Keeps Tab inside a modal dialog: from the last control to the first, and back. */
function trapTab(event: KeyboardEvent) {
  if (event.key !== "Tab") return;
  const dialog = event.currentTarget as HTMLElement;
  const controls = [
    ...dialog.querySelectorAll<HTMLElement>("input, select, button, [tabindex='0']"),
  ].filter((el) => !(el as HTMLButtonElement).disabled);
  const first = controls[0];
  const last = controls[controls.length - 1];
  if (!first || !last) return;
  if (event.shiftKey && document.activeElement === first) {
    event.preventDefault();
    last.focus();
  } else if (!event.shiftKey && document.activeElement === last) {
    event.preventDefault();
    first.focus();
  }
}

/** The app's sync state (the status bar). Its text is exactly the shell's string. */
export function SyncIndicator(): JSX.Element {
  const overall = () => app.collab.status()?.overall;
  return (
    <div class="statusbar">
      <span class="sync" data-kind={overall()?.kind ?? "connecting"}>
        <span class="dot" aria-hidden="true" />
        <span role="status" aria-live="polite" aria-label="Sync status">
          {overall()?.text ?? "Connecting…"}
        </span>
      </span>
      <Show when={app.saving()}>
        <span class="muted small">Saving…</span>
      </Show>
    </div>
  );
}

/** One person's initials in their colour. */
export function Avatar(props: { person: Person }): JSX.Element {
  return (
    <span
      class="avatar presence-avatar"
      classList={{ me: props.person.me }}
      style={{ "--person": props.person.color }}
      aria-hidden="true"
    >
      {props.person.initials}
    </span>
  );
}

/** Who is on the open board, me first. */
export function PresenceList(props: { boardId: string }): JSX.Element {
  const people = () => app.collab.peopleOn(props.boardId);
  return (
    <Show when={people().length > 0}>
      <ul class="presence" role="list" aria-label="People on this board">
        <For each={people()}>
          {(person) => (
            <li
              role="listitem"
              aria-label={person.name}
              title={person.me ? `${person.name} (you)` : person.name}
              data-user-id={person.userId}
            >
              <Avatar person={person} />
            </li>
          )}
        </For>
      </ul>
    </Show>
  );
}

/** Says the board is read-only, and why, above the board. */
export function ReadOnlyBanner(): JSX.Element {
  return (
    <Show when={app.readOnlyReason()}>
      {(reason) => (
        <div class="banner readonly-banner" role="note" aria-label="Read-only board">
          <strong>Read-only.</strong> {reason()}
        </div>
      )}
    </Show>
  );
}

/** A conflict or a closed board: quiet, stays until dismissed (Esc or the button). */
export function NoticeBar(): JSX.Element {
  return (
    <div class="notice-region" aria-live="polite">
      <Show when={app.collab.notice()}>
        {(notice) => (
          <div class="banner notice" role="note" aria-label="Notice">
            <span>{notice().text}</span>
            <button
              type="button"
              class="link-button"
              onClick={() => {
                app.collab.dismissNotice();
                app.refocus();
              }}
            >
              Dismiss <kbd>Esc</kbd>
            </button>
          </div>
        )}
      </Show>
    </div>
  );
}

/** Closing the window with changes not yet on the server: ask. */
export function CloseDialog(): JSX.Element {
  return (
    <Show when={app.collab.closeRequest()}>
      {(request) => {
        let cancel: HTMLButtonElement | undefined;
        onMount(() => cancel?.focus());
        return (
          <div class="scrim">
            <div
              class="prompt"
              role="alertdialog"
              aria-modal="true"
              aria-label="Unsynced changes"
              aria-describedby="close-text"
              onKeyDown={trapTab}
            >
              <h2>Unsynced changes</h2>
              <p id="close-text">{request().text}</p>
              <div class="row end">
                <button
                  ref={cancel}
                  type="button"
                  onClick={() => app.spawn(() => app.collab.answerClose(false))}
                >
                  Cancel
                </button>
                <button
                  type="button"
                  class="primary"
                  onClick={() => app.spawn(() => app.collab.answerClose(true))}
                >
                  Close anyway
                </button>
              </div>
            </div>
          </div>
        );
      }}
    </Show>
  );
}

function useAction() {
  const [error, setError] = createSignal<string | null>(null);
  const [busy, setBusy] = createSignal(false);
  function act(action: () => Promise<unknown>) {
    if (busy()) return;
    setBusy(true);
    setError(null);
    action()
      .catch((err: unknown) => setError(ipc.errorMessage(err)))
      .finally(() => setBusy(false));
  }
  return { error, busy, act };
}

/** Server URL, sign up, sign in, sign out. */
export function SettingsDialog(): JSX.Element {
  const { error, busy, act } = useAction();
  let serverInput: HTMLInputElement | undefined;
  let emailInput: HTMLInputElement | undefined;
  let passwordInput: HTMLInputElement | undefined;
  onMount(() => (app.collab.account().user === null ? emailInput : serverInput)?.focus());
  const account = () => app.collab.account();

  const signIn = (create: boolean) =>
    act(async () => {
      const email = emailInput?.value.trim() ?? "";
      const password = passwordInput?.value ?? "";
      const server = serverInput?.value.trim() ?? "";
      if (server !== "" && server !== account().server) await ipc.setServerUrl(server);
      const state = create ? await ipc.signUp(email, password) : await ipc.signIn(email, password);
      await app.collab.accountChanged(state);
      app.closeOverlay();
      app.notify(`Signed in as ${state.user?.email ?? email}. Your shared boards sync now.`);
    });

  return (
    <div class="scrim" onClick={(e) => e.target === e.currentTarget && app.closeOverlay()}>
      <form
        class="prompt settings"
        role="dialog"
        aria-modal="true"
        aria-label="Account and server"
        onKeyDown={trapTab}
        onSubmit={(e) => {
          e.preventDefault();
          signIn(false);
        }}
      >
        <h2>Account and server</h2>
        <label class="stack">
          <span>Server URL</span>
          <input
            ref={serverInput}
            type="url"
            placeholder="https://tack.example.com"
            value={account().server ?? ""}
            onKeyDown={(e) => {
              if (e.key !== "Enter" || account().user === null) return;
              // Signed in, Enter saves the server (which signs out when it changed).
              e.preventDefault();
              const url = e.currentTarget.value;
              act(async () => app.collab.accountChanged(await ipc.setServerUrl(url)));
            }}
          />
        </label>
        <Show
          when={account().user}
          fallback={
            <>
              <label class="stack">
                <span>Email</span>
                <input ref={emailInput} type="email" autocomplete="username" />
              </label>
              <label class="stack">
                <span>Password</span>
                <input ref={passwordInput} type="password" autocomplete="current-password" />
              </label>
            </>
          }
        >
          {(user) => (
            <p>
              Signed in as <strong>{user().email}</strong>.
            </p>
          )}
        </Show>
        <p class="error" role="alert">
          {error() ?? ""}
        </p>
        <div class="row end">
          <button type="button" onClick={() => app.closeOverlay()}>
            Close
          </button>
          <Show
            when={account().user === null}
            fallback={
              <button
                type="button"
                disabled={busy()}
                onClick={() =>
                  act(async () => {
                    await app.collab.accountChanged(await ipc.signOut());
                  })
                }
              >
                Sign out
              </button>
            }
          >
            <button type="button" disabled={busy()} onClick={() => signIn(true)}>
              Sign up
            </button>
            <button type="submit" class="primary" disabled={busy()}>
              Sign in
            </button>
          </Show>
        </div>
      </form>
    </div>
  );
}

const ROLES: readonly Role[] = ["owner", "editor", "viewer"];

function RoleSelect(props: {
  value: Role;
  label: string;
  roles?: readonly Role[];
  disabled?: boolean;
  onChange: (role: Role) => void;
}): JSX.Element {
  return (
    <select
      aria-label={props.label}
      value={props.value}
      disabled={props.disabled === true}
      onChange={(e) => props.onChange(e.currentTarget.value as Role)}
    >
      <For each={props.roles ?? ROLES}>{(role) => <option value={role}>{role}</option>}</For>
    </select>
  );
}

/** Members and roles, invite by email, invite links, publish, leave. */
export function ShareDialog(): JSX.Element {
  const { error, busy, act } = useAction();
  const store = app.store();
  const boardId = store?.id ?? "";
  const role = () => app.collab.access().get(boardId)?.role ?? null;
  const owner = () => role() === "owner";
  const [members, { refetch }] = createResource(
    () => (role() === null ? null : boardId),
    (id) => ipc.listMembers(id),
  );
  const [inviteRole, setInviteRole] = createSignal<Role>("editor");
  const [linkRole, setLinkRole] = createSignal<Role>("editor");
  const [copied, setCopied] = createSignal(false);
  let emailInput: HTMLInputElement | undefined;
  let linkInput: HTMLInputElement | undefined;
  let first: HTMLButtonElement | undefined;
  onMount(() => (emailInput ?? first)?.focus());

  const change = (action: () => Promise<unknown>) =>
    act(async () => {
      await action();
      await refetch();
    });

  async function copyLink() {
    const link = app.invite()?.link;
    if (link === undefined) return;
    linkInput?.select();
    try {
      await navigator.clipboard.writeText(link);
      setCopied(true);
    } catch {
      // No clipboard permission: the link is selected, Ctrl+C copies it.
      app.notify("The link is selected: press Ctrl+C to copy it.");
    }
  }

  return (
    <div class="scrim" onClick={(e) => e.target === e.currentTarget && app.closeOverlay()}>
      <div
        class="prompt share"
        role="dialog"
        aria-modal="true"
        aria-label="Share board"
        onKeyDown={trapTab}
      >
        <h2>Share “{store?.title() ?? ""}”</h2>
        <Show
          when={role() !== null}
          fallback={
            <>
              <p>This board is only on this computer. Publish it to share it and sync it.</p>
              <div class="row end">
                <button
                  ref={first}
                  type="button"
                  class="primary"
                  disabled={busy()}
                  onClick={() =>
                    act(async () => {
                      await ipc.publishBoard(boardId);
                      await app.refreshBoards();
                      await refetch();
                    })
                  }
                >
                  Publish board
                </button>
              </div>
            </>
          }
        >
          <h3>Members</h3>
          <ul class="members" aria-label="Members">
            <For each={members() ?? []}>
              {(member: Member) => {
                const me = () => member.userId === app.collab.account().user?.userId;
                return (
                  <li data-user-id={member.userId}>
                    <span class="member-email">
                      {member.email}
                      {me() ? " (you)" : ""}
                    </span>
                    <Show
                      when={owner() && !me()}
                      fallback={<span class="muted">{member.role}</span>}
                    >
                      <RoleSelect
                        value={member.role}
                        label={`Role of ${member.email}`}
                        disabled={busy()}
                        onChange={(next) =>
                          change(() => ipc.setMemberRole(boardId, member.userId, next))
                        }
                      />
                      <button
                        type="button"
                        class="link-button"
                        aria-label={`Remove ${member.email}`}
                        disabled={busy()}
                        onClick={() => change(() => ipc.removeMember(boardId, member.userId))}
                      >
                        Remove
                      </button>
                    </Show>
                  </li>
                );
              }}
            </For>
          </ul>
          <Show when={owner()}>
            <form
              class="row"
              onSubmit={(e) => {
                e.preventDefault();
                const email = emailInput?.value.trim() ?? "";
                if (email === "") return;
                change(async () => {
                  await ipc.shareBoard(boardId, email, inviteRole());
                  if (emailInput) emailInput.value = "";
                });
              }}
            >
              <input
                ref={emailInput}
                type="email"
                aria-label="Invite by email"
                placeholder="Email of someone with an account"
              />
              <RoleSelect
                value={inviteRole()}
                label="Role for the invited person"
                onChange={setInviteRole}
              />
              <button type="submit" disabled={busy()}>
                Invite
              </button>
            </form>
            <h3>Invite link</h3>
            <div class="row">
              <RoleSelect
                value={linkRole()}
                label="Role for people with the link"
                roles={["editor", "viewer"]}
                onChange={setLinkRole}
              />
              <button
                type="button"
                disabled={busy()}
                onClick={() =>
                  act(async () => {
                    setCopied(false);
                    app.setInvite(await ipc.createInvite(boardId, linkRole()));
                  })
                }
              >
                Create link
              </button>
            </div>
            <Show when={app.invite()}>
              {(invite) => (
                <div class="row">
                  <input
                    ref={linkInput}
                    readOnly
                    aria-label="Invite link"
                    value={invite().link}
                    onFocus={(e) => e.currentTarget.select()}
                  />
                  <button type="button" onClick={() => app.spawn(copyLink)}>
                    {copied() ? "Copied" : "Copy"}
                  </button>
                </div>
              )}
            </Show>
          </Show>
          <Show when={!owner()}>
            <div class="row end">
              <button
                ref={first}
                type="button"
                onClick={() => {
                  app.closeOverlay();
                  app.run("board.leave");
                }}
              >
                Leave board…
              </button>
            </div>
          </Show>
        </Show>
        <p class="error" role="alert">
          {error() ?? ""}
        </p>
        <div class="row end">
          <button type="button" onClick={() => app.closeOverlay()}>
            Done
          </button>
        </div>
      </div>
    </div>
  );
}
