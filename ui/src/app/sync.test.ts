// The sync indicator's words: the exact strings the contract with the shell fixes.

import { describe, expect, it } from "vitest";
import { closeText, conflictText, overallState, syncState, syncText } from "./sync";

describe("sync status text", () => {
  it("counts pending changes in the words people read", () => {
    expect(syncText("synced", 0)).toBe("Synced");
    expect(syncText("syncing", 1)).toBe("Syncing 1 change");
    expect(syncText("syncing", 12)).toBe("Syncing 12 changes");
    expect(syncText("syncing", 0)).toBe("Syncing changes");
    expect(syncText("offline", 1)).toBe("Offline — 1 change saved on this computer");
    expect(syncText("offline", 3)).toBe("Offline — 3 changes saved on this computer");
    expect(syncText("offline", 0)).toBe("Offline — all changes saved on this computer");
    expect(syncText("signedOut", 4)).toBe("Signed out — sign in to sync");
    expect(syncText("local", 0)).toBe("On this computer only");
    expect(syncText("error", 2, "Server incompatible: protocol 3")).toBe(
      "Server incompatible: protocol 3",
    );
  });

  it("shows the worst board for the app, with every board's pending changes", () => {
    const boards = [syncState("synced", 0), syncState("offline", 2), syncState("syncing", 1)];
    expect(overallState(true, boards).text).toBe("Offline — 3 changes saved on this computer");
    expect(overallState(true, [syncState("local", 0)]).text).toBe("Synced");
    expect(overallState(false, boards).text).toBe("Signed out — sign in to sync");
    const removed = syncState("error", 0, "Access removed — your copy stays on this computer");
    expect(overallState(true, [...boards, removed]).text).toBe(removed.text);
    const refused = syncState("readOnly", 2, "the shell's read-only sentence");
    expect(overallState(true, [...boards, refused]).text).toBe(refused.text);
  });

  it("names the field and the person in a conflict, and counts changes when closing", () => {
    expect(conflictText("alice@example.com", "title")).toBe(
      "alice@example.com changed the title at the same time; their version was kept.",
    );
    expect(closeText(1)).toBe(
      "1 change has not reached the server yet. Close anyway? It is saved on this computer and will sync next time.",
    );
    expect(closeText(5)).toMatch(/^5 changes have not reached the server yet\./);
  });
});
