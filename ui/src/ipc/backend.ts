// The one place that knows how commands and events travel. Everything else calls the typed
// wrappers in ./index.ts.

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
