// How the window is laid out, per person and per computer (webview storage, like the last
// board shown): the sidebar shown or hidden, and the card density. Rows of a column are
// virtualized, so the density is also the row height the board and drag and drop count with.

import { createSignal } from "solid-js";
import type { CommandHandler, CommandId } from "../commands/registry";

const SIDEBAR_KEY = "tack.sidebarHidden";
const DENSITY_KEY = "tack.density";

export type Density = "comfortable" | "compact";

/** A card's slot in a column, by density (the card is 8px shorter, for the gap). */
export const ROW_HEIGHTS: Record<Density, number> = { comfortable: 80, compact: 48 };

function read(key: string): string | null {
  try {
    return globalThis.localStorage.getItem(key);
  } catch {
    return null;
  }
}

function write(key: string, value: string) {
  try {
    globalThis.localStorage.setItem(key, value);
  } catch {
    // Storage may be unavailable (tests, private mode): the setting lasts this run.
  }
}

const [sidebarHidden, setSidebarHidden] = createSignal(read(SIDEBAR_KEY) === "true");
const [density, setDensity] = createSignal<Density>(
  read(DENSITY_KEY) === "compact" ? "compact" : "comfortable",
);

export { density, sidebarHidden };

/** The height of one card's slot now. */
export function rowHeight(): number {
  return ROW_HEIGHTS[density()];
}

export const viewCommands = {
  "view.sidebar": () => {
    const hidden = !sidebarHidden();
    setSidebarHidden(hidden);
    write(SIDEBAR_KEY, String(hidden));
  },
  "view.density": () => {
    const next: Density = density() === "compact" ? "comfortable" : "compact";
    setDensity(next);
    write(DENSITY_KEY, next);
  },
} satisfies Partial<Record<CommandId, CommandHandler>>;
