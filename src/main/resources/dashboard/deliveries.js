// One ingestion's webhooks (GET /ingestions/{id}/deliveries): shown only when it has a callback_url.

import { get, ApiError } from './api.js';
import { h, $, pill, format, setText } from './dom.js';
import { serverNow } from './clock.js';

export class Deliveries {
  constructor() {
    this.reset();
  }

  reset() {
    // unknown until the first read; false once an ingestion is known to have no callback
    this.hasCallback = null;
    $('#webhooks').hidden = true;
    $('#deliveries tbody').replaceChildren();
  }

  /** Reads and shows them; resolves to whether any delivery may still change. */
  async read(id, current) {
    if (this.hasCallback === false) {
      return false;
    }
    let answer;
    try {
      answer = await get(`/ingestions/${encodeURIComponent(id)}/deliveries`);
    } catch (error) {
      // the status read reports what is wrong with the ingestion; this part just stays as it was
      return !(error instanceof ApiError && error.status === 404);
    }
    if (!current()) {
      return false;
    }
    this.hasCallback = answer.callback_url !== null;
    $('#webhooks').hidden = !this.hasCallback;
    if (!this.hasCallback) {
      return false;
    }
    setText($('#wh-url'), `${answer.callback_url} · ${answer.callback_events.join(', ')}`);
    const now = serverNow();
    $('#deliveries tbody').replaceChildren(
      ...answer.deliveries.map((delivery) => {
        const last = delivery.history[delivery.history.length - 1];
        return h(
          'tr',
          { data: { state: delivery.state } },
          h('td', { class: 'mono', title: delivery.webhook_id, text: delivery.type }),
          h('td', {}, pill('wh', delivery.state)),
          h('td', { class: 'num', text: String(delivery.attempts) }),
          h('td', { class: 'mono', title: last?.error ?? '', text: last ? lastAnswer(last) : '–' }),
          h(
            'td',
            { class: 'when' },
            delivery.next_attempt_at
              ? `${format.time(delivery.next_attempt_at)} (${format.relative(delivery.next_attempt_at, now)})`
              : format.time(delivery.delivered_at),
          ),
        );
      }),
    );
    return answer.deliveries.some((delivery) => delivery.state === 'pending');
  }
}

function lastAnswer(attempt) {
  return attempt.status_code ? `${attempt.status_code} in ${attempt.duration_ms} ms` : attempt.error;
}
