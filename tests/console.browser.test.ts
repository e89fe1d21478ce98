// The web console in real headless Chromium (the Debian `chromium` package, driven by playwright-core): the
// all-in-one server on a free 127.0.0.1 port with a fresh NEON_HOME; the page generates images through the API
// (the token field's bearer token on the POST), starts a smoke run on the 2-d toy and follows its events to the end,
// and shows the FID-versus-w curves and the chosen point. Saves a screenshot of the run page: to docs/img/console.png
// (the README's) with NEON_UPDATE_SCREENSHOT=1, otherwise to a temporary file, so a test run leaves the tree clean.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { builtinFamilies, familyResolver } from '../shared/families/registry.ts';
import { tinyFlowFamily, writeTinyFlowModel } from '../shared/families/test-fixtures/tiny-flow.ts';
import { serveConfigFromEnv } from '../services/serve-config.ts';
import { createServer } from '../services/server.ts';
import { createNeonRuntime } from '../services/orchestrator/runtime.ts';
import { ensureToyModel, TOY_MODEL } from '../services/orchestrator/models.ts';
import { REPO_ROOT } from '../shared/features/registry.ts';

const CHROMIUM = '/usr/bin/chromium';
const TOKEN = 'console-token-1';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

test('console in Chromium: models, generate images, start a smoke run and watch it finish, curves', { skip: existsSync(CHROMIUM) ? false : `${CHROMIUM} is missing (apt-get install -y chromium); browser test skipped`, timeout: 240_000 }, async () => {
  const { chromium } = await import('playwright-core');
  const dir = await mkdtemp(join(tmpdir(), 'neon-console-'));
  await writeTinyFlowModel(join(dir, 'models'));
  const env = { NEON_HOME: join(dir, 'home'), NEON_MODELS_DIR: join(dir, 'models'), NEON_API_TOKENS: TOKEN, NEON_ORT_THREADS: '1' };
  const server = await createServer(serveConfigFromEnv('all', env), { families: familyResolver({ flow: tinyFlowFamily }, builtinFamilies), log: () => {} });
  const http = serve({ fetch: server.app.fetch, port: 0, hostname: '127.0.0.1' });
  let context: Awaited<ReturnType<typeof chromium.launchPersistentContext>> | undefined;
  try {
    const runtime = createNeonRuntime({ store: server.store });
    await ensureToyModel(server.database!.db, server.store, await runtime.tf(), { pretrainSteps: 300 });
    await runtime.close();
    await new Promise<void>((r) => (http.listening ? r() : http.once('listening', () => r())));
    const base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;

    context = await chromium.launchPersistentContext(join(dir, 'chromium-profile'), { executablePath: CHROMIUM, headless: true, args: ARGS, viewport: { width: 1200, height: 900 } });
    const page = context.pages()[0] ?? (await context.newPage());
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(`${base}/`);

    // the registry: both models with their base versions
    await page.waitForSelector('#models tbody tr.version');
    const rows = await page.$$eval('#models tbody tr', (trs) => trs.map((tr) => tr.textContent ?? ''));
    assert.ok(rows.some((r) => r.startsWith('tiny-flow@base')), rows.join(' | '));
    assert.ok(rows.some((r) => r.startsWith(`${TOY_MODEL}@base`)), rows.join(' | '));

    // no token: the POST is refused and the page says so
    await page.selectOption('#generate [name=model]', 'tiny-flow');
    await page.fill('#generate [name=n]', '4');
    await page.fill('#generate [name=seed]', '3');
    await page.click('#generate button');
    await page.waitForSelector('#error:not([hidden])');
    assert.match((await page.textContent('#error')) ?? '', /Authorization/);

    // with the token (kept in localStorage): four decoded images of seeds 3..6
    await page.fill('#token', TOKEN);
    assert.equal(await page.evaluate(() => localStorage.getItem('neon.token')), TOKEN);
    await page.click('#generate button');
    await page.waitForFunction(() => document.querySelectorAll('#samples img').length === 4);
    await page.waitForFunction(() => [...document.querySelectorAll<HTMLImageElement>('#samples img')].every((i) => i.complete && i.naturalWidth > 0));
    const sizes = await page.$$eval('#samples img', (imgs) => (imgs as HTMLImageElement[]).map((i) => [i.naturalWidth, i.naturalHeight]));
    assert.deepEqual(sizes, Array(4).fill([8, 8]), 'tiny-flow makes 8×8 images');
    assert.deepEqual(await page.$$eval('#samples img', (imgs) => imgs.map((i) => i.getAttribute('alt'))), ['seed 3', 'seed 4', 'seed 5', 'seed 6']);
    assert.equal(await page.isHidden('#error'), true);

    // start a smoke run on the toy and follow it to the end over server-sent events
    await page.click('header a[href="#/runs"]');
    await page.selectOption('#start-run [name=model]', TOY_MODEL);
    await page.selectOption('#start-run [name=preset]', 'smoke');
    await page.fill('#start-run [name=id]', 'browser-run');
    await page.click('#start-run button');
    await page.waitForURL(/#\/runs\/browser-run$/);
    await page.waitForSelector('#run-state[data-state=succeeded]', { timeout: 180_000 });
    await page.waitForSelector('#result:not([hidden])');
    const chosen = await page.$$eval('#chosen tbody tr', (trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent ?? '')));
    assert.equal(chosen.length, 2);
    assert.equal(chosen[0][0], 'base θr');
    assert.equal(chosen[1][0], 'Neon (chosen)');
    for (const cell of [...chosen[0].slice(3), ...chosen[1].slice(2)]) assert.ok(Number.isFinite(Number(cell)), `a number, got ${JSON.stringify(chosen)}`);
    assert.match((await page.textContent('#promoted')) ?? '', /Promoted as toy-ddpm@neon-browser-run/);
    assert.ok(Number(await page.textContent('#trials-done')) >= 3, 'trial events arrived');
    assert.ok((await page.$$('#events li')).length >= 5);
    assert.match((await page.textContent('#compare-note')) ?? '', /does not make images/);

    // the curve page's shape: one SVG with axes, at least one line per snapshot, points, the chosen point circled
    await page.waitForSelector('#curves svg polyline');
    const shape = await page.$eval('#curves svg', (svg) => {
      const box = svg.getBoundingClientRect();
      return {
        width: box.width,
        height: box.height,
        lines: svg.querySelectorAll('polyline').length,
        points: svg.querySelectorAll('circle[r="2.5"]').length,
        markers: svg.querySelectorAll('circle[r="6"]').length,
        text: svg.textContent ?? '',
      };
    });
    assert.ok(shape.width >= 400 && shape.width <= 1200 && shape.height >= 200 && shape.height <= 800, JSON.stringify(shape));
    assert.ok(shape.lines >= 2, `a line per snapshot (smoke: 2 snapshots), got ${shape.lines}`);
    assert.ok(shape.points >= 2 * shape.lines, `points on the lines, got ${shape.points}`);
    assert.equal(shape.markers, 1, 'the chosen point circled once');
    assert.match(shape.text, /step 20, cfg/);
    assert.match(shape.text, /FID against w/);
    const phases = await page.$$eval('#phases li', (lis) => lis.map((li) => [li.textContent, li.className]));
    assert.deepEqual(phases.at(-1), ['succeeded', 'current']);
    assert.deepEqual(pageErrors, []);

    await mkdir(join(REPO_ROOT, 'docs', 'img'), { recursive: true });
    const shot = process.env.NEON_UPDATE_SCREENSHOT === '1' ? join(REPO_ROOT, 'docs', 'img', 'console.png') : join(tmpdir(), `neon-console-${process.pid}.png`);
    await page.screenshot({ path: shot, fullPage: true });
  } finally {
    await context?.close();
    await new Promise<void>((r) => http.close(() => r()));
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
});
