// The real backend: Tauri's invoke and events, spoken directly to what Tauri injects into each
// page (`__TAURI_INTERNALS__`, `__TAURI_EVENT_PLUGIN_INTERNALS__`), as @tauri-apps/api's
// `invoke` and `listen` do — without the rest of that package, which kept the bundle over its
// budget. The only module that touches them.

import type { Backend } from "./backend";

interface TauriInternals {
  invoke(cmd: string, args: object): Promise<unknown>;
  transformCallback(callback: (event: { payload: unknown }) => void, once: boolean): number;
  metadata?: { currentWindow?: { label?: string } };
}

interface EventInternals {
  unregisterListener(event: string, eventId: number): void;
}

function internals(): TauriInternals {
  return Reflect.get(window, "__TAURI_INTERNALS__") as TauriInternals;
}

export const tauriBackend: Backend = {
  call(name, args) {
    return internals().invoke(name, args) as ReturnType<Backend["call"]>;
  },
  async listen(event, handler) {
    const tauri = internals();
    const eventId = (await tauri.invoke("plugin:event|listen", {
      event,
      target: { kind: "Any" },
      handler: tauri.transformCallback(
        (e) => handler(e.payload as Parameters<typeof handler>[0]),
        false,
      ),
    })) as number;
    return () => {
      const events = Reflect.get(window, "__TAURI_EVENT_PLUGIN_INTERNALS__") as EventInternals;
      events.unregisterListener(event, eventId);
      void tauri.invoke("plugin:event|unlisten", { event, eventId });
    };
  },
};

/** This window's label (`main`, `quick-add`), from what Tauri gives each page; `main` outside. */
export function windowLabel(): string {
  const found: unknown = Reflect.get(window, "__TAURI_INTERNALS__");
  if (typeof found !== "object" || found === null) return "main";
  return (found as TauriInternals).metadata?.currentWindow?.label ?? "main";
}

/** How WebKit scrolls this window's overflow areas, as the shell tuned it (`webkit.rs`):
 * `main-thread` where it composites in software, else `composited` (and outside the app). */
export function overflowScrolling(): "main-thread" | "composited" {
  const found: unknown = Reflect.get(globalThis, "__TACK_WEBKIT__");
  if (typeof found !== "object" || found === null) return "composited";
  return Reflect.get(found, "overflowScrolling") === "main-thread" ? "main-thread" : "composited";
}
