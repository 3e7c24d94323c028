// Talking to the service: the token (asked once, kept in this tab's sessionStorage, sent as a
// Bearer header, never in a URL), JSON requests, and event streams read with fetch and a stream
// reader (EventSource cannot send headers), resumed with Last-Event-ID after a dropped connection.

const TOKEN_KEY = 'andon.token';
let asking = null;

function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

function headers(extra) {
  const h = Object.assign({}, extra);
  const t = token();
  if (t) h['Authorization'] = 'Bearer ' + t;
  return h;
}

/** Shows the token dialog once, however many requests were refused meanwhile. */
function askToken(wrong) {
  if (asking) return asking;
  const dialog = document.getElementById('token-dialog');
  const form = document.getElementById('token-form');
  const input = document.getElementById('token-input');
  document.getElementById('token-error').textContent = wrong ? 'That token was refused.' : '';
  input.value = '';
  asking = new Promise((resolve) => {
    const done = (e) => {
      e.preventDefault();
      const value = input.value.trim();
      if (!value) return;
      sessionStorage.setItem(TOKEN_KEY, value);
      form.removeEventListener('submit', done);
      dialog.close();
      asking = null;
      resolve();
    };
    form.addEventListener('submit', done);
    dialog.addEventListener('cancel', (e) => e.preventDefault(), { once: true });
    dialog.showModal();
    input.focus();
  });
  return asking;
}

/** An error the service answered: its JSON error and detail. */
export class ApiError extends Error {
  constructor(status, body) {
    super(body && body.detail ? body.error + ': ' + body.detail : 'HTTP ' + status);
    this.status = status;
    this.body = body;
  }
}

/** fetch with the token; asks for it (again) on 401 and retries. */
export async function request(path, options = {}) {
  for (;;) {
    const response = await fetch(path, Object.assign({}, options, { headers: headers(options.headers) }));
    if (response.status !== 401) return response;
    const hadToken = !!token();
    sessionStorage.removeItem(TOKEN_KEY);
    await askToken(hadToken);
  }
}

export async function getJson(path) {
  const r = await request(path, { headers: { Accept: 'application/json' } });
  const body = await r.json().catch(() => null);
  if (!r.ok) throw new ApiError(r.status, body);
  return body;
}

export async function postJson(path, body) {
  const r = await request(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: body === undefined ? '' : JSON.stringify(body) });
  const answer = await r.json().catch(() => null);
  if (!r.ok) throw new ApiError(r.status, answer);
  return answer;
}

export async function getText(path) {
  const r = await request(path);
  if (!r.ok) throw new ApiError(r.status, await r.json().catch(() => null));
  return r.text();
}

/**
 * Follows the Server-Sent Events at `path`: onEvent(type, data, id) for each. When the
 * connection drops, it reconnects (with growing pauses) sending the last id seen as
 * Last-Event-ID. With `ordered` (a stream whose ids are numbers that only grow, such as a
 * run's), that is the highest id handled, and an event numbered at or below it (one a replay
 * gives again) is not handed on a second time. A stream that ends is over only once
 * `complete()` says so (a run's stream ends after its run-finished event; an end before it is
 * a cut connection); then onEnd() is called and it stops. Without `complete` (a stream with
 * no end of its own, such as /events) it always reconnects. The service's keep-alive frames
 * (no type, no data) are not events. Returns { close() }.
 */
export function follow(path, { onEvent, onEnd, onState, complete = () => false, ordered = false }) {
  let lastId = null;
  let highest = -1;
  let closed = false;
  let controller = null;
  let pause = 250;
  const state = (s) => onState && onState(s);

  async function connect() {
    while (!closed) {
      controller = new AbortController();
      try {
        const h = { Accept: 'text/event-stream' };
        if (lastId !== null) h['Last-Event-ID'] = lastId;
        const r = await request(path, { headers: h, signal: controller.signal, cache: 'no-store' });
        if (!r.ok) {
          const body = await r.json().catch(() => null);
          if (r.status === 404 || r.status === 400) { state('gone'); closed = true; onEnd && onEnd(new ApiError(r.status, body)); return; }
          throw new ApiError(r.status, body);
        }
        state('live');
        pause = 250;
        await read(r.body);
        if (complete()) { closed = true; state('ended'); onEnd && onEnd(null); return; }
        state('reconnecting');
      } catch (e) {
        if (closed) return;
        state('reconnecting');
      }
      if (closed) return;
      await new Promise((res) => setTimeout(res, pause));
      pause = Math.min(pause * 2, 5000);
    }
  }

  async function read(body) {
    const reader = body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    let type = null, data = [], id = null;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      // One pass over the chunk: a chunk may hold hundreds of events.
      let from = 0, nl;
      while ((nl = buffer.indexOf('\n', from)) >= 0) {
        let line = buffer.slice(from, nl);
        from = nl + 1;
        if (line.endsWith('\r')) line = line.slice(0, -1);
        if (line === '') {
          if (type !== null || data.some((d) => d !== '')) handle(type || 'message', data.join('\n'), id);
          type = null; data = []; id = null;
        } else if (line.startsWith(':')) {
          // heartbeat
        } else {
          const colon = line.indexOf(':');
          const field = colon < 0 ? line : line.slice(0, colon);
          let v = colon < 0 ? '' : line.slice(colon + 1);
          if (v.startsWith(' ')) v = v.slice(1);
          if (field === 'event') type = v;
          else if (field === 'data') data.push(v);
          else if (field === 'id') id = v;
        }
      }
      buffer = buffer.slice(from);
    }
  }

  function handle(type, data, id) {
    if (ordered && id !== null) {
      const n = /^\d+$/.test(id) ? Number(id) : NaN;
      if (n <= highest) return; // handled already
      if (n > highest) highest = n;
    }
    if (id !== null) lastId = id;
    try { onEvent(type, data, id); } catch (e) { console.warn('event handler failed', e); }
  }

  connect();
  return {
    close() {
      closed = true;
      if (controller) controller.abort();
    },
  };
}
