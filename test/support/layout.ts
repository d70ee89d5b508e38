import type { Page } from 'playwright-core';

/**
 * Layout measured in the page, for e2e tests that check what a person sees rather than what the
 * DOM holds: a header cut short with an ellipsis, a value broken over two lines, a control
 * narrower than its neighbours. The code that runs in the page is kept as strings (this file is
 * type-checked as Node code, without the DOM's types).
 */

/** Texts of the elements (and their descendants) whose content is wider than their box: cut short. */
const OVERFLOWING = `((selector) => {
  const cut = [];
  for (const el of document.querySelectorAll(selector)) {
    const parts = [el, ...el.querySelectorAll('*')];
    if (parts.some((p) => p.clientWidth > 0 && p.scrollWidth > p.clientWidth + 1)) cut.push(el.innerText.trim());
  }
  return cut;
})`;

/** Texts of the elements whose text is laid out on more than one line. */
const SPLIT = `((selector) => {
  const split = [];
  for (const el of document.querySelectorAll(selector)) {
    const range = document.createRange();
    range.selectNodeContents(el);
    const tops = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
    if (tops.size > 1) split.push(el.textContent);
  }
  return split;
})`;

/** Widths of the elements, in CSS pixels. */
const WIDTHS = `((selector) => [...document.querySelectorAll(selector)].map((el) => Math.round(el.getBoundingClientRect().width)))`;

export function overflowingHeaders(page: Page, selector: string): Promise<string[]> {
  return page.evaluate<string[]>(`${OVERFLOWING}(${JSON.stringify(selector)})`);
}

/** Values (addresses, MACs, a path's names) broken over two lines: none should be. */
export function splitValues(page: Page, selector: string): Promise<string[]> {
  return page.evaluate<string[]>(`${SPLIT}(${JSON.stringify(selector)})`);
}

export function widths(page: Page, selector: string): Promise<number[]> {
  return page.evaluate<number[]>(`${WIDTHS}(${JSON.stringify(selector)})`);
}

/**
 * Paths (PathText) that broke inside a name rather than after a slash: each name is one
 * element, so a name on two lines is a break in the wrong place.
 */
export function pathsBrokenInNames(page: Page, selector = '.h2k-path'): Promise<string[]> {
  return splitValues(page, `${selector} .h2k-path-part`);
}

/** How many lines a path takes (more than one proves it wrapped, so where it wrapped matters). */
export function lineCount(page: Page, selector: string): Promise<number[]> {
  return page.evaluate<number[]>(`((selector) => [...document.querySelectorAll(selector)].map((el) => {
    const range = document.createRange();
    range.selectNodeContents(el);
    return new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top))).size;
  }))(${JSON.stringify(selector)})`);
}
