// The one place that knows how commands and events travel. Everything else calls the typed
// wrappers generated into ./bindings/tack.ts (re-exported by ./index.ts).

import type { Commands, Events } from "./types";

export interface Backend {
  call<K extends keyof Commands>(
    name: K,
    args: Commands[K]["args"],
  ): Promise<Commands[K]["result"]>;
  listen<E extends keyof Events>(
    event: E,
    handler: (payload: Events[E]) => void,
  ): Promise<() => void>;
}

let current: Backend | undefined;

/** The backend in use, once chosen (`connect()` or a test's `useBackend`). */
export function chosenBackend(): Backend | undefined {
  return current;
}

export function setBackend(chosen: Backend): void {
  current = chosen;
}

function use(): Backend {
  if (!current) throw new Error("IPC used before connect()");
  return current;
}

/** Runs one command; the generated wrappers are the only callers. */
export function call<K extends keyof Commands>(
  name: K,
  args: Commands[K]["args"],
): Promise<Commands[K]["result"]> {
  return use().call(name, args);
}

/**
 * A command's typed wrapper (the generated bindings: one line per command): its positional
 * arguments are sent under `keys`, in order. `F` is the wrapper's signature, written by the
 * generator from the Rust function's.
 */
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters
export function command<F>(name: keyof Commands, ...keys: string[]): F {
  const wrapper = (...values: unknown[]) =>
    call(name, Object.fromEntries(keys.map((key, i) => [key, values[i]])) as never);
  return wrapper as F;
}

export function listen<E extends keyof Events>(
  event: E,
  handler: (payload: Events[E]) => void,
): Promise<() => void> {
  return use().listen(event, handler);
}
