import { expect, test, type APIRequestContext, type Page } from '@playwright/test';
import { consoleErrors, e2eFleet } from './environment.ts';
import { signIn } from './sign-in.ts';

// Hasselt pharmacy's box is this spec's alone; the worker reads every box's configuration every 2 s.
const hostname = 'hasselt-pharmacy';

/** Someone at the box's CLI merges this into its system configuration and commits, as `user`. */
async function handEdit(request: APIRequestContext, user: string, system: string) {
  const answer = await request.post(`${e2eFleet.configurationControlUrl()}/devices/${e2eFleet.configurationSerial()}/config/hand-edit`, {
    data: { user, configuration: `<configuration><system>${system}</system></configuration>` },
  });
  expect(answer.ok(), await answer.text()).toBe(true);
}

/** What the box runs, as its control API shows it. */
async function runningOnBox(request: APIRequestContext): Promise<string> {
  return (await request.get(`${e2eFleet.configurationControlUrl()}/devices/${e2eFleet.configurationSerial()}/config`)).text();
}

/** The Drift page, read again until the reconciliation has found the box drifted, then its link followed. */
async function openFromDriftList(page: Page) {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Drift' }).click();
  await expect(page.getByRole('heading', { name: 'Drift', level: 2 })).toBeVisible();
  await expect(async () => {
    await page.reload();
    await expect(page.getByRole('link', { name: hostname })).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout: 30_000 });
  await page.getByRole('link', { name: hostname }).click();
  await expect(page.getByRole('heading', { name: `Configuration of ${hostname}`, level: 2 })).toBeVisible();
}

/** Confirms the action the page asks about, and waits for its run to end done. */
async function confirmAndFinish(page: Page, action: string, recordedVersion: number) {
  const dialog = page.getByRole('alertdialog', { name: `${action}?` });
  await expect(dialog).toBeVisible();
  await dialog.getByRole('button', { name: action }).click();
  const steps = page.getByRole('list', { name: 'Configuration run steps' });
  await expect(steps.getByRole('listitem', { name: 'Record what the device runs' }).getByText('Completed')).toBeVisible({ timeout: 60_000 });
  await expect(page.getByRole('status').filter({ hasText: `The device runs version ${recordedVersion}.` })).toBeVisible();
}

const versionRows = (page: Page) => page.getByRole('table', { name: 'Configuration versions' }).getByRole('row');

test.describe('device configuration', () => {
  // The rollback goes back past the version the first test adopts.
  test.describe.configure({ mode: 'serial' });

  test('a change made by hand shows as drift, is adopted, another is re-applied, and the history diffs the versions side by side', async ({ page, request }) => {
    await signIn(page);
    const errors = consoleErrors(page);

    // Adopted: the device's change becomes version 2.
    await handEdit(request, 'bob', '<domain-name>adopted.example</domain-name>');
    await openFromDriftList(page);
    await expect(page.getByText('Changed on the device by bob')).toBeVisible();
    await expect(page.getByRole('table', { name: 'Drift' }).getByRole('cell', { name: /adopted\.example/ })).toBeVisible();
    await page.getByRole('button', { name: "Adopt the device's change" }).click();
    await confirmAndFinish(page, "Adopt the device's change", 2);
    await expect(page.getByRole('region', { name: 'Drift' }).getByText('In sync', { exact: true })).toBeVisible();

    // Re-applied: alice's change is undone, and no version is added.
    const intended = await runningOnBox(request);
    await handEdit(request, 'alice', '<time-zone>Europe/Brussels</time-zone>');
    // The drift alarm leads to the device.
    await expect(async () => {
      await page.goto('/alarms');
      await expect(page.getByRole('row', { name: new RegExp(`${hostname} runs a configuration that differs`) })).toBeVisible({ timeout: 1_000 });
    }).toPass({ timeout: 30_000 });
    await page.getByRole('row', { name: new RegExp(hostname) }).getByRole('link', { name: "See the device's drift" }).click();
    await expect(page.getByRole('heading', { name: `Configuration of ${hostname}`, level: 2 })).toBeVisible();
    await expect(page.getByText('Changed on the device by alice')).toBeVisible();
    await expect(page.getByRole('table', { name: 'Drift' }).getByRole('cell', { name: /Europe\/Brussels/ })).toBeVisible();
    await page.getByRole('button', { name: "Re-apply Branchline's version" }).click();
    await confirmAndFinish(page, "Re-apply Branchline's version", 2);
    await expect(page.getByRole('region', { name: 'Drift' }).getByText('In sync', { exact: true })).toBeVisible();
    expect(await runningOnBox(request)).toBe(intended);

    // The history: two versions, who asked for each, and the diff between them side by side.
    const me = ((await (await page.request.get('/api/v1/session')).json()) as { user: { displayName: string } }).user.displayName;
    await expect(versionRows(page)).toHaveCount(3); // the header and two versions
    const adopted = versionRows(page).filter({ hasText: '(newest)' });
    await expect(adopted.getByRole('cell').first()).toContainText('2');
    await expect(adopted).toContainText('Changed on the device');
    await expect(adopted).toContainText(me);
    await expect(adopted.getByRole('link', { name: /^device-configuration\// })).toBeVisible();
    const compare = page.getByRole('form', { name: 'Versions to compare' });
    await compare.getByLabel('From').selectOption('1');
    await compare.getByLabel('To').selectOption('2');
    const diff = page.getByRole('table', { name: 'Version diff' });
    await expect(diff.getByRole('columnheader', { name: 'Version 1' })).toBeVisible();
    await expect(diff.getByRole('columnheader', { name: 'Version 2' })).toBeVisible();
    const added = diff.getByRole('row').filter({ hasText: 'adopted.example' });
    await expect(added).toHaveCount(1);
    await expect(added.getByRole('cell').nth(0)).toHaveText('');
    await expect(added.getByRole('cell').nth(1)).toContainText('<domain-name>adopted.example</domain-name>');
    expect(errors).toEqual([]);
  });

  test('rolls the device back to a version, with a confirmation, following the run live', async ({ page, request }) => {
    await signIn(page);
    const errors = consoleErrors(page);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Devices' }).click();
    await page.getByRole('search', { name: 'Devices' }).getByLabel('Search').fill(hostname);
    await page.getByRole('link', { name: `Configuration of ${hostname}` }).click();
    await expect(page.getByRole('heading', { name: `Configuration of ${hostname}`, level: 2 })).toBeVisible();

    await page.getByRole('button', { name: 'Roll back to version 1' }).click();
    await page.getByRole('alertdialog').getByRole('button', { name: 'Cancel' }).click();
    await expect(page.getByRole('alertdialog')).toHaveCount(0);
    expect(await runningOnBox(request)).toContain('adopted.example');

    await page.getByRole('button', { name: 'Roll back to version 1' }).click();
    await confirmAndFinish(page, 'Roll back to version 1', 3);
    const restored = versionRows(page).filter({ hasText: 'of version 1' });
    await expect(restored).toHaveCount(1);
    await expect(restored.getByRole('cell').first()).toContainText('3');
    await expect(restored).toContainText('Rollback');
    expect(await runningOnBox(request)).not.toContain('adopted.example');
    await expect(page.getByRole('link', { name: 'Open the run' })).toHaveAttribute('href', /^\/runs\/device-configuration\//);
    expect(errors).toEqual([]);
  });
});
