// This computer's UI settings in webview storage (the last board, the sidebar, the density,
// quick add's choice). Where storage is unavailable (tests, private mode) a setting lasts
// this run.

export function readSetting(key: string): string | null {
  try {
    return globalThis.localStorage.getItem(key);
  } catch {
    return null;
  }
}

export function writeSetting(key: string, value: string): void {
  try {
    globalThis.localStorage.setItem(key, value);
  } catch {
    // Unavailable: the setting lasts this run.
  }
}
