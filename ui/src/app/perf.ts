// Performance marks the benchmarks read from the page itself ("key -> painted").

/** Leaves a mark once the current DOM changes have been painted (the frame after the next). */
export function afterPaint(name: string) {
  if (typeof requestAnimationFrame === "undefined") return;
  requestAnimationFrame(() => setTimeout(() => performance.mark(name), 0));
}

/** Runs `then` once the current DOM changes have been painted (as `afterPaint` marks). */
export function whenPainted(then: () => void) {
  if (typeof requestAnimationFrame === "undefined") return then();
  requestAnimationFrame(() => setTimeout(then, 0));
}
