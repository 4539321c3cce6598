// A card's title with the filter's words marked. Typing on into a word (`t`, `ta`, `tas`)
// marks the same whole words, so the parts are compared and, when equal, the DOM is left as
// it is: only a keystroke that changes what is marked repaints the card's text.

import { createMemo, For, Show, type JSX } from "solid-js";
import { markWords, sameParts } from "../app/filter";

export function Marked(props: { text: string; words: readonly string[] }): JSX.Element {
  const parts = createMemo(() => markWords(props.text, props.words), undefined, {
    equals: sameParts,
  });
  return (
    <Show when={parts().some((part) => part.hit)} fallback={props.text}>
      <For each={parts()}>{(part) => (part.hit ? <mark>{part.text}</mark> : part.text)}</For>
    </Show>
  );
}
