// dpt-serve in a real browser: Debian's headless chromium driven by puppeteer-core. Loads both views of a
// server started on a tiny trained run, checks that the loss chart draws points and the sample grid loads,
// runs a "Try it" round trip (pick a source and a target thumbnail, run, wait for the output image) and
// saves a screenshot of each view. Usage: node serve_page.js URL SCREENSHOT_DIR
'use strict';
const puppeteer = require('puppeteer-core');
const path = require('path');

const [url, shots] = process.argv.slice(2);
// The flags that let chromium start as root on a closed network (machines/cpp.md).
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

function check(cond, what) {
  if (!cond) throw new Error('check failed: ' + what);
  console.log('ok: ' + what);
}

(async () => {
  const browser = await puppeteer.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: FLAGS,
    headless: true,
    userDataDir: require('fs').mkdtempSync(path.join(require('os').tmpdir(), 'dpt-chromium-')),
  });
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('requestfailed', (r) => { if (!r.url().startsWith('data:')) errors.push('request failed: ' + r.url()); });
    await page.setViewport({ width: 1280, height: 900 });
    await page.goto(url, { waitUntil: 'networkidle0' });

    // Runs view: the run is listed and selected, the chart has drawn points, the sample grid loaded.
    await page.waitForFunction(() => document.querySelectorAll('#run-list li').length > 0, { timeout: 20000 });
    await page.waitForFunction(() => +(document.getElementById('loss-chart').dataset.points || 0) > 0, { timeout: 20000 });
    const points = await page.$eval('#loss-chart', (c) => +c.dataset.points);
    check(points > 0, `the loss chart draws ${points} points`);
    // The canvas really has coloured pixels (a curve), not only the frame.
    const coloured = await page.$eval('#loss-chart', (c) => {
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 0; i < d.length; i += 4) if (d[i + 3] > 0 && Math.abs(d[i] - d[i + 2]) > 60) n++;
      return n;
    });
    check(coloured > 50, `the chart has ${coloured} coloured pixels`);
    await page.click('#log-scale');
    check(await page.$eval('#loss-chart', (c) => +c.dataset.points) > 0, 'the log scale still draws points');
    await page.waitForFunction(() => { const i = document.getElementById('sample-image'); return i.complete && i.naturalWidth > 0; }, { timeout: 20000 });
    const sampleWidth = await page.$eval('#sample-image', (i) => i.naturalWidth);
    check(sampleWidth > 0, `the sample grid renders (${sampleWidth} px wide)`);
    check(await page.$eval('#view-try', (v) => v.offsetParent === null), 'the Try-it view is hidden in the Runs view');
    await page.screenshot({ path: path.join(shots, 'serve_runs.png'), fullPage: true });

    // Try it: thumbnails of the dataset, a pair picked, a round trip to an output image.
    await page.click('#tab-try');
    check(await page.$eval('#view-runs', (v) => v.offsetParent === null), 'the Runs view is hidden in the Try-it view');
    await page.waitForFunction(() => document.querySelectorAll('#thumbs figure').length >= 2, { timeout: 20000 });
    await page.waitForFunction(() => [...document.querySelectorAll('#thumbs img')].every((i) => i.complete && i.naturalWidth > 0), { timeout: 20000 });
    check(await page.$eval('#checkpoint', (s) => s.value.endsWith('.safetensors')), 'a checkpoint is selected');
    const figs = await page.$$('#thumbs figure');
    await figs[0].click();
    await figs[1].click();
    await page.click('#run-transfer');
    await page.waitForFunction(() => document.querySelector('#try-result img') || !document.getElementById('try-error').hidden, { timeout: 120000 });
    const err = await page.$eval('#try-error', (e) => (e.hidden ? '' : e.textContent));
    check(err === '', 'the transfer succeeded' + (err ? ': ' + err : ''));
    await page.waitForFunction(() => [...document.querySelectorAll('#try-result img')].every((i) => i.complete && i.naturalWidth > 0), { timeout: 20000 });
    const shown = await page.$$eval('#try-result img', (a) => a.map((i) => i.alt + ':' + i.naturalWidth));
    check(shown.length >= 7 && shown[0].startsWith('output:'), 'output, ground truth and intermediates shown: ' + shown.join(' '));
    check(await page.$('#ssim') !== null, 'the SSIM is shown');
    // A bad upload gets the reader's message in the page.
    await page.click('#run-render');
    await page.waitForFunction(() => !document.getElementById('render-error').hidden, { timeout: 20000 });
    const renderErr = await page.$eval('#render-error', (e) => e.textContent);
    check(renderErr.includes('atlas'), 'the texture tool without an atlas says so: ' + renderErr);
    await page.$eval('#render-error', (e) => { e.hidden = true; });
    await page.screenshot({ path: path.join(shots, 'serve_try.png'), fullPage: true });
    check(errors.length === 0, 'no page errors' + (errors.length ? ': ' + errors.join('; ') : ''));
  } finally {
    await browser.close();
  }
})().catch((e) => { console.error(e.stack || String(e)); process.exit(1); });
