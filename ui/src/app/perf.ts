// Performance marks the benchmarks read from the page itself ("key -> painted").

/** Leaves a mark once the current DOM changes have been painted (the frame after the next). */
export function afterPaint(name: string) {
  if (typeof requestAnimationFrame === "undefined") return;
  requestAnimationFrame(() => setTimeout(() => performance.mark(name), 0));
}
