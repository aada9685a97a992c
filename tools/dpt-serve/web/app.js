// dpt-serve's page: plain JS, no framework, nothing fetched from outside this server.
'use strict';
const $ = (id) => document.getElementById(id);
const COLORS = ['#1e88e5', '#e53935', '#43a047', '#fb8c00', '#8e24aa', '#00897b', '#6d4c41', '#546e7a', '#c0ca33', '#d81b60'];
const state = { runs: [], run: null, offset: 0, records: [], hidden: {}, source: null, target: null };

async function getJson(url, opts) {
  const r = await fetch(url, opts);
  let body = null;
  try { body = await r.json(); } catch (e) { body = { error: 'HTTP ' + r.status }; }
  if (!r.ok) throw new Error(body && body.error ? body.error : 'HTTP ' + r.status);
  return body;
}
const q = (o) => Object.entries(o).map(([k, v]) => k + '=' + encodeURIComponent(v)).join('&');
function fileUrl(path) { return '/api/file?' + q({ path }); }
function runPath(run, rel) { return run.name === '.' ? rel : run.name + '/' + rel; }

// ---- tabs
function show(view) {
  $('view-runs').hidden = view !== 'runs';
  $('view-try').hidden = view !== 'try';
  $('tab-runs').classList.toggle('active', view === 'runs');
  $('tab-try').classList.toggle('active', view === 'try');
  if (view === 'try') loadTry();
}
$('tab-runs').onclick = () => show('runs');
$('tab-try').onclick = () => show('try');

// ---- Runs view
function fmtEta(s) {
  if (s === undefined) return '';
  if (s < 90) return Math.round(s) + ' s';
  if (s < 5400) return Math.round(s / 60) + ' min';
  return (s / 3600).toFixed(1) + ' h';
}

async function refreshRuns() {
  try {
    state.runs = await getJson('/api/runs');
  } catch (e) { $('status').textContent = 'server unreachable: ' + e.message; return; }
  const ul = $('run-list');
  ul.innerHTML = '';
  for (const r of state.runs) {
    const li = document.createElement('li');
    li.dataset.name = r.name;
    li.innerHTML = `<b></b> ${r.live ? '<span class="live">● live</span>' : ''}<small></small>`;
    li.querySelector('b').textContent = r.name === '.' ? '(this folder)' : r.name;
    li.querySelector('small').textContent = `${r.family} · ${r.stage || '—'} ${r.step !== undefined ? 'step ' + r.step : ''}`;
    li.classList.toggle('active', state.run && state.run.name === r.name);
    li.onclick = () => selectRun(r.name);
    ul.appendChild(li);
  }
  if (!state.run && state.runs.length) selectRun(state.runs[0].name);
  else if (state.run) {
    const r = state.runs.find((x) => x.name === state.run.name);
    if (r) { state.run = r; renderRunInfo(); }
  }
  $('status').textContent = state.runs.length + ' run(s)';
}

function selectRun(name) {
  state.run = state.runs.find((r) => r.name === name);
  state.offset = 0;
  state.records = [];
  for (const li of $('run-list').children) li.classList.toggle('active', li.dataset.name === name);
  renderRunInfo();
  pollLosses();
}

function renderRunInfo() {
  const r = state.run;
  $('run-title').textContent = r.name === '.' ? '(this folder)' : r.name;
  const rows = [['family', r.family], ['stage / phase', r.stage || '—'],
    ['step', r.step !== undefined ? r.step + (r.stage_steps ? ' of ' + r.stage_steps : '') : '—'],
    ['ETA (this stage)', r.eta_seconds !== undefined ? fmtEta(r.eta_seconds) : '—'],
    ['updated', r.updated ? new Date(r.updated * 1000).toLocaleString() : '—'], ['checkpoints', r.checkpoints.length]];
  $('run-summary').innerHTML = '<table>' + rows.map(([k, v]) => `<tr><td>${k}</td><td>${String(v).replace(/</g, '&lt;')}</td></tr>`).join('') + '</table>';
  $('config').textContent = JSON.stringify(r.config, null, 2);
  const slider = $('sample-slider');
  const n = r.samples.length;
  const atEnd = +slider.value >= +slider.max;
  slider.max = Math.max(0, n - 1);
  if (atEnd || +slider.value > n - 1) slider.value = Math.max(0, n - 1);
  showSample();
  const ev = $('eval');
  ev.innerHTML = r.eval.length ? '' : '<small>no evaluation files (dpt-eval writes them)</small>';
  for (const e of r.eval) {
    if (e.endsWith('.png')) {
      const img = document.createElement('img'); img.src = fileUrl(runPath(r, e)); img.style.maxWidth = '100%'; ev.appendChild(img);
    } else {
      const pre = document.createElement('pre'); pre.textContent = e + ': loading…'; ev.appendChild(pre);
      fetch(fileUrl(runPath(r, e))).then((x) => x.text()).then((t) => {
        try { t = JSON.stringify(JSON.parse(t), null, 2); } catch (err) { /* shown as it is */ }
        pre.textContent = e + '\n' + t;
      });
    }
  }
}

function showSample() {
  const r = state.run;
  const i = +$('sample-slider').value;
  if (!r || !r.samples.length) { $('sample-name').textContent = 'no samples yet'; $('sample-image').removeAttribute('src'); return; }
  const s = r.samples[i];
  $('sample-name').textContent = `${s.replace('samples/', '')} (${i + 1} of ${r.samples.length})`;
  const url = fileUrl(runPath(r, s));
  if ($('sample-image').getAttribute('src') !== url) $('sample-image').src = url;
}
$('sample-slider').oninput = showSample;

async function pollLosses() {
  const r = state.run;
  if (!r) return;
  try {
    const d = await getJson('/api/losses?' + q({ run: r.name, offset: state.offset }));
    if (state.run !== r && (!state.run || state.run.name !== r.name)) return;
    if (d.offset < state.offset) state.records = [];
    state.offset = d.offset;
    if (d.records.length) { state.records.push(...d.records); updateStages(); drawChart(); }
    $('loss-count').textContent = state.records.length + ' records';
  } catch (e) { $('loss-count').textContent = e.message; }
}

function updateStages() {
  const sel = $('stage-select');
  const stages = [...new Set(state.records.map((x) => x.stage || ''))];
  const cur = sel.value;
  if (sel.options.length !== stages.length) {
    sel.innerHTML = stages.map((s) => `<option>${s}</option>`).join('');
    sel.value = stages.includes(cur) ? cur : stages[stages.length - 1];
  }
}

function terms(records) {
  const t = new Set();
  for (const x of records) for (const k of Object.keys(x)) if (k !== 'stage' && k !== 'step' && k !== 'time' && typeof x[k] === 'number') t.add(k);
  return [...t];
}

function drawChart() {
  const cv = $('loss-chart'), g = cv.getContext('2d');
  const stage = $('stage-select').value;
  const recs = state.records.filter((x) => (x.stage || '') === stage);
  const names = terms(recs);
  const box = $('terms');
  box.innerHTML = '';
  names.forEach((n, i) => {
    const l = document.createElement('label');
    l.innerHTML = `<input type="checkbox" ${state.hidden[n] ? '' : 'checked'}> <span style="color:${COLORS[i % COLORS.length]}">■</span> `;
    l.append(n);
    l.querySelector('input').onchange = (e) => { state.hidden[n] = !e.target.checked; drawChart(); };
    box.appendChild(l);
  });
  const log = $('log-scale').checked, a = +$('smoothing').value;
  const W = cv.width, H = cv.height, L = 60, R = 10, T = 10, B = 30;
  g.clearRect(0, 0, W, H);
  const series = names.map((n, i) => {
    let s = null;
    const pts = [];
    for (const x of recs) {
      if (typeof x[n] !== 'number' || !isFinite(x[n])) continue;
      s = s === null ? x[n] : a * s + (1 - a) * x[n];  // exponential moving average
      if (!log || s > 0) pts.push([x.step, log ? Math.log10(s) : s]);
    }
    return { n, i, pts };
  }).filter((s) => !state.hidden[s.n] && s.pts.length);
  const all = series.flatMap((s) => s.pts);
  g.strokeStyle = '#999'; g.strokeRect(L, T, W - L - R, H - T - B);
  cv.dataset.points = String(all.length);
  if (!all.length) { g.fillStyle = '#666'; g.fillText('no loss records yet', L + 10, T + 20); return; }
  let x0 = Math.min(...all.map((p) => p[0])), x1 = Math.max(...all.map((p) => p[0]));
  let y0 = Math.min(...all.map((p) => p[1])), y1 = Math.max(...all.map((p) => p[1]));
  if (x1 === x0) x1 = x0 + 1;
  if (y1 === y0) { y1 += 0.5; y0 -= 0.5; }
  const X = (v) => L + (v - x0) / (x1 - x0) * (W - L - R), Y = (v) => H - B - (v - y0) / (y1 - y0) * (H - T - B);
  g.fillStyle = '#444'; g.font = '11px sans-serif';
  for (let k = 0; k <= 4; k++) {
    const v = y0 + (y1 - y0) * k / 4;
    g.fillText(log ? '1e' + v.toFixed(2) : v.toPrecision(3), 4, Y(v) + 4);
    const xv = x0 + (x1 - x0) * k / 4;
    g.fillText(x1 - x0 >= 8 ? String(Math.round(xv)) : xv.toFixed(1), X(xv) - 10, H - 10);
  }
  for (const s of series) {
    g.strokeStyle = COLORS[s.i % COLORS.length]; g.lineWidth = 1.5; g.beginPath();
    s.pts.forEach((p, k) => (k ? g.lineTo(X(p[0]), Y(p[1])) : g.moveTo(X(p[0]), Y(p[1]))));
    g.stroke();
    if (s.pts.length === 1) { g.fillStyle = g.strokeStyle; g.fillRect(X(s.pts[0][0]) - 2, Y(s.pts[0][1]) - 2, 4, 4); }
  }
}
$('stage-select').onchange = drawChart;
$('log-scale').onchange = drawChart;
$('smoothing').oninput = () => { $('smoothing-value').textContent = $('smoothing').value; drawChart(); };

// ---- Try it view
let tryLoaded = false;
async function loadTry() {
  const sel = $('checkpoint');
  const prev = sel.value;
  const runs = await getJson('/api/runs');
  sel.innerHTML = '';
  for (const r of runs) for (const c of r.checkpoints) {
    const o = document.createElement('option');
    o.value = runPath(r, c); o.textContent = `${o.value} (${r.family})`; o.dataset.family = r.family;
    sel.appendChild(o);
  }
  // The final weights first: model.safetensors of the newest run.
  const best = [...sel.options].find((o) => o.value.endsWith('model.safetensors'));
  sel.value = prev || (best ? best.value : sel.value);
  if (!tryLoaded) {
    tryLoaded = true;
    const d = await getJson('/api/data?limit=0');
    $('split').innerHTML = d.splits.map((s) => `<option>${s}</option>`).join('');
    if (!d.splits.length) { document.querySelector('input[value=upload]').checked = true; setMode(); }
    searchData();
  }
}

function setMode() {
  const up = document.querySelector('input[name=mode]:checked').value === 'upload';
  $('mode-upload').hidden = !up; $('mode-dataset').hidden = up;
}
for (const r of document.querySelectorAll('input[name=mode]')) r.onchange = setMode;

let searchTimer = null;
$('search').oninput = () => { clearTimeout(searchTimer); searchTimer = setTimeout(searchData, 250); };
$('split').onchange = searchData;
async function searchData() {
  if (!$('split').value) return;
  const d = await getJson('/api/data?' + q({ split: $('split').value, q: $('search').value, limit: 60 }));
  $('data-count').textContent = `${d.names.length} of ${d.total}`;
  const box = $('thumbs');
  box.innerHTML = '';
  for (const n of d.names) {
    const f = document.createElement('figure');
    f.dataset.name = n;
    const img = document.createElement('img');
    img.loading = 'lazy'; img.src = '/api/data/file?' + q({ path: $('split').value + '/' + n }); img.title = n;
    f.appendChild(img);
    f.append(n.length > 12 ? n.slice(0, 11) + '…' : n);
    f.onclick = () => pick(n);
    box.appendChild(f);
  }
  markPicks();
}
function pick(n) {
  if (!state.source || state.target) { state.source = n; state.target = null; } else state.target = n;
  $('pick-source').textContent = state.source || '—'; $('pick-target').textContent = state.target || '—';
  markPicks();
}
function markPicks() {
  for (const f of $('thumbs').children) {
    f.classList.toggle('source', f.dataset.name === state.source);
    f.classList.toggle('target', f.dataset.name === state.target);
  }
}

function figure(label, b64, main) {
  return `<figure class="${main ? 'main' : ''}"><img src="data:image/png;base64,${b64}" alt="${label}"><figcaption>${label}</figcaption></figure>`;
}
const LABELS = { y_p: 'y_p (predictive)', y_w: 'y_w (warped atlas)', r: 'residual', atlas_source: 'splatted atlas',
  atlas_inpainted: 'inpainted atlas', atlas_full: 'completed atlas', source_edges: 'source edges (XDoG)',
  generated_target_edges: 'generated target edges', target_heatmaps: 'target heatmaps' };

async function post(url, form, stateEl, errEl) {
  errEl.hidden = true; stateEl.textContent = 'running…';
  try {
    const d = await getJson(url, { method: 'POST', body: form });
    stateEl.textContent = '';
    return d;
  } catch (e) {
    stateEl.textContent = ''; errEl.textContent = e.message; errEl.hidden = false;
    return null;
  }
}

$('run-transfer').onclick = async () => {
  const form = new FormData();
  form.append('checkpoint', $('checkpoint').value);
  if (document.querySelector('input[name=mode]:checked').value === 'upload') {
    const sca = $('up-keypoints').files[0];
    const files = sca ? [['up-source', 'source_image'], ['up-keypoints', 'keypoints']]
      : [['up-source', 'source_image'], ['up-source-iuv', 'source_iuv'], ['up-target-iuv', 'target_iuv']];
    for (const [id, name] of files) if ($(id).files[0]) form.append(name, $(id).files[0]);
    if (sca) { form.append('source_name', $('up-source-name').value); form.append('target_name', $('up-target-name').value); }
  } else {
    form.append('split', $('split').value);
    form.append('source', state.source || ''); form.append('target', state.target || '');
  }
  const t0 = performance.now();
  const d = await post('/api/transfer', form, $('try-state'), $('try-error'));
  if (!d) { $('try-result').innerHTML = ''; return; }
  let html = '<div class="grid">' + figure('output', d.output, true);
  if (d.ground_truth) html += figure('ground truth', d.ground_truth, true);
  html += '</div><div class="grid">';
  for (const [k, v] of Object.entries(d.intermediates || {})) html += figure(LABELS[k] || k, v);
  html += '</div>';
  if (d.ssim !== undefined) html = `<p>SSIM against the ground truth: <b id="ssim">${d.ssim.toFixed(4)}</b></p>` + html;
  html += `<small>${((performance.now() - t0) / 1000).toFixed(1)} s</small>`;
  $('try-result').innerHTML = html;
};

$('run-render').onclick = async () => {
  const form = new FormData();
  if ($('up-atlas').files[0]) form.append('atlas', $('up-atlas').files[0]);
  if ($('up-render-iuv').files[0]) form.append('target_iuv', $('up-render-iuv').files[0]);
  else if (state.target) { form.append('split', $('split').value); form.append('target', state.target); }
  const d = await post('/api/render', form, $('try-state'), $('render-error'));
  $('render-result').innerHTML = d ? '<div class="grid">' + figure('rendered atlas', d.output, true) + '</div>' : '';
};

refreshRuns();
setInterval(() => { refreshRuns(); pollLosses(); }, 2000);
