import { expect, test } from '@playwright/test';
import { consoleErrors, e2eFleet } from './environment.ts';
import { signIn } from './sign-in.ts';

test.describe('dashboards', () => {
  test.beforeEach(async ({ page }) => {
    await signIn(page);
  });

  test('devices: the fleet in service with its software, and the boxes that phoned home unclaimed', async ({ page }) => {
    const errors = consoleErrors(page);
    await page.getByRole('link', { name: 'Devices' }).click();
    const devices = page.getByRole('region', { name: 'Devices' }).getByRole('row');
    const ghent = devices.filter({ hasText: 'ghent-pharmacy' });
    await expect(ghent).toContainText(e2eFleet.serials()[0]!);
    await expect(ghent.getByText('Online')).toBeVisible();
    await expect(devices.filter({ hasText: 'lyon-store' }).getByText('not shipped yet')).toBeVisible();

    await page.getByLabel('Search').fill(e2eFleet.serials()[1]!);
    await expect(devices.filter({ hasText: 'bruges-pharmacy' })).toBeVisible();
    await expect(devices.filter({ hasText: 'ghent-pharmacy' })).toHaveCount(0);
    await page.getByLabel('Search').fill('no such device');
    await expect(page.getByText('No devices match')).toBeVisible();

    // The factory-default boxes phone home every few seconds; the list is read when the page opens.
    const unclaimed = page.getByRole('region', { name: 'Unclaimed boxes' });
    await expect(async () => {
      await page.reload();
      for (const serial of e2eFleet.factorySerials()) await expect(unclaimed.getByRole('row', { name: new RegExp(serial) })).toBeVisible({ timeout: 1000 });
    }).toPass({ timeout: 30_000 });
    expect(errors).toEqual([]);
  });

  test('the tenant switcher narrows every dashboard to one tenant', async ({ page }) => {
    const errors = consoleErrors(page);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Sites' }).click();
    await page.getByLabel('Tenant').selectOption({ label: e2eFleet.tenant() });
    const rows = page.getByRole('row');
    await expect(rows.filter({ hasText: e2eFleet.sites()[0]! })).toBeVisible();
    await expect(rows.filter({ hasText: 'Lyon store' })).toHaveCount(0);

    await page.getByRole('link', { name: 'Devices' }).click();
    await expect(rows.filter({ hasText: 'ghent-pharmacy' })).toBeVisible();
    await expect(rows.filter({ hasText: 'lyon-store' })).toHaveCount(0);

    await page.getByLabel('Tenant').selectOption({ label: 'All tenants' });
    await expect(rows.filter({ hasText: 'lyon-store' })).toBeVisible();
    expect(errors).toEqual([]);
  });

  test('runs and alarms of a tenant with none say what will appear there', async ({ page }) => {
    const errors = consoleErrors(page);
    await page.getByLabel('Tenant').selectOption({ label: 'Globex Logistics' });
    await page.getByRole('link', { name: 'Runs' }).click();
    await expect(page.getByRole('region', { name: 'Running' }).getByText('Nothing running')).toBeVisible();
    await expect(page.getByRole('region', { name: 'Recent' }).getByText('No finished runs yet')).toBeVisible();

    await page.getByRole('link', { name: 'Alarms' }).click();
    await expect(page.getByText('No open alarms')).toBeVisible();
    await expect(page.getByText('Nothing needs you now.')).toBeVisible();
    expect(errors).toEqual([]);
  });
});
