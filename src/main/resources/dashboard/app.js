// Wires the page together: the live module feeds the views; buttons and forms act on the API.

import { onKeyNeeded, setApiKey, apiKey, keysInUse, post, ApiError } from './api.js';
import { startLive } from './live.js';
import { $, setText } from './dom.js';
import { QueueView } from './queue-view.js';
import { Timeline } from './timeline.js';
import { Throughput } from './throughput.js';
import { IngestionList } from './list.js';
import { Detail } from './detail.js';
import { wireSubmitForm } from './submit.js';

const queueView = new QueueView();
const timeline = new Timeline($('#timeline'));
const throughput = new Throughput($('#throughput'));
const detail = new Detail({ onClose: () => list.select(null) });
const list = new IngestionList({ onOpen: open, onError: (error) => notify(error.message) });

function open(id) {
  list.select(id);
  detail.open(id);
}

// --- live updates -------------------------------------------------------------------------

const live = startLive({
  queue(view) {
    queueView.render(view);
    showDispatch(view.paused);
  },
  batch(event) {
    timeline.add(event);
    throughput.add(event);
  },
  changed() {
    list.refresh();
    detail.refresh();
  },
  state: showLiveState,
});

function showLiveState(state) {
  const badge = $('#live-state');
  if (badge.dataset.state === state) {
    return;
  }
  badge.dataset.state = state;
  setText(badge, { polling: 'live', streaming: 'live', paused: 'updates paused', offline: 'offline' }[state] ?? state);
  badge.title =
    state === 'polling'
      ? 'Reading the queue every second and the lists every two'
      : state === 'streaming'
        ? 'Following the service’s event stream'
        : '';
  document.body.classList.toggle('updates-paused', state === 'paused');
  queueView.setLive(state !== 'paused');
}

$('#live-toggle').addEventListener('click', (event) => {
  const button = event.currentTarget;
  if (live.paused) {
    live.resume();
  } else {
    live.pause();
  }
  button.setAttribute('aria-pressed', String(live.paused));
  setText(button, live.paused ? 'Resume updates' : 'Pause updates');
});

setInterval(() => {
  if (!live.paused) {
    timeline.render();
    throughput.render();
  }
}, 1000);

// --- dispatch ------------------------------------------------------------------------------

const dispatchButton = $('#dispatch-toggle');

function showDispatch(paused) {
  dispatchButton.disabled = false;
  dispatchButton.dataset.paused = String(paused);
  setText(dispatchButton, paused ? 'Resume dispatch' : 'Pause dispatch');
  $('#dispatch-banner').hidden = !paused;
  document.body.classList.toggle('dispatch-paused', paused);
}

dispatchButton.addEventListener('click', async () => {
  const pausing = dispatchButton.dataset.paused !== 'true';
  dispatchButton.disabled = true;
  try {
    const answer = await post(pausing ? '/queue/pause' : '/queue/resume');
    showDispatch(answer.paused);
  } catch (error) {
    dispatchButton.disabled = false;
    if (error instanceof ApiError && error.status === 403) {
      notify('Pausing and resuming dispatch needs an admin key.');
    } else if (!(error instanceof ApiError && error.status === 401)) {
      notify(`Could not ${pausing ? 'pause' : 'resume'} dispatch: ${error.message}`);
    }
  }
});

// --- submitting ----------------------------------------------------------------------------

wireSubmitForm({
  onStored(id) {
    open(id);
    list.refresh();
  },
});

// --- the API key ---------------------------------------------------------------------------

const keyDialog = $('#key-dialog');
const keyButton = $('#key-button');

function askForKey(reason) {
  setText(
    $('#key-reason'),
    reason === 'rejected'
      ? 'That key was not accepted. Enter a key of this deployment.'
      : 'This deployment needs an API key.',
  );
  showKeyButton();
  if (!keyDialog.open) {
    keyDialog.querySelector('input').value = '';
    keyDialog.showModal();
  }
}

function showKeyButton() {
  keyButton.hidden = !keysInUse();
  setText(keyButton, apiKey() ? 'Change key' : 'Enter key');
}

onKeyNeeded(askForKey);
keyButton.addEventListener('click', () => askForKey('change'));

$('#key-form').addEventListener('submit', () => {
  const key = keyDialog.querySelector('input').value.trim();
  if (key) {
    setApiKey(key);
    showKeyButton();
    list.reset();
    detail.refresh();
  }
});

keyDialog.addEventListener('close', showKeyButton);

// --- notices -------------------------------------------------------------------------------

let noticeTimer = null;

function notify(message) {
  const notice = $('#notice');
  setText(notice, message);
  notice.hidden = false;
  clearTimeout(noticeTimer);
  noticeTimer = setTimeout(() => {
    notice.hidden = true;
  }, 8000);
}

list.refresh();
showKeyButton();
