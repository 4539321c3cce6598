// Signed updates: the shell looks a little after start and every few hours (`update-available`),
// the palette's "Check for updates" looks now. Nothing is downloaded until "Install update";
// the app restarts only on "Restart to update". State shown by the banner (App.tsx).

import { createSignal } from "solid-js";
import * as ipc from "../ipc";
import type { AvailableUpdate, UpdateState } from "../ipc";

export type UpdateStep = "available" | "installing" | "installed" | "failed";

export interface UpdateBanner {
  update: AvailableUpdate;
  step: UpdateStep;
  error: string | null;
}

export function createUpdates(notify: (text: string) => void) {
  const [banner, setBanner] = createSignal<UpdateBanner | null>(null);

  function offer(update: AvailableUpdate) {
    // An install under way or done is not taken back by a later look.
    const step = banner()?.step;
    if (step === "installing" || step === "installed") return;
    setBanner({ update, step: "available", error: null });
  }

  /** What a look found (mine, or the tray's `update-checked`). */
  function report(state: UpdateState) {
    if (state.problem !== null) notify(state.problem);
    else if (state.available !== null) offer(state.available);
    else notify(`Tack ${state.currentVersion} is the newest version.`);
  }

  async function check() {
    report(await ipc.checkForUpdate());
  }

  async function install() {
    const shown = banner();
    if (!shown || shown.step === "installing") {
      notify("No update found yet.");
      return;
    }
    if (shown.step === "installed") return;
    setBanner({ ...shown, step: "installing", error: null });
    try {
      await ipc.installUpdate();
      setBanner({ ...shown, step: "installed", error: null });
    } catch (err) {
      setBanner({ ...shown, step: "failed", error: ipc.errorMessage(err) });
    }
  }

  async function restart() {
    if (banner()?.step === "installed") await ipc.restartApp();
    else notify("No update is installed.");
  }

  return { banner, offer, report, check, install, restart, dismiss: () => setBanner(null) };
}

/** The banner's sentence for where the update is. */
export function bannerText(b: UpdateBanner): string {
  switch (b.step) {
    case "available":
      return `Tack ${b.update.version} is available.`;
    case "installing":
      return `Installing Tack ${b.update.version}…`;
    case "installed":
      return `Tack ${b.update.version} is installed: restart to use it.`;
    case "failed":
      return `Tack ${b.update.version} was not installed: ${b.error ?? ""}`;
  }
}
