import { expect, test, type APIRequestContext, type Page } from '@playwright/test';
import { consoleErrors, e2eFleet } from './environment.ts';
import { screenshotWizardStep } from './screenshots.ts';
import { signIn } from './sign-in.ts';

// Bruges pharmacy's box, the factory-default spare and the box in its carton are this spec's alone.
const failedSerial = () => e2eFleet.serials()[1]!;
const spareSerial = () => e2eFleet.factorySerials().find((serial) => serial.endsWith('103'))!;
const cartonSerial = () => e2eFleet.cartonSerials()[0]!;

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

/** From the Devices page's action for Bruges pharmacy's device to the wizard's new-box step. */
async function replaceBrugesPharmacy(page: Page, serial: string, screenshot?: string) {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Devices' }).click();
  await page.getByRole('search', { name: 'Devices' }).getByLabel('Search').fill(serial);
  await page.getByRole('row', { name: /bruges-pharmacy/ }).getByRole('link', { name: 'Replace device (RMA)' }).click();

  // 1. The failed device, chosen already, with where it is and how it was last seen.
  await expect(page.getByRole('heading', { name: 'Replace a device (RMA)', level: 2 })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Failed device', level: 3 })).toBeFocused();
  await expect(page.getByRole('combobox', { name: 'Failed device' })).toHaveValue(/.+/);
  const chosen = page.getByRole('definition');
  await expect(chosen.filter({ hasText: 'Bruges pharmacy' })).toBeVisible();
  await expect(chosen.filter({ hasText: serial })).toBeVisible();
  await expect(chosen.filter({ hasText: 'SRX-SIM-300' })).toBeVisible();
  if (screenshot) await screenshotWizardStep(page, screenshot, 1, 'failed-device');
  await page.getByRole('button', { name: 'Next' }).click();
  await expect(page.getByRole('heading', { name: 'New box', level: 3 })).toBeVisible();
}

/** Follows the run's page until the device is replaced: the ZTP child admitted the box, and the record is closed. */
async function replacementCompletes(page: Page, oldSerial: string, newSerial: string) {
  const provisioning = page.getByRole('list', { name: 'Provisioning of bruges-pharmacy' });
  await expect(provisioning.getByRole('listitem', { name: 'Wait for the box to phone home' }).getByText('Completed')).toBeVisible({ timeout: 60_000 });
  await expect(step(page, 'Close the RMA record').getByText('Completed')).toBeVisible({ timeout: 120_000 });
  await expect(page.getByRole('definition').filter({ hasText: `${oldSerial} → ${newSerial}` })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Abort the replacement' })).toHaveCount(0);
}

/** The Devices page shows Bruges pharmacy's device online on its new box. */
async function onlineOn(page: Page, serial: string) {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Devices' }).click();
  await page.getByRole('search', { name: 'Devices' }).getByLabel('Search').fill('bruges-pharmacy');
  const device = page.getByRole('row', { name: /bruges-pharmacy/ });
  await expect(device.getByRole('cell', { name: serial, exact: true })).toBeVisible();
  await expect(device.getByText('Online')).toBeVisible();
}

test.describe('RMA wizard', () => {
  // The second replacement starts from where the first left Bruges pharmacy's device.
  test.describe.configure({ mode: 'serial' });

  test('replaces a powered-off device with a spare that phoned home, admitted by the host key it reported with no code to type, until the device is online on the new serial', async ({ page }) => {
    test.setTimeout(180_000);
    const oldSerial = failedSerial();
    const newSerial = spareSerial();
    await signIn(page);
    const errors = consoleErrors(page);
    await control(page.request, `${e2eFleet.controlUrl()}/devices/${oldSerial}/power`, { on: false });
    await sparePhonedHome(page.request, newSerial);
    await replaceBrugesPharmacy(page, oldSerial, 'rma');

    // 2. The new box: a malformed serial is refused inline, with the API's own words.
    const serialInput = page.getByLabel('New serial');
    await serialInput.fill('not a serial');
    await page.getByRole('button', { name: 'Next' }).click();
    await expect(serialInput).toHaveAttribute('aria-invalid', 'true');
    await expect(page.getByText('New serial is 4 to 40 capital letters, digits or hyphens')).toBeVisible();
    // The spare that phoned home is offered: picking it fills in its serial, and it needs no code.
    await page.getByLabel('Spare that phoned home').selectOption(newSerial);
    await expect(serialInput).toHaveValue(newSerial);
    await expect(page.getByText(`${newSerial} phoned home already: it is admitted by the host key it reported, with no activation code to type.`)).toBeVisible();
    await page.getByLabel('Reason').fill('Power supply failed');
    await page.getByRole('button', { name: 'Next' }).click();

    // Review: what will happen; back and next keep the input.
    await expect(page.getByRole('heading', { name: 'Review', level: 3 })).toBeVisible();
    await expect(page.getByRole('definition').filter({ hasText: `${newSerial} (SRX-SIM-300)` })).toBeVisible();
    await expect(page.getByText(/version \d+ on record/)).toBeVisible();
    await page.getByRole('button', { name: 'Back' }).click();
    await expect(page.getByLabel('New serial')).toHaveValue(newSerial);
    await expect(page.getByLabel('Spare that phoned home')).toHaveValue(newSerial);
    await expect(page.getByLabel('Reason')).toHaveValue('Power supply failed');
    await screenshotWizardStep(page, 'rma', 2, 'new-box');
    await page.getByRole('button', { name: 'Next' }).click();
    await expect(page.getByText(`is admitted by the host key it reported when it phoned home: there is no activation code to type`)).toBeVisible();
    await expect(page.getByText('activation code is issued at launch')).toHaveCount(0);
    await screenshotWizardStep(page, 'rma', 3, 'review');
    await page.getByRole('button', { name: 'Start the replacement' }).click();

    // The run's page (opened once the run has recorded itself): no code to hand over, the spare goes on by itself.
    await expect(page.getByRole('heading', { name: 'Device replacement (RMA)', level: 2 })).toBeVisible({ timeout: 20_000 });
    await expect(page).toHaveURL(/\/runs\/rma\//);
    await expect(page.getByRole('region', { name: /Activation code/ })).toHaveCount(0);
    await replacementCompletes(page, oldSerial, newSerial);
    await screenshotWizardStep(page, 'rma', 4, 'run-spare-admitted');

    // The spare was never refused: no alarm about its calls.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Alarms' }).click();
    await expect(page.getByRole('heading', { name: 'Alarms', level: 2 })).toBeVisible();
    await expect(page.getByRole('row', { name: new RegExp(newSerial) })).toHaveCount(0);

    await onlineOn(page, newSerial);
    expect(errors).toEqual([]);
  });

  test('replaces a device with a box that has not phoned home: the code is shown once with where it goes, the box is admitted once it is typed in, and the alarm about its calls without it clears', async ({ page }) => {
    test.setTimeout(180_000);
    // The spare of the test above is in service now: it fails in turn, and a box still in its carton replaces it.
    const oldSerial = spareSerial();
    const newSerial = cartonSerial();
    await signIn(page);
    const errors = consoleErrors(page);
    await control(page.request, `${e2eFleet.factoryControlUrl()}/devices/${oldSerial}/power`, { on: false });
    await replaceBrugesPharmacy(page, oldSerial);

    // 2. The new box's serial, typed from its label: it will need its activation code.
    await page.getByLabel('New serial').fill(newSerial.toLowerCase());
    await expect(page.getByLabel('New serial')).toHaveValue(newSerial);
    await expect(page.getByText(/gets a one-time activation code at launch/)).toBeVisible();
    await screenshotWizardStep(page, 'rma-new-box', 1, 'new-box');
    await page.getByRole('button', { name: 'Next' }).click();
    await expect(page.getByRole('heading', { name: 'Review', level: 3 })).toBeVisible();
    await expect(page.getByText('activation code is issued at launch', { exact: false })).toBeVisible();
    await screenshotWizardStep(page, 'rma-new-box', 2, 'review');
    await page.getByRole('button', { name: 'Start the replacement' }).click();

    // The run's page holds up the code, shown this once, and says where it goes.
    await expect(page.getByRole('heading', { name: 'Device replacement (RMA)', level: 2 })).toBeVisible({ timeout: 20_000 });
    const workflowId = decodeURIComponent(new URL(page.url()).pathname.replace(/^\/runs\//, ''));
    const codeBox = page.getByRole('region', { name: `Activation code for the new box ${newSerial}` });
    await expect(codeBox).toBeVisible();
    const code = await codeBox.getByLabel('Activation code', { exact: true }).inputValue();
    expect(code).toMatch(/^[A-Za-z0-9_-]{12}$/);
    const whereItGoes = codeBox.getByRole('group', { name: 'Where it goes' });
    await expect(whereItGoes).toContainText('Into the new box itself');
    await expect(whereItGoes).toContainText(`POST /devices/${newSerial}/activation-code`);
    await expect(page.getByRole('button', { name: 'Abort the replacement' })).toBeVisible();
    await screenshotWizardStep(page, 'rma-new-box', 3, 'run-activation-code');

    // The installer plugs the box in before typing the code: its calls are refused, with an alarm.
    await control(page.request, `${e2eFleet.cartonControlUrl()}/devices/${newSerial}/power`, { on: true });
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Alarms' }).click();
    const refused = page.getByRole('row', { name: new RegExp(`${newSerial} phoned home .* with no activation code`) });
    await expect(async () => {
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Runs' }).click();
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Alarms' }).click();
      await expect(refused).toBeVisible({ timeout: 1000 });
    }).toPass({ timeout: 30_000 });

    // Typed in, the code admits the box; back on the run's page, the code is still held up.
    await control(page.request, `${e2eFleet.cartonControlUrl()}/devices/${newSerial}/activation-code`, { code });
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Runs' }).click();
    await page.getByRole('row', { name: new RegExp(workflowId) }).first().getByRole('link', { name: 'Device replacement (RMA)' }).click();
    await expect(codeBox).toBeVisible();
    await replacementCompletes(page, oldSerial, newSerial);

    // The code stays until the operator says they have it.
    const hide = codeBox.getByRole('button', { name: 'Hide the code' });
    await expect(hide).toBeDisabled();
    await codeBox.getByLabel('I have written the code down or given it to the installer').check();
    await hide.click();
    await expect(codeBox).toHaveCount(0);

    // The box is in service: the alarm about its refused calls is cleared.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Alarms' }).click();
    await expect(page.getByRole('heading', { name: 'Alarms', level: 2 })).toBeVisible();
    await expect(refused).toHaveCount(0);
    await page.getByRole('search', { name: 'Alarms' }).getByLabel('State').selectOption({ label: 'Cleared' });
    await expect(refused).toBeVisible();
    await expect(refused.getByText('Cleared')).toBeVisible();

    await onlineOn(page, newSerial);
    expect(errors).toEqual([]);
  });
});
