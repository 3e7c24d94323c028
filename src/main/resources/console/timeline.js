// A run's timeline in the browser: the same rules as the server's SVG (dev.andon.timeline.Timeline),
// drawn for the rows in view only, so that a run of 10,000 calls scrolls as lightly as one of 5.

const SVG = 'http://www.w3.org/2000/svg';
export const ROW = 24;
const BAR = 12;
const NAME_W = 150;
const LABEL_W = 96;
const NOTE_W = 150;
const OPEN_ROOM = 0.12;

const FINAL = new Set(['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'CANCELLED', 'ABANDONED']);
export const isFinal = (s) => FINAL.has(s);
const ms = (iso) => (iso ? Date.parse(iso) : null);

/** One call's row: queued span, attempt segments, abort span; times in ms from the run's start. */
export function rowOf(c, start, endMs, cordAt) {
  const first = c.startedAt ? Math.max(0, ms(c.startedAt) - start) : null;
  const last = c.finishedAt ? Math.max(0, ms(c.finishedAt) - start) : null;
  const queued = first === null ? { from: 0, to: last !== null ? last : endMs, open: !isFinal(c.status) }
    : first > 0 ? { from: 0, to: first, open: false } : null;
  const attempts = [];
  const openEnd = last === null;
  if (first !== null) {
    const times = c.attemptTimes || [];
    if (!times.length) attempts.push({ from: first, to: last !== null ? last : endMs, open: openEnd });
    else for (const a of times) {
      if (!a.startedAt) continue;
      const o = !a.finishedAt;
      attempts.push({ from: Math.max(0, ms(a.startedAt) - start), to: o ? (last !== null ? last : endMs) : Math.max(0, ms(a.finishedAt) - start), open: o && openEnd });
    }
  }
  let abort = null;
  if (c.abortToAckMillis !== null && c.abortToAckMillis !== undefined) {
    if (last !== null) abort = { from: Math.max(0, last - c.abortToAckMillis), to: last };
    else if (cordAt !== null) abort = { from: cordAt, to: cordAt + c.abortToAckMillis };
  }
  for (const s of attempts) if (s.to < s.from) s.to = s.from;
  return { call: c.name, status: c.status, queued, attempts, abort, abortToAck: c.abortToAckMillis, error: c.error, c };
}

/** The whole picture's frame: its end and span (ms), the cord. Rows are made lazily, per view. */
export function frameOf(report, now) {
  const start = ms(report.startedAt) ?? now;
  const end = report.finishedAt ? ms(report.finishedAt) : Math.max(now, start);
  const endMs = Math.max(0, end - start);
  const cordAt = report.abortedAt ? Math.max(0, ms(report.abortedAt) - start) : null;
  let span = Math.max(1, endMs);
  if (report.calls.some((c) => c.status === 'ABANDONED')) span += Math.max(1, Math.round(span * OPEN_ROOM));
  return { start, endMs, span, cordAt, cord: cordAt === null ? null : { at: cordAt, reason: report.abortReason } };
}

export function duration(v) {
  if (v === null || v === undefined) return '';
  if (v < 1000) return Math.round(v) + ' ms';
  if (v < 60000) return (Math.round(v / 10) / 100).toString() + ' s';
  if (v < 3600000) return Math.floor(v / 60000) + ' min' + (v % 60000 >= 1000 ? ' ' + Math.floor((v % 60000) / 1000) + ' s' : '');
  return Math.floor(v / 3600000) + ' h' + (v % 3600000 >= 60000 ? ' ' + Math.floor((v % 3600000) / 60000) + ' min' : '');
}

const STEPS = [1, 2, 5, 10, 20, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000, 15000, 30000, 60000, 120000, 300000, 600000, 900000, 1800000, 3600000, 7200000, 21600000, 43200000, 86400000];
function tickStep(span, room) {
  const max = Math.max(2, Math.floor(room / 70));
  for (const s of STEPS) if (span / s <= max) return s;
  let s = 86400000; while (span / s > max) s *= 2; return s;
}

function shortError(e) {
  if (!e) return '';
  const i = e.indexOf(': ');
  const head = i < 0 ? e : e.slice(0, i);
  return i > 0 && !head.includes(' ') && head.includes('.') ? e.slice(i + 2) : e;
}

export function note(r) {
  const n = r.attempts.length > 1 ? r.attempts.length + ' attempts, ' : '';
  switch (r.status) {
    case 'ABORTED': case 'TIMED_OUT': return n + (r.abortToAck == null ? '' : 'ack ' + duration(r.abortToAck));
    case 'ABANDONED': return n + 'no ack' + (r.abortToAck == null ? '' : ', given up after ' + duration(r.abortToAck));
    case 'FAILED': return n + shortError(r.error);
    case 'SUCCEEDED': return n ? n.slice(0, -2) : '';
    case 'RUNNING': case 'ABORTING': return (r.c.attempts > 1 ? 'attempt ' + r.c.attempts + ', ' : '') + (r.c.progress || '');
    default: return '';
  }
}

function el(name, attrs, parent) {
  const e = document.createElementNS(SVG, name);
  for (const k in attrs) e.setAttribute(k, attrs[k]);
  if (parent) parent.appendChild(e);
  return e;
}
const clip = (s, n) => (s.length <= n ? s : s.slice(0, n - 1) + '\u2026');

/**
 * The timeline widget: an axis, a scroller whose height is every row's, and one SVG holding only
 * the rows in view (plus a margin). draw() is cheap: call it once per animation frame when the
 * model changed. onSelect(name) is called when a row is clicked or chosen with Enter/Space.
 */
export class TimelineView {
  constructor(container, onSelect) {
    this.onSelect = onSelect;
    this.selected = null;
    container.replaceChildren();
    container.classList.add('tl');
    this.axis = el('svg', { class: 'tl-axis', 'aria-hidden': 'true' }, container);
    this.scroll = document.createElement('div');
    this.scroll.className = 'tl-scroll';
    this.scroll.tabIndex = -1;
    container.appendChild(this.scroll);
    this.spacer = document.createElement('div');
    this.spacer.className = 'tl-spacer';
    this.scroll.appendChild(this.spacer);
    this.svg = el('svg', { class: 'tl-rows', role: 'list', 'aria-label': 'calls' }, this.spacer);
    this.scroll.addEventListener('scroll', () => this.request());
    window.addEventListener('resize', () => this.request());
    this.svg.addEventListener('click', (e) => this.pick(e.target));
    this.svg.addEventListener('keydown', (e) => this.key(e));
    this.pending = false;
  }

  pick(target) {
    const g = target.closest && target.closest('g.row');
    if (!g) return;
    this.select(g.dataset.call, true);
  }

  key(e) {
    const g = e.target.closest && e.target.closest('g.row');
    if (!g) return;
    const i = Number(g.dataset.index);
    if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); this.select(g.dataset.call, true); }
    else if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      const next = Math.max(0, Math.min(this.report.calls.length - 1, i + (e.key === 'ArrowDown' ? 1 : -1)));
      this.focusIndex = next;
      const top = next * ROW;
      if (top < this.scroll.scrollTop) this.scroll.scrollTop = top;
      else if (top + ROW > this.scroll.scrollTop + this.scroll.clientHeight) this.scroll.scrollTop = top + ROW - this.scroll.clientHeight;
      this.drawNow();
    }
  }

  select(name, notify) {
    this.selected = name;
    this.request();
    if (notify && this.onSelect) this.onSelect(name);
  }

  /** Shows `report` (a live snapshot kept up to date by events, or the final report). */
  show(report, now) {
    this.report = report;
    this.now = now;
    this.request();
  }

  request() {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => { this.pending = false; this.drawNow(); });
  }

  drawNow() {
    const report = this.report;
    if (!report) return;
    const width = Math.max(300, this.scroll.clientWidth || 600);
    const narrow = width < 560;
    const nameW = narrow ? 62 : NAME_W;
    const labelW = narrow ? 88 : LABEL_W;
    const noteW = narrow ? 8 : NOTE_W;
    const x0 = nameW + labelW;
    const x1 = width - noteW - 8;
    const f = frameOf(report, this.now ?? Date.now());
    const scale = (v) => x0 + (x1 - x0) * v / f.span;
    const n = report.calls.length;
    const height = n * ROW + 24;
    this.spacer.style.height = height + 'px';
    this.drawAxis(f, scale, width, x0, x1);

    const viewTop = this.scroll.scrollTop;
    const viewH = this.scroll.clientHeight || 600;
    const firstRow = Math.max(0, Math.floor(viewTop / ROW) - 10);
    const lastRow = Math.min(n, Math.ceil((viewTop + viewH) / ROW) + 10);
    const top = firstRow * ROW;
    const svg = this.svg;
    svg.setAttribute('width', width);
    svg.setAttribute('height', (lastRow - firstRow) * ROW + 24);
    svg.style.top = top + 'px';
    const focused = document.activeElement && document.activeElement.closest && document.activeElement.closest('g.row');
    const focusCall = this.focusIndex !== undefined ? this.focusIndex : focused ? Number(focused.dataset.index) : null;
    svg.replaceChildren();
    for (let i = firstRow; i < lastRow; i++) this.drawRow(svg, report.calls[i], i, (i - firstRow) * ROW, f, scale, x0, x1, nameW, narrow);
    if (f.cord) {
      const x = scale(f.cord.at);
      el('line', { class: 'cord', x1: x, x2: x, y1: 0, y2: (lastRow - firstRow) * ROW }, svg);
    }
    if (focusCall !== null) {
      const g = svg.querySelector('g.row[data-index="' + focusCall + '"]');
      if (g) g.focus({ preventScroll: true });
      this.focusIndex = undefined;
    }
    this.drawn = { rows: lastRow - firstRow, at: performance.now() };
  }

  drawAxis(f, scale, width, x0, x1) {
    const a = this.axis;
    a.replaceChildren();
    a.setAttribute('width', width);
    a.style.width = width + 'px';
    const step = tickStep(f.span, x1 - x0);
    // The cord's label goes right of its line, or left of it when the line is near the edge;
    // a tick whose label it would cover keeps its mark and loses its label.
    const CORD_W = 34;
    const cordX = f.cord ? scale(f.cord.at) : null;
    const cordLeft = cordX !== null && cordX + 4 + CORD_W > width;
    const covered = (x) => cordX !== null && (cordLeft ? x + 24 > cordX - 4 - CORD_W && x - 24 < cordX : x + 24 > cordX && x - 24 < cordX + 4 + CORD_W);
    for (let v = 0; v <= f.span; v += step) {
      const x = scale(v);
      el('line', { class: 'grid', x1: x, x2: x, y1: 20, y2: 28 }, a);
      if (covered(x) || x + 20 > width) continue;
      const t = el('text', { class: 'tick', x, y: 15, 'text-anchor': 'middle' }, a);
      t.textContent = duration(v);
    }
    if (f.cord) {
      el('line', { class: 'cord', x1: cordX, x2: cordX, y1: 0, y2: 28 }, a);
      const t = el('text', { class: 'cordtext', x: cordLeft ? cordX - 4 : cordX + 4, y: 15, 'text-anchor': cordLeft ? 'end' : 'start' }, a);
      t.textContent = 'cord';
    }
  }

  drawRow(svg, c, i, y, f, scale, x0, x1, nameW, narrow) {
    const r = rowOf(c, f.start, f.endMs, f.cordAt);
    const g = el('g', { class: 'row' + (this.selected === c.name ? ' selected' : ''), 'data-call': c.name, 'data-index': i, 'data-status': c.status, role: 'listitem', tabindex: '0', 'aria-label': c.name + ': ' + c.status + (note(r) ? ', ' + note(r) : '') }, svg);
    if (i % 2 === 1) el('rect', { class: 'zebra', x: 0, y, width: '100%', height: ROW }, g);
    el('rect', { class: 'hit', x: 0, y, width: '100%', height: ROW }, g);
    const ty = y + ROW / 2 + 4;
    const name = el('text', { class: 'name', x: 6, y: ty }, g);
    name.textContent = clip(c.name, narrow ? 8 : 20);
    const label = el('text', { class: 'label', x: nameW, y: ty }, g);
    label.textContent = c.status;
    const by = y + (ROW - BAR) / 2 - 2;
    if (r.queued) el('rect', { class: 'queued', x: scale(r.queued.from), y: by + 2, width: Math.max(1.5, scale(r.queued.to) - scale(r.queued.from)), height: BAR - 4 }, g);
    const bar = el('g', { class: 'bar s-' + c.status }, g);
    let end = -1;
    r.attempts.forEach((s, k) => {
      el('rect', { class: 'seg', 'data-attempt': k + 1, x: scale(s.from), y: by, width: Math.max(1.5, scale(s.to) - scale(s.from)), height: BAR }, bar);
      end = Math.max(end, s.to);
    });
    const lastSeg = r.attempts[r.attempts.length - 1];
    const open = lastSeg && lastSeg.open;
    if (open && c.status === 'ABANDONED') el('line', { class: 'openend', x1: scale(end), x2: x1, y1: by + BAR / 2, y2: by + BAR / 2 }, g);
    if (r.abort) el('rect', { class: 'abort', x: scale(r.abort.from), y: by + BAR + 1, width: Math.max(3, scale(r.abort.to) - scale(r.abort.from)), height: 3 }, g);
    const text = note(r);
    if (text && !narrow) {
      let after = Math.max(end, r.abort ? r.abort.to : -1);
      if (after < 0 && r.queued) after = r.queued.to;
      const nx = open && c.status === 'ABANDONED' ? x1 + 6 : Math.min(scale(Math.max(after, 0)) + 9, x1 + 6);
      const t = el('text', { class: 'note', x: nx, y: ty }, g);
      t.textContent = clip(text, 26);
    }
  }
}
