import { expect, test } from '@playwright/test';
import { consoleErrors } from './environment.ts';
import { signIn } from './sign-in.ts';

test.describe('sites dashboard', () => {
  test.beforeEach(async ({ page }) => {
    await signIn(page);
  });

  test('shows the demo sites with their status, and filters them by tenant and name', async ({ page }) => {
    const errors = consoleErrors(page);
    await page.goto('/sites');
    await expect(page.getByRole('heading', { name: 'Sites' })).toBeVisible();
    const rows = page.getByRole('row');
    await expect(rows.filter({ hasText: 'Lyon store' })).toBeVisible();
    await expect(rows.filter({ hasText: 'Frankfurt hub' }).getByText('Hub', { exact: true })).toBeVisible();
    await expect(rows.filter({ hasText: 'Lyon store' }).getByText('Planned')).toBeVisible();

    await page.getByLabel('Tenant').selectOption({ label: 'Globex Logistics' });
    await expect(rows.filter({ hasText: 'Rotterdam depot' })).toBeVisible();
    await expect(rows.filter({ hasText: 'Lyon store' })).toHaveCount(0);

    await page.getByLabel('Search').fill('antw');
    await expect(rows.filter({ hasText: 'Antwerp depot' })).toBeVisible();
    await expect(rows.filter({ hasText: 'Rotterdam depot' })).toHaveCount(0);

    await page.getByLabel('Search').fill('no such site');
    await expect(page.getByText('No sites match')).toBeVisible();
    expect(errors).toEqual([]);
  });

  test('links to the API documentation, which renders the OpenAPI document', async ({ page }) => {
    await page.getByRole('link', { name: 'API documentation' }).click();
    // Swagger UI renders the whole document in the browser, which takes a while on a loaded machine.
    await expect(page.getByRole('heading', { name: /Branchline API/ })).toBeVisible({ timeout: 30_000 });
    // Every tag is listed, closed; opening one shows its operations.
    await expect(page.getByRole('heading', { name: /^Platform/ })).toBeVisible();
    await page.getByRole('heading', { name: /^Sites/ }).click();
    await expect(page.getByText('/api/v1/sites/{siteId}').first()).toBeVisible({ timeout: 30_000 });
  });
});
