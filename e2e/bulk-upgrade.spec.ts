import { createHash } from 'node:crypto';
import { expect, test, type APIRequestContext, type Page } from '@playwright/test';
import { consoleErrors, e2eFleet } from './environment.ts';
import { keepScreenshot, screenshotWizardStep } from './screenshots.ts';
import { signIn } from './sign-in.ts';

const wizardName = 'bulk-upgrade';
const stepHeading = (page: Page, name: string) => page.getByRole('heading', { name, level: 3 });

/** A window that opened half an hour ago at the sites (Europe/Brussels), so the campaign runs now. */
function windowOpenNow(): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Brussels', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(Date.now() - 30 * 60_000);
}

/** A firmware image the simulated boxes install: its first line names model and version. */
function simulatorImage(model: string, version: string): Buffer {
  return Buffer.concat([Buffer.from(`BRANCHLINE-SIM-IMAGE model=${model} version=${version}\n`), Buffer.alloc(64 * 1024, 7)]);
}

/** A tenant admin of the fleet's tenant, made through the API by the signed-in SP admin. */
async function tenantAdmin(request: APIRequestContext): Promise<{ email: string; password: string }> {
  const roles = (await (await request.get('/api/v1/roles')).json()) as { items: { id: string; name: string }[] };
  const tenants = (await (await request.get('/api/v1/tenants?limit=500')).json()) as { items: { id: string; name: string }[] };
  const credentials = { email: `pharmacies-admin-${Date.now()}@contoso.example`, password: 'tenant-admin-password' };
  const created = await request.post('/api/v1/users', {
    data: {
      ...credentials, displayName: 'Contoso pharmacies admin',
      bindings: [{ roleId: roles.items.find((role) => role.name === 'Tenant admin')!.id, tenantId: tenants.items.find((tenant) => tenant.name === e2eFleet.tenant())!.id }],
    },
  });
  expect(created.status(), await created.text()).toBe(201);
  return credentials;
}

/** The fleet tenant's id and its target image for a model, read through the API. */
async function fleetTarget(request: APIRequestContext, model: string): Promise<{ tenantId: string; imageId: string | undefined }> {
  const tenants = (await (await request.get('/api/v1/tenants?limit=500')).json()) as { items: { id: string; name: string }[] };
  const tenantId = tenants.items.find((tenant) => tenant.name === e2eFleet.tenant())!.id;
  const targets = (await (await request.get(`/api/v1/tenants/${tenantId}/target-images`)).json()) as { items: { model: string; image: { id: string } }[] };
  return { tenantId, imageId: targets.items.find((target) => target.model === model)?.image.id };
}

test.describe('bulk upgrade wizard', () => {
  test('launches a canary campaign on a site group, which is paused, resumed and completes', async ({ page }) => {
    test.setTimeout(180_000);
    await signIn(page);
    const errors = consoleErrors(page);
    const main = page.getByRole('main');
    const { model, version } = e2eFleet.image();
    const pilotSites = e2eFleet.upgradePilotSites();
    const devicesInCampaign = pilotSites.map((site) => site.toLowerCase().replace(' ', '-'));

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Bulk upgrade' }).click();
    await expect(page.getByRole('heading', { name: 'Bulk upgrade', level: 2 })).toBeVisible();

    // 1. Devices: the site group of the pilot pharmacies, never the sites other specs rely on.
    await expect(stepHeading(page, 'Devices')).toBeFocused();
    await main.getByRole('combobox', { name: 'Tenant' }).selectOption({ label: e2eFleet.tenant() });
    await page.getByRole('button', { name: 'Next' }).click();
    await expect(main.getByText('Campaign name is required')).toBeVisible();
    await main.getByLabel('Campaign name', { exact: true }).fill(`Pilot pharmacies to ${version}`);
    await main.getByRole('group', { name: 'Site groups' }).getByRole('checkbox', { name: new RegExp(`^${e2eFleet.upgradePilotTag()} \\(${pilotSites.length} sites\\)`) }).check();
    await screenshotWizardStep(page, wizardName, 1, 'devices');
    await page.getByRole('button', { name: 'Next' }).click();

    // 2. Image: the tenant's target, chosen already.
    await expect(stepHeading(page, 'Image')).toBeVisible();
    const image = main.getByRole('combobox', { name: 'Image' });
    await expect(image.locator('option:checked')).toHaveText(`${model} ${version} — the tenant’s target`);
    await screenshotWizardStep(page, wizardName, 2, 'image');
    await page.getByRole('button', { name: 'Next' }).click();

    // 3. Strategy: canary phases; the API's own message for phases that do not rise.
    await expect(stepHeading(page, 'Strategy and failure budget')).toBeVisible();
    await expect(main.getByRole('combobox', { name: 'Strategy' })).toHaveValue('canary');
    await main.getByLabel('Phases', { exact: true }).fill('50, 25');
    await page.getByRole('button', { name: 'Next' }).click();
    await expect(main.getByText('Phases are cumulative percentages, rising, ending at 100')).toBeVisible();
    await expect(main.getByLabel('Phases', { exact: true })).toHaveAttribute('aria-invalid', 'true');
    await main.getByLabel('Phases', { exact: true }).fill('25, 50, 100');
    await main.getByLabel('Devices upgrading at once', { exact: true }).fill('1');
    await main.getByLabel('Failure budget (%)', { exact: true }).fill('25');
    await screenshotWizardStep(page, wizardName, 3, 'strategy');
    await page.getByRole('button', { name: 'Next' }).click();

    // 4. Maintenance window: open now at the sites, every day.
    await expect(stepHeading(page, 'Maintenance window')).toBeVisible();
    await main.getByRole('checkbox', { name: 'Upgrade only inside a maintenance window' }).check();
    await main.getByLabel('Window opens at', { exact: true }).fill(windowOpenNow());
    await main.getByLabel('Window length (minutes)', { exact: true }).fill('240');
    await screenshotWizardStep(page, wizardName, 4, 'maintenance-window');
    await page.getByRole('button', { name: 'Next' }).click();

    // Back and next keep what was typed.
    await expect(stepHeading(page, 'Review')).toBeVisible();
    await page.getByRole('button', { name: 'Back' }).click();
    await expect(main.getByLabel('Window length (minutes)', { exact: true })).toHaveValue('240');
    await page.getByRole('navigation', { name: 'Steps' }).getByRole('button', { name: '3. Strategy and failure budget' }).click();
    await expect(main.getByLabel('Phases', { exact: true })).toHaveValue('25, 50, 100');
    await expect(main.getByLabel('Devices upgrading at once', { exact: true })).toHaveValue('1');
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('button', { name: 'Next' }).click();

    // 5. Review: exactly which devices, in which phase.
    await expect(stepHeading(page, 'Review')).toBeVisible();
    await expect(main.getByText(`Launching upgrades these ${pilotSites.length} devices to ${version}`)).toBeVisible();
    const phases = [1, 1, 2];
    for (const [index, size] of phases.entries()) {
      await expect(main.getByRole('region', { name: `Phase ${index + 1}: ${size} ${size === 1 ? 'device' : 'devices'}` }).getByRole('row')).toHaveCount(size + 1);
    }
    for (const hostname of devicesInCampaign) await expect(main.getByRole('row', { name: new RegExp(hostname) })).toBeVisible();
    await expect(main.getByRole('row', { name: /bruges-pharmacy|ghent-pharmacy/ })).toHaveCount(0);
    await screenshotWizardStep(page, wizardName, 5, 'review');

    // Launch → the campaign's progress page; pause it while its first phase runs.
    await page.getByRole('button', { name: 'Launch the campaign' }).click();
    await expect(page).toHaveURL(/\/runs\/upgrade-campaign\//);
    await expect(page.getByRole('heading', { name: 'Upgrade campaign', level: 2 })).toBeVisible();
    await page.getByRole('button', { name: 'Pause the campaign' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Campaign paused' })).toBeVisible();
    const resume = page.getByRole('button', { name: 'Resume the campaign' });
    await expect(resume).toBeVisible();
    // Paused: the device under way finishes, the later phases wait.
    const campaignDevices = page.getByRole('region', { name: 'Devices' }).getByRole('row');
    await expect(campaignDevices.filter({ hasText: 'Upgrading' })).toHaveCount(0, { timeout: 60_000 });
    await expect(campaignDevices.filter({ hasText: 'Pending' })).not.toHaveCount(0);
    await keepScreenshot(page, 'progress', 'campaign-paused');

    await resume.click();
    await expect(page.getByRole('status').filter({ hasText: 'Campaign resumed' })).toBeVisible();
    await expect(page.getByRole('definition').filter({ hasText: 'Completed' })).toBeVisible({ timeout: 120_000 });
    await expect(campaignDevices.filter({ hasText: 'Upgraded' })).toHaveCount(pilotSites.length);
    await keepScreenshot(page, 'progress', 'campaign-completed');
    expect(errors).toEqual([]);
  });

  test('an SP admin uploads a newer image, makes it the tenant\'s target, and a campaign takes the pilot sites to it', async ({ page }) => {
    test.setTimeout(180_000);
    await signIn(page);
    const errors = consoleErrors(page);
    const main = page.getByRole('main');
    const { model } = e2eFleet.image();
    const version = '24.2R1';
    const image = simulatorImage(model, version);
    const pilotSites = e2eFleet.upgradePilotSites();
    // The specs after this one expect the tenant's target as it was: put back whatever happens here.
    const previous = await fleetTarget(page.request, model);
    expect(previous.imageId, 'the fleet tenant targets an image for the model').toBeDefined();
    try {
      // The firmware catalogue: the image the tenant targets now.
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Firmware' }).click();
      await expect(page.getByRole('heading', { name: 'Firmware', level: 2 })).toBeVisible();
      const catalogue = main.getByRole('region', { name: 'Catalogue' });
      await expect(catalogue.getByRole('row', { name: new RegExp(`${model} ${e2eFleet.image().version}`) })).toBeVisible();

      // Upload: the API's own word on a version it does not take, then the image, its sha256 computed in the browser.
      const upload = main.getByRole('form', { name: 'Upload an image' });
      await upload.getByLabel('Model', { exact: true }).selectOption(model);
      await upload.getByLabel('Version', { exact: true }).fill('latest');
      await upload.getByLabel('Image file', { exact: true }).setInputFiles({ name: `${model}-${version}.img`, mimeType: 'application/octet-stream', buffer: image });
      await upload.getByRole('button', { name: 'Upload' }).click();
      await expect(upload.getByText('Version is a software version such as 23.2R1')).toBeVisible();
      await expect(upload.getByLabel('Version', { exact: true })).toHaveAttribute('aria-invalid', 'true');
      await upload.getByLabel('Version', { exact: true }).fill(version);
      await upload.getByRole('button', { name: 'Upload' }).click();
      await expect(main.getByRole('status').filter({ hasText: `${model} ${version} is in the catalogue` })).toBeVisible();
      const uploaded = catalogue.getByRole('row', { name: new RegExp(`${model} ${version}`) });
      await expect(uploaded).toContainText(createHash('sha256').update(image).digest('hex'));
      await keepScreenshot(page, 'firmware', '01-uploaded');

      // The tenant's target for the model: the uploaded version.
      const targets = main.getByRole('region', { name: 'Tenant targets' });
      await targets.getByLabel('Tenant', { exact: true }).selectOption({ label: e2eFleet.tenant() });
      const row = targets.getByRole('row', { name: new RegExp(model) });
      await expect(row).toContainText(e2eFleet.image().version);
      await row.getByRole('combobox', { name: `New target for ${model}` }).selectOption({ label: version });
      await row.getByRole('button', { name: `Set the target for ${model}` }).click();
      await expect(targets.getByRole('status')).toHaveText(`${e2eFleet.tenant()} now targets ${model} ${version}: new boxes are brought to it, and a bulk upgrade offers it first.`);
      await expect(row.getByRole('cell', { name: version, exact: true })).toBeVisible();
      await keepScreenshot(page, 'firmware', '02-target-set');

      // The campaign, from the link beside the new target: the image is the tenant's target, chosen already.
      await targets.getByRole('link', { name: 'Launch a bulk upgrade' }).click();
      await expect(page.getByRole('heading', { name: 'Bulk upgrade', level: 2 })).toBeVisible();
      await main.getByRole('combobox', { name: 'Tenant' }).selectOption({ label: e2eFleet.tenant() });
      await main.getByLabel('Campaign name', { exact: true }).fill(`Pilot pharmacies to ${version}`);
      await main.getByRole('group', { name: 'Site groups' }).getByRole('checkbox', { name: new RegExp(`^${e2eFleet.upgradePilotTag()} `) }).check();
      await page.getByRole('button', { name: 'Next' }).click();
      await expect(main.getByRole('combobox', { name: 'Image' }).locator('option:checked')).toHaveText(`${model} ${version} — the tenant’s target`);
      await screenshotWizardStep(page, 'bulk-upgrade-uploaded-image', 1, 'image');
      await page.getByRole('button', { name: 'Next' }).click();
      await main.getByRole('combobox', { name: 'Strategy' }).selectOption({ label: 'All at once (up to the concurrency)' });
      await main.getByLabel('Devices upgrading at once', { exact: true }).fill(String(pilotSites.length));
      await page.getByRole('button', { name: 'Next' }).click();
      await expect(stepHeading(page, 'Maintenance window')).toBeVisible();
      await page.getByRole('button', { name: 'Next' }).click();
      await expect(main.getByText(`Launching upgrades these ${pilotSites.length} devices to ${version}`)).toBeVisible();
      await screenshotWizardStep(page, 'bulk-upgrade-uploaded-image', 2, 'review');
      await page.getByRole('button', { name: 'Launch the campaign' }).click();

      await expect(page.getByRole('heading', { name: 'Upgrade campaign', level: 2 })).toBeVisible();
      await expect(page.getByRole('definition').filter({ hasText: 'Completed' })).toBeVisible({ timeout: 120_000 });
      await expect(page.getByRole('region', { name: 'Devices' }).getByRole('row').filter({ hasText: 'Upgraded' })).toHaveCount(pilotSites.length);
      await keepScreenshot(page, 'progress', 'campaign-to-uploaded-image-completed');
      expect(errors).toEqual([]);
    } finally {
      const restored = await page.request.put(`/api/v1/tenants/${previous.tenantId}/target-images/${encodeURIComponent(model)}`, { data: { imageId: previous.imageId } });
      expect(restored.ok(), await restored.text()).toBe(true);
    }
  });

  test('with an empty catalogue, the image step says why: an SP admin is led to the upload, a tenant admin told that an SP admin uploads images', async ({ page, browser }) => {
    await signIn(page);
    const errors = consoleErrors(page);
    const main = page.getByRole('main');
    const emptyCatalogue = { items: [], nextCursor: null };
    let catalogueReads = 0;
    await page.route(/\/api\/v1\/firmware-images\?/, (route) => {
      catalogueReads += 1;
      return route.fulfill({ json: emptyCatalogue });
    });

    async function toImageStep(at: Page) {
      await at.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Bulk upgrade' }).click();
      const wizard = at.getByRole('main');
      await wizard.getByRole('combobox', { name: 'Tenant' }).selectOption({ label: e2eFleet.tenant() });
      await wizard.getByLabel('Campaign name', { exact: true }).fill('Nothing to upgrade to');
      await at.getByRole('button', { name: 'Next' }).click();
      await expect(stepHeading(at, 'Image')).toBeVisible();
    }

    await toImageStep(page);
    await expect(main.getByText('The firmware catalogue is empty')).toBeVisible();
    await screenshotWizardStep(page, 'bulk-upgrade-empty-catalogue', 1, 'sp-admin');
    // The upload opens beside the wizard, which keeps what was chosen.
    const [firmware] = await Promise.all([page.context().waitForEvent('page'), main.getByRole('link', { name: 'Upload an image' }).click()]);
    await expect(firmware.getByRole('heading', { name: 'Firmware', level: 2 })).toBeVisible();
    await expect(firmware.getByRole('form', { name: 'Upload an image' })).toBeVisible();
    await firmware.close();
    await expect(stepHeading(page, 'Image')).toBeVisible();
    const readsBefore = catalogueReads;
    await main.getByRole('button', { name: 'read the catalogue again' }).click();
    await expect.poll(() => catalogueReads).toBe(readsBefore + 1);
    await expect(main.getByText('The firmware catalogue is empty')).toBeVisible();

    // A tenant admin may launch campaigns but not fill the shared catalogue: told who does.
    const credentials = await tenantAdmin(page.request);
    const context = await browser.newContext({ baseURL: test.info().project.use.baseURL });
    try {
      const other = await context.newPage();
      await other.route(/\/api\/v1\/firmware-images\?/, (route) => route.fulfill({ json: emptyCatalogue }));
      await signIn(other, credentials);
      const otherErrors = consoleErrors(other);
      await toImageStep(other);
      await expect(other.getByRole('main').getByText('The firmware catalogue is empty')).toBeVisible();
      await expect(other.getByRole('main').getByText('an SP admin uploads images to it')).toBeVisible();
      await expect(other.getByRole('main').getByRole('link', { name: 'Upload an image' })).toHaveCount(0);
      await screenshotWizardStep(other, 'bulk-upgrade-empty-catalogue', 2, 'tenant-admin');
      expect(otherErrors).toEqual([]);
    } finally {
      await context.close();
    }
    expect(errors).toEqual([]);
  });
});
