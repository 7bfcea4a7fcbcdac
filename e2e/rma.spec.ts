import { expect, test, type APIRequestContext, type Page } from '@playwright/test';
import { consoleErrors, e2eFleet } from './environment.ts';
import { screenshotWizardStep } from './screenshots.ts';
import { signIn } from './sign-in.ts';

// Bruges pharmacy's box and the factory-default spare are this spec's alone.
const failedSerial = () => e2eFleet.serials()[1]!;
const spareSerial = () => e2eFleet.factorySerials().find((serial) => serial.endsWith('103'))!;

async function control(request: APIRequestContext, url: string, body: unknown) {
  const answer = await request.post(url, { data: body });
  expect(answer.ok(), await answer.text()).toBe(true);
}

/** The spare phones home every 2 s while unclaimed: wait until the inventory lists it. */
async function sparePhonedHome(request: APIRequestContext, serial: string) {
  await expect.poll(async () => {
    const answer = await request.get('/api/v1/unclaimed-devices?limit=100');
    return ((await answer.json()) as { items: { serial: string }[] }).items.map((box) => box.serial);
  }, { timeout: 20_000 }).toContain(serial);
}

const step = (page: Page, label: string) => page.getByRole('list', { name: 'Steps' }).getByRole('listitem', { name: label });

test.describe('RMA wizard', () => {
  test('replaces a powered-off device with a spare that phones home with its activation code, until the device is online on the new serial', async ({ page }) => {
    test.setTimeout(180_000);
    const oldSerial = failedSerial();
    const newSerial = spareSerial();
    await signIn(page);
    const errors = consoleErrors(page);
    await control(page.request, `${e2eFleet.controlUrl()}/devices/${oldSerial}/power`, { on: false });
    await sparePhonedHome(page.request, newSerial);

    // The Devices page offers the replacement per device.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Devices' }).click();
    await page.getByRole('search', { name: 'Devices' }).getByLabel('Search').fill(oldSerial);
    await page.getByRole('row', { name: /bruges-pharmacy/ }).getByRole('link', { name: 'Replace device (RMA)' }).click();

    // 1. The failed device, chosen already, with where it is and how it was last seen.
    await expect(page.getByRole('heading', { name: 'Replace a device (RMA)', level: 2 })).toBeVisible();
    await expect(page.getByRole('heading', { name: 'Failed device', level: 3 })).toBeFocused();
    await expect(page.getByRole('combobox', { name: 'Failed device' })).toHaveValue(/.+/);
    const chosen = page.getByRole('definition');
    await expect(chosen.filter({ hasText: 'Bruges pharmacy' })).toBeVisible();
    await expect(chosen.filter({ hasText: oldSerial })).toBeVisible();
    await expect(chosen.filter({ hasText: 'SRX-SIM-300' })).toBeVisible();
    await screenshotWizardStep(page, 'rma', 1, 'failed-device');
    await page.getByRole('button', { name: 'Next' }).click();

    // 2. The new box: a malformed serial is refused inline, with the API's own words.
    await expect(page.getByRole('heading', { name: 'New box', level: 3 })).toBeVisible();
    const serialInput = page.getByLabel('New serial');
    await serialInput.fill('not a serial');
    await page.getByRole('button', { name: 'Next' }).click();
    await expect(serialInput).toHaveAttribute('aria-invalid', 'true');
    await expect(page.getByText('New serial is 4 to 40 capital letters, digits or hyphens')).toBeVisible();
    // The spare that phoned home is offered: picking it fills in its serial.
    await page.getByLabel('Spare that phoned home').selectOption(newSerial);
    await expect(serialInput).toHaveValue(newSerial);
    await page.getByLabel('Reason').fill('Power supply failed');
    await page.getByRole('button', { name: 'Next' }).click();

    // Review: what will happen; back and next keep the input.
    await expect(page.getByRole('heading', { name: 'Review', level: 3 })).toBeVisible();
    await expect(page.getByRole('definition').filter({ hasText: `${newSerial} (SRX-SIM-300)` })).toBeVisible();
    await expect(page.getByText(/version \d+ on record/)).toBeVisible();
    await page.getByRole('button', { name: 'Back' }).click();
    await expect(page.getByLabel('New serial')).toHaveValue(newSerial);
    await expect(page.getByLabel('Reason')).toHaveValue('Power supply failed');
    await screenshotWizardStep(page, 'rma', 2, 'new-box');
    await page.getByRole('button', { name: 'Next' }).click();
    await expect(page.getByText('activation code', { exact: false }).first()).toBeVisible();
    await screenshotWizardStep(page, 'rma', 3, 'review');
    await page.getByRole('button', { name: 'Start the replacement' }).click();

    // The run's page (opened once the run has recorded itself) holds up the activation code, shown this once.
    await expect(page.getByRole('heading', { name: 'Device replacement (RMA)', level: 2 })).toBeVisible({ timeout: 20_000 });
    await expect(page).toHaveURL(/\/runs\/rma\//);
    const codeBox = page.getByRole('region', { name: `Activation code for the new box ${newSerial}` });
    await expect(codeBox).toBeVisible();
    const code = await codeBox.getByLabel('Activation code', { exact: true }).inputValue();
    expect(code).toMatch(/^[A-Za-z0-9_-]{12}$/);
    await expect(page.getByRole('button', { name: 'Abort the replacement' })).toBeVisible();
    await screenshotWizardStep(page, 'rma', 4, 'run-activation-code');

    // The installer types the code into the new box, which phones home with it.
    await control(page.request, `${e2eFleet.factoryControlUrl()}/devices/${newSerial}/activation-code`, { code });
    const provisioning = page.getByRole('list', { name: 'Provisioning of bruges-pharmacy' });
    await expect(provisioning.getByRole('listitem', { name: 'Wait for the box to phone home' }).getByText('Completed')).toBeVisible({ timeout: 60_000 });
    await expect(step(page, 'Close the RMA record').getByText('Completed')).toBeVisible({ timeout: 120_000 });
    await expect(page.getByRole('definition').filter({ hasText: `${oldSerial} → ${newSerial}` })).toBeVisible();
    await expect(page.getByRole('button', { name: 'Abort the replacement' })).toHaveCount(0);

    // The code stays until the operator says they have it.
    const hide = codeBox.getByRole('button', { name: 'Hide the code' });
    await expect(hide).toBeDisabled();
    await codeBox.getByLabel('I have written the code down or given it to the installer').check();
    await hide.click();
    await expect(codeBox).toHaveCount(0);

    // The device is online on the new serial.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Devices' }).click();
    await page.getByRole('search', { name: 'Devices' }).getByLabel('Search').fill('bruges-pharmacy');
    const device = page.getByRole('row', { name: /bruges-pharmacy/ });
    await expect(device.getByRole('cell', { name: newSerial, exact: true })).toBeVisible();
    await expect(device.getByText('Online')).toBeVisible();
    expect(errors).toEqual([]);
  });
});
