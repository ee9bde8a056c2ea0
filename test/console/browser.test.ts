// The console in real headless Chromium (Debian's chromium + playwright-core) against a daemon and
// the simulator: SyncFailed appears without a reload, a silence is created from it, it shows as
// silenced, the silence is expired, and the resolution appears in the history. A screenshot of the
// console is written to test-output/console/ (not committed).
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { REPO_ROOT } from '../harness/daemon.ts';
import { startRig, type Rig } from '../e2e/rig.ts';

const CHROMIUM = '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.warn(`skipping the browser test: ${CHROMIUM} is missing (Debian's chromium package; .ci/run installs it)`);
const OUTPUT = join(REPO_ROOT, 'test-output', 'console');
const HOSTILE = `<script>alert(1)</script> "><img src=x onerror=alert(2)>`;

let rig: Rig;
let browser: import('playwright-core').Browser | undefined;

beforeAll(async () => {
  if (!haveChromium) return;
  rig = await startRig(
    'console-browser',
    ({ simUrl, redisUrl, prefix }) => `
redis: { url: ${redisUrl}, prefix: ${prefix} }
server: { listen: 127.0.0.1:0 }
targets:
  - name: celigo-prod
    provider: celigo
    baseUrl: ${simUrl}
    token: sim-token
    interval: 1s
receivers:
  - name: ops-log
    log: {}
route: { receiver: ops-log, groupBy: [target, kind], groupWait: 0s, groupInterval: 1s, repeatInterval: 4h, sendResolved: true }
`,
    {
      scenario: {
        seed: 11,
        entities: {
          integrations: [
            {
              name: 'NetSuite Orders',
              flows: [{ name: 'Orders', imports: 1, openErrors: 0 }],
              syncs: [{ name: 'Orders to Snowflake', history: ['completed'] }],
            },
          ],
        },
      },
    },
  );
  await rig.polls(1);
  const { chromium } = await import('playwright-core');
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
    ],
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await rig?.close();
});

it.skipIf(!haveChromium)(
  'SyncFailed appears without reload; silence it, see it silenced, expire it, see the resolution in the history',
  async () => {
    const page = await browser!.newPage({ viewport: { width: 1280, height: 900 } });
    const dialogs: string[] = [];
    page.on('dialog', (d) => void (dialogs.push(d.message()), d.dismiss()));
    await page.goto(rig.daemon.url);
    await page.waitForSelector('#alerts');
    expect(await page.locator('#alerts tr[data-kind="SyncFailed"]').count()).toBe(0);

    const syncId = (await rig.admin('/world', undefined, 'GET')).syncs[0]._id as string;
    await rig.admin(`/syncs/${syncId}/fail`, { numErrors: 3, message: HOSTILE });
    // No reload: the page refreshes itself.
    const row = page.locator('#alerts tr[data-kind="SyncFailed"]');
    await row.waitFor({ timeout: 60_000 });
    expect(await row.getAttribute('data-state')).toBe('firing');
    // The platform's text is shown as text; nothing it carries runs.
    expect(await row.locator('.error').innerText()).toContain('<script>alert(1)</script>');
    expect(await page.locator('#live img').count()).toBe(0);

    // The receivers it reached, and when.
    await row.getByText('sent to ops-log').waitFor({ timeout: 30_000 });

    await row.getByRole('link', { name: 'Silence…' }).click();
    await page.waitForSelector('form.silence');
    expect(await page.locator('textarea[name=matchers]').inputValue()).toContain('alertname="SyncFailed"');
    await page.fill('input[name=createdBy]', 'ada@example.com');
    await page.fill('input[name=comment]', 'looking into it');
    await page.click('form.silence button[type=submit]');
    await page.waitForURL(`${rig.daemon.url}/`).catch(async (e) => {
      throw new Error(`${e.message}\n${page.url()}\n${await page.content()}`);
    });
    await page.locator('#alerts tr[data-kind="SyncFailed"][data-state="silenced"]').waitFor({ timeout: 30_000 });
    expect(await page.locator('#alerts tr[data-kind="SyncFailed"]').innerText()).toContain('silenced by looking into it');

    mkdirSync(OUTPUT, { recursive: true });
    await page.screenshot({ path: join(OUTPUT, 'console.png'), fullPage: true });

    await page.locator('#silences tr[data-state="active"] button', { hasText: 'Expire' }).click();
    await page.waitForURL(`${rig.daemon.url}/`);
    await page.locator('#alerts tr[data-kind="SyncFailed"][data-state="firing"]').waitFor({ timeout: 30_000 });

    await rig.admin(`/syncs/${syncId}/succeed`, {});
    await page.locator('#history tr[data-kind="SyncFailed"][data-transition="resolved"]').waitFor({ timeout: 60_000 });
    // The firing was delivered to the log receiver before the silence: the history says so.
    expect(await page.locator('#history tr[data-kind="SyncFailed"][data-transition="notified"]').first().innerText()).toContain(
      'notified → ops-log',
    );
    expect(await page.locator('#alerts tr[data-kind="SyncFailed"]').count()).toBe(0);
    // The history also shows the silence: created from the alert, then expired.
    expect(await page.locator('#history tr[data-kind="SyncFailed"][data-transition="silence created"]').count()).toBe(1);
    expect(await page.locator('#history tr[data-kind="SyncFailed"][data-transition="silence expired"]').count()).toBe(1);
    // The history's filter form narrows it by kind (and by target), and it keeps refreshing with the filter.
    await page.locator('#history-filter select[name="kind"]').selectOption('SyncFailed');
    await page.locator('#history-filter button', { hasText: 'Filter' }).click();
    await page.waitForURL(/\?target=&kind=SyncFailed$/);
    const kinds = await page.locator('#history tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-kind')));
    expect(kinds.length).toBeGreaterThan(0);
    expect(new Set(kinds)).toEqual(new Set(['SyncFailed']));
    expect(await page.locator('#live').getAttribute('data-src')).toBe('/console/live?target=&kind=SyncFailed');
    expect(dialogs).toEqual([]);
  },
  180_000,
);
