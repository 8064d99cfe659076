// Ids fetched and failed per minute, from the batch completions the live module reports: each
// minute a bar, failures stacked on top of what was fetched.

import { s, format } from './dom.js';
import { serverNow } from './clock.js';

const MINUTE = 60 * 1000;
const AXIS = 20;
const LABEL = 44;
const HEIGHT = 110;

export class Throughput {
  constructor(container, minutes = 20) {
    this.container = container;
    this.minutes = minutes;
    this.buckets = new Map(); // minute number -> {fetched, failed}
    this.seen = new Set();
    new ResizeObserver(() => this.render()).observe(container);
  }

  add(event) {
    if (event.kind !== 'completed' || event.fetched === undefined) {
      return;
    }
    const key = `${event.ingestion_id}/${event.batch_index}/${event.at}`;
    if (this.seen.has(key)) {
      return;
    }
    this.seen.add(key);
    const minute = Math.floor(Date.parse(event.at) / MINUTE);
    const bucket = this.buckets.get(minute) ?? { fetched: 0, failed: 0 };
    bucket.fetched += event.fetched;
    bucket.failed += event.failed ?? 0;
    this.buckets.set(minute, bucket);
  }

  render() {
    const current = Math.floor(serverNow() / MINUTE);
    const first = current - this.minutes + 1;
    for (const minute of this.buckets.keys()) {
      if (minute < first) {
        this.buckets.delete(minute);
      }
    }
    if (this.seen.size > 50_000) {
      this.seen.clear(); // bounded memory; a duplicate this old would land outside the window anyway
    }
    const width = Math.max(240, this.container.clientWidth);
    const height = HEIGHT + AXIS;
    const plot = width - LABEL - 8;
    const slot = plot / this.minutes;
    let max = 0;
    for (const bucket of this.buckets.values()) {
      max = Math.max(max, bucket.fetched + bucket.failed);
    }
    const top = niceCeiling(max);
    const y = (value) => HEIGHT - (HEIGHT - 8) * (value / top);
    const svg = s('svg', { width, height, viewBox: `0 0 ${width} ${height}`, class: 'throughput' });

    for (const value of [0, top / 2, top]) {
      svg.append(
        s('line', { class: 'grid', x1: LABEL, x2: width - 8, y1: y(value), y2: y(value) }),
        s('text', { class: 'axis', x: LABEL - 6, y: y(value) + 4, 'text-anchor': 'end', text: format.count(value) }),
      );
    }
    let total = 0;
    for (let i = 0; i < this.minutes; i++) {
      const minute = first + i;
      const bucket = this.buckets.get(minute);
      const bx = LABEL + i * slot + slot * 0.15;
      const bw = Math.max(1, slot * 0.7);
      if (bucket) {
        total += bucket.fetched;
        const partial = minute === current ? ' partial' : '';
        svg.append(
          s('rect', {
            class: `fetched${partial}`,
            x: bx,
            y: y(bucket.fetched),
            width: bw,
            height: HEIGHT - y(bucket.fetched),
            rx: 2,
          }),
        );
        if (bucket.failed > 0) {
          svg.append(
            s('rect', {
              class: `failed${partial}`,
              x: bx,
              y: y(bucket.fetched + bucket.failed),
              width: bw,
              height: y(bucket.fetched) - y(bucket.fetched + bucket.failed),
              rx: 2,
            }),
          );
        }
      }
      const ago = this.minutes - 1 - i;
      if (ago % 5 === 0) {
        svg.append(
          s('text', {
            class: 'axis',
            y: height - 4,
            'text-anchor': ago === 0 ? 'end' : 'middle',
            x: ago === 0 ? bx + bw : bx + bw / 2,
            text: ago === 0 ? 'now' : `−${ago} min`,
          }),
        );
      }
    }
    svg.dataset.fetched = String(total);
    this.container.replaceChildren(svg);
  }
}

/** 1, 2, 5, 10, 20, 50...: a round top for the axis, at least 5 so an idle chart has a scale. */
function niceCeiling(value) {
  let step = 1;
  for (;;) {
    for (const m of [1, 2, 5]) {
      if (step * m >= Math.max(5, value)) {
        return step * m;
      }
    }
    step *= 10;
  }
}
