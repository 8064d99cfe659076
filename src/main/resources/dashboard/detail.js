// One ingestion: its batches with their times and estimates, a page of its records, its webhooks.

import { get, ApiError } from './api.js';
import { h, $, pill, format, setText } from './dom.js';
import { serverNow } from './clock.js';
import { Deliveries } from './deliveries.js';

// GET /status carries every batch; a page shows the first ones, which are the ones that move
const BATCH_ROWS = 200;
const RECORDS = 20;
const WEBHOOK_REFRESH_MS = 2000;

export class Detail {
  constructor({ onClose }) {
    this.id = null;
    this.status = null;
    this.offset = 0;
    this.settled = false;
    this.generation = 0;
    this.batchRows = [];
    this.onClose = onClose;
    this.deliveries = new Deliveries();
    $('#detail-close').addEventListener('click', () => this.close());
    $('#records-prev').addEventListener('click', () => this.page(-RECORDS));
    $('#records-next').addEventListener('click', () => this.page(RECORDS));
  }

  open(id) {
    if (id === this.id) {
      this.refresh();
      return;
    }
    this.generation++;
    this.id = id;
    this.status = null;
    this.offset = 0;
    this.settled = false;
    this.batchRows = [];
    $('#batches tbody').replaceChildren();
    $('#records tbody').replaceChildren();
    this.deliveries.reset();
    $('#detail').dataset.id = id;
    $('#detail').dataset.status = '';
    setText($('#d-id'), id);
    for (const field of ['#d-priority', '#d-status', '#d-created', '#d-eta', '#d-batch-count', '#d-record-range']) {
      $(field).replaceChildren();
    }
    $('#detail-empty').hidden = true;
    $('#detail-body').hidden = false;
    $('#detail-close').hidden = false;
    $('#detail').scrollIntoView?.({ block: 'nearest', behavior: 'smooth' });
    this.refresh();
  }

  close() {
    this.generation++;
    this.id = null;
    $('#detail-body').hidden = true;
    $('#detail-close').hidden = true;
    setText($('#detail-empty'), 'Pick an ingestion in the list, or submit one, to see its batches and records.');
    $('#detail-empty').hidden = false;
    delete $('#detail').dataset.id;
    this.onClose();
  }

  page(step) {
    const total = this.status ? this.status.batches.reduce((n, b) => n + b.ids.length, 0) : 0;
    const offset = Math.max(0, Math.min(this.offset + step, Math.max(0, total - 1)));
    if (offset !== this.offset) {
      this.offset = offset;
      this.readRecords(this.generation);
    }
  }

  /** Reads again, unless everything shown has stopped moving. */
  async refresh() {
    if (!this.id || this.settled) {
      return;
    }
    const generation = this.generation;
    let status;
    try {
      status = await get(`/status/${encodeURIComponent(this.id)}`);
    } catch (error) {
      if (generation === this.generation) {
        this.failed(error);
      }
      return;
    }
    if (generation !== this.generation) {
      return;
    }
    this.status = status;
    this.showStatus(status);
    await this.readRecords(generation);
    const deliveriesMove = await this.deliveries.read(this.id, () => generation === this.generation);
    // once completed, a last read of the records shows their outcomes; nothing moves after that
    // but webhooks still to be delivered
    this.settled = status.status === 'completed' && !deliveriesMove;
    if (status.status === 'completed' && deliveriesMove) {
      // no batch event will come to refresh it: webhooks move on their own schedule
      clearTimeout(this.webhookTimer);
      this.webhookTimer = setTimeout(() => generation === this.generation && this.refresh(), WEBHOOK_REFRESH_MS);
    }
  }

  failed(error) {
    if (error instanceof ApiError && error.status === 401) {
      return;
    }
    $('#detail-body').hidden = true;
    setText(
      $('#detail-empty'),
      error instanceof ApiError && error.status === 404
        ? `No ingestion ${this.id} that this key may see.`
        : `Could not read ingestion ${this.id}: ${error.message}`,
    );
    $('#detail-empty').hidden = false;
  }

  showStatus(status) {
    const now = serverNow();
    const detail = $('#detail');
    detail.dataset.status = status.status;
    $('#d-priority').replaceChildren(pill('p', status.priority));
    $('#d-status').replaceChildren(pill('st', status.status));
    setText($('#d-created'), `${format.time(status.created_at)} (${format.relative(status.created_at, now)})`);
    setText(
      $('#d-eta'),
      status.status === 'completed'
        ? 'completed'
        : status.estimated_completion
          ? `${format.time(status.estimated_completion)} (${format.relative(status.estimated_completion, now)})`
          : '–',
    );
    const batches = status.batches;
    const done = batches.filter((b) => b.status === 'completed').length;
    setText($('#d-batch-count'), `${format.count(done)} of ${format.count(batches.length)} completed`);
    const body = $('#batches tbody');
    const shown = Math.min(batches.length, BATCH_ROWS);
    for (let i = 0; i < shown; i++) {
      const batch = batches[i];
      const signature = JSON.stringify(batch);
      let entry = this.batchRows[i];
      if (!entry) {
        entry = { row: h('tr'), signature: null };
        this.batchRows[i] = entry;
        body.append(entry.row);
      }
      if (entry.signature !== signature) {
        entry.signature = signature;
        entry.row.dataset.status = batch.status;
        entry.row.dataset.index = String(i);
        const failed = batch.failed_ids?.length ?? 0;
        entry.row.replaceChildren(
          h('td', { class: 'num', text: String(i + 1) }),
          h('td', { class: 'mono ids', title: batch.ids.join(', '), text: batch.ids.join(', ') }),
          h(
            'td',
            {},
            pill('st', batch.status),
            failed > 0 ? h('span', { class: 'failed-count', text: ` ${failed} failed` }) : null,
          ),
          h('td', { class: 'when', text: format.time(batch.started_at) }),
          h('td', { class: 'when', text: format.time(batch.completed_at) }),
          h(
            'td',
            { class: 'when stack' },
            h('span', { class: 'eta', title: batch.estimated_start ?? '' }),
            batch.queue_position ? h('span', { class: 'sub', text: `#${format.count(batch.queue_position)} in line` }) : null,
          ),
        );
      }
      setText(
        entry.row.children[5].firstChild,
        batch.estimated_start
          ? `${format.time(batch.estimated_start)} (${format.relative(batch.estimated_start, now)})`
          : '–',
      );
    }
    const more = $('#d-batches-more');
    more.hidden = batches.length <= BATCH_ROWS;
    setText(more, `The first ${BATCH_ROWS} of ${format.count(batches.length)} batches are shown.`);
  }

  async readRecords(generation) {
    let page;
    try {
      page = await get(`/ingestions/${encodeURIComponent(this.id)}/records?offset=${this.offset}&limit=${RECORDS}`);
    } catch (error) {
      if (generation === this.generation && !(error instanceof ApiError && error.status === 401)) {
        this.failed(error);
      }
      return;
    }
    if (generation !== this.generation) {
      return;
    }
    const last = Math.min(page.offset + page.records.length, page.total);
    setText(
      $('#d-record-range'),
      page.total === 0 ? '' : `${format.count(page.offset + 1)}–${format.count(last)} of ${format.count(page.total)}`,
    );
    $('#records-prev').disabled = page.offset === 0;
    $('#records-next').disabled = last >= page.total;
    $('#records tbody').replaceChildren(
      ...page.records.map((record) =>
        h(
          'tr',
          { data: { state: record.state } },
          h('td', { class: 'num', text: String(record.position + 1) }),
          h('td', { class: 'mono', text: String(record.id) }),
          h('td', {}, pill('rec', record.state)),
          h('td', { class: 'mono data', text: recordText(record) }),
        ),
      ),
    );
  }
}

function recordText(record) {
  if (record.state === 'fetched') {
    const text = JSON.stringify(record.data);
    return text.length > 160 ? `${text.slice(0, 160)}…` : text;
  }
  if (record.state === 'failed' && record.error) {
    const e = record.error;
    return `${e.kind}${e.status ? ` ${e.status}` : ''}: ${e.message} (${e.attempts} attempt${e.attempts === 1 ? '' : 's'})`;
  }
  return 'waiting for its slot, its answer or a retry';
}
