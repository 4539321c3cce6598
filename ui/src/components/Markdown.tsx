// Renders parsed Markdown with plain elements and text nodes only (see model/markdown.ts).

import { For, Match, Switch, type JSX } from "solid-js";
import { insert } from "solid-js/web";
import { app } from "../app/app";
import * as ipc from "../ipc";
import { parseMarkdown, type Block, type Inline } from "../model/markdown";

/** An element whose tag is chosen at run time (a heading's level, a list's kind); Solid's
 * Dynamic would bring its whole attribute-spreading machinery into the bundle for this. */
function Tag(props: { name: string; children: JSX.Element }): JSX.Element {
  const element = document.createElement(props.name);
  insert(element, () => props.children);
  return element;
}

/** Hands a link to the system's browser (the shell opens http and https only). */
function openLink(href: string) {
  app.spawn(() => ipc.openLink(href));
}

function Inlines(props: { nodes: Inline[] }): JSX.Element {
  return (
    <For each={props.nodes}>
      {(node) => (
        <Switch>
          <Match when={node.kind === "text" && node}>{(n) => n().text}</Match>
          <Match when={node.kind === "code" && node}>{(n) => <code>{n().text}</code>}</Match>
          <Match when={node.kind === "strong" && node}>
            {(n) => (
              <strong>
                <Inlines nodes={n().children} />
              </strong>
            )}
          </Match>
          <Match when={node.kind === "em" && node}>
            {(n) => (
              <em>
                <Inlines nodes={n().children} />
              </em>
            )}
          </Match>
          <Match when={node.kind === "link" && node}>
            {(n) => (
              <a
                href={n().href}
                target="_blank"
                rel="noopener noreferrer"
                title={n().href}
                onClick={(e) => {
                  // The system's browser opens it; the click never reaches the editor behind.
                  e.preventDefault();
                  e.stopPropagation();
                  openLink(n().href);
                }}
                onKeyDown={(e) => {
                  if (e.key !== "Enter") return;
                  e.preventDefault();
                  e.stopPropagation();
                  openLink(n().href);
                }}
              >
                <Inlines nodes={n().children} />
              </a>
            )}
          </Match>
        </Switch>
      )}
    </For>
  );
}

function BlockView(props: { block: Block }): JSX.Element {
  return (
    <Switch>
      <Match when={props.block.kind === "heading" && props.block}>
        {(b) => (
          <Tag name={`h${Math.min(6, b().level + 2)}`}>
            <Inlines nodes={b().children} />
          </Tag>
        )}
      </Match>
      <Match when={props.block.kind === "paragraph" && props.block}>
        {(b) => (
          <p>
            <Inlines nodes={b().children} />
          </p>
        )}
      </Match>
      <Match when={props.block.kind === "quote" && props.block}>
        {(b) => (
          <blockquote>
            <Inlines nodes={b().children} />
          </blockquote>
        )}
      </Match>
      <Match when={props.block.kind === "code" && props.block}>
        {(b) => (
          <pre>
            <code>{b().text}</code>
          </pre>
        )}
      </Match>
      <Match when={props.block.kind === "rule"}>
        <hr />
      </Match>
      <Match when={props.block.kind === "list" && props.block}>
        {(b) => (
          <Tag name={b().ordered ? "ol" : "ul"}>
            <For each={b().items}>
              {(item) => (
                <li classList={{ "md-task": item.checked !== null }}>
                  {item.checked === null ? null : (
                    <span aria-hidden="true">{item.checked ? "☑ " : "☐ "}</span>
                  )}
                  <Inlines nodes={item.children} />
                </li>
              )}
            </For>
          </Tag>
        )}
      </Match>
    </Switch>
  );
}

export function Markdown(props: { source: string }): JSX.Element {
  const blocks = () => parseMarkdown(props.source);
  return (
    <div class="markdown">
      <For each={blocks()}>{(block) => <BlockView block={block} />}</For>
    </div>
  );
}
