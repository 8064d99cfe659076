// Batch starts over the last minutes, one lane per priority and every tick coloured by it: the
// rhythm of the slots reads along the time axis, a priority jump across the lanes.

import { s, PRIORITIES } from './dom.js';
import { serverNow } from './clock.js';

const LANE = 30;
const AXIS = 20;
const LABEL = 64;

export class Timeline {
  constructor(container, windowMs = 5 * 60 * 1000) {
    this.container = container;
    this.windowMs = windowMs;
    this.starts = []; // {at: ms, priority, retry}
    this.keys = new Set();
    new ResizeObserver(() => this.render()).observe(container);
  }

  /** A batch event; starts and retries are drawn, the rest ignored. */
  add(event) {
    if (event.kind !== 'started' && event.kind !== 'retry') {
      return;
    }
    const key = `${event.ingestion_id}/${event.batch_index}/${event.kind}/${event.attempt ?? ''}/${event.at}`;
    if (this.keys.has(key)) {
      return;
    }
    this.keys.add(key);
    this.starts.push({ at: Date.parse(event.at), priority: event.priority, retry: event.kind === 'retry', key });
  }

  render() {
    const now = serverNow();
    const from = now - this.windowMs;
    const kept = this.starts.filter((start) => start.at >= from);
    if (kept.length !== this.starts.length) {
      this.starts = kept;
      this.keys = new Set(kept.map((start) => start.key));
    }
    const width = Math.max(240, this.container.clientWidth);
    const height = LANE * PRIORITIES.length + AXIS;
    const plot = width - LABEL - 8;
    const x = (at) => LABEL + (plot * (at - from)) / this.windowMs;
    const svg = s('svg', { width, height, viewBox: `0 0 ${width} ${height}`, class: 'timeline' });

    PRIORITIES.forEach((priority, lane) => {
      const y = lane * LANE;
      svg.append(
        s('rect', { class: 'lane', x: LABEL, y: y + 3, width: plot, height: LANE - 6, rx: 4 }),
        s('text', { class: `lane-label p-${priority}`, x: 0, y: y + LANE / 2 + 4, text: priority.toLowerCase() }),
      );
    });
    for (let minute = 0; minute <= this.windowMs / 60000; minute++) {
      const at = now - minute * 60000;
      const gx = x(at);
      svg.append(s('line', { class: 'grid', x1: gx, x2: gx, y1: 0, y2: LANE * PRIORITIES.length }));
      svg.append(
        s('text', {
          class: 'axis',
          x: gx,
          y: height - 4,
          'text-anchor': minute === 0 ? 'end' : 'middle',
          text: minute === 0 ? 'now' : `−${minute} min`,
        }),
      );
    }
    let count = 0;
    for (const start of this.starts) {
      const lane = PRIORITIES.indexOf(start.priority);
      if (lane < 0) {
        continue;
      }
      count++;
      svg.append(
        s('rect', {
          class: `tick p-${start.priority}${start.retry ? ' retry' : ''}`,
          x: (x(start.at) - 1.5).toFixed(1),
          y: lane * LANE + 6,
          width: 3,
          height: LANE - 12,
          rx: 1.5,
          data: { priority: start.priority },
        }),
      );
    }
    svg.dataset.starts = String(count);
    this.container.replaceChildren(svg);
  }
}
