// The queue at a glance: waiting work per priority, in flight, the next slot's countdown, recent
// starts and failures, and whether dispatch is paused.

import { $, setText, format, PRIORITIES } from './dom.js';
import { serverNow } from './clock.js';

export class QueueView {
  constructor() {
    this.queue = null;
    this.live = true;
    this.countdown = $('#countdown');
    this.slotFill = $('#slot-fill');
    setInterval(() => this.tick(), 100);
  }

  render(queue) {
    this.queue = queue;
    for (const priority of PRIORITIES) {
      const card = $(`.card.prio[data-priority="${priority}"]`);
      const waiting = queue.waiting[priority] ?? { batches: 0, ids: 0 };
      setText($('[data-field="batches"]', card), format.count(waiting.batches));
      setText($('[data-field="ids"]', card), format.count(waiting.ids));
      card.classList.toggle('idle', waiting.batches === 0);
    }
    setText($('#in-flight'), format.count(queue.in_flight));
    setText($('#to-run-again'), format.count(queue.to_run_again));
    setText($('#starts-minute'), format.count(queue.starts.last_minute));
    setText($('#starts-hour'), format.count(queue.starts.last_hour));
    setText($('#failed-hour'), format.count(queue.failed_ids.last_hour));
    const stretched = queue.interval_ms > queue.configured_interval_ms;
    setText(
      $('#interval'),
      stretched
        ? `every ${format.duration(queue.interval_ms)}, stretched from ${format.duration(queue.configured_interval_ms)}: the upstream throttles`
        : `one batch every ${format.duration(queue.interval_ms)}`,
    );
    $('#slot-card').classList.toggle('stretched', stretched);
    this.tick();
  }

  setLive(live) {
    this.live = live;
    this.tick();
  }

  waitingBatches() {
    if (!this.queue) {
      return 0;
    }
    return PRIORITIES.reduce((sum, p) => sum + (this.queue.waiting[p]?.batches ?? 0), 0) + this.queue.to_run_again;
  }

  tick() {
    const queue = this.queue;
    if (!queue) {
      return;
    }
    let text;
    let filled = 0;
    if (!this.live) {
      text = 'updates paused';
    } else if (queue.paused) {
      text = 'paused';
    } else {
      const remaining = Date.parse(queue.next_slot) - serverNow();
      if (remaining > 0) {
        text = `${(remaining / 1000).toFixed(1)} s`;
        filled = Math.max(0, Math.min(100, 100 * (1 - remaining / queue.interval_ms)));
      } else {
        text = this.waitingBatches() > 0 ? 'starting' : 'open';
        filled = 100;
      }
    }
    setText(this.countdown, text);
    this.slotFill.setAttribute('width', filled.toFixed(1));
  }
}
