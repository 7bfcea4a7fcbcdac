import { expect, test } from '@playwright/test';
import { consoleErrors } from './environment.ts';
import { adminCredentials, signIn } from './sign-in.ts';

test.describe('sign-in', () => {
  test('a first visit shows the form, and signing in brings the dashboard, with nothing in the console', async ({ page }) => {
    const errors = consoleErrors(page);
    await page.goto('/');
    await expect(page.getByLabel('Email')).toBeFocused();
    await signIn(page);
    await page.reload();
    await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible();
    expect(errors).toEqual([]);
  });

  test('with a wrong password, says so and stays on the form', async ({ page }) => {
    await page.goto('/');
    await expect(page.getByLabel('Email')).toBeFocused();
    await page.getByLabel('Email').fill(adminCredentials().email);
    await page.getByLabel('Password').fill('not-the-admin-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert')).not.toBeEmpty();
    await expect(page.getByRole('heading', { name: 'Sites' })).toHaveCount(0);
  });

  test('shows who is signed in, and signing out returns to the form for good', async ({ page }) => {
    await signIn(page);
    const { user } = await (await page.request.get('/api/v1/session')).json() as { user: { displayName: string } };
    await expect(page.getByRole('banner')).toContainText(user.displayName);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
    await page.reload();
    await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
  });

  test('when the session ends, the next request brings the form back', async ({ page }) => {
    await signIn(page);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Sites' }).click();
    await expect(page.getByRole('heading', { name: 'Sites', level: 2 })).toBeVisible();
    await page.context().clearCookies();
    await page.getByLabel('Search').fill('lyon');
    await expect(page.getByRole('status')).toHaveText('Your session has ended. Sign in again.');
    await expect(page.getByLabel('Email')).toBeFocused();
  });
});
