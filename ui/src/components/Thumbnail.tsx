// Thumbnails of image attachments, on cards and in the panel's Files list. The shell makes
// them from the bytes on this computer (at most 256 px on a side, cached in the profile) and
// answers a data: URL, or null when the bytes are not here or make none. Here each image is
// asked for once per run: the URLs are remembered (bounded), so a card scrolled out of view
// and back shows its thumbnail at once, without another call.

import { createEffect, createSignal, on, onCleanup, Show, type JSX } from "solid-js";
import * as ipc from "../ipc";

/** The media types a thumbnail is shown for (board-model's THUMBNAIL_MIMES). */
export const THUMBNAIL_MIMES = ["image/png", "image/jpeg", "image/gif", "image/webp"];

/** The most thumbnails remembered (about 20 KB each). */
export const MAX_REMEMBERED = 400;

const made = new Map<string, string>();
const asking = new Map<string, Promise<string | null>>();

/** A thumbnail already made this run, if any. */
export function rememberedThumbnail(sha256: string): string | null {
  return made.get(sha256) ?? null;
}

/**
 * The thumbnail of `sha256` (one call at a time per image). A null answer is not remembered:
 * the bytes may arrive later (a download).
 */
export function thumbnailOf(sha256: string): Promise<string | null> {
  const known = made.get(sha256);
  if (known !== undefined) return Promise.resolve(known);
  const pending = asking.get(sha256);
  if (pending) return pending;
  const asked = ipc
    .attachmentThumbnail(sha256)
    .catch(() => null)
    .then((url) => {
      asking.delete(sha256);
      if (url !== null) {
        if (made.size >= MAX_REMEMBERED) {
          const oldest = made.keys().next();
          if (oldest.done !== true) made.delete(oldest.value);
        }
        made.set(sha256, url);
      }
      return url;
    });
  asking.set(sha256, asked);
  return asked;
}

/** Forgets every thumbnail (tests). */
export function forgetThumbnails(): void {
  made.clear();
  asking.clear();
}

/** An image attachment's thumbnail, or nothing while (or when) there is none. */
export function Thumbnail(props: { sha256: string; class: string; alt?: string }): JSX.Element {
  const [url, setUrl] = createSignal<string | null>(rememberedThumbnail(props.sha256));
  createEffect(
    on(
      () => props.sha256,
      (sha256) => {
        const known = rememberedThumbnail(sha256);
        setUrl(known);
        if (known !== null) return;
        let live = true;
        onCleanup(() => {
          live = false;
        });
        void thumbnailOf(sha256).then((found) => {
          if (live) setUrl(found);
        });
      },
    ),
  );
  return (
    <Show when={url()}>
      {(src) => (
        <img
          class={props.class}
          src={src()}
          alt={props.alt ?? ""}
          decoding="async"
          draggable={false}
        />
      )}
    </Show>
  );
}
