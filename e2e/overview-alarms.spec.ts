// The home dashboard, the overlay topology and the alarms' lifecycle, on the e2e fleet: Knokke
// pharmacy's box (this spec's alone) is powered off, its device goes offline with an alarm, the
// alarm is acknowledged with a note, and it clears itself once the box is powered on again.
import { expect, test, type APIRequestContext, type Page } from '@playwright/test';
import { consoleErrors, e2eFleet } from './environment.ts';
import { keepScreenshot } from './screenshots.ts';
import { signIn } from './sign-in.ts';

const viewports = [{ name: 'desktop', width: 1280, height: 800 }, { name: 'phone', width: 390, height: 844 }];

async function power(request: APIRequestContext, on: boolean) {
  const answer = await request.post(`${e2eFleet.alarmControlUrl()}/devices/${e2eFleet.alarmSerial()}/power`, { data: { on } });
  expect(answer.ok(), await answer.text()).toBe(true);
}

async function screenshots(page: Page, folder: string, name: string) {
  for (const viewport of viewports) {
    await page.setViewportSize({ width: viewport.width, height: viewport.height });
    await keepScreenshot(page, folder, `${name}-${viewport.name}`);
  }
  await page.setViewportSize({ width: 1280, height: 800 });
}

const main = (page: Page) => page.getByRole('main');

test.describe('the network at a glance', () => {
  test.beforeEach(async ({ page }) => {
    await page.setViewportSize({ width: 1280, height: 800 });
    await signIn(page);
  });

  test('the home dashboard counts sites, devices, alarms, runs and SLA compliance, and each number opens its list filtered', async ({ page }) => {
    const errors = consoleErrors(page);
    await expect(page.getByRole('heading', { name: 'Dashboard', level: 2 })).toBeVisible();
    const sites = main(page).getByRole('region', { name: /^Sites/ });
    const devices = main(page).getByRole('region', { name: /^Devices/ });
    await expect(sites.getByRole('link', { name: /^Active \d+$/ })).toBeVisible();
    await expect(devices.getByRole('link', { name: /^Online \d+$/ })).toBeVisible();
    await expect(main(page).getByRole('region', { name: /^Open alarms/ }).getByRole('link', { name: /^Critical \d+$/ })).toBeVisible();
    await expect(main(page).getByRole('region', { name: /^Runs/ }).getByRole('link', { name: /^In progress \d+$/ })).toBeVisible();
    await expect(main(page).getByRole('region', { name: /^SLA compliance/ })).toBeVisible();
    // The fleet tenant alone: its sites are in service.
    await page.getByLabel('Tenant').selectOption({ label: e2eFleet.tenant() });
    await expect(sites.getByRole('link', { name: /^Active [1-9]\d*$/ })).toBeVisible();
    await screenshots(page, 'dashboard', '01-home');

    // A number opens its list, filtered as it counts.
    await sites.getByRole('link', { name: /^Active \d+$/ }).click();
    await expect(page).toHaveURL(/\/sites\?status=active$/);
    await expect(page.getByRole('search', { name: 'Sites' }).getByLabel('Status')).toHaveValue('active');
    await expect(page.getByRole('row').filter({ hasText: e2eFleet.alarmSite() })).toBeVisible();
    await page.goBack();
    await devices.getByRole('link', { name: /^Online \d+$/ }).click();
    await expect(page).toHaveURL(/\/devices\?status=online$/);
    await expect(page.getByRole('search', { name: 'Devices' }).getByLabel('Status')).toHaveValue('online');
    await page.goBack();
    await main(page).getByRole('region', { name: /^Open alarms/ }).getByRole('link', { name: /^Major \d+$/ }).click();
    await expect(page).toHaveURL(/\/alarms\?severity=major$/);
    await expect(page.getByRole('search', { name: 'Alarms' }).getByLabel('Severity')).toHaveValue('major');
    await page.goBack();
    await main(page).getByRole('region', { name: /^Runs/ }).getByRole('link', { name: /^Failed in the last day \d+$/ }).click();
    await expect(page).toHaveURL(/\/runs\?status=failed$/);
    expect(errors).toEqual([]);
  });

  test('the topology draws hubs and spokes with their tunnels; a node opens its site, and the keyboard reaches every node', async ({ page }) => {
    const errors = consoleErrors(page);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Topology', exact: true }).click();
    await expect(page.getByRole('heading', { name: 'Topology', level: 2 })).toBeVisible();
    await page.getByLabel('Tenant').selectOption({ label: 'Acme Retail' });
    const graph = page.getByRole('group', { name: /^Overlay graph/ });
    await expect(graph).toBeVisible();
    // The demo's spokes name Frankfurt and Amsterdam as hubs; none is onboarded, so no tunnel is built yet.
    const frankfurt = graph.getByRole('link', { name: /^Frankfurt hub: hub/ });
    await expect(frankfurt).toBeVisible();
    const lyon = graph.getByRole('link', { name: /^Lyon store: spoke, .*2 tunnels/ });
    await expect(lyon).toBeVisible();
    await page.getByText('Sites and tunnels as a list').click();
    await expect(page.getByRole('row', { name: /^Lyon store Spoke/ })).toContainText('to Frankfurt hub (primary): not built yet');
    const siteId = await page.getByRole('row', { name: /^Lyon store Spoke/ }).getByRole('link', { name: 'Lyon store' }).getAttribute('href');
    await screenshots(page, 'topology', '01-overlay');

    // The keyboard walks the nodes on the graph; Enter opens one.
    await frankfurt.focus();
    await expect(frankfurt).toBeFocused();
    await page.keyboard.press('Enter');
    await expect(page).toHaveURL(/\/sites\/[0-9a-f-]{36}$/);
    await page.goBack();

    // A click on a node opens its site.
    await graph.getByRole('link', { name: /^Lyon store: spoke/ }).click();
    await expect(page).toHaveURL(new RegExp(`${siteId}$`));
    expect(errors).toEqual([]);
  });

  test('a device that stops answering raises one alarm, acknowledged with a note, which clears itself when the box answers again', async ({ page }) => {
    test.setTimeout(150_000);
    const errors = consoleErrors(page);
    const hostname = 'knokke-pharmacy';
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Alarms' }).click();
    await expect(page.getByRole('heading', { name: 'Alarms', level: 2 })).toBeVisible();
    const unreachable = page.getByRole('row').filter({ hasText: `${hostname} does not answer` });

    // Powered off: drift reconciliation (every 2 s here) finds it silent.
    await power(page.request, false);
    try {
      await expect(unreachable).toHaveCount(1, { timeout: 60_000 });
      await expect(unreachable.getByText('Critical')).toBeVisible();
      await expect(unreachable.getByRole('link', { name: e2eFleet.alarmSite() })).toHaveAttribute('href', /^\/sites\/[0-9a-f-]{36}$/);
      // Raised once per cause: rounds later, still one alarm.
      await page.waitForTimeout(5_000);
      await expect(unreachable).toHaveCount(1);

      // The device is offline, and the dashboard counts it.
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Devices' }).click();
      await expect(page.getByRole('row').filter({ hasText: hostname }).getByText('Offline')).toBeVisible();

      // Acknowledged with a note: who and what stay with the alarm.
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Alarms' }).click();
      await page.getByRole('search', { name: 'Alarms' }).getByLabel('Severity').selectOption({ label: 'Critical' });
      await expect(page).toHaveURL(/severity=critical/);
      await unreachable.getByRole('checkbox').check();
      const bulk = page.getByRole('form', { name: 'Act on the selected alarms' });
      await bulk.getByLabel('Note').fill('Shop closed for the day: power cut, the electrician comes at 14:00');
      await screenshots(page, 'alarms', '01-selected');
      await bulk.getByRole('button', { name: 'Acknowledge 1 selected' }).click();
      await expect(page.getByRole('status').filter({ hasText: '1 alarm acknowledged.' })).toBeVisible();
      await expect(unreachable.getByText('Acknowledged', { exact: true })).toBeVisible();
      await expect(unreachable).toContainText('acknowledged it');
      await expect(unreachable).toContainText('“Shop closed for the day: power cut, the electrician comes at 14:00”');
      await screenshots(page, 'alarms', '02-acknowledged');
    } finally {
      await power(page.request, true);
    }

    // The box answers again: the alarm clears by itself (the page follows alarm events) and stays as history.
    await expect(unreachable).toHaveCount(0, { timeout: 60_000 });
    await page.getByRole('search', { name: 'Alarms' }).getByLabel('State').selectOption({ label: 'Cleared' });
    await expect(unreachable.first()).toBeVisible();
    await expect(unreachable.first()).toContainText('Its cause ended');
    await expect(unreachable.first()).toContainText('acknowledged it');
    await screenshots(page, 'alarms', '03-cleared-history');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Devices' }).click();
    await expect(page.getByRole('row').filter({ hasText: hostname }).getByText('Online')).toBeVisible();

    // Who acknowledged it is in the audit log too.
    const audit = await page.request.get('/api/v1/audit?action=alarm.acknowledge&limit=50');
    expect(((await audit.json()) as { items: unknown[] }).items.length).toBeGreaterThan(0);
    expect(errors).toEqual([]);
  });
});
