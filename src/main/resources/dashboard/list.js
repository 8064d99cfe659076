// Recent ingestions, newest first, filtered by status and priority on the service and searched
// by id in the page. Rows are updated in place, so a refresh never loses the reader's place.

import { get, ApiError } from './api.js';
import { h, $, bar, pill, format, setText } from './dom.js';
import { serverNow } from './clock.js';

const PAGE = 50;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class IngestionList {
  constructor({ onOpen, onError }) {
    this.onOpen = onOpen;
    this.onError = onError;
    this.body = $('#ingestions tbody');
    this.filters = $('#filters');
    this.moreButton = $('#list-more');
    this.empty = $('#list-empty');
    this.rows = new Map(); // id -> {row, item}
    this.next = null; // cursor after the last page read
    this.older = false; // whether pages beyond the first were loaded (they are not refreshed)
    this.selected = null;
    this.generation = 0;

    this.filters.addEventListener('change', () => this.reset());
    this.filters.addEventListener('submit', (event) => event.preventDefault());
    const search = this.filters.elements.search;
    search.addEventListener('input', () => {
      this.applySearch();
      const text = search.value.trim();
      if (UUID.test(text)) {
        this.onOpen(text.toLowerCase());
      }
    });
    this.moreButton.addEventListener('click', () => this.loadOlder());
  }

  query(after) {
    const params = new URLSearchParams({ limit: String(PAGE) });
    const { status, priority } = this.filters.elements;
    if (status.value) {
      params.set('status', status.value);
    }
    if (priority.value) {
      params.set('priority', priority.value);
    }
    if (after) {
      params.set('after', after);
    }
    return `/ingestions?${params}`;
  }

  reset() {
    this.generation++;
    this.rows.clear();
    this.body.replaceChildren();
    this.older = false;
    this.next = null;
    this.refresh();
  }

  /** Reads the first page again; older pages already shown stay as they were read. */
  async refresh() {
    const generation = this.generation;
    let page;
    try {
      page = await get(this.query(null));
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 401)) {
        this.onError(error);
      }
      return;
    }
    if (generation !== this.generation) {
      return; // the filters changed while this was on its way
    }
    if (!this.older) {
      this.next = page.next;
      const listed = new Set(page.ingestions.map((item) => item.ingestion_id));
      for (const [id, entry] of this.rows) {
        if (!listed.has(id)) {
          entry.row.remove();
          this.rows.delete(id);
        }
      }
    }
    this.show(page.ingestions);
  }

  async loadOlder() {
    if (!this.next) {
      return;
    }
    const generation = this.generation;
    try {
      const page = await get(this.query(this.next));
      if (generation !== this.generation) {
        return;
      }
      this.older = true;
      this.next = page.next;
      this.show(page.ingestions);
    } catch (error) {
      this.onError(error);
    }
  }

  show(items) {
    const now = serverNow();
    for (const item of items) {
      const entry = this.rows.get(item.ingestion_id);
      if (entry) {
        this.update(entry, item, now);
      } else {
        const created = { row: h('tr'), item };
        this.update(created, item, now, true);
        this.rows.set(item.ingestion_id, created);
      }
    }
    // newest first: ids are time-ordered, and created_at breaks no tie they leave
    const ordered = [...this.rows.values()].sort((a, b) =>
      a.item.created_at === b.item.created_at
        ? b.item.ingestion_id.localeCompare(a.item.ingestion_id)
        : b.item.created_at.localeCompare(a.item.created_at),
    );
    ordered.forEach((entry, index) => {
      if (this.body.children[index] !== entry.row) {
        this.body.insertBefore(entry.row, this.body.children[index] ?? null);
      }
    });
    this.moreButton.hidden = !this.next;
    this.applySearch();
  }

  update(entry, item, now, fresh = false) {
    const signature = JSON.stringify(item);
    const changed = fresh || entry.signature !== signature;
    entry.item = item;
    entry.signature = signature;
    const row = entry.row;
    row.dataset.id = item.ingestion_id;
    row.dataset.status = item.status;
    row.dataset.priority = item.priority;
    row.classList.toggle('selected', item.ingestion_id === this.selected);
    if (changed) {
      const b = item.batches;
      const progress = h(
        'td',
        { class: 'progress-col' },
        bar(
          [
            { value: b.completed, class: 'done' },
            { value: b.triggered, class: 'running' },
          ],
          b.total,
        ),
        h('span', { class: 'progress-text', text: `${format.count(b.completed)}/${format.count(b.total)}` }),
        item.failed_ids > 0 ? h('span', { class: 'failed-count', text: `${format.count(item.failed_ids)} failed` }) : null,
      );
      row.replaceChildren(
        h(
          'td',
          { class: 'stack' },
          h('button', {
            type: 'button',
            class: 'link mono',
            title: item.ingestion_id,
            // ids are time-ordered (UUIDv7): their heads match within a minute, their tails differ
            text: `…${item.ingestion_id.slice(-12)}`,
            onclick: () => this.onOpen(item.ingestion_id),
          }),
          h('span', { class: 'sub', text: `${format.count(item.ids)} ids` }),
        ),
        h('td', {}, pill('p', item.priority)),
        h('td', {}, pill('st', item.status)),
        progress,
        h('td', { class: 'when', title: item.created_at }),
        h('td', { class: 'when eta', title: item.estimated_completion ?? '' }),
      );
    }
    // relative times move on their own
    setText(row.children[4], format.relative(item.created_at, now));
    setText(row.children[5], item.status === 'completed' ? 'done' : format.relative(item.estimated_completion, now));
  }

  applySearch() {
    const text = this.filters.elements.search.value.trim().toLowerCase();
    let shown = 0;
    for (const [id, entry] of this.rows) {
      const visible = !text || id.includes(text);
      entry.row.hidden = !visible;
      shown += visible ? 1 : 0;
    }
    this.empty.hidden = shown > 0;
  }

  select(id) {
    this.selected = id;
    for (const [rowId, entry] of this.rows) {
      entry.row.classList.toggle('selected', rowId === id);
    }
  }
}
