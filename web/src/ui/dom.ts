/** A few lines instead of a framework: create elements with attributes, listeners and children. */

type Child = Node | string | number | false | null | undefined;
type AttributeValue = string | number | boolean | undefined | null | ((event: Event) => void);

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, AttributeValue> = {},
  ...children: (Child | Child[])[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (typeof value === 'function') element.addEventListener(name.replace(/^on/, '').toLowerCase(), value);
    else if (value === true) element.setAttribute(name, '');
    else element.setAttribute(name, String(value));
  }
  element.append(...flatten(children));
  return element;
}

/** Replaces the children of an element. */
export function setChildren(element: Element, ...children: (Child | Child[])[]): void {
  element.replaceChildren(...flatten(children));
}

function flatten(children: (Child | Child[])[]): (Node | string)[] {
  return children.flat().flatMap((child) => (child === undefined || child === null || child === false ? [] : [typeof child === 'number' ? String(child) : child]));
}

/** Politely tells screen-reader users what just happened (one shared live region). */
export class Announcer {
  readonly element = h('div', { class: 'visually-hidden', 'aria-live': 'polite', 'aria-atomic': 'true', 'data-testid': 'announcer' });

  say(text: string): void {
    // A change of text is what gets read; clearing first lets the same sentence be read twice.
    this.element.textContent = '';
    window.setTimeout(() => {
      this.element.textContent = text;
    }, 50);
  }
}
