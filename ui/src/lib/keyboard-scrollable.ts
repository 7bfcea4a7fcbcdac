// A table wider than the screen scrolls sideways inside its box (.table-scroll). A box that scrolls
// must be reachable by keyboard (WCAG 2.1.1: arrow keys scroll it once focused), so it takes a tab
// stop while, and only while, it overflows: `<div class="table-scroll" use:keyboardScrollable>`.
export function keyboardScrollable(node: HTMLElement): { destroy(): void } {
  const update = () => {
    if (node.scrollWidth > node.clientWidth + 1) node.tabIndex = 0;
    else node.removeAttribute('tabindex');
  };
  const resized = new ResizeObserver(update);
  resized.observe(node);
  // Rows loaded later widen the table without resizing its box.
  const changed = new MutationObserver(update);
  changed.observe(node, { childList: true, subtree: true });
  update();
  return {
    destroy() {
      resized.disconnect();
      changed.disconnect();
    },
  };
}
