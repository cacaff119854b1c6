// What the browser tier checks inside the page. checkPage runs in the browser (page.evaluate):
// it must be self-contained, with no imports and no closures over this module.
import type { MustSee } from './views';

/** Problems a reader would see; empty when the view is readable. Runs in the page. */
export function checkPage(mustSee: MustSee[]): string[] {
  const problems: string[] = [];
  const root = document.getElementById('root');
  const doc = document.documentElement;
  const vw = doc.clientWidth;
  const vh = doc.clientHeight;

  // Where an element is, for a failure: its test id or its nearest ancestor's, its tag, its text.
  const describe = (el: Element): string => {
    const holder = el.closest('[data-testid]');
    const where = holder ? `[data-testid="${holder.getAttribute('data-testid')}"] ` : '';
    const text = (el.textContent ?? '').replace(/\s+/g, ' ').trim();
    const cut = text.length > 60 ? `${text.slice(0, 57)}…` : text;
    return `${where}<${el.tagName.toLowerCase()}> "${cut}"`;
  };
  const round = (n: number) => Math.round(n);

  const text = (root?.innerText ?? '').trim();
  if (!root || text.length < 20 || root.getBoundingClientRect().height < 20) {
    problems.push(`the page is blank (it says "${text.slice(0, 80)}")`);
    return problems;
  }

  for (const m of mustSee) {
    // The innermost element that says it: its ancestors say it too, and are larger than the viewport.
    const saying = Array.from(document.querySelectorAll(m.selector)).filter((e) =>
      (e.textContent ?? '').includes(m.text)
    );
    const el = saying.find((e) => !saying.some((o) => o !== e && e.contains(o)));
    if (!el) {
      problems.push(`${m.what}: no ${m.selector} says "${m.text}"`);
      continue;
    }
    const r = el.getBoundingClientRect();
    if (r.width < 1 || r.height < 1) {
      problems.push(`${m.what} ("${m.text}") is not shown (${round(r.width)}×${round(r.height)} px)`);
    } else if (r.top < 0 || r.left < 0 || r.bottom > vh + 0.5 || r.right > vw + 0.5) {
      problems.push(
        `${m.what} ("${m.text}") is not in the ${vw}×${vh} viewport without scrolling: ` +
          `it spans x ${round(r.left)}–${round(r.right)}, y ${round(r.top)}–${round(r.bottom)}`
      );
    } else {
      // Inside the viewport but under something else (a sticky header, a bar) is not seen either.
      const x = Math.min(r.left + Math.min(r.width / 2, 20), vw - 1);
      const y = r.top + r.height / 2;
      const top = document.elementFromPoint(x, y);
      if (top && !el.contains(top) && !top.contains(el)) {
        problems.push(`${m.what} ("${m.text}") is covered by ${describe(top)}`);
      }
    }
  }

  if (doc.scrollWidth > vw + 1) {
    // The deepest elements that stick out on the right are the cause; their ancestors only carry it.
    // An element cut by an ancestor that hides or scrolls its overflow within the viewport is not one.
    const contained = (e: Element) => {
      for (let a = e.parentElement; a && a !== root; a = a.parentElement) {
        const s = getComputedStyle(a);
        if (s.overflowX !== 'visible' && a.getBoundingClientRect().right <= vw + 1) {
          return true;
        }
      }
      return false;
    };
    const wide = Array.from(root.querySelectorAll('*')).filter(
      (e) => e.getBoundingClientRect().right > vw + 1 && !contained(e)
    );
    const causes = wide.filter((e) => !wide.some((o) => o !== e && e.contains(o))).slice(0, 5);
    problems.push(
      `the page scrolls sideways (${doc.scrollWidth} px wide in ${vw} px): ${causes.map(describe).join('; ')}`
    );
  }

  // Each box that holds text directly (the nearest non-inline ancestor of a text node), and every
  // table cell: its text must fit, be cut with an ellipsis and the full value on hover, or scroll.
  const boxes = new Set<Element>(Array.from(root.querySelectorAll('td, th')));
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (!node.textContent?.trim()) {
      continue;
    }
    let box = node.parentElement;
    while (box && box !== root && /^(inline|contents)$/.test(getComputedStyle(box).display)) {
      box = box.parentElement;
    }
    if (box && box !== root) {
      boxes.add(box);
    }
  }
  const scrolls = (s: CSSStyleDeclaration) => s.overflowX === 'auto' || s.overflowX === 'scroll';
  const clips = (s: CSSStyleDeclaration) => s.overflowX === 'hidden' || s.overflowX === 'clip';
  for (const box of boxes) {
    const r = box.getBoundingClientRect();
    // Not rendered, or visually hidden for screen readers (1 px, clipped): no one reads it.
    if (r.width <= 1 || r.height <= 1 || box.closest('[aria-hidden="true"]')?.getBoundingClientRect().width === 0) {
      continue;
    }
    const style = getComputedStyle(box);
    if (style.visibility === 'hidden' || (style.position === 'absolute' && style.clip.startsWith('rect(0'))) {
      continue;
    }
    const over = box.scrollWidth - box.clientWidth;
    if (box.clientWidth > 0 && over > 1 && !scrolls(style)) {
      if (!clips(style)) {
        problems.push(`text runs ${over} px out of its box: ${describe(box)}`);
      } else if (style.textOverflow !== 'ellipsis') {
        problems.push(`text is cut by ${over} px without an ellipsis: ${describe(box)}`);
      } else if (!box.closest('[title]')) {
        problems.push(`text is cut with an ellipsis but the full value is not on hover (no title): ${describe(box)}`);
      }
      continue;
    }
    // A box that fits itself but is clipped by an ancestor that hides its overflow.
    for (let a = box.parentElement; a && a !== root; a = a.parentElement) {
      const s = getComputedStyle(a);
      if (scrolls(s)) {
        break;
      }
      if (clips(s)) {
        const ar = a.getBoundingClientRect();
        const cut = Math.max(r.right - ar.right, ar.left - r.left);
        if (cut > 1 && s.textOverflow !== 'ellipsis') {
          problems.push(`text is cut by ${round(cut)} px by its ${describe(a)}: ${describe(box)}`);
        }
        break;
      }
    }
  }
  return problems;
}
