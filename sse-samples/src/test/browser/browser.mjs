// Browser checks of the samples app in headless Debian Chromium, driven by playwright-core.
// usage: node browser.mjs <scenario> <baseUrl> <screenshotDir> [arg]
// Prints one JSON object with what a person would see; exits non-zero when the page never got there.
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [scenario, base, shots, arg] = process.argv.slice(2);
const TIMEOUT = 15000;
const profile = mkdtempSync(join(tmpdir(), 'sse-chromium-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  viewport: { width: 1280, height: 1000 },
  // The http2 profile's certificate is self-signed.
  ignoreHTTPSErrors: true,
});
context.setDefaultTimeout(TIMEOUT);

async function page(url) {
  const p = await context.newPage();
  const errors = [];
  p.on('pageerror', (e) => errors.push(String(e)));
  p.errors = errors;
  await p.goto(url);
  return p;
}
const text = (p, id) => p.locator('#' + id).innerText();
const connected = (p, name) => p.waitForFunction((n) => open[n] && open[n].readyState === 1, name);
async function post(path, body) {
  const r = await fetch(base + path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  return r.json();
}

const scenarios = {
  async basic() {
    const p = await page(base + '/');
    await p.click('#basic-start');
    await p.waitForFunction(() => document.getElementById('basic-log').innerText.includes('done:'));
    return { log: await text(p, 'basic-log'), errors: p.errors };
  },
  async ai() {
    const p = await page(base + '/');
    await p.fill('#ai-prompt', arg);
    await p.click('#ai-start');
    await p.waitForFunction(() => document.getElementById('ai-status').innerText.startsWith('Complete!'));
    return { text: await p.locator('#ai-text').textContent(), status: await text(p, 'ai-status'), errors: p.errors };
  },
  async cors() {
    const port = new URL(base).port;
    const allowed = await page('http://localhost:' + port + '/cors.html');
    await allowed.click('#cors-start');
    await allowed.waitForFunction(() => ['received', 'blocked'].includes(document.getElementById('cors-status').innerText));
    const denied = await page('http://127.0.0.1:' + port + '/cors.html');
    await denied.click('#cors-start');
    await denied.waitForFunction(() => ['received', 'blocked'].includes(document.getElementById('cors-status').innerText));
    return {
      allowedStatus: await text(allowed, 'cors-status'), allowedLog: await text(allowed, 'cors-log'),
      deniedStatus: await text(denied, 'cors-status'), deniedLog: await text(denied, 'cors-log'),
    };
  },
  async dashboard() {
    const p = await page(base + '/');
    await p.click('#dashboard-start');
    const seen = [];
    for (const n of [1, 2, 3, 4]) {
      await p.waitForFunction((k) => parseInt(document.getElementById('dash-updates').innerText) >= k, n);
      seen.push([await text(p, 'dash-cpu'), await text(p, 'dash-heap'), await text(p, 'dash-threads'), await text(p, 'dash-requests')].join(' | '));
    }
    return { seen, errors: p.errors };
  },
  async progress() {
    const p = await page(base + '/');
    await p.click('#progress-start');
    await p.waitForFunction(() => document.getElementById('progress-step').innerText.includes('(done)'));
    return { value: await p.locator('#progress-bar').evaluate((e) => e.value), step: await text(p, 'progress-step') };
  },
  async logs() {
    const p = await page(base + '/');
    await p.click('#logs-start');
    await connected(p, 'logs');
    await post('/api/logs', { level: 'WARN', message: arg });
    await p.waitForFunction((m) => document.getElementById('logs-lines').innerText.includes(m), arg);
    return { lines: await text(p, 'logs-lines') };
  },
  async notifications() {
    const alice = await page(base + '/');
    await alice.fill('#notify-user', 'alice-' + arg);
    await alice.click('#notify-connect');
    const bob = await page(base + '/');
    await bob.fill('#notify-user', 'bob-' + arg);
    await bob.click('#notify-connect');
    await connected(alice, 'notify');
    await connected(bob, 'notify');
    await post('/api/notifications?user=alice-' + arg, { title: 'for-alice', message: 'hi alice' });
    await post('/api/notifications?user=bob-' + arg, { title: 'for-bob', message: 'hi bob' });
    await alice.waitForFunction(() => document.getElementById('notify-list').innerText.includes('for-alice'));
    await bob.waitForFunction(() => document.getElementById('notify-list').innerText.includes('for-bob'));
    return { alice: await text(alice, 'notify-list'), bob: await text(bob, 'notify-list') };
  },
  async chat() {
    const channel = 'room-' + arg;
    const a = await page(base + '/');
    const b = await page(base + '/');
    for (const p of [a, b]) {
      await p.fill('#chat-channel', channel);
      await p.click('#chat-join');
      await connected(p, 'chat');
    }
    await a.fill('#chat-user', 'ann');
    await a.fill('#chat-text', 'first message');
    await a.click('#chat-send');
    await b.waitForFunction(() => document.getElementById('chat-log').innerText.includes('first message'));
    const beforeReload = await text(b, 'chat-log');
    await b.reload();
    await a.fill('#chat-text', 'sent while b reloaded');
    await a.click('#chat-send');
    await a.waitForFunction(() => document.getElementById('chat-log').innerText.includes('sent while b reloaded'));
    await b.fill('#chat-channel', channel);
    await b.click('#chat-join');
    await b.waitForFunction(() => document.getElementById('chat-log').innerText.includes('sent while b reloaded'));
    return { beforeReload, afterReload: await text(b, 'chat-log'), a: await text(a, 'chat-log') };
  },
  // Two sample instances on one Redis: arg is "<other instance's base URL>|<channel>".
  async chatAcross() {
    const [otherBase, channel] = arg.split('|');
    const a = await page(base + '/');
    const b = await page(otherBase + '/');
    for (const p of [a, b]) {
      await p.fill('#chat-channel', channel);
      await p.click('#chat-join');
      await connected(p, 'chat');
    }
    await a.fill('#chat-user', 'ann');
    await a.fill('#chat-text', 'typed on instance A');
    await a.click('#chat-send');
    await b.waitForFunction(() => document.getElementById('chat-log').innerText.includes('typed on instance A'));
    await b.fill('#chat-user', 'bob');
    await b.fill('#chat-text', 'typed on instance B');
    await b.click('#chat-send');
    await a.waitForFunction(() => document.getElementById('chat-log').innerText.includes('typed on instance B'));
    await b.waitForFunction(() => document.getElementById('chat-log').innerText.includes('typed on instance B'));
    await b.screenshot({ path: join(shots, 'chat-across-instances.png') });
    return { a: await text(a, 'chat-log'), b: await text(b, 'chat-log') };
  },
  // The secure profile: arg is "<user>:<password>". Logs in with the form, then uses the
  // session cookie (EventSource) and the CSRF cookie (the page's POST).
  async secure() {
    const [user, password] = arg.split(':');
    const login = await page(base + '/login');
    await login.fill('#username', user);
    await login.fill('#password', password);
    await Promise.all([login.waitForNavigation(), login.click('button[type=submit]')]);
    const p = await page(base + '/');
    return await p.evaluate(async (me) => {
      const first = (url, type) => new Promise((resolve) => {
        const es = new EventSource(url);
        es.addEventListener(type, (e) => { es.close(); resolve(JSON.parse(e.data)); });
        es.onerror = () => { if (es.readyState === EventSource.CLOSED) resolve({ refused: true }); };
      });
      const sync = await first('/api/whoami', 'whoami');
      const async = await first('/api/whoami?async=true', 'whoami');
      const other = await first('/api/notifications/stream?user=someone-else', 'notification');
      const mine = new EventSource('/api/notifications/stream?user=' + me);
      await new Promise((resolve) => { mine.onopen = resolve; });
      const received = new Promise((resolve) => mine.addEventListener('notification', (e) => resolve(JSON.parse(e.data))));
      const sent = await postJson('/api/notifications?user=' + me, { title: 'sent from the page' });
      const notification = await received;
      mine.close();
      return { sync, async, other, sent, notification };
    }, user);
  },
  // Ten EventSources of one page at once on one origin. arg: how long to keep waiting (ms)
  // once six are live, before reporting the rest as stalled.
  async tenStreams() {
    const p = await page(base + '/');
    return await p.evaluate(async (settleMs) => {
      const counts = new Array(10).fill(0);
      const sources = counts.map((_, i) => {
        const es = new EventSource('/api/quotes/stream?symbols=AAPL');
        es.addEventListener('quote', () => { counts[i]++; });
        return es;
      });
      const started = Date.now();
      let sixLiveAt = null;
      while (Date.now() - started < 15000) {
        const live = counts.filter((c) => c >= 2).length;
        if (live === 10) break;
        if (live >= 6 && sixLiveAt === null) sixLiveAt = Date.now();
        if (sixLiveAt !== null && Date.now() - sixLiveAt > settleMs) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      const protocol = performance.getEntriesByType('navigation')[0].nextHopProtocol;
      const result = { counts: [...counts], protocol, waitedMs: Date.now() - started };
      sources.forEach((es) => es.close());
      return result;
    }, Number(arg));
  },
  async quotes() {
    const p = await page(base + '/');
    await p.click('#quotes-start');
    await p.waitForFunction(() => parseInt(document.getElementById('quotes-updates').innerText) >= 3);
    const first = await p.locator('#quotes-body .price').allInnerTexts();
    await p.waitForFunction(() => parseInt(document.getElementById('quotes-updates').innerText) >= 15);
    const later = await p.locator('#quotes-body .price').allInnerTexts();
    const symbols = await p.locator('#quotes-body tr td:first-child').allInnerTexts();
    return { first, later, symbols };
  },
  async leave() {
    const ids = async () => (await (await fetch(base + '/actuator/sse?limit=1000')).json()).streams
      .filter((s) => s.route === '/api/notifications/stream').map((s) => s.id);
    const before = await ids();
    const p = await page(base + '/');
    await p.fill('#notify-user', 'leaver-' + arg);
    await p.click('#notify-connect');
    await connected(p, 'notify');
    let mine = [];
    while (mine.length === 0) {
      mine = (await ids()).filter((id) => !before.includes(id));
    }
    await p.close();
    const closedAt = Date.now();
    let open = mine;
    while (open.length > 0 && Date.now() - closedAt < 20000) {
      await new Promise((r) => setTimeout(r, 100));
      const now = await ids();
      open = mine.filter((id) => now.includes(id));
    }
    return { mine, stillOpen: open, noticedAfterMs: Date.now() - closedAt };
  },
  async streams() {
    const chart = await page(base + '/streams.html');
    const other = await page(base + '/');
    await other.click('#quotes-start');
    await other.click('#dashboard-start');
    await chart.waitForFunction(() => parseInt(document.getElementById('active-now').innerText) >= 3
      && parseFloat(document.getElementById('rate-now').innerText) > 0
      && document.getElementById('active-line').getAttribute('points').split(' ').length >= 8);
    await chart.screenshot({ path: join(shots, 'streams.png') });
    const points = (await chart.locator('#active-line').getAttribute('points')).split(' ')
      .map((pt) => parseFloat(pt.split(',')[1]));
    await other.click('#basic-start');
    await other.click('#ai-start');
    await other.click('#progress-start');
    await other.waitForFunction(() => document.getElementById('progress-step').innerText.includes('(done)')
      && document.getElementById('ai-status').innerText.startsWith('Complete!'));
    await other.screenshot({ path: join(shots, 'index.png'), fullPage: true });
    return { active: await text(chart, 'active-now'), rate: await text(chart, 'rate-now'), minY: Math.min(...points), baselineY: 270 };
  },
};

let code = 0;
try {
  const result = await scenarios[scenario]();
  console.log(JSON.stringify(result));
} catch (e) {
  console.error(String(e && e.stack || e));
  code = 1;
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
process.exit(code);
