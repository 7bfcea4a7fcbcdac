// The browser signs in as the SP admin that scripts/test.ts has the API create.
import { expect, type Page } from '@playwright/test';

export interface Credentials {
  email: string;
  password: string;
}

export function adminCredentials(): Credentials {
  const email = process.env['E2E_ADMIN_EMAIL'];
  const password = process.env['E2E_ADMIN_PASSWORD'];
  if (!email || !password) {
    throw new Error('Set E2E_ADMIN_EMAIL and E2E_ADMIN_PASSWORD to the admin the API was started with (npm run test:e2e does).');
  }
  return { email, password };
}

/** Opens the UI and signs in, ending on the dashboard. */
export async function signIn(page: Page, credentials: Credentials = adminCredentials()) {
  await page.goto('/');
  await page.getByLabel('Email').fill(credentials.email);
  await page.getByLabel('Password').fill(credentials.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible();
}
