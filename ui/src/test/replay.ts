// A backend that answers from a session recorded from the real Rust shell (never bundled).
// `src-tauri/tests/it/bindings.rs` runs each scenario of `src-tauri/tests/scenarios/` against
// the desktop app's real session and writes what happened to ./recorded/: every call with its
// arguments, the real result or error, and the events emitted. Here a test's calls are matched
// against that recording; a call the recording does not have fails the test, so the UI and the
// shell cannot drift apart unnoticed.

import type { Backend } from "../ipc/backend";
import type { Commands, Events } from "../ipc/types";

/** One emitted event, as the shell sent it. */
export interface RecordedEvent {
  event: keyof Events;
  payload: unknown;
}

/** One recorded step: a command the UI calls, or something that happens to the app. */
export interface RecordedStep {
  /** A command's name, or absent for a push. */
  call?: keyof Commands;
  args?: unknown;
  ok?: unknown;
  err?: { kind: string; message: string };
  /** A push's label (a teammate's edit, the relay's news, the window's close button). */
  push?: string;
  /** For the close button: the window closes without asking. */
  windowCloses?: boolean;
  events: RecordedEvent[];
}

export interface Recording {
  scenario: string;
  steps: RecordedStep[];
  /** Names of the ids in the recording (`task:Pricing page copy`), for readable failures. */
  names: Record<string, string>;
}

const recordings = import.meta.glob<Recording>("./recorded/*.json", {
  eager: true,
  import: "default",
});

export function recording(scenario: string): Recording {
  const found = recordings[`./recorded/${scenario}.json`];
  if (!found)
    throw new Error(`no recording ${scenario}: add src-tauri/tests/scenarios/${scenario}.json`);
  return found;
}

function equal(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

/** Object keys sorted and `undefined` fields dropped, as they would be on the wire. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => [k, canonical(v)]),
    );
  }
  return value;
}

/** Commands that change nothing: answered in any order among themselves. */
const QUERIES = new Set<keyof Commands>([
  "list_boards",
  "open_board",
  "list_archived",
  "get_account",
  "sync_status",
  "list_remote_boards",
  "list_members",
  "set_selection",
  "search",
  "filter_board",
  "my_tasks",
  "inbox",
  "list_attachments",
  "task_reminder",
  "read_due",
  "attachment_thumbnail",
]);

/**
 * What the window tells the shell and the recordings leave out (the sessions are recorded from
 * Rust, without a window that paints): answered with nothing, whenever they come.
 */
const NOTICES = new Set<keyof Commands>(["first_painted"]);

export interface ReplayOptions {
  /**
   * Commands the UI calls on timers (the selection a moment after the cursor rests): matched
   * by name alone, any number of times, answered as their first recording was.
   */
  anyTime?: (keyof Commands)[];
}

export type ReplayBackend = Backend & {
  /** Delivers what the recording's next push `label` emitted; returns that step. */
  push(label: string): RecordedStep;
  /** Calls the recording did not have, described with the recording's names. */
  unexpected(): string[];
  /** Every call made, in order, as `name args`. */
  calls(): { name: keyof Commands; args: unknown }[];
  /** The id the recording knows by this name (`task:Pricing page copy`). */
  id(name: string): string;
};

let replays = 0;

/**
 * The recording with every id it names made new (`r3:` before it): each replay has ids of its
 * own, as a new session would, so nothing the app keeps from an earlier test (the board shown,
 * the cursor) is taken for this one's.
 */
function withFreshIds(recorded: Recording): Recording {
  replays += 1;
  const prefix = `r${replays}:`;
  const ids = new Set(Object.keys(recorded.names));
  const fresh = (value: unknown): unknown => {
    if (typeof value === "string") return ids.has(value) ? prefix + value : value;
    if (Array.isArray(value)) return value.map(fresh);
    if (value !== null && typeof value === "object") {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fresh(v)]));
    }
    return value;
  };
  return {
    scenario: recorded.scenario,
    steps: fresh(recorded.steps) as RecordedStep[],
    names: Object.fromEntries(Object.entries(recorded.names).map(([id, n]) => [prefix + id, n])),
  };
}

/** A backend replaying `scenario`'s recording. */
export function createReplayBackend(scenario: string, options: ReplayOptions = {}): ReplayBackend {
  const recorded = withFreshIds(recording(scenario));
  const used = new Set<number>();
  const handlers = new Map<string, Set<(payload: never) => void>>();
  const unexpected: string[] = [];
  const made: { name: keyof Commands; args: unknown }[] = [];

  const named = (text: string) =>
    Object.entries(recorded.names).reduce(
      (out, [id, name]) => out.split(id).join(`@${name}`),
      text,
    );

  function deliver(events: RecordedEvent[]) {
    for (const { event, payload } of events) {
      // Copies, as over the real bridge: the UI must never share objects with the backend.
      const copy = structuredClone(payload);
      setTimeout(() => {
        for (const handler of handlers.get(event) ?? []) (handler as (p: unknown) => void)(copy);
      }, 0);
    }
  }

  /**
   * The first unused step that is this call; a call is answered as the shell answered it at
   * that point, so it cannot be matched past a change (a command that is not a query, or a
   * push) that has not happened yet: the answer would be of a later state.
   */
  function find(name: keyof Commands, args: unknown): RecordedStep | undefined {
    if (options.anyTime?.includes(name)) {
      return recorded.steps.find((s) => s.call === name);
    }
    for (const [i, step] of recorded.steps.entries()) {
      if (used.has(i)) continue;
      if (step.call === name && equal(step.args, args)) {
        used.add(i);
        return step;
      }
      const query = step.call !== undefined && QUERIES.has(step.call);
      if (!query) return undefined;
    }
    return undefined;
  }

  return {
    call(name, args) {
      if (NOTICES.has(name)) return Promise.resolve(null as Commands[typeof name]["result"]);
      made.push({ name, args: structuredClone(args) });
      const step = find(name, args);
      if (step === undefined) {
        const text = named(`${name} ${JSON.stringify(args)}`);
        unexpected.push(text);
        return Promise.reject(new Error(`not in the recording ${scenario}: ${text}`));
      }
      if (!options.anyTime?.includes(name)) deliver(step.events);
      if (step.err !== undefined) {
        const { kind, message } = step.err;
        return Promise.reject(Object.assign(new Error(message), { kind }));
      }
      return Promise.resolve(structuredClone(step.ok) as Commands[typeof name]["result"]);
    },
    listen(event, handler) {
      let set = handlers.get(event);
      if (!set) {
        set = new Set();
        handlers.set(event, set);
      }
      const added = handler as (payload: never) => void;
      set.add(added);
      return Promise.resolve(() => set.delete(added));
    },
    push(label) {
      const at = recorded.steps.findIndex((s, i) => !used.has(i) && s.push === label);
      const step = recorded.steps[at];
      if (step === undefined) throw new Error(`no push "${label}" left in ${scenario}`);
      used.add(at);
      deliver(step.events);
      return step;
    },
    unexpected: () => [...unexpected],
    calls: () => [...made],
    id(name) {
      const found = Object.entries(recorded.names).find(([, n]) => n === name);
      if (!found) throw new Error(`no ${name} in ${scenario}`);
      return found[0];
    },
  };
}

/** A replay with one event sent by the test instead, and each call seen first. */
export interface WithEvent<Sent extends keyof Events> {
  backend: Backend;
  /** Delivers `payload` to the window's listeners of the event, as the shell would. */
  emit: (payload: Events[Sent]) => void;
  /** How many listeners the window has for it. */
  listeners: () => number;
}

/**
 * `recorded`, with `event` sent by the test (`emit`): what the shell does outside the recording
 * (a link opened from the system, a menu item chosen). `onCall` sees every call before the
 * recording answers it.
 */
export function withEvent<Sent extends keyof Events>(
  recorded: ReplayBackend,
  event: Sent,
  onCall: (name: keyof Commands) => void = () => {},
): WithEvent<Sent> {
  const handlers = new Set<(payload: Events[Sent]) => void>();
  const sent: keyof Events = event;
  return {
    backend: {
      async listen(name, handler) {
        if (name !== sent) return recorded.listen(name, handler);
        const typed = handler as unknown as (payload: Events[Sent]) => void;
        handlers.add(typed);
        return () => handlers.delete(typed);
      },
      async call(name, args) {
        onCall(name);
        return recorded.call(name, args);
      },
    },
    emit: (payload) => {
      for (const handler of handlers) handler(payload);
    },
    listeners: () => handlers.size,
  };
}
