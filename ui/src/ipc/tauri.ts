// The real backend: Tauri's invoke and events. The only module allowed to import them.

import { invoke } from "@tauri-apps/api/core";
import { listen } from "@tauri-apps/api/event";
import type { Backend } from "./backend";

export const tauriBackend: Backend = {
  call(name, args) {
    return invoke(name, args);
  },
  async listen(event, handler) {
    return listen(event, (e) => handler(e.payload as Parameters<typeof handler>[0]));
  },
};

/** This window's label (`main`, `quick-add`), from what Tauri gives each page; `main` outside. */
export function windowLabel(): string {
  const internals: unknown = Reflect.get(window, "__TAURI_INTERNALS__");
  if (typeof internals !== "object" || internals === null) return "main";
  const metadata: unknown = Reflect.get(internals, "metadata");
  if (typeof metadata !== "object" || metadata === null) return "main";
  const current: unknown = Reflect.get(metadata, "currentWindow");
  if (typeof current !== "object" || current === null) return "main";
  const label: unknown = Reflect.get(current, "label");
  return typeof label === "string" ? label : "main";
}
