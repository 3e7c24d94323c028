// The Andon console: pages for runs, jobs, schedules and one run, over the service's JSON API.
// Plain modules, no build step; every element is made with the DOM API (no inline script or style).
import { request, getJson, postJson, getText, follow, ApiError } from './api.js';
import { TimelineView, duration, isFinal } from './timeline.js';

const main = document.getElementById('main');
const conn = document.getElementById('conn');
let page = null; // the current page's cleanup

function h(tag, attrs, ...children) {
  const e = document.createElement(tag);
  if (attrs) for (const k in attrs) {
    const v = attrs[k];
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat(Infinity)) if (c !== null && c !== undefined && c !== false) e.append(c instanceof Node ? c : String(c));
  return e;
}
const status = (s) => h('span', { class: 'status st-' + s }, s);
const when = (iso) => (iso ? new Date(iso).toLocaleString() : '');
const errorText = (e) => (e instanceof ApiError ? e.message : String(e && e.message || e));

function setPage(name, title) {
  document.title = title + ' \u2014 Andon';
  for (const a of document.querySelectorAll('nav a')) {
    if (a.dataset.page === name) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
  }
}

// ---- runs

const STATUSES = ['RUNNING', 'ABORTING', 'SUCCEEDED', 'FAILED', 'ABORTED'];
const PAGE = 50;

function runsPage(params) {
  setPage('runs', 'Runs');
  const job = params.get('job') || '';
  const st = params.get('status') || '';
  const before = params.get('before') || '';
  const jobSel = h('select', { id: 'f-job', name: 'job' }, h('option', { value: '' }, 'all jobs'));
  const stSel = h('select', { id: 'f-status', name: 'status' }, h('option', { value: '' }, 'any status'),
    STATUSES.map((s) => h('option', { value: s, selected: s === st }, s)));
  const apply = () => {
    const q = new URLSearchParams();
    if (jobSel.value) q.set('job', jobSel.value);
    if (stSel.value) q.set('status', stSel.value);
    location.hash = '#/runs' + (q.toString() ? '?' + q : '');
  };
  jobSel.addEventListener('change', apply);
  stSel.addEventListener('change', apply);
  const tbody = h('tbody');
  const msg = h('p', { class: 'muted', role: 'status' }, 'Loading\u2026');
  const pager = h('div', { class: 'pager' });
  main.replaceChildren(h('h1', null, 'Runs'),
    h('div', { class: 'filters' },
      h('label', { for: 'f-job' }, 'Job', jobSel), h('label', { for: 'f-status' }, 'Status', stSel)),
    h('table', { id: 'runs' }, h('thead', null, h('tr', null, h('th', null, 'Run'), h('th', null, 'Job'), h('th', null, 'Status'),
      h('th', { class: 'wide' }, 'Submitted'), h('th', null, 'Duration'), h('th', { class: 'wide' }, 'Calls'))), tbody),
    msg, pager);
  const rows = new Map();
  const matches = (r) => (!job || r.job === job) && (!st || r.status === st);
  const row = (r) => {
    const tr = h('tr', { 'data-run': r.id },
      h('td', null, h('a', { href: '#/runs/' + encodeURIComponent(r.id) }, r.id)),
      h('td', null, r.job), h('td', { class: 'st' }, status(r.status)),
      h('td', { class: 'wide' }, when(r.submittedAt)), h('td', { class: 'dur' }, duration(r.durationMillis)),
      h('td', { class: 'wide' }, r.calls ?? ''));
    rows.set(r.id, tr);
    return tr;
  };
  getJson('/jobs').then((j) => {
    for (const x of j.jobs) jobSel.append(h('option', { value: x.name, selected: x.name === job }, x.name));
  }).catch(() => {});
  const q = new URLSearchParams({ limit: String(PAGE + 1) });
  if (job) q.set('job', job);
  if (st) q.set('status', st);
  if (before) q.set('before', before);
  getJson('/runs?' + q).then((answer) => {
    let list = answer.runs || [];
    // A server that does not page (an older one) answers from the newest: skip to `before`.
    const at = before ? list.findIndex((r) => r.id === before) : -1;
    if (at >= 0) list = list.slice(at + 1);
    list = list.filter(matches);
    const more = list.length > PAGE;
    list = list.slice(0, PAGE);
    tbody.replaceChildren(...list.map(row));
    msg.textContent = list.length ? '' : 'No runs' + (job || st ? ' match.' : ' yet: start one from the Jobs page.');
    pager.replaceChildren();
    if (before) pager.append(h('a', { href: '#/runs' + (job || st ? '?' + new URLSearchParams(Object.entries({ job, status: st }).filter(([, v]) => v)) : '') }, 'Newest'));
    if (more) {
      const p = new URLSearchParams(Object.entries({ job, status: st }).filter(([, v]) => v));
      p.set('before', list[list.length - 1].id);
      pager.append(h('a', { href: '#/runs?' + p, id: 'older' }, 'Older runs'));
    }
  }).catch((e) => { msg.textContent = 'Could not list runs: ' + errorText(e); msg.className = 'error'; });

  // Live: new runs appear on top (on the first page), the others change status in place.
  const live = follow('/events', {
    onState: (s) => { conn.textContent = s === 'live' ? 'live' : s === 'reconnecting' ? 'reconnecting\u2026' : ''; },
    onEvent: (type, data) => {
      let e;
      try { e = JSON.parse(data); } catch { return; }
      if (type === 'run-submitted' && !before) {
        const r = { id: e.runId, job: e.job, status: 'RUNNING', submittedAt: e.at, calls: e.calls };
        if (!rows.has(r.id) && matches(r)) { tbody.prepend(row(r)); msg.textContent = ''; }
      } else if (type === 'run-finished' || type === 'run-started') {
        const tr = rows.get(e.runId);
        if (!tr) return;
        if (type === 'run-finished') {
          tr.querySelector('.st').replaceChildren(status(e.status));
          tr.querySelector('.dur').textContent = duration(e.durationMillis);
          if (st && st !== e.status) tr.remove();
        }
      }
    },
  });
  return () => { live.close(); conn.textContent = ''; };
}

// ---- jobs

function jobsPage() {
  setPage('jobs', 'Jobs');
  const list = h('div', { class: 'jobs' });
  const msg = h('p', { class: 'muted', role: 'status' }, 'Loading\u2026');
  main.replaceChildren(h('h1', null, 'Jobs'), msg, list);
  getJson('/jobs').then((answer) => {
    msg.textContent = answer.jobs.length ? '' : 'The catalog has no jobs.';
    list.replaceChildren(...answer.jobs.map((j) => {
      const out = h('p', { class: 'error', role: 'alert' });
      const run = h('button', { type: 'button', 'data-job': j.name, 'aria-label': 'Run ' + j.name }, 'Run');
      run.addEventListener('click', async () => {
        run.disabled = true;
        try {
          const a = await postJson('/jobs/' + encodeURIComponent(j.name) + '/runs');
          location.hash = '#/runs/' + encodeURIComponent(a.id);
        } catch (e) { out.textContent = errorText(e); run.disabled = false; }
      });
      return h('section', { class: 'job', 'aria-labelledby': 'job-' + j.name },
        h('h2', { id: 'job-' + j.name }, j.name),
        j.description ? h('p', { class: 'muted' }, j.description) : null,
        h('dl', null,
          h('dt', null, 'policy'), h('dd', null, j.failurePolicy),
          h('dt', null, 'parallelism'), h('dd', null, j.maxParallelism),
          h('dt', null, 'abort grace'), h('dd', null, duration(j.abortGraceMillis)),
          j.deadlineMillis != null ? [h('dt', null, 'deadline'), h('dd', null, duration(j.deadlineMillis))] : null,
          h('dt', null, 'dispatcher'), h('dd', null, j.dispatcher)),
        h('ul', { 'aria-label': 'calls' }, j.calls.map((c) => h('li', null, c.name + ' ', h('span', { class: 'muted' }, '(' + c.kind + ')')))),
        run, out);
    }));
  }).catch((e) => { msg.textContent = 'Could not read the catalog: ' + errorText(e); msg.className = 'error'; });
  return null;
}

// ---- schedules

function schedulesPage() {
  setPage('schedules', 'Schedules');
  const msg = h('p', { class: 'muted', role: 'status' }, 'Loading\u2026');
  const tbody = h('tbody');
  main.replaceChildren(h('h1', null, 'Schedules'), h('table', { id: 'schedules' }, h('thead', null, h('tr', null,
    h('th', null, 'Job'), h('th', { class: 'wide' }, 'Schedule'), h('th', null, 'Next fires'), h('th', { class: 'wide' }, 'Last run'),
    h('th', null, 'State'), h('th', null, h('span', { class: 'muted' }, 'Actions')))), tbody), msg);
  const load = () => getJson('/schedules').then((answer) => {
    const list = answer.schedules || [];
    msg.textContent = list.length ? '' : 'No job has a schedule (andon.jobs.NAME.schedule).';
    tbody.replaceChildren(...list.map((s) => {
      const act = (what, label) => h('button', { type: 'button', 'data-action': what, 'aria-label': label + ' ' + s.job, onclick: async (e) => {
        e.target.disabled = true;
        try {
          const a = await postJson('/schedules/' + encodeURIComponent(s.job) + '/' + what);
          if (what === 'trigger' && a && a.id) { location.hash = '#/runs/' + encodeURIComponent(a.id); return; }
          msg.textContent = what === 'trigger' && a && a.waiting ? a.detail : '';
          load();
        } catch (err) { msg.textContent = errorText(err); e.target.disabled = false; }
      } }, label);
      const spec = s.spec || {};
      return h('tr', { 'data-job': s.job }, h('td', null, s.job),
        h('td', { class: 'wide' }, (spec.cron ? 'cron ' + spec.cron : 'every ' + spec.every) + (spec.timeZone ? ' (' + spec.timeZone + ')' : '')),
        h('td', null, (s.nextFireAt || []).slice(0, 3).map((t) => h('div', null, when(t)))),
        h('td', { class: 'wide' }, s.lastRunId ? [h('a', { href: '#/runs/' + encodeURIComponent(s.lastRunId) }, s.lastRunId), ' ', s.lastRunStatus ? status(s.lastRunStatus) : ''] : ''),
        h('td', { class: 'state' }, s.paused ? 'paused' : 'active'),
        h('td', null, act(s.paused ? 'resume' : 'pause', s.paused ? 'Resume' : 'Pause'), ' ', act('trigger', 'Trigger')));
    }));
  }).catch((e) => { msg.textContent = 'Could not read the schedules: ' + errorText(e); msg.className = 'error'; });
  load();
  // A fire (or a skip) changes the next fires and the last run: read them again.
  let pending = null;
  const live = follow('/events', {
    onState: (st) => { conn.textContent = st === 'live' ? 'live' : st === 'reconnecting' ? 'reconnecting\u2026' : ''; },
    onEvent: (type) => {
      if ((type === 'schedule-fired' || type === 'schedule-skipped' || type === 'run-finished') && !pending)
        pending = setTimeout(() => { pending = null; load(); }, 200);
    },
  });
  return () => { live.close(); if (pending) clearTimeout(pending); conn.textContent = ''; };
}

// ---- one run

function runPage(id) {
  setPage('runs', 'Run ' + id);
  const title = h('h1', null, 'Run ', h('span', { id: 'run-id' }, id));
  const st = h('span', { id: 'run-status' });
  const clock = h('span', { class: 'clock', id: 'clock', 'aria-label': 'elapsed' });
  const abort = h('button', { type: 'button', class: 'danger', id: 'abort', hidden: true }, 'Abort');
  const svgLink = h('a', { href: '#', id: 'svg-link' }, 'SVG');
  const cordLine = h('p', { class: 'cordline', id: 'cord', role: 'status' });
  const msg = h('p', { class: 'muted', role: 'status' }, 'Loading\u2026');
  const tlBox = h('div', { id: 'timeline' });
  const details = h('section', { class: 'details', id: 'details', hidden: true, 'aria-live': 'polite' });
  main.replaceChildren(h('div', { class: 'runhead' }, title, st, clock, abort, svgLink), h('p', { class: 'muted', id: 'run-job' }), cordLine, msg, tlBox, details);

  let report = null;
  const byName = new Map();
  let stream = null;
  let selected = null;
  let outputTimer = null;
  let ended = false;
  // What the console's own tests read: events handled, the first render's time, the longest frame gap.
  const stats = { events: 0, since: performance.now(), maxFrameGap: 0 };
  window.andonConsole = { stats, renderMs: null };
  let lastFrame = performance.now();
  let watching = true;
  const frames = () => {
    const now = performance.now();
    stats.maxFrameGap = Math.max(stats.maxFrameGap, now - lastFrame);
    lastFrame = now;
    if (watching) requestAnimationFrame(frames);
  };
  requestAnimationFrame(frames);
  const t0 = performance.now();
  const view = new TimelineView(tlBox, (name) => { selected = name; showDetails(); });

  svgLink.addEventListener('click', async (e) => {
    e.preventDefault();
    try {
      const text = await getText('/runs/' + encodeURIComponent(id) + '/timeline.svg');
      const url = URL.createObjectURL(new Blob([text], { type: 'image/svg+xml' }));
      const a = h('a', { href: url, download: id + '-timeline.svg' });
      document.body.append(a); a.click(); a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10000);
    } catch (err) { msg.textContent = errorText(err); }
  });
  abort.addEventListener('click', async () => {
    abort.disabled = true;
    try { await postJson('/runs/' + encodeURIComponent(id) + '/abort'); } catch (e) { msg.textContent = errorText(e); abort.disabled = false; }
  });

  function index() { byName.clear(); report.calls.forEach((c, i) => byName.set(c.name, i)); }
  function header() {
    st.replaceChildren(status(report.status));
    document.getElementById('run-job').textContent = 'job ' + report.job + ', ' + report.calls.length + (report.calls.length === 1 ? ' call' : ' calls') + (report.startedAt ? ', started ' + when(report.startedAt) : '');
    abort.hidden = isFinalRun(report.status);
    cordLine.textContent = report.abortedAt ? 'Cord pulled at ' + duration(Date.parse(report.abortedAt) - Date.parse(report.startedAt)) + ': ' + (report.abortReason || '') : '';
    tick();
  }
  const isFinalRun = (s) => s !== 'RUNNING' && s !== 'ABORTING';
  function tick() {
    if (!report) return;
    // A schedule's run submitted ahead of its fire waits, live, until its fire time: no start yet.
    if (!report.startedAt) {
      const at = report.trigger && report.trigger.fireTime;
      clock.textContent = at ? 'starts ' + new Date(at).toLocaleTimeString() : 'not started';
      return;
    }
    const start = Date.parse(report.startedAt);
    const end = report.finishedAt ? Date.parse(report.finishedAt) : Date.now();
    clock.textContent = duration(Math.max(0, end - start));
  }
  const clockTimer = setInterval(() => {
    if (report && !isFinalRun(report.status)) { tick(); view.show(report, Date.now()); }
  }, 250);

  function showDetails() {
    const c = selected !== null && byName.has(selected) ? report.calls[byName.get(selected)] : null;
    if (!c) { details.hidden = true; return; }
    details.hidden = false;
    const facts = [['status', status(c.status)], ['attempts', c.attempts], ['started', when(c.startedAt)], ['finished', when(c.finishedAt)],
      ['duration', duration(c.durationMillis)], ['abort to ack', duration(c.abortToAckMillis)], ['thread', c.thread], ['progress', c.progress],
      ['result', c.result], ['error', c.error]];
    // The kind's own facts (exit code, signal, HTTP status) in the same list, after the call's.
    const extra = Object.entries(c.details || {}).filter(([k]) => k !== 'stdoutTail' && k !== 'stderrTail')
      .map(([k, v]) => [k, typeof v === 'object' ? JSON.stringify(v) : String(v)]);
    const dl = h('dl', null, facts.concat(extra).filter(([, v]) => v !== null && v !== undefined && v !== '').map(([k, v]) => [h('dt', null, k), h('dd', null, v)]));
    const parts = [h('h2', { id: 'details-title' }, c.name), dl];
    if (c.stackTrace && c.stackTrace.length) parts.push(h('h3', null, 'Stack trace (when given up on)'), h('pre', { class: 'stack' }, c.stackTrace.join('\n')));
    const out = h('pre', { class: 'output', id: 'output' }, '');
    const isCommand = c.details && ('stdoutTail' in c.details) || c.status === 'RUNNING' || c.status === 'ABORTING';
    if (isCommand) parts.push(h('h3', null, 'Output'), out);
    details.replaceChildren(...parts);
    if (isCommand) loadOutput(c.name, out);
  }
  function loadOutput(name, pre) {
    getText('/runs/' + encodeURIComponent(id) + '/calls/' + encodeURIComponent(name) + '/output')
      .then((t) => {
        // A tail: shown from its newest line, unless the reader has scrolled up to read.
        const following = !pre.dataset.read || pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 4;
        pre.textContent = t || '(no output)';
        pre.dataset.read = 'yes';
        if (following) pre.scrollTop = pre.scrollHeight;
      })
      .catch((e) => { pre.textContent = e instanceof ApiError && e.status === 404 ? '(no output)' : errorText(e); });
  }

  function apply(type, e) {
    // A call's events name it; its call-finished carries its report, which does.
    const name = e.call !== undefined ? e.call : e.report && e.report.name;
    const i = name !== undefined ? byName.get(name) : undefined;
    switch (type) {
      case 'call-started': {
        if (i === undefined) return;
        const c = report.calls[i];
        if (isFinal(c.status)) return; // a replay of a start the snapshot already has the end of
        // A replay of a start the snapshot is past (the page reads the run, then its events from the first).
        if (c.startedAt && e.attempt <= (c.attempts || 0)) return;
        if (e.attempt > 1) {
          c.attemptTimes = c.attemptTimes && c.attemptTimes.length ? c.attemptTimes : [{ startedAt: c.startedAt, finishedAt: c.failedAt || e.at }];
          const last = c.attemptTimes[c.attemptTimes.length - 1];
          if (!last.finishedAt) last.finishedAt = c.failedAt || e.at;
          c.attemptTimes.push({ startedAt: e.at, finishedAt: null });
        }
        Object.assign(c, { status: report.status === 'ABORTING' ? 'ABORTING' : 'RUNNING', attempts: e.attempt, thread: e.thread });
        if (!c.startedAt) c.startedAt = e.at;
        break;
      }
      case 'call-progressed': {
        if (i === undefined) return;
        const c = report.calls[i];
        c.progress = e.message;
        if (/^attempt \d+ failed/.test(e.message || '')) c.failedAt = e.at;
        break;
      }
      case 'run-started':
        if (report.startedAt) return;
        report.startedAt = e.at;
        header();
        break;
      case 'abort-requested':
        report.status = 'ABORTING';
        report.abortedAt = e.at;
        report.abortReason = e.reason;
        for (const c of report.calls) if (c.status === 'RUNNING') c.status = 'ABORTING';
        header();
        break;
      case 'call-finished':
        if (i === undefined) return;
        report.calls[i] = e.report;
        break;
      case 'run-finished':
        report = e.report;
        index();
        header();
        ended = true;
        break;
      case 'call-output':
        if (selected === e.call && !outputTimer) {
          outputTimer = setTimeout(() => { outputTimer = null; const pre = document.getElementById('output'); if (pre) loadOutput(e.call, pre); }, 300);
        }
        return;
      default:
        return;
    }
    view.show(report, Date.now());
    if (selected !== null && name === selected || type === 'run-finished') scheduleDetails();
  }
  let detailsPending = false;
  function scheduleDetails() {
    if (detailsPending) return;
    detailsPending = true;
    requestAnimationFrame(() => { detailsPending = false; showDetails(); });
  }

  request('/runs/' + encodeURIComponent(id), { headers: { Accept: 'application/json' } }).then(async (response) => {
    const text = await response.text();
    const t1 = performance.now();
    const r = JSON.parse(text);
    if (!response.ok) throw new ApiError(response.status, r);
    report = r;
    index();
    header();
    msg.textContent = '';
    view.show(report, Date.now());
    // Drawn once the frame after this one starts: the first one has been painted by then.
    requestAnimationFrame(() => requestAnimationFrame(() => {
      const t2 = performance.now();
      Object.assign(window.andonConsole, { renderMs: Math.round(t2 - t0), fetchMs: Math.round(t1 - t0), drawMs: Math.round(t2 - t1) });
    }));
    if (isFinalRun(report.status)) return;
    stream = follow('/runs/' + encodeURIComponent(id) + '/events', {
      onState: (s) => { conn.textContent = s === 'live' ? 'following' : s === 'reconnecting' ? 'reconnecting\u2026' : ''; },
      onEvent: (type, data) => {
        stats.events++;
        stats.lastAt = performance.now();
        if (stats.firstAt === undefined) stats.firstAt = stats.lastAt;
        let e;
        try { e = JSON.parse(data); } catch { return; }
        if (ended && type !== 'run-finished') return;
        apply(type, e);
      },
      complete: () => ended,
      ordered: true,
    });
  }).catch((e) => { msg.textContent = 'Could not read run ' + id + ': ' + errorText(e); msg.className = 'error'; });

  return () => { watching = false; clearInterval(clockTimer); if (stream) stream.close(); conn.textContent = ''; };
}

// ---- routing

function route() {
  if (page) { page(); page = null; }
  const hash = location.hash || '#/runs';
  const [path, query] = hash.slice(1).split('?');
  const params = new URLSearchParams(query || '');
  const parts = path.split('/').filter(Boolean);
  if (parts[0] === 'runs' && parts[1]) page = runPage(decodeURIComponent(parts[1]));
  else if (parts[0] === 'jobs') page = jobsPage();
  else if (parts[0] === 'schedules') page = schedulesPage();
  else page = runsPage(params);
  main.focus({ preventScroll: true });
}

window.addEventListener('hashchange', route);
route();
