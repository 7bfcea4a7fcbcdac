// The site and device pages, and the runs list filtered: a site planned on the spec's own box
// (127.190.0.1) is onboarded from its page to active, its device's page reads the box live
// (and says so when the box is off) and diffs its configuration versions side by side, the site
// is decommissioned from its page under a change ticket, and the runs list finds those runs by
// site, kind, status and ticket. Screenshots at 1280×800 and 390×844.
import { expect, test, type APIRequestContext, type Page } from '@playwright/test';
import { consoleErrors, e2eFleet } from './environment.ts';
import { keepScreenshot } from './screenshots.ts';
import { signIn } from './sign-in.ts';

const siteName = 'Kortrijk pharmacy';
const hostname = 'kortrijk-pharmacy-01';
const ticket = 'CHG0190001';
const desktop = { width: 1280, height: 800 };
const phone = { width: 390, height: 844 };

/** The page at both sizes the product is used at, kept as screenshots. */
async function screenshots(page: Page, name: string) {
  await page.setViewportSize(phone);
  await keepScreenshot(page, 'site-device-pages', `${name}-390x844`);
  await page.setViewportSize(desktop);
  await keepScreenshot(page, 'site-device-pages', `${name}-1280x800`);
}

async function power(request: APIRequestContext, on: boolean) {
  const answer = await request.post(`${e2eFleet.sitePageControlUrl()}/devices/${e2eFleet.sitePageSerial()}/power`, { data: { on } });
  expect(answer.ok(), await answer.text()).toBe(true);
}

/** The site's status, the first of its facts. */
const siteStatus = (page: Page) => page.getByLabel('Site facts').getByRole('definition').first();

async function openSite(page: Page) {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Sites' }).click();
  await page.getByRole('search', { name: 'Sites' }).getByLabel('Search').fill(siteName);
  await page.getByRole('link', { name: siteName, exact: true }).click();
  await expect(page.getByRole('heading', { name: siteName, level: 2 })).toBeVisible();
}

test.describe('site and device pages', () => {
  // One site's life: each test takes it where the next one starts.
  test.describe.configure({ mode: 'serial' });
  test.use({ viewport: desktop });

  test('a planned site is onboarded from its page and shows its devices, links and runs once active', async ({ page }) => {
    test.setTimeout(240_000);
    await signIn(page);
    const errors = consoleErrors(page);
    // Planned through the API as the wizard would, on the spec's box, which is given the site's activation code.
    const tenants = (await (await page.request.get('/api/v1/tenants?limit=500')).json()) as { items: { id: string; name: string }[] };
    const tenantId = tenants.items.find((tenant) => tenant.name === e2eFleet.tenant())!.id;
    const created = await page.request.post('/api/v1/sites', {
      data: {
        tenantId, name: siteName, timezone: 'Europe/Brussels', country: 'BE', topology: 'full_mesh',
        devices: [{ role: 'primary', model: 'SRX-SIM-300', serial: e2eFleet.sitePageSerial() }],
        wanLinks: [{ name: 'internet', type: 'broadband', interfaceName: 'ge-0/0/0', bandwidthMbps: 200, monthlyCost: 40 }],
        departments: ['Staff'],
        lanSegments: [{ name: 'staff', vlanId: 10, prefix: '10.190.10.0/24', department: 'Staff' }],
      },
    });
    expect(created.status(), await created.text()).toBe(201);
    const { activationCodes } = (await created.json()) as { activationCodes: { code: string }[] };
    const handedOver = await page.request.post(`${e2eFleet.sitePageControlUrl()}/devices/${e2eFleet.sitePageSerial()}/activation-code`, { data: { code: activationCodes[0]!.code } });
    expect(handedOver.ok(), await handedOver.text()).toBe(true);

    // The Sites list links to the site's page: planned, with what it will be.
    await openSite(page);
    await expect(siteStatus(page)).toHaveText('Planned');
    await expect(page.getByRole('table', { name: 'Devices' }).getByRole('row', { name: new RegExp(hostname) })).toContainText('Not provisioned');
    await expect(page.getByRole('table', { name: 'LAN segments' }).getByRole('row', { name: /staff/ })).toContainText('Staff');
    await expect(page.getByRole('link', { name: 'Application SLAs and link quality' })).toHaveAttribute('href', /\/sla$/);
    await expect(page.getByRole('button', { name: 'Decommission' })).toHaveCount(0);
    await screenshots(page, '01-site-planned');

    // Onboarded from the page, which follows the site to active.
    await page.getByRole('button', { name: 'Onboard the site' }).click();
    await expect(siteStatus(page)).toHaveText(/Onboarding|Active/, { timeout: 30_000 });
    await expect(page.getByRole('link', { name: 'follow the run' }).or(siteStatus(page).getByText('Active'))).toBeVisible();
    await expect(siteStatus(page)).toHaveText('Active', { timeout: 180_000 });
    await expect(page.getByRole('button', { name: 'Onboard the site' })).toHaveCount(0);

    // Once active: the device answers, the WAN link is up on it, the onboarding is named in the runs.
    const device = page.getByRole('table', { name: 'Devices' }).getByRole('row', { name: new RegExp(hostname) });
    await expect(device).toContainText('Answering, up', { timeout: 30_000 });
    await expect(device).toContainText('Online');
    await expect(device.getByRole('link', { name: new RegExp(`^Version \\d+, the configuration versions of ${hostname}$`) })).toBeVisible();
    await expect(page.getByRole('table', { name: 'WAN links' }).getByRole('row', { name: /internet/ })).toContainText('Up');
    await expect(page.getByRole('table', { name: 'Site runs' }).getByRole('link', { name: `Site onboarding of ${siteName}` })).toBeVisible();
    await screenshots(page, '02-site-active');
    expect(errors).toEqual([]);
  });

  test("the device's page reads the box live, says when it cannot be reached, and diffs its configuration versions side by side", async ({ page, request }) => {
    test.setTimeout(120_000);
    await signIn(page);
    const errors = consoleErrors(page);
    // From the Devices list, which links each device to its page.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Devices' }).click();
    await page.getByRole('search', { name: 'Devices' }).getByLabel('Search').fill(hostname);
    await page.getByRole('link', { name: hostname, exact: true }).click();
    await expect(page.getByRole('heading', { name: hostname, level: 2 })).toBeVisible();

    await expect(page.getByLabel('Device facts')).toContainText(e2eFleet.sitePageSerial());
    const reported = page.getByLabel('Reported by the device');
    await expect(reported).toContainText('Uptime', { timeout: 30_000 });
    await expect(reported).toContainText(e2eFleet.sitePageSerial());
    const wan = page.getByRole('table', { name: 'Interfaces' }).getByRole('row').filter({ hasText: 'WAN link internet' }).first();
    await expect(wan).toContainText('Up');
    await expect(page.getByLabel('Device facts').getByRole('link', { name: siteName })).toBeVisible();

    // Two versions at least (ZTP's stages); the newest against the one before, side by side.
    const versions = page.getByRole('table', { name: 'Device configuration versions' }).getByRole('row');
    await expect.poll(() => versions.count()).toBeGreaterThan(2);
    const diff = page.getByRole('table', { name: 'Version diff' });
    await expect(diff.getByRole('columnheader', { name: /^Version \d+$/ })).toHaveCount(2);
    await expect(diff.getByRole('row').nth(1)).toBeVisible();
    await expect(page.getByRole('link', { name: 'Configuration: drift, rollback, re-apply' })).toHaveAttribute('href', /\/configuration$/);
    await screenshots(page, '03-device');

    // The box off: the page says it cannot be reached, in the device layer's words; on again, it answers.
    await power(request, false);
    try {
      await page.getByRole('button', { name: 'Read again' }).click();
      await expect(page.getByRole('alert').filter({ hasText: `${hostname} cannot be reached` })).toBeVisible({ timeout: 70_000 });
      await expect(page.getByRole('table', { name: 'Device configuration versions' })).toBeVisible();
      await screenshots(page, '04-device-unreachable');
    } finally {
      await power(request, true);
    }
    await expect(async () => {
      const again = page.getByRole('button', { name: 'Try again' });
      if (await again.isVisible()) await again.click();
      await expect(reported).toContainText('Uptime', { timeout: 5_000 });
    }).toPass({ timeout: 90_000 });
    expect(errors).toEqual([]);
  });

  test('the site is decommissioned from its page under a change ticket', async ({ page }) => {
    test.setTimeout(180_000);
    await signIn(page);
    const errors = consoleErrors(page);
    await openSite(page);
    await expect(siteStatus(page)).toHaveText('Active');
    await page.getByLabel('Change ticket (optional)').fill(ticket);
    await page.getByRole('button', { name: 'Decommission' }).click();
    const dialog = page.getByRole('alertdialog', { name: 'Decommission the site?' });
    await expect(dialog).toContainText('This cannot be undone');
    await screenshots(page, '05-site-decommission-confirm');
    await dialog.getByRole('button', { name: 'Decommission the site' }).click();
    await expect(siteStatus(page)).toHaveText('Decommissioned', { timeout: 150_000 });
    await expect(page.getByRole('button', { name: 'Decommission' })).toHaveCount(0);
    await expect(page.getByRole('table', { name: 'Site runs' }).getByRole('row', { name: new RegExp(`Decommission of ${siteName}`) })).toContainText(ticket);
    await screenshots(page, '06-site-decommissioned');
    expect(errors).toEqual([]);
  });

  test('the runs list names each run by what it acts on and filters by site, kind, status and ticket', async ({ page }) => {
    await signIn(page);
    const errors = consoleErrors(page);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Runs' }).click();
    const filters = page.getByRole('search', { name: 'Runs' });
    await filters.getByLabel(/^Site/).selectOption({ label: siteName });
    const recent = page.getByRole('table', { name: 'Recent runs' });
    await expect(recent.getByRole('link', { name: `Site onboarding of ${siteName}` })).toBeVisible();
    await expect(recent.getByRole('link', { name: `Decommission of ${siteName}` })).toBeVisible();
    await expect(recent.getByRole('row', { name: new RegExp(`Site onboarding of ${siteName}`) })).toContainText(/site-onboard\/[0-9a-f-]{36}/);
    await expect(page).toHaveURL(/siteId=/);
    await screenshots(page, '07-runs-by-site');

    await filters.getByLabel(/^Kind/).selectOption('decommission');
    await expect(recent.getByRole('link', { name: `Decommission of ${siteName}` })).toBeVisible();
    await expect(recent.getByRole('link', { name: `Site onboarding of ${siteName}` })).toHaveCount(0);

    await filters.getByRole('button', { name: 'Clear filters' }).click();
    await filters.getByLabel(/^Ticket/).fill(ticket);
    await expect(recent.getByRole('row')).toHaveCount(2); // the header and the decommission
    await expect(recent.getByRole('link', { name: `Decommission of ${siteName}` })).toBeVisible();
    await filters.getByLabel(/^Status/).selectOption('completed');
    const matching = page.getByRole('table', { name: 'Matching runs' });
    await expect(matching.getByRole('link', { name: `Decommission of ${siteName}` })).toBeVisible();
    await filters.getByLabel(/^Status/).selectOption('failed');
    await expect(page.getByText('No runs match')).toBeVisible();
    await screenshots(page, '08-runs-by-ticket-none-failed');

    // The run's own page names what it acted on, and links there.
    await filters.getByLabel(/^Status/).selectOption('');
    await recent.getByRole('link', { name: `Decommission of ${siteName}` }).click();
    await expect(page.getByRole('heading', { name: `Decommission of ${siteName}`, level: 2 })).toBeVisible();
    await page.getByRole('link', { name: siteName, exact: true }).click();
    await expect(page.getByRole('heading', { name: siteName, level: 2 })).toBeVisible();
    expect(errors).toEqual([]);
  });
});
