// The service's times (next slot, estimates) are its clock's; a countdown needs "now" on that
// clock. The browser's clock is trusted unless the answers' Date headers prove it wrong: a Date
// header is whole seconds, so each answer bounds the offset to a window about a second wide, and
// the offset kept is the one closest to zero that every recent window allows.

let low = -Infinity;
let high = Infinity;
let offset = 0;

/** Feeds one answer: sentAt and receivedAt are Date.now() around the request. */
export function observe(response, sentAt, receivedAt) {
  const header = response.headers.get('Date');
  const serverSecond = header ? Date.parse(header) : NaN;
  if (Number.isNaN(serverSecond)) {
    return;
  }
  // the server wrote the header at some time in [serverSecond, serverSecond + 1000) on its
  // clock, and somewhere between sentAt and receivedAt on ours
  const windowLow = serverSecond - receivedAt;
  const windowHigh = serverSecond + 1000 - sentAt;
  low = Math.max(low, windowLow);
  high = Math.min(high, windowHigh);
  if (low > high) {
    // the clock was set since: start again from this answer alone
    low = windowLow;
    high = windowHigh;
  }
  offset = Math.min(Math.max(0, low), high);
}

/** Now on the service's clock, in epoch milliseconds. */
export function serverNow() {
  return Date.now() + offset;
}
