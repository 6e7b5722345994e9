// Browser test of the web UI, run by tests/web.rs against a live supervisord:
// SV_URL (http://127.0.0.1:PORT/), SV_USER, SV_PASS. Prints one "key=value" line per
// observation for the Rust side to check, and exits non-zero on the first failure.
import assert from 'node:assert/strict';
import { launch, env } from './lib.mjs';

const url = env('SV_URL');
const credentials = { username: env('SV_USER'), password: env('SV_PASS') };
const report = (key, value) => console.log(`${key}=${value}`);

const row = (page, name) => page.locator(`tr[data-name="${name}"]`);
const pidOf = async (page, name) => {
  const desc = await row(page, name).locator('td.desc').textContent();
  const m = /pid (\d+)/.exec(desc);
  assert.ok(m, `no pid in ${JSON.stringify(desc)}`);
  return m[1];
};

const browser = await launch();
try {
  // Without credentials: 401 before anything is served.
  const anonymous = await browser.newContext();
  for (const path of ['', 'tail.html?processname=ticker', 'stylesheets/supervisor.css']) {
    // The browser gets the 401 and, having no credentials to offer, gives up on the
    // navigation (ERR_INVALID_AUTH_CREDENTIALS); the response is what counts.
    const page = await anonymous.newPage();
    const statuses = [];
    page.on('response', (r) => statuses.push(r.status()));
    await page.goto(url + path).catch(() => {});
    assert.deepEqual(statuses, [401], `anonymous GET /${path}`);
  }
  report('anonymous', 401);
  await anonymous.close();

  const context = await browser.newContext({ httpCredentials: credentials });
  const page = await context.newPage();
  const loaded = await page.goto(url);
  assert.equal(loaded.status(), 200);
  assert.equal(await row(page, 'ticker').getAttribute('data-state'), 'RUNNING');
  assert.equal(await row(page, 'idle').getAttribute('data-state'), 'STOPPED');
  assert.equal(await row(page, 'ticker').locator('.statusrunning').textContent(), 'running');
  assert.match(await page.locator('#version').textContent(), /^4\.3\.0$/);
  // The page loaded its own stylesheet (and nothing else is allowed to load).
  const color = await page.locator('header').evaluate((e) => getComputedStyle(e).backgroundColor);
  assert.notEqual(color, 'rgba(0, 0, 0, 0)', 'stylesheet applied');
  report('pid_before', await pidOf(page, 'ticker'));

  // Stop, then Start, through the row's buttons; the banner and the state follow.
  await Promise.all([page.waitForURL(/message=/), row(page, 'ticker').getByRole('button', { name: 'Stop' }).click()]);
  assert.equal(await page.locator('#message').textContent(), 'Process ticker stopped');
  assert.equal(await row(page, 'ticker').getAttribute('data-state'), 'STOPPED');
  report('stopped', 'STOPPED');
  await Promise.all([page.waitForURL(/started/), row(page, 'ticker').getByRole('button', { name: 'Start' }).click()]);
  assert.equal(await page.locator('#message').textContent(), 'Process ticker started');
  assert.equal(await row(page, 'ticker').getAttribute('data-state'), 'RUNNING');
  report('pid_after', await pidOf(page, 'ticker'));

  // The tail page shows the log escaped, and fresh output after it reloads itself.
  const lastTick = async () => {
    for (;;) {
      try {
        const text = await page.locator('#tail').textContent({ timeout: 2000 });
        const ticks = [...text.matchAll(/tick (\d+) <b>/g)].map((m) => Number(m[1]));
        if (ticks.length) return ticks.at(-1);
      } catch {
        // mid-reload: look again
      }
      await page.waitForTimeout(100);
    }
  };
  await page.locator('tr[data-name="ticker"] td.name a').click();
  await page.waitForURL(/tail\.html\?processname=ticker/);
  assert.equal(await page.locator('#tail b').count(), 0, 'log bytes are escaped');
  const first = await lastTick();
  let later = first;
  const deadline = Date.now() + 15000;
  while (later <= first && Date.now() < deadline) {
    await page.waitForTimeout(250);
    later = await lastTick();
  }
  assert.ok(later > first, `tail refreshed: ${first} -> ${later}`);
  report('tail', `${first}->${later}`);

  // /logtail streams live output.
  const stream = await context.newPage();
  await stream.goto(url + 'logtail/ticker', { waitUntil: 'commit' });
  await stream.waitForFunction(() => /tick \d+/.test(document.body?.innerText || ''), null, { timeout: 10000 });
  report('logtail', 'ok');
  await stream.close();

  // A form on another site that posts to the daemon is refused, even with the
  // browser's Basic credentials; the process keeps running.
  const evil = await context.newPage();
  await evil.route('http://evil.test/**', (route) =>
    route.fulfill({
      contentType: 'text/html',
      body: `<form id="f" method="post" action="${url}index.html">
               <input name="action" value="stop"><input name="processname" value="ticker">
               <input name="token" value="0000000000000000000000000000000000000000"></form>
             <script>document.getElementById('f').submit()</script>`,
    }),
  );
  const [posted] = await Promise.all([
    evil.waitForResponse((r) => r.url().startsWith(url) && r.request().method() === 'POST'),
    evil.goto('http://evil.test/'),
  ]);
  assert.equal(posted.status(), 403, 'cross-site post');
  report('cross_site', posted.status());
  // A fresh page: the tail page still open in `page` refreshes itself every
  // two seconds, and that reload may interrupt a navigation started there.
  await page.close();
  const status = await context.newPage();
  await status.goto(url);
  assert.equal(await row(status, 'ticker').getAttribute('data-state'), 'RUNNING');
  report('still', 'RUNNING');
} finally {
  await browser.close();
}
