// A text/event-stream reader for a fetch() body. EventSource would parse this for us but cannot
// send a header, and keys travel only in headers; so the page reads the stream itself, by the
// rules of the HTML standard's event stream format.

/** Returns a parser: push() text as it arrives, and onEvent({type, data, id}) is called per event. */
export function eventParser(onEvent) {
  let buffer = '';
  let type = '';
  let data = [];
  let lastId = '';

  function line(text) {
    if (text === '') {
      if (data.length > 0) {
        onEvent({ type: type || 'message', data: data.join('\n'), id: lastId });
      }
      type = '';
      data = [];
      return;
    }
    if (text.startsWith(':')) {
      return; // a comment: keep-alives look like this
    }
    const colon = text.indexOf(':');
    const field = colon < 0 ? text : text.slice(0, colon);
    let value = colon < 0 ? '' : text.slice(colon + 1);
    if (value.startsWith(' ')) {
      value = value.slice(1);
    }
    if (field === 'event') {
      type = value;
    } else if (field === 'data') {
      data.push(value);
    } else if (field === 'id' && !value.includes('\0')) {
      lastId = value;
    }
    // 'retry' and unknown fields: the page reconnects on its own schedule
  }

  return {
    push(text) {
      buffer += text;
      for (;;) {
        const match = /\r\n|\r|\n/.exec(buffer);
        if (!match) {
          return;
        }
        // a chunk that ends on \r may be half of a \r\n: wait for the next one
        if (match[0] === '\r' && match.index === buffer.length - 1) {
          return;
        }
        line(buffer.slice(0, match.index));
        buffer = buffer.slice(match.index + match[0].length);
      }
    },
    get lastEventId() {
      return lastId;
    },
  };
}

/** Reads a byte stream to its end (or until signal aborts), calling onEvent per event. */
export async function readEventStream(body, onEvent, signal) {
  const parser = eventParser(onEvent);
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  const abort = () => reader.cancel().catch(() => {});
  signal?.addEventListener('abort', abort, { once: true });
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) {
        return parser.lastEventId;
      }
      parser.push(value);
    }
  } finally {
    signal?.removeEventListener('abort', abort);
  }
}
