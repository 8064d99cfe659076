// The form that submits an ingestion: ids as a list, with ranges ("1-300") for convenience.

import { post, ApiError } from './api.js';
import { $, setText } from './dom.js';

const MOST_IDS = 1_000_000;

/** '1, 2 5-7' -> [1, 2, 5, 6, 7]; throws with a message a person can act on. */
export function parseIds(text) {
  const ids = [];
  for (const token of text.split(/[\s,;]+/).filter(Boolean)) {
    const range = /^(\d+)-(\d+)$/.exec(token);
    if (range) {
      const from = Number(range[1]);
      const to = Number(range[2]);
      if (to < from) {
        throw new Error(`the range ${token} runs backwards`);
      }
      if (ids.length + (to - from + 1) > MOST_IDS) {
        throw new Error(`more than ${MOST_IDS.toLocaleString()} ids`);
      }
      for (let id = from; id <= to; id++) {
        ids.push(id);
      }
    } else if (/^\d+$/.test(token)) {
      ids.push(Number(token));
    } else {
      throw new Error(`"${token}" is neither an id nor a range like 1-300`);
    }
  }
  if (ids.length === 0) {
    throw new Error('give at least one id');
  }
  return ids;
}

export function wireSubmitForm({ onStored }) {
  const form = $('#submit-form');
  const result = $('#submit-result');
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    result.className = 'form-result';
    let ids;
    try {
      ids = parseIds(form.elements.ids.value);
    } catch (error) {
      result.classList.add('error');
      setText(result, error.message);
      return;
    }
    const button = form.querySelector('button[type="submit"]');
    button.disabled = true;
    try {
      const answer = await post('/ingest', { ids, priority: form.elements.priority.value });
      result.classList.add('ok');
      setText(result, `Stored ${ids.length.toLocaleString()} ids as ${answer.ingestion_id}`);
      result.dataset.id = answer.ingestion_id;
      form.elements.ids.value = '';
      onStored(answer.ingestion_id);
    } catch (error) {
      result.classList.add('error');
      setText(
        result,
        error instanceof ApiError && error.status === 401 ? 'Enter an API key, then submit again.' : error.message,
      );
    } finally {
      button.disabled = false;
    }
  });
}
