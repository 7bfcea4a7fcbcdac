import { expect, test, type APIRequestContext, type Page } from '@playwright/test';
import { consoleErrors, e2eFleet } from './environment.ts';
import { screenshotWizardStep, keepScreenshot } from './screenshots.ts';
import { signIn } from './sign-in.ts';

// Mechelen pharmacy (two WAN links: mpls on the box's wan0, internet on wan1) is this spec's alone.
const sip = 'junos:SIP';

async function control(request: APIRequestContext, method: 'PUT' | 'DELETE', url: string, body?: unknown) {
  const answer = await request.fetch(url, { method, ...(body === undefined ? {} : { data: body }) });
  expect(answer.ok(), await answer.text()).toBe(true);
}

/** The link the box sends voice over, as it reports it. */
async function voicePath(request: APIRequestContext): Promise<string | undefined> {
  const answer = await request.get(`${e2eFleet.controlUrl()}/devices/${e2eFleet.slaSerial()}/application-paths`);
  return ((await answer.json()) as { application: string; link: string }[]).find((path) => path.application === sip)?.link;
}

async function tenantId(request: APIRequestContext): Promise<string> {
  const tenants = (await (await request.get('/api/v1/tenants?limit=500')).json()) as { items: { id: string; name: string }[] };
  return tenants.items.find((tenant) => tenant.name === e2eFleet.tenant())!.id;
}

const main = (page: Page) => page.getByRole('main');

test.describe('SLA', () => {
  // The second test impairs the link the first one's policy steers voice over.
  test.describe.configure({ mode: 'serial' });

  test('the SLA policy wizard makes a profile from a preset and a voice policy preferring broadband, shows the site\'s diff, pushes it and the box steers voice over broadband', async ({ page }) => {
    test.setTimeout(180_000);
    await signIn(page);
    const errors = consoleErrors(page);
    // A profile of the name the wizard will ask for exists already: the API's refusal lands on the field.
    const taken = await page.request.post('/api/v1/sla-profiles', { data: { tenantId: await tenantId(page.request), name: 'Voice', preset: 'liberal' } });
    expect(taken.status()).toBe(201);

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'SLA' }).click();
    await expect(page.getByRole('heading', { name: 'Application SLAs', level: 2 })).toBeVisible();
    await expect(page.getByRole('table', { name: 'SLA profiles' }).getByRole('row', { name: /Voice/ })).toBeVisible();
    await main(page).getByRole('link', { name: 'New SLA policy' }).click();

    // 1. The profile: the tenant, a name, the baseline preset's figures.
    await expect(page.getByRole('heading', { name: 'SLA profile', level: 3 })).toBeFocused();
    await main(page).getByRole('combobox', { name: 'Tenant', exact: true }).selectOption({ label: e2eFleet.tenant() });
    await page.getByRole('button', { name: 'Next' }).click();
    await expect(page.getByLabel('Profile name')).toHaveAttribute('aria-invalid', 'true');
    await expect(page.getByText('Profile name is required')).toBeVisible();
    await page.getByLabel('Profile name').fill('Voice');
    await page.getByLabel('Preset').selectOption('conservative');
    await expect(page.getByLabel('Round trip at most (ms)')).toHaveValue('100');
    await page.getByLabel('Preset').selectOption('baseline');
    await expect(page.getByLabel('Round trip at most (ms)')).toHaveValue('150');
    await expect(page.getByLabel('Loss at most (‰)')).toHaveValue('10');
    await screenshotWizardStep(page, 'sla-policy', 1, 'profile');
    await page.getByRole('button', { name: 'Next' }).click();

    // 2. Applications: none is refused inline, then voice.
    await expect(page.getByRole('heading', { name: 'Applications', level: 3 })).toBeVisible();
    await page.getByLabel('Policy name').fill('Voice first');
    await page.getByRole('button', { name: 'Next' }).click();
    await expect(page.getByText('Applications names at least one application')).toBeVisible();
    await page.getByRole('checkbox', { name: /^Voice/ }).check();
    await screenshotWizardStep(page, 'sla-policy', 2, 'applications');
    await page.getByRole('button', { name: 'Next' }).click();

    // 3. Links and cost: broadband before MPLS.
    await expect(page.getByRole('heading', { name: 'Links and cost', level: 3 })).toBeVisible();
    await page.getByRole('button', { name: 'Prefer Broadband to MPLS' }).click();
    await expect(page.getByRole('list', { name: 'Order of preference' }).getByRole('listitem').first()).toContainText('Broadband');
    await page.getByRole('radio', { name: /^Best path/ }).check();
    // Dampening: a hold-down of 0 is refused inline, and the message goes as soon as it is fixed.
    await page.getByLabel('Hold-down (s)').fill('0');
    await page.getByRole('button', { name: 'Next' }).click();
    await expect(page.getByText('Hold-down (s) must be at least 1')).toBeVisible();
    await page.getByLabel('Hold-down (s)').fill('600');
    await expect(page.getByText('Hold-down (s) must be at least 1')).toHaveCount(0);
    await expect(page.getByText('Correct the fields marked below to go on.')).toHaveCount(0);
    await screenshotWizardStep(page, 'sla-policy', 3, 'links');
    await page.getByRole('button', { name: 'Next' }).click();

    // 4. Sites: Mechelen pharmacy. Saving meets the taken name: back on the profile step, in the API's words.
    await expect(page.getByRole('heading', { name: 'Sites', level: 3 })).toBeVisible();
    await page.getByRole('checkbox', { name: new RegExp(`^${e2eFleet.slaSite()}`) }).check();
    await screenshotWizardStep(page, 'sla-policy', 4, 'sites');
    await page.getByRole('button', { name: 'Next' }).click();
    await expect(page.getByRole('heading', { name: 'SLA profile', level: 3 })).toBeVisible();
    await expect(page.getByText('Profile name the tenant has an SLA profile of that name already')).toBeVisible();
    await page.getByLabel('Profile name').fill('Voice baseline');
    for (const step of ['Applications', 'Links and cost', 'Sites']) {
      await page.getByRole('button', { name: 'Next' }).click();
      await expect(page.getByRole('heading', { name: step, level: 3 })).toBeVisible();
    }
    await expect(page.getByRole('checkbox', { name: new RegExp(`^${e2eFleet.slaSite()}`) })).toBeChecked();
    await page.getByRole('button', { name: 'Next' }).click();

    // Review: the policy as saved, and the site's device's own diff: the APBR rule leading voice to broadband.
    await expect(page.getByRole('heading', { name: 'Review', level: 3 })).toBeVisible();
    await expect(page.getByRole('definition').filter({ hasText: 'Voice baseline: round trip at most 150 ms' })).toBeVisible();
    await expect(page.getByRole('definition').filter({ hasText: 'Held down for 600 s after 2 fall(s) within 300 s' })).toBeVisible();
    const diff = page.getByRole('region', { name: `Configuration diff of ${e2eFleet.slaSite()}` });
    await expect(diff.getByLabel('Diff of mechelen-pharmacy')).toContainText('<name>voice-first-internet</name>', { timeout: 90_000 });
    await expect(diff.getByLabel('Diff of mechelen-pharmacy')).toContainText('<dynamic-application>junos:SIP</dynamic-application>');
    await expect(diff.getByLabel('Diff of mechelen-pharmacy')).toContainText('<routing-instance-name>wan-internet</routing-instance-name>');
    await screenshotWizardStep(page, 'sla-policy', 5, 'review');
    await page.getByRole('button', { name: 'Push to the sites' }).click();

    // The push's live progress, until the box holds the policy and voice goes over broadband (wan1).
    await expect(page.getByRole('heading', { name: 'Policy deployment', level: 2 })).toBeVisible({ timeout: 20_000 });
    await expect(page.getByRole('definition').filter({ hasText: 'Completed' })).toBeVisible({ timeout: 120_000 });
    await screenshotWizardStep(page, 'sla-policy', 6, 'run');
    await expect.poll(() => voicePath(page.request), { timeout: 30_000 }).toBe('wan1');

    // The SLA section lists the policy with its site, which leads to the site's steering: voice on internet.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'SLA' }).click();
    const policy = page.getByRole('table', { name: 'Application SLA policies' }).getByRole('row', { name: /Voice first/ });
    await policy.getByRole('link', { name: e2eFleet.slaSite() }).click();
    await expect(page.getByRole('heading', { name: `${e2eFleet.slaSite()}: application SLAs`, level: 2 })).toBeVisible();
    const voice = page.getByRole('table', { name: 'Applications' }).getByRole('row', { name: /SIP/ });
    await expect(voice.getByRole('cell', { name: 'internet', exact: true })).toBeVisible({ timeout: 30_000 });
    // The browser logs the API's refusal of the taken profile name, and nothing else.
    expect(errors).toEqual(['Failed to load resource: the server responded with a status of 400 (Bad Request)']);
  });

  // The pollers take the site up at their next inventory read (a minute at most), then see the
  // degraded round trip within a test or two.
  test('with broadband degraded, the site\'s SLA page shows voice moved to MPLS, the switch in the list and on the charts, and offers the compliance reports', async ({ page }) => {
    test.setTimeout(180_000);
    await signIn(page);
    const errors = consoleErrors(page);
    const impairment = `${e2eFleet.controlUrl()}/devices/${e2eFleet.slaSerial()}/links/wan1/impairment`;
    await control(page.request, 'PUT', impairment, { shape: 'step', to: { latencyMs: 400 } });
    try {
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Sites' }).click();
      await page.getByRole('link', { name: `SLA of ${e2eFleet.slaSite()}` }).click();
      await expect(page.getByRole('heading', { name: `${e2eFleet.slaSite()}: application SLAs`, level: 2 })).toBeVisible();

      // The poller sees the round trip break the SLA, steering moves voice: the page follows by itself.
      const voice = page.getByRole('table', { name: 'Applications' }).getByRole('row', { name: /SIP/ });
      await expect(voice.getByRole('cell', { name: 'mpls', exact: true })).toBeVisible({ timeout: 90_000 });
      await expect(voice.getByRole('cell', { name: 'Its link fell out of the SLA' })).toBeVisible();
      const switchRow = page.getByRole('table', { name: 'Link switches' }).getByRole('row', { name: /SIP.*internet.*mpls/ });
      await expect(switchRow).toBeVisible({ timeout: 15_000 });
      await expect(switchRow.getByRole('cell', { name: 'Its link fell out of the SLA' })).toBeVisible();
      expect(await voicePath(page.request)).toBe('wan0');

      // The charts mark it, and the filters narrow the list.
      await expect(page.getByRole('region', { name: 'Charts of internet' }).getByRole('img', { name: /Round trip of internet\..*link switch\(es\) marked/ })).toBeVisible();
      await page.getByRole('search', { name: 'Link switches' }).getByLabel('Reason').selectOption({ label: 'A cheaper link complies' });
      await expect(page.getByText('No link switch in this period matching the filters')).toBeVisible();
      await page.getByRole('search', { name: 'Link switches' }).getByLabel('Reason').selectOption({ label: 'Its link fell out of the SLA' });
      await expect(switchRow).toBeVisible();
      await keepScreenshot(page, 'site-sla', 'switched-to-mpls');

      // The compliance reports of the period, as CSV and PDF.
      const csv = await page.request.get((await page.getByRole('link', { name: 'CSV' }).getAttribute('href'))!);
      expect(csv.headers()['content-type']).toContain('text/csv');
      expect(await csv.text()).toContain(e2eFleet.slaSite());
      const pdf = await page.request.get((await page.getByRole('link', { name: 'PDF' }).getAttribute('href'))!);
      expect(pdf.headers()['content-type']).toBe('application/pdf');
      expect((await pdf.body()).subarray(0, 5).toString()).toBe('%PDF-');
    } finally {
      await control(page.request, 'DELETE', impairment);
    }
    expect(errors).toEqual([]);
  });
});
