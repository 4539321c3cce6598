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
