// Tributary's dashboard: a list of the session's queries and, for the selected one, charts
// of its recent batches. Data comes from /api/queries once, then live from /events (SSE).
// Plain browser JavaScript with no dependencies and no build step.

const MAX_POINTS = 300
const STEPS = ['latestOffset', 'getBatch', 'walCommit', 'queryPlanning', 'addBatch', 'commitOffsets']
const STEP_COLORS = ['#8fb8de', '#2364aa', '#f2a541', '#9e9e9e', '#3da35d', '#c84c4c']
const state = { queries: new Map(), selected: null }

const $ = (sel) => document.querySelector(sel)
const fmt = (n) =>
  n === undefined || n === null
    ? '—'
    : Number.isInteger(n)
      ? n.toLocaleString('en-US')
      : n.toLocaleString('en-US', { maximumFractionDigits: 1 })
const stateRows = (p) => p.stateOperators.reduce((n, s) => n + s.numRowsTotal, 0)

function upsert(view, history) {
  let q = state.queries.get(view.id)
  if (!q) {
    q = { view, history: [] }
    state.queries.set(view.id, q)
  }
  q.view = { ...q.view, ...view }
  if (history) q.history = history.slice(-MAX_POINTS)
  if (!state.selected) state.selected = view.id
  return q
}

function addProgress(progress, view) {
  const q = upsert(
    view ?? {
      id: progress.id,
      runId: progress.runId,
      name: progress.name,
      label: progress.name ?? progress.id,
      state: 'active',
    },
  )
  const last = q.history[q.history.length - 1]
  if (!last || last.runId !== progress.runId || last.batchId !== progress.batchId) q.history.push(progress)
  if (q.history.length > MAX_POINTS) q.history.shift()
  q.view.lastProgress = progress
}

function el(name, attrs = {}, text) {
  const node = document.createElementNS('http://www.w3.org/2000/svg', name)
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v))
  if (text !== undefined) node.textContent = text
  return node
}

const W = 480
const H = 200
const PAD = { l: 56, r: 10, t: 24, b: 22 }

function axes(svg, max, label) {
  svg.append(el('line', { x1: PAD.l, y1: H - PAD.b, x2: W - PAD.r, y2: H - PAD.b, stroke: '#dde3ea' }))
  for (const f of [0, 0.5, 1]) {
    const y = H - PAD.b - f * (H - PAD.t - PAD.b)
    svg.append(el('line', { x1: PAD.l, y1: y, x2: W - PAD.r, y2: y, stroke: '#eef1f4' }))
    svg.append(el('text', { x: PAD.l - 4, y: y + 3, 'text-anchor': 'end' }, label(max * f)))
  }
}

/** Lines over the batches: series = [{ name, color, values }] (one value per batch, null for none). */
function lineChart(svg, series, batchIds, label = fmt) {
  svg.replaceChildren()
  const values = series.flatMap((s) => s.values.filter((v) => v !== null))
  const min = series.minY ?? 0
  const max = Math.max(min + 1, ...values)
  axes(svg, max - min, (v) => label(v + min))
  const n = batchIds.length
  const x = (i) => PAD.l + (n <= 1 ? 0 : (i / (n - 1)) * (W - PAD.l - PAD.r))
  const y = (v) => H - PAD.b - ((v - min) / (max - min)) * (H - PAD.t - PAD.b)
  series.forEach((s, k) => {
    const pts = s.values
      .map((v, i) => (v === null ? null : `${x(i).toFixed(1)},${y(v).toFixed(1)}`))
      .filter(Boolean)
    if (pts.length)
      svg.append(
        el('polyline', {
          points: pts.join(' '),
          fill: 'none',
          stroke: s.color,
          'stroke-width': 2,
          'data-series': s.name,
        }),
      )
    if (pts.length === 1) {
      const [px, py] = pts[0].split(',')
      svg.append(el('circle', { cx: px, cy: py, r: 3, fill: s.color }))
    }
    svg.append(el('text', { x: PAD.l + 6 + k * 110, y: 12, fill: s.color }, s.name))
  })
  if (n) svg.append(el('text', { x: W - PAD.r, y: H - 6, 'text-anchor': 'end' }, `batch ${batchIds[n - 1]}`))
  svg.setAttribute('data-points', String(n))
}

/** Stacked bars of each batch's step durations. */
function stackedBars(svg, history) {
  svg.replaceChildren()
  const totals = history.map((p) => STEPS.reduce((s, k) => s + (p.durationMs[k] ?? 0), 0))
  const max = Math.max(1, ...totals)
  axes(svg, max, (v) => `${fmt(Math.round(v))}`)
  const n = history.length
  const slot = (W - PAD.l - PAD.r) / Math.max(n, 1)
  history.forEach((p, i) => {
    let base = H - PAD.b
    STEPS.forEach((step, k) => {
      const h = ((p.durationMs[step] ?? 0) / max) * (H - PAD.t - PAD.b)
      if (h <= 0) return
      base -= h
      const rect = el('rect', {
        x: PAD.l + i * slot + slot * 0.1,
        y: base,
        width: Math.max(slot * 0.8, 1),
        height: h,
        fill: STEP_COLORS[k],
      })
      rect.append(el('title', {}, `batch ${p.batchId} ${step}: ${p.durationMs[step]} ms`))
      svg.append(rect)
    })
  })
  STEPS.filter((s) => s !== 'queryPlanning').forEach((step, k) => {
    svg.append(el('text', { x: PAD.l + 4 + k * 84, y: 12, fill: STEP_COLORS[STEPS.indexOf(step)] }, step))
  })
  svg.setAttribute('data-points', String(n))
}

function renderList() {
  const body = $('#queries tbody')
  body.replaceChildren()
  $('#no-queries').hidden = state.queries.size > 0
  for (const q of state.queries.values()) {
    const p = q.view.lastProgress
    const tr = document.createElement('tr')
    tr.dataset.queryId = q.view.id
    if (q.view.id === state.selected) tr.className = 'selected'
    const cells = [
      q.view.label ?? q.view.name ?? q.view.id,
      null,
      p ? p.batchId : '—',
      p ? fmt(p.inputRowsPerSecond) : '—',
      p ? fmt(p.processedRowsPerSecond) : '—',
    ]
    cells.forEach((c, i) => {
      const td = document.createElement('td')
      if (i === 1) {
        const badge = document.createElement('span')
        badge.className = `badge ${q.view.state}`
        badge.textContent = q.view.state
        td.append(badge)
      } else td.textContent = String(c)
      tr.append(td)
    })
    tr.addEventListener('click', () => {
      state.selected = q.view.id
      render()
    })
    body.append(tr)
  }
}

function renderDetail() {
  const q = state.queries.get(state.selected)
  $('#detail').hidden = !q
  if (!q) return
  const { view, history } = q
  const p = view.lastProgress
  $('#detail-title').textContent = view.name ?? view.id
  $('#detail-ids').textContent =
    `id ${view.id} · run ${view.runId ?? '—'}${view.status ? ` · ${view.status.message}` : ''}`
  const set = (id, v) => {
    document.querySelector(`[data-testid="${id}"]`).textContent = v
  }
  set('status', view.state)
  set('batch-id', p ? String(p.batchId) : '—')
  set('input-rows', p ? fmt(p.numInputRows) : '—')
  set('input-rate', p ? fmt(p.inputRowsPerSecond) : '—')
  set('processed-rate', p ? fmt(p.processedRowsPerSecond) : '—')
  set('duration', p ? `${fmt(p.batchDuration)} ms` : '—')
  set('state-rows', p?.stateOperators.length ? fmt(stateRows(p)) : '—')
  set('watermark', p?.eventTime?.watermark ?? '—')
  const ids = history.map((h) => h.batchId)
  lineChart(
    document.querySelector('[data-testid="chart-rates"]'),
    [
      { name: 'input', color: '#2364aa', values: history.map((h) => h.inputRowsPerSecond) },
      { name: 'processing', color: '#3da35d', values: history.map((h) => h.processedRowsPerSecond) },
    ],
    ids,
  )
  stackedBars(document.querySelector('[data-testid="chart-durations"]'), history)
  lineChart(
    document.querySelector('[data-testid="chart-state"]'),
    [
      {
        name: 'rows',
        color: '#a06a00',
        values: history.map((h) => (h.stateOperators.length ? stateRows(h) : null)),
      },
    ],
    ids,
  )
  // A watermark of 0 (1970) means none yet: leave it out rather than squash the chart.
  const marks = history.map((h) => {
    const w = h.eventTime?.watermark ? Date.parse(h.eventTime.watermark) : 0
    return w > 0 ? w : null
  })
  const known = marks.filter((m) => m !== null)
  const series = [{ name: 'watermark', color: '#6a4c93', values: marks }]
  series.minY = known.length ? Math.min(...known) : 0
  lineChart(document.querySelector('[data-testid="chart-watermark"]'), series, ids, (v) =>
    new Date(v).toISOString().slice(11, 19),
  )
  const err = view.exception
  set(
    'last-error',
    err
      ? `[${err.code}] ${err.message}${err.causes?.length ? `\ncaused by: ${err.causes.join('\ncaused by: ')}` : ''}`
      : 'none',
  )
  set('progress-json', p ? JSON.stringify(p, null, 2) : '(no batch yet)')
}

function render() {
  renderList()
  renderDetail()
}

function connect() {
  const status = $('#connection')
  const events = new EventSource('events')
  events.addEventListener('open', () => {
    status.dataset.state = 'live'
    status.textContent = 'live'
  })
  events.addEventListener('error', () => {
    status.dataset.state = 'lost'
    status.textContent = 'reconnecting…'
  })
  events.addEventListener('snapshot', (e) => {
    const data = JSON.parse(e.data)
    $('#app').textContent = data.app ? `— ${data.app}` : ''
    for (const q of data.queries) {
      const { history, totals, ...view } = q
      upsert(view, history)
    }
    render()
  })
  events.addEventListener('progress', (e) => {
    const { progress, query } = JSON.parse(e.data)
    addProgress(progress, query)
    render()
  })
  for (const type of ['started', 'terminated', 'idle']) {
    events.addEventListener(type, (e) => {
      const { query } = JSON.parse(e.data)
      if (query?.id) upsert(query)
      render()
    })
  }
}

connect()
