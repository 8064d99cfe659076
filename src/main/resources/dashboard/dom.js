// Small helpers for building the page. Text always goes in as text, never as markup, so nothing
// an API answer holds can become part of the page.

const SVG = 'http://www.w3.org/2000/svg';

/** h('td', {class: 'x', data: {id: 1}}, 'text', child) */
export function h(tag, attrs = {}, ...children) {
  return fill(document.createElement(tag), attrs, children);
}

export function s(tag, attrs = {}, ...children) {
  return fill(document.createElementNS(SVG, tag), attrs, children);
}

function fill(element, attrs, children) {
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) {
      continue;
    }
    if (name === 'data') {
      Object.assign(element.dataset, value);
    } else if (name === 'text') {
      element.textContent = value;
    } else if (name.startsWith('on')) {
      element.addEventListener(name.slice(2), value);
    } else {
      element.setAttribute(name, value === true ? '' : String(value));
    }
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined && child !== false) {
      element.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
  }
  return element;
}

export const $ = (selector, root = document) => root.querySelector(selector);

export function setText(element, text) {
  const value = String(text);
  if (element.textContent !== value) {
    element.textContent = value;
  }
}

/** A segmented bar in a 100-wide box: [{value, class}], scaled to total. */
export function bar(segments, total, className = 'progress') {
  const svg = s('svg', { class: className, viewBox: '0 0 100 6', preserveAspectRatio: 'none', 'aria-hidden': 'true' });
  svg.append(s('rect', { class: 'track', x: 0, y: 0, width: 100, height: 6, rx: 3 }));
  let x = 0;
  for (const segment of segments) {
    const width = total > 0 ? (100 * segment.value) / total : 0;
    if (width > 0) {
      svg.append(s('rect', { class: segment.class, x: x.toFixed(2), y: 0, width: width.toFixed(2), height: 6 }));
      x += width;
    }
  }
  return svg;
}

const number = new Intl.NumberFormat();
const clockTime = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });

export const format = {
  count: (n) => (n === null || n === undefined ? '–' : number.format(n)),
  time: (iso) => (iso ? clockTime.format(new Date(iso)) : '–'),
  /** "in 4 s", "3 min ago": relative to now on the service's clock */
  relative(iso, now) {
    if (!iso) {
      return '–';
    }
    const ms = Date.parse(iso) - now;
    const text = duration(Math.abs(ms));
    if (Math.abs(ms) < 1000) {
      return 'now';
    }
    return ms > 0 ? `in ${text}` : `${text} ago`;
  },
  duration,
};

function duration(ms) {
  if (ms < 10_000) {
    return `${(ms / 1000).toFixed(1)} s`;
  }
  const seconds = Math.round(ms / 1000);
  if (seconds < 120) {
    return `${seconds} s`;
  }
  const minutes = Math.round(seconds / 60);
  if (minutes < 120) {
    return `${minutes} min`;
  }
  const hours = Math.round(minutes / 60);
  return hours < 48 ? `${hours} h` : `${Math.round(hours / 24)} d`;
}

export const PRIORITIES = ['HIGH', 'MEDIUM', 'LOW'];

export function pill(kind, value, label = value) {
  return h('span', { class: `pill ${kind}-${value}`, text: label.replaceAll('_', ' ').toLowerCase() });
}
