import { expect, test, type Page } from '@playwright/test';
import { consoleErrors, e2eFleet } from './environment.ts';
import { keepScreenshot, screenshotWizardStep } from './screenshots.ts';
import { signIn } from './sign-in.ts';

const wizardName = 'bulk-upgrade';
const stepHeading = (page: Page, name: string) => page.getByRole('heading', { name, level: 3 });

/** A window that opened half an hour ago at the sites (Europe/Brussels), so the campaign runs now. */
function windowOpenNow(): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Brussels', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(Date.now() - 30 * 60_000);
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
});
