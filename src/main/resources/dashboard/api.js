// Every request of the page goes through here: the key travels in a header, never in a URL, and
// lives in sessionStorage, so it is gone when the tab closes.

const KEY = 'ingest.api-key';

export class ApiError extends Error {
  constructor(status, body) {
    super(describe(status, body));
    this.status = status;
    this.body = body;
  }
}

let keyRequired = false;
const keyListeners = new Set();

export function apiKey() {
  return sessionStorage.getItem(KEY);
}

export function setApiKey(key) {
  if (key) {
    sessionStorage.setItem(KEY, key);
  } else {
    sessionStorage.removeItem(KEY);
  }
}

export function keysInUse() {
  return keyRequired || apiKey() !== null;
}

/** Called with 'required' or 'rejected' whenever the service asks for a key the page lacks. */
export function onKeyNeeded(listener) {
  keyListeners.add(listener);
}

function keyNeeded(rejected) {
  keyRequired = true;
  if (rejected) {
    setApiKey(null);
  }
  for (const listener of keyListeners) {
    listener(rejected ? 'rejected' : 'required');
  }
}

export function authHeaders() {
  const key = apiKey();
  return key ? { Authorization: `Bearer ${key}` } : {};
}

/**
 * fetch() with the key, JSON both ways, and the service's error shape turned into an ApiError.
 * While a key is known to be needed and none is set, nothing is sent: the prompt is open.
 */
export async function request(path, { method = 'GET', body, signal, raw = false, accept } = {}) {
  if (keyRequired && !apiKey()) {
    throw new ApiError(401, null);
  }
  const headers = { Accept: accept ?? 'application/json', ...authHeaders() };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
  }
  const sentWith = apiKey();
  const response = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal,
    cache: 'no-store',
    credentials: 'omit',
  });
  if (response.status === 401) {
    // a stale answer to a request sent before the key changed says nothing about the new key
    if (sentWith === apiKey()) {
      keyNeeded(sentWith !== null);
    }
    throw new ApiError(401, await bodyOf(response));
  }
  if (raw) {
    if (!response.ok) {
      throw new ApiError(response.status, await bodyOf(response));
    }
    return response;
  }
  const data = await bodyOf(response);
  if (!response.ok) {
    throw new ApiError(response.status, data);
  }
  return { data, response };
}

export const get = (path, options) => request(path, options).then((r) => r.data);
export const post = (path, body) => request(path, { method: 'POST', body }).then((r) => r.data);

async function bodyOf(response) {
  const text = await response.text();
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    return text;
  }
}

function describe(status, body) {
  if (body && typeof body === 'object' && body.error) {
    const details = body.details ? Object.values(body.details).join('; ') : '';
    return details ? `${body.error}: ${details}` : body.error;
  }
  return `HTTP ${status}`;
}
