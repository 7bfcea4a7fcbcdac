import { expect, test } from '@playwright/test';
import { consoleErrors } from './environment.ts';
import { signIn } from './sign-in.ts';

test.describe('navigation', () => {
  test('moves between the dashboards in place, and the address names the page', async ({ page }) => {
    await signIn(page);
    // Signed in, the home dashboard.
    await expect(page).toHaveURL(/\/$/);
    await expect(page.getByRole('heading', { name: 'Dashboard', level: 2 })).toBeVisible();
    const errors = consoleErrors(page);
    const main = page.getByRole('navigation', { name: 'Main' });

    await main.getByRole('link', { name: 'Devices' }).click();
    await expect(page.getByRole('heading', { name: 'Devices', level: 2 })).toBeVisible();
    await expect(page).toHaveURL(/\/devices$/);
    await expect(main.getByRole('link', { name: 'Devices' })).toHaveAttribute('aria-current', 'page');

    await main.getByRole('link', { name: 'Alarms' }).click();
    await expect(page.getByRole('heading', { name: 'Alarms', level: 2 })).toBeVisible();
    await page.goBack();
    await expect(page.getByRole('heading', { name: 'Devices', level: 2 })).toBeVisible();

    // A page opened by its address, as from a bookmark.
    await page.goto('/runs');
    await expect(page.getByRole('heading', { name: 'Runs', level: 2 })).toBeVisible();
    await expect(page).toHaveTitle('Runs · Branchline');
    await page.goto('/no/such/page');
    await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible();
    await page.getByRole('link', { name: 'Go to the dashboard' }).click();
    await expect(page.getByRole('heading', { name: 'Dashboard', level: 2 })).toBeVisible();
    expect(errors).toEqual([]);
  });

  test('the keyboard reaches every section, starting with a skip link', async ({ page }) => {
    await signIn(page);
    await page.keyboard.press('Tab');
    await expect(page.getByRole('link', { name: 'Skip to content' })).toBeFocused();
    await page.keyboard.press('Tab');
    await expect(page.getByRole('link', { name: 'Dashboard' })).toBeFocused();
    await page.keyboard.press('Tab');
    await expect(page.getByRole('link', { name: 'Sites' })).toBeFocused();
    await page.keyboard.press('Tab');
    await expect(page.getByRole('link', { name: 'Topology' })).toBeFocused();
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await expect(page.getByRole('heading', { name: 'Devices', level: 2 })).toBeVisible();
  });
});
