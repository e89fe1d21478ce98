// The web console in real headless Chromium (the Debian `chromium` package, driven by playwright-core): the
// all-in-one server on a free 127.0.0.1 port with a fresh NEON_HOME and the shipped models. One page lists the runs
// and must see a new run appear on its own (the list refreshes itself); the other generates images through the API
// (the token field's bearer token on the POST, class names in the captions), starts a Neon run on the shipped
// fmnist-flow (the cheapest shipped image model: an ODE of a few network calls per image) with a tiny config, and
// follows it: job progress bars that move, elapsed and remaining time, readable events, the FID-versus-w curves,
// the chosen point, the base-versus-Neon grids on the same seeds, and the lineage link to the promoted version.
// Saves a screenshot of the run page: to docs/img/console.png (the README's) with NEON_UPDATE_SCREENSHOT=1
// (`npm run screenshot:console`), otherwise to a temporary file, so a test run leaves the tree clean.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { serveConfigFromEnv } from '../services/serve-config.ts';
import { createServer } from '../services/server.ts';
import { REPO_ROOT } from '../shared/features/registry.ts';
import { FASHION_MNIST_CLASSES } from '../shared/data/fashion-mnist.ts';
import { SHIPPED_MODELS_DIR } from '../shared/serving/shipped-models.ts';

const CHROMIUM = '/usr/bin/chromium';
const TOKEN = 'console-token-1';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
const MODEL = 'fmnist-flow';
const RUN_ID = 'browser-run';
/**
 * A Neon run small enough for a test: 128 synthetic images, 8 self-training steps (snapshots at 4 and 8), w ∈ {0, 1, 3}
 * without refinement, at the model's guidance alone (no guidance line), 256 selection and 256 report samples (more
 * than the 128 feature dimensions; the preset's multi-fidelity rung scores 64 first), two ODE steps.
 * Batches are small so that every job reports progress several times.
 */
const CONFIG = {
  synthesis: { n: 128, seeds: { first: 0, count: 128 }, batch: 32, sampler: { steps: 2 } },
  selftrain: { steps: 8, lr: 1e-3, batch: 32, snapshot_every: 4 },
  sweep: { w_grid: [0, 1, 3], cfg_grid: [3], cfg_extend: 0, refine_step: 0, batch: 64, sampler: { steps: 2 } },
  selection: { seeds: { first: 100_000, count: 256 } },
  report: { seeds: { first: 200_000, count: 256 } },
};

const needsChromium =
  existsSync(CHROMIUM) || process.env.CI === 'true'
    ? false
    : `${CHROMIUM} is missing (apt-get install -y chromium); browser test skipped`;
const needsShipped = existsSync(join(SHIPPED_MODELS_DIR, MODEL, 'model.onnx'))
  ? false
  : `models/${MODEL} is not shipped here; browser test skipped`;

test(`console in Chromium: a Neon run on ${MODEL} with moving progress bars, curves and base-versus-Neon grids`, {
  skip: needsChromium || needsShipped,
  timeout: 420_000,
}, async () => {
  const { chromium } = await import('playwright-core');
  const dir = await mkdtemp(join(tmpdir(), 'neon-console-'));
  const env = { NEON_HOME: join(dir, 'home'), NEON_API_TOKENS: TOKEN, NEON_ORT_THREADS: '1' };
  const server = await createServer(serveConfigFromEnv('all', env), { log: () => {} });
  const http = serve({ fetch: server.app.fetch, port: 0, hostname: '127.0.0.1' });
  let context: Awaited<ReturnType<typeof chromium.launchPersistentContext>> | undefined;
  try {
    await new Promise<void>((r) => (http.listening ? r() : http.once('listening', () => r())));
    const base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;

    context = await chromium.launchPersistentContext(join(dir, 'chromium-profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: ARGS,
      viewport: { width: 1200, height: 900 },
    });
    const pageErrors: string[] = [];
    const runsPage = context.pages()[0] ?? (await context.newPage());
    const page = await context.newPage();
    for (const p of [runsPage, page]) p.on('pageerror', (e) => pageErrors.push(e.message));

    // the runs list, left open: empty at first, it must show the run started from the other page by itself
    await runsPage.goto(`${base}/#/runs`);
    await runsPage.waitForSelector('#runs tbody tr.empty');
    assert.match((await runsPage.textContent('#runs tbody')) ?? '', /No runs yet/);

    // the registry: the shipped image models with their class names
    await page.goto(`${base}/`);
    await page.waitForSelector('#models tbody tr.version');
    const rows = await page.$$eval('#models tbody tr', (trs) => trs.map((tr) => tr.textContent ?? ''));
    const flowRow = rows.find((r) => r.startsWith(`${MODEL}@base`)) ?? '';
    assert.match(flowRow, /1×28×28, 10 classes: T-shirt\/top, Trouser, .*Ankle boot/, rows.join(' | '));

    // no token: the POST is refused and the page says so
    await page.selectOption('#generate [name=model]', MODEL);
    await page.fill('#generate [name=n]', '4');
    await page.fill('#generate [name=seed]', '3');
    await page.fill('#generate [name=steps]', '2');
    assert.deepEqual(
      (await page.$$eval('#generate [name=class] option', (os) => os.map((o) => o.textContent))).slice(0, 3),
      ['seed mod K', '0: T-shirt/top', '1: Trouser'],
    );
    await page.click('#generate button');
    await page.waitForSelector('#error:not([hidden])');
    assert.match((await page.textContent('#error')) ?? '', /Authorization/);

    // with the token (kept in localStorage): four decoded 28×28 images of seeds 3..6, captioned with class names
    await page.fill('#token', TOKEN);
    assert.equal(await page.evaluate(() => localStorage.getItem('neon.token')), TOKEN);
    await page.click('#generate button');
    await page.waitForFunction(() => document.querySelectorAll('#samples img').length === 4);
    await page.waitForFunction(() =>
      [...document.querySelectorAll<HTMLImageElement>('#samples img')].every((i) => i.complete && i.naturalWidth > 0),
    );
    const sizes = await page.$$eval('#samples img', (imgs) =>
      (imgs as HTMLImageElement[]).map((i) => [i.naturalWidth, i.naturalHeight]),
    );
    assert.deepEqual(sizes, Array(4).fill([28, 28]));
    assert.deepEqual(
      await page.$$eval('#samples figcaption', (fs) => fs.map((f) => f.textContent)),
      [3, 4, 5, 6].map((s) => `${s} · ${FASHION_MNIST_CLASSES[s % 10]}`),
    );
    assert.equal(await page.isHidden('#error'), true);

    // every value a progress bar takes, from now on (the run page is built in this same document)
    await page.evaluate(() => {
      const seen: { key: string; value: number; max: number }[] = [];
      (window as unknown as { progressSeen: typeof seen }).progressSeen = seen;
      new MutationObserver((records) => {
        for (const r of records) {
          const bar = r.target as HTMLProgressElement;
          if (bar.tagName === 'PROGRESS')
            seen.push({
              key: bar.closest('tr')?.dataset.key ?? '',
              value: Number(bar.getAttribute('value')),
              max: bar.max,
            });
        }
      }).observe(document.body, { subtree: true, attributes: true, attributeFilter: ['value'] });
    });

    // start the run from the form, with the tiny config as overrides
    await page.click('header a[href="#/runs"]');
    await page.selectOption('#start-run [name=model]', MODEL);
    await page.selectOption('#start-run [name=preset]', 'smoke');
    await page.fill('#start-run [name=id]', RUN_ID);
    await page.fill('#start-run [name=config]', JSON.stringify(CONFIG));
    await page.click('#start-run button');
    await page.waitForURL(new RegExp(`#/runs/${RUN_ID}$`));

    // the other page's list picks the run up without a reload
    await runsPage.waitForSelector(`#runs tbody tr.run a[href="#/runs/${RUN_ID}"]`, { timeout: 15_000 });

    // a job bar with a value strictly between 0 and its maximum, while the run is going
    await page.waitForSelector('#jobs tbody tr.job progress');
    await page.waitForSelector('#run-state[data-state=succeeded]', { timeout: 360_000 });
    await page.waitForSelector('#result:not([hidden])');

    const seen = await page.evaluate(
      () => (window as unknown as { progressSeen: { key: string; value: number; max: number }[] }).progressSeen,
    );
    const byKey = new Map<string, number[]>();
    for (const s of seen) byKey.set(s.key, [...(byKey.get(s.key) ?? []), s.value]);
    const moved = [...byKey].filter(
      ([, vs]) => vs.some((v, i) => i > 0 && v > vs[i - 1]) && vs.some((v) => v > 0 && v < Math.max(...vs)),
    );
    assert.ok(
      moved.some(([k]) => k.endsWith(':synthesize')),
      `the synthesis bar moved: ${JSON.stringify([...byKey])}`,
    );
    assert.ok(
      moved.some(([k]) => k.endsWith(':selftrain')),
      `the self-training bar moved: ${JSON.stringify([...byKey])}`,
    );
    assert.ok(
      moved.some(([k]) => k.includes(':trial:select:')),
      `a trial bar moved: ${JSON.stringify([...byKey])}`,
    );

    // every job done with a full bar; the self-training row shows its loss; elapsed time on each
    const jobs = await page.$$eval('#jobs tbody tr.job', (trs) =>
      trs.map((tr) => ({
        key: (tr as HTMLElement).dataset.key ?? '',
        state: (tr as HTMLElement).dataset.state,
        cells: [...tr.children].map((c) => c.textContent ?? ''),
        value: Number(tr.querySelector('progress')?.getAttribute('value')),
        max: (tr.querySelector('progress') as HTMLProgressElement).max,
      })),
    );
    assert.deepEqual(jobs.map((j) => j.cells[0]).slice(0, 2), ['Synthesis', 'Self-training']);
    assert.ok(
      jobs.every((j) => j.state === 'done' && j.value === j.max),
      JSON.stringify(jobs),
    );
    assert.match(jobs.find((j) => j.key.endsWith(':synthesize'))?.cells[2] ?? '', /^128 \/ 128 images$/);
    assert.match(jobs.find((j) => j.key.endsWith(':selftrain'))?.cells[2] ?? '', /^step 8 \/ 8 · loss \d+\.\d{4}$/);
    assert.ok(
      jobs.every((j) => /^\d+ (s|min)/.test(j.cells[3])),
      `elapsed on every job: ${JSON.stringify(jobs.map((j) => j.cells[3]))}`,
    );
    assert.ok(
      jobs.some((j) => /^Selection trial: base θr, cfg 3( \(\d+ seeds\))?$/.test(j.cells[0])),
      JSON.stringify(jobs.map((j) => j.cells[0])),
    );
    assert.match((await page.textContent('#run-times')) ?? '', /· took \d+ (s|min)/);

    // the chosen point and the promoted version, linked to the registry
    const chosen = await page.$$eval('#chosen tbody tr', (trs) =>
      trs.map((tr) => [...tr.children].map((c) => c.textContent ?? '')),
    );
    assert.deepEqual(
      chosen.map((r) => r[0]),
      ['base θr', 'Neon (chosen)'],
    );
    for (const cell of [...chosen[0].slice(3, 6), ...chosen[1].slice(2, 6)])
      assert.ok(Number.isFinite(Number(cell)), `a number, got ${JSON.stringify(chosen)}`);
    assert.match((await page.textContent('#promoted')) ?? '', new RegExp(`Promoted as ${MODEL}@neon-${RUN_ID}`));
    assert.ok(
      Number(await page.textContent('#trials-done')) >= 4,
      'trial events arrived (base and at least one w per snapshot, then the report)',
    );

    // the base-versus-Neon grids on the same seeds, 28×28 images with class names
    for (const grid of ['#grid-base', '#grid-neon']) {
      await page.waitForFunction(
        (g) =>
          document.querySelectorAll(`${g} img`).length === 8 &&
          [...document.querySelectorAll<HTMLImageElement>(`${g} img`)].every(
            (i) => i.complete && i.naturalWidth === 28,
          ),
        grid,
      );
      assert.deepEqual(
        await page.$$eval(`${grid} figcaption`, (fs) => fs.map((f) => f.textContent)),
        [0, 1, 2, 3, 4, 5, 6, 7].map((s) => `${s} · ${FASHION_MNIST_CLASSES[s]}`),
      );
    }
    assert.equal(await page.isVisible('#compare .pair'), true);

    // readable event rows: a time, a kind and a sentence, no JSON
    const events = await page.$$eval('#events li', (lis) => lis.map((li) => li.textContent ?? ''));
    assert.ok(events.length >= 10, `events: ${events.length}`);
    assert.ok(
      events.every((e) => !/[{}"]/.test(e)),
      events.join('\n'),
    );
    assert.ok(
      events.some((e) => /phase\s*synthesizing → self-training/.test(e)),
      events.join('\n'),
    );
    assert.ok(
      events.some((e) => /Self-training done: 2 snapshots in/.test(e)),
      events.join('\n'),
    );

    // the curves: one SVG with a line per snapshot, points, the chosen point circled
    await page.waitForSelector('#curves svg polyline');
    const shape = await page.$eval('#curves svg', (svg) => ({
      lines: svg.querySelectorAll('polyline').length,
      points: svg.querySelectorAll('circle[r="2.5"]').length,
      markers: svg.querySelectorAll('circle[r="6"]').length,
      text: svg.textContent ?? '',
    }));
    assert.equal(shape.lines, 2, `a line per snapshot, got ${JSON.stringify(shape)}`);
    assert.ok(shape.points >= 2 * shape.lines, `points on the lines, got ${shape.points}`);
    assert.equal(shape.markers, 1, 'the chosen point circled once');
    assert.match(shape.text, /step 4, cfg 3/);
    const phases = await page.$$eval('#phases li', (lis) => lis.map((li) => [li.textContent, li.className]));
    assert.deepEqual(phases.at(-1), ['succeeded', 'current']);

    await mkdir(join(REPO_ROOT, 'docs', 'img'), { recursive: true });
    const shot =
      process.env.NEON_UPDATE_SCREENSHOT === '1'
        ? join(REPO_ROOT, 'docs', 'img', 'console.png')
        : join(tmpdir(), `neon-console-${process.pid}.png`);
    await page.screenshot({ path: shot, fullPage: true });

    // the runs list: the run succeeded, its base and promoted versions linked
    await runsPage.waitForSelector(`#runs tbody tr.run:has(a[href="#/runs/${RUN_ID}"]) .state[data-state=succeeded]`, {
      timeout: 15_000,
    });
    const runRow = await runsPage.$eval(`#runs tbody tr.run:has(a[href="#/runs/${RUN_ID}"])`, (tr) =>
      [...tr.querySelectorAll('a')].map((a) => [a.textContent, a.getAttribute('href')]),
    );
    assert.deepEqual(
      runRow.map(([t]) => t),
      [RUN_ID, `${MODEL}@base`, `${MODEL}@neon-${RUN_ID}`],
    );

    // lineage: the promoted version's link lights its row, which links back to θr and the run
    await page.click('#promoted a.version-link');
    await page.waitForSelector('#models tr.lit');
    const lit = await page.$eval('#models tr.lit', (tr) => ({
      text: tr.textContent ?? '',
      links: [...tr.querySelectorAll('a')].map((a) => a.getAttribute('href')),
    }));
    assert.match(lit.text, new RegExp(`^${MODEL}@neon-${RUN_ID}`));
    assert.ok(
      lit.links.includes(`#/runs/${RUN_ID}`) && lit.links.some((h) => /^#\/versions\/\d+$/.test(h ?? '')),
      JSON.stringify(lit),
    );
    assert.deepEqual(pageErrors, []);
  } finally {
    await context?.close();
    await new Promise<void>((r) => http.close(() => r()));
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
});
