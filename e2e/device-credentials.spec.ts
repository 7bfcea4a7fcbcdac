// Device credentials: a credential profile made on the Device credentials page (a refused SNMPv3 key
// said on its field first), given to the spec's own device (127.236.0.1) on its page, which still
// answers through it; the device's login rotated from its page and followed to completion on the
// run's page, the device answering with the rotated login; a profile no device uses deleted.
// Screenshots at 1280×800 and 390×844.
import { expect, test, type Page } from '@playwright/test';
import { consoleErrors, e2eFleet } from './environment.ts';
import { keepScreenshot } from './screenshots.ts';
import { signIn } from './sign-in.ts';

const desktop = { width: 1280, height: 800 };
const phone = { width: 390, height: 844 };
const profileName = 'Tienen branch login';
const spareName = 'Tienen spare login';

async function screenshots(page: Page, name: string) {
  await page.setViewportSize(phone);
  await keepScreenshot(page, 'device-credentials', `${name}-390x844`);
  await page.setViewportSize(desktop);
  await keepScreenshot(page, 'device-credentials', `${name}-1280x800`);
}

/** Fills the new profile's form for the fleet's tenant with the login the fleet's boxes come with. */
async function fillProfile(page: Page, name: string) {
  const form = page.getByRole('form', { name: 'New credential profile' });
  const login = e2eFleet.deviceLogin();
  // Signed in as the SP admin, who may make profiles for every tenant: the form asks which.
  await form.getByLabel('Tenant', { exact: true }).selectOption({ label: e2eFleet.tenant() });
  await form.getByLabel('Name', { exact: true }).fill(name);
  await form.getByRole('group', { name: 'NETCONF login (SSH)' }).getByLabel('User').fill(login.username);
  await form.getByLabel('Password', { exact: true }).fill(login.password);
  return form;
}

async function openDevice(page: Page) {
  const hostname = 'tienen-pharmacy';
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Devices' }).click();
  await page.getByRole('search', { name: 'Devices' }).getByLabel('Search').fill(hostname);
  await page.getByRole('link', { name: hostname, exact: true }).click();
  await expect(page.getByRole('heading', { name: hostname, level: 2 })).toBeVisible();
}

/** The device is read again, through whatever it logs in with now. */
async function answers(page: Page) {
  await page.getByRole('button', { name: /^(Read again|Try again)$/ }).click();
  await expect(page.getByLabel('Reported by the device')).toContainText('Uptime', { timeout: 30_000 });
}

test.describe('device credentials', () => {
  test.describe.configure({ mode: 'serial' });
  test.use({ viewport: desktop });

  test('a profile is made on the credentials page, its refused key said on the field, and given to a device that still answers', async ({ page }) => {
    test.setTimeout(120_000);
    await signIn(page);
    const errors = consoleErrors(page);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Devices' }).click();
    await page.getByRole('link', { name: 'Device credentials' }).click();
    await expect(page.getByRole('heading', { name: 'Device credentials', level: 2 })).toBeVisible();

    // SNMPv3 keys shorter than RFC 3414 allows are refused on their field, and nothing is kept.
    const form = await fillProfile(page, profileName);
    await form.getByRole('group', { name: 'SNMP polling' }).getByLabel('User').fill('poller');
    await form.getByLabel('Authentication key').fill('short');
    await form.getByLabel('Privacy key').fill('long enough key');
    await form.getByRole('button', { name: 'Create profile' }).click();
    await expect(form.getByText('Authentication key is at least 8 characters (RFC 3414)')).toBeVisible();
    await expect(form.getByLabel('Authentication key')).toHaveAttribute('aria-invalid', 'true');
    await expect(page.getByRole('table', { name: 'Credential profiles' }).getByRole('row', { name: new RegExp(profileName) })).toHaveCount(0);
    await screenshots(page, '01-refused-key');

    // Polled over v2c with the fleet's community instead: kept, its secrets sealed and the form cleared.
    await form.getByRole('radio', { name: 'v2c community' }).check();
    await form.getByLabel('Community', { exact: true }).fill(e2eFleet.deviceLogin().community);
    await form.getByLabel('Password', { exact: true }).fill(e2eFleet.deviceLogin().password);
    await form.getByRole('button', { name: 'Create profile' }).click();
    await expect(form.getByRole('status')).toContainText(`${profileName} is kept`);
    const row = page.getByRole('table', { name: 'Credential profiles' }).getByRole('row', { name: new RegExp(profileName) });
    await expect(row).toContainText(`${e2eFleet.deviceLogin().username}, password`);
    await expect(row).toContainText('v2c community');
    await expect(form.getByLabel('Name', { exact: true })).toHaveValue('');
    await screenshots(page, '02-profile-kept');

    // Given to the device as its own, which answers through it.
    await openDevice(page);
    const credentials = page.getByRole('region', { name: 'Credentials' });
    await expect(credentials).toContainText("the fleet's credentials");
    await credentials.getByLabel('Profile of its own').selectOption({ label: profileName });
    await credentials.getByRole('button', { name: 'Use this profile' }).click();
    await expect(credentials.getByRole('status')).toContainText(`now logs in with ${profileName}`);
    await expect(credentials).toContainText(`${profileName} (${e2eFleet.deviceLogin().username}, password), its own profile`);
    await answers(page);
    await screenshots(page, '03-device-profile');
    // The browser logs the API's refusal of the short key, and nothing else.
    expect(errors).toEqual(['Failed to load resource: the server responded with a status of 400 (Bad Request)']);
  });

  test("the device's login is rotated from its page, followed to completion, and the device answers with it", async ({ page }) => {
    test.setTimeout(180_000);
    await signIn(page);
    const errors = consoleErrors(page);
    await openDevice(page);
    const credentials = page.getByRole('region', { name: 'Credentials' });
    await credentials.getByRole('button', { name: 'Rotate login' }).click();
    const dialog = page.getByRole('alertdialog', { name: /^Rotate the login on/ });
    await expect(dialog).toContainText('Nobody sees the new secret');
    await dialog.getByRole('button', { name: /^Rotate the login on/ }).click();

    await expect(page).toHaveURL(/\/runs\/credential-rotation/);
    await expect(page.getByRole('definition').filter({ hasText: 'Completed' })).toBeVisible({ timeout: 120_000 });
    await screenshots(page, '04-rotation-completed');

    // Its own profile holds the rotated login now (another user than the one it came with), and it answers.
    await openDevice(page);
    await expect(credentials).toContainText(`${profileName} (`);
    await expect(credentials).not.toContainText(`(${e2eFleet.deviceLogin().username}, password)`);
    await answers(page);
    expect(errors).toEqual([]);
  });

  test('a profile no device uses is deleted after a confirmation; one in use offers no delete', async ({ page }) => {
    test.setTimeout(60_000);
    await signIn(page);
    const errors = consoleErrors(page);
    await page.goto('/devices/credentials');
    const form = await fillProfile(page, spareName);
    await form.getByRole('radio', { name: 'v2c community' }).check();
    await form.getByLabel('Community', { exact: true }).fill(e2eFleet.deviceLogin().community);
    await form.getByRole('button', { name: 'Create profile' }).click();
    const table = page.getByRole('table', { name: 'Credential profiles' });
    await expect(table.getByRole('row', { name: new RegExp(spareName) })).toBeVisible();
    await expect(table.getByRole('button', { name: `Delete ${profileName}` })).toHaveCount(0);

    await table.getByRole('button', { name: `Delete ${spareName}` }).click();
    const dialog = page.getByRole('alertdialog', { name: `Delete ${spareName}?` });
    await dialog.getByRole('button', { name: `Delete ${spareName}` }).click();
    await expect(table.getByRole('row', { name: new RegExp(spareName) })).toHaveCount(0);
    await expect(table.getByRole('row', { name: new RegExp(profileName) })).toBeVisible();
    expect(errors).toEqual([]);
  });
});
