// Where live data comes from: the one module that knows. The rest of the page is handed
//   queue(view)   the GET /queue answer, whenever it may have changed
//   batch(event)  {ingestion_id, batch_index, kind: 'started'|'retry'|'completed', priority, at,
//                  and on 'completed' when known: fetched, failed (counts of ids)}
//   changed()     something moved: lists and the open ingestion should be read again
//   state(s)      'polling', 'streaming', 'paused', 'offline'
// and gets the same calls whether they come from polling or from GET /events.

import { request, get, ApiError } from './api.js';
import * as clock from './clock.js';
import { readEventStream } from './sse.js';

// GET /events (server-sent events) is the live source; where a service answers it with 404 (an
// older version), the page polls instead.
const USE_EVENTS = true;
const EVENTS_PATH = '/events';

const QUEUE_EVERY_MS = 1000;
const LISTS_EVERY_MS = 2000;
const CHANGED_AT_MOST_EVERY_MS = 1000;
// Polling learns batch starts and completions from GET /status, which carries every batch: only
// ingestions this small are read, and only when their counts moved.
const HARVEST_MAX_BATCHES = 300;
const HARVEST_MAX_PER_ROUND = 6;
const HARVEST_WINDOW_MS = 30 * 60 * 1000;

export function startLive(handlers) {
  let paused = false;
  let generation = 0; // bumped on pause, so loops of an older run stop
  let stream = null;
  const harvester = new Harvester(handlers.batch);
  const changedSoon = throttle(handlers.changed, CHANGED_AT_MOST_EVERY_MS);

  function run() {
    const mine = ++generation;
    const alive = () => mine === generation && !paused;
    if (USE_EVENTS) {
      streamLoop(alive).then((supported) => {
        if (!supported && alive()) {
          pollLoops(alive);
        }
      });
    } else {
      pollLoops(alive);
    }
  }

  function pollLoops(alive) {
    handlers.state('polling');
    every(QUEUE_EVERY_MS, alive, async () => {
      try {
        const sentAt = Date.now();
        const { data, response } = await request('/queue');
        clock.observe(response, sentAt, Date.now());
        if (alive()) {
          handlers.queue(data);
          handlers.state('polling');
        }
      } catch (error) {
        if (alive() && !(error instanceof ApiError)) {
          handlers.state('offline');
        }
        throw error;
      }
    });
    every(LISTS_EVERY_MS, alive, async () => {
      await harvester.round();
      if (alive()) {
        handlers.changed();
      }
    });
  }

  /** Resolves false if the service has no event stream (then the caller polls). */
  async function streamLoop(alive) {
    let backoff = 1000;
    while (alive()) {
      const abort = new AbortController();
      stream = abort;
      try {
        const sentAt = Date.now();
        const response = await request(EVENTS_PATH, {
          raw: true,
          accept: 'text/event-stream',
          signal: abort.signal,
        });
        clock.observe(response, sentAt, Date.now());
        if (!alive()) {
          abort.abort();
          break;
        }
        handlers.state('streaming');
        backoff = 1000;
        // the stream carries what happens from now on: the recent past comes from one round of
        // the status reads polling uses (the timeline and the chart drop what they already have)
        harvester.round().catch((error) => {
          if (!(error instanceof ApiError)) {
            console.warn('backfill failed', error);
          }
        });
        await readEventStream(response.body, dispatch, abort.signal);
      } catch (error) {
        if (error instanceof ApiError && error.status === 404) {
          return false;
        }
        if (!abort.signal.aborted && !(error instanceof ApiError && error.status === 401)) {
          handlers.state('offline');
        }
      }
      if (!alive()) {
        break;
      }
      // the service sends the queue again on connect, so nothing is lost across a reconnect
      // but the batch events in between: the lists are read again instead
      await sleep(backoff);
      backoff = Math.min(backoff * 2, 15000);
      handlers.changed();
    }
    return true;
  }

  function dispatch(event) {
    let data;
    try {
      data = JSON.parse(event.data);
    } catch {
      return;
    }
    if (event.type === 'queue') {
      handlers.queue(data);
    } else if (event.type === 'batch') {
      handlers.batch(data);
    }
    changedSoon();
  }

  run();
  return {
    get paused() {
      return paused;
    },
    pause() {
      paused = true;
      generation++;
      stream?.abort();
      handlers.state('paused');
    },
    resume() {
      paused = false;
      run();
      handlers.changed();
    },
  };
}

/**
 * Batch events from polling: reads the newest ingestions, and the status of each whose counts
 * moved, and reports each batch start and completion once.
 */
class Harvester {
  constructor(emit) {
    this.emit = emit;
    this.known = new Map(); // ingestion id -> {signature, started: Set, completed: Set}
  }

  async round() {
    const page = await get('/ingestions?limit=25');
    const now = clock.serverNow();
    const listed = new Set();
    const toRead = [];
    for (const item of page.ingestions) {
      listed.add(item.ingestion_id);
      const signature = `${item.status}/${item.batches.triggered}/${item.batches.completed}/${item.failed_ids}`;
      let entry = this.known.get(item.ingestion_id);
      const firstSight = !entry;
      if (firstSight) {
        entry = { signature: '', started: new Set(), completed: new Set() };
        this.known.set(item.ingestion_id, entry);
      }
      const moved = entry.signature !== signature;
      entry.signature = signature;
      if (!moved || item.status === 'yet_to_start' || item.batches.total > HARVEST_MAX_BATCHES) {
        continue;
      }
      if (firstSight && item.status === 'completed' && now - Date.parse(item.created_at) > HARVEST_WINDOW_MS) {
        continue;
      }
      toRead.push(item.ingestion_id);
    }
    for (const [id, entry] of this.known) {
      // the newest page no longer shows it: it will not move unseen, as nothing newer replaces it
      if (!listed.has(id) && entry.signature.startsWith('completed')) {
        this.known.delete(id);
      }
    }
    for (const id of toRead.slice(0, HARVEST_MAX_PER_ROUND)) {
      try {
        this.read(await get(`/status/${encodeURIComponent(id)}`), now);
      } catch (error) {
        if (!(error instanceof ApiError) || error.status !== 404) {
          throw error;
        }
      }
    }
    if (toRead.length > HARVEST_MAX_PER_ROUND) {
      // the rest next round: forget their signatures so they count as moved again
      for (const id of toRead.slice(HARVEST_MAX_PER_ROUND)) {
        this.known.get(id).signature = '';
      }
    }
  }

  read(status, now) {
    const entry = this.known.get(status.ingestion_id);
    status.batches.forEach((batch, index) => {
      const base = { ingestion_id: status.ingestion_id, batch_index: index, priority: status.priority };
      if (batch.started_at && !entry.started.has(index)) {
        entry.started.add(index);
        if (now - Date.parse(batch.started_at) < HARVEST_WINDOW_MS) {
          this.emit({ ...base, kind: 'started', attempt: 1, at: batch.started_at });
        }
      }
      if (batch.status === 'completed' && !entry.completed.has(index)) {
        entry.completed.add(index);
        const failed = batch.failed_ids ? batch.failed_ids.length : 0;
        if (now - Date.parse(batch.completed_at) < HARVEST_WINDOW_MS) {
          this.emit({
            ...base,
            kind: 'completed',
            at: batch.completed_at,
            fetched: batch.ids.length - failed,
            failed,
          });
        }
      }
    });
  }
}

/** Runs task now and then every period (measured from each start) while alive() holds. */
function every(period, alive, task) {
  const loop = async () => {
    if (!alive()) {
      return;
    }
    const startedAt = Date.now();
    try {
      await task();
    } catch (error) {
      if (!(error instanceof ApiError)) {
        console.warn('live update failed', error);
      }
    }
    if (alive()) {
      setTimeout(loop, Math.max(0, period - (Date.now() - startedAt)));
    }
  };
  loop();
}

function throttle(fn, period) {
  let timer = null;
  let last = 0;
  return () => {
    if (timer) {
      return;
    }
    const wait = Math.max(0, last + period - Date.now());
    timer = setTimeout(() => {
      timer = null;
      last = Date.now();
      fn();
    }, wait);
  };
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** For tests and for the switch to /events: opens a stream and hands each event to onEvent. */
export async function openEventStream(path, onEvent, signal) {
  const response = await request(path, { raw: true, accept: 'text/event-stream', signal });
  return readEventStream(response.body, onEvent, signal);
}
