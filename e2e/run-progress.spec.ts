import { expect, test, type APIRequestContext, type Page } from '@playwright/test';
import { consoleErrors } from './environment.ts';
import { keepScreenshot } from './screenshots.ts';
import { signIn } from './sign-in.ts';

interface Named { id: string; name: string }

async function siteNamed(request: APIRequestContext, name: string): Promise<Named & { tenantId: string }> {
  const answer = await request.get(`/api/v1/sites?search=${encodeURIComponent(name)}`);
  expect(answer.ok()).toBe(true);
  return ((await answer.json()) as { items: (Named & { tenantId: string })[] }).items[0]!;
}

async function start(request: APIRequestContext, path: string, body: unknown = {}): Promise<string> {
  const answer = await request.post(path, { data: body });
  expect(answer.status(), await answer.text()).toBe(202);
  return ((await answer.json()) as { workflowId: string }).workflowId;
}

/** A read-only operator of one tenant, created through the API as the admin would. */
async function tenantOperator(request: APIRequestContext, tenantId: string) {
  const roles = (await (await request.get('/api/v1/roles?limit=100')).json()) as { items: Named[] };
  const credentials = { email: `operator-${Date.now()}@acme.example`, password: 'operator-password-123' };
  const created = await request.post('/api/v1/users', {
    data: { ...credentials, displayName: 'Acme operator', bindings: [{ roleId: roles.items.find((r) => r.name === 'Tenant operator')!.id, tenantId }] },
  });
  expect(created.status(), await created.text()).toBe(201);
  return credentials;
}

const step = (page: Page, label: string) => page.getByRole('list', { name: 'Steps' }).getByRole('listitem', { name: label });

test.describe('run progress page', () => {
  test.beforeEach(async ({ page }) => {
    await signIn(page);
  });

  test('shows a failed decommission with the step that failed and why, and links to Temporal', async ({ page }) => {
    const errors = consoleErrors(page);
    const site = await siteNamed(page.request, 'Munich store');
    const workflowId = await start(page.request, `/api/v1/sites/${site.id}/decommission`);
    await page.goto('/runs');
    await page.getByRole('link', { name: 'Decommission' }).first().click();
    await expect(page.getByRole('heading', { name: 'Decommission', level: 2 })).toBeVisible();
    await expect(page.getByText(workflowId)).toBeVisible();

    await expect(step(page, 'Validate the site').getByText('Failed')).toBeVisible();
    await expect(step(page, 'Validate the site')).toContainText('Munich store is planned');
    await expect(page.getByRole('alert')).toContainText('Munich store is planned');
    await expect(step(page, 'Reset the devices').getByText('Pending')).toBeVisible();
    await expect(page.getByRole('button')).toHaveText(['Sign out']);
    const temporal = page.getByRole('link', { name: 'Open this run in the Temporal Web UI' });
    await expect(temporal).toHaveAttribute('href', new RegExp(`/workflows/${encodeURIComponent(workflowId)}/`));
    await keepScreenshot(page, 'progress', 'decommission-failed');
    expect(errors).toEqual([]);
  });

  test("follows an onboarding live: it appears among the running runs, then its steps and each device's provisioning", async ({ page }) => {
    const errors = consoleErrors(page);
    await page.goto('/runs');
    await expect(page.getByRole('heading', { name: 'Runs', level: 2 })).toBeVisible();
    const site = await siteNamed(page.request, 'Porto store');
    const workflowId = await start(page.request, `/api/v1/sites/${site.id}/onboarding`);
    // No reload: the list follows the run events.
    const running = page.getByRole('region', { name: 'Running' });
    await running.getByRole('row', { name: new RegExp(workflowId) }).getByRole('link', { name: 'Site onboarding' }).click();

    await expect(page.getByRole('heading', { name: 'Site onboarding', level: 2 })).toBeVisible();
    await expect(step(page, 'Render device configurations').getByText('Completed')).toBeVisible();
    await expect(step(page, 'Zero-touch provisioning of the devices').getByText('Running')).toBeVisible();
    const device = page.getByRole('list', { name: 'Provisioning of porto-store' });
    await expect(device.getByRole('listitem', { name: 'Wait for the box to phone home' }).getByText('Running')).toBeVisible();
    await keepScreenshot(page, 'progress', 'onboarding-waiting-for-phone-home');
    expect(errors).toEqual([]);
  });

  test('offers retry and abort of a failed onboarding to an admin, not to a read-only operator, and aborts it', async ({ page, browser }) => {
    test.setTimeout(180_000);
    const errors = consoleErrors(page);
    const site = await siteNamed(page.request, 'Lyon store');
    // A minute for the box to phone home; none does, so the onboarding fails and waits for a decision.
    const workflowId = await start(page.request, `/api/v1/sites/${site.id}/onboarding`, { phoneHomeWithinMinutes: 1 });
    const operator = await tenantOperator(page.request, site.tenantId);
    await page.goto(`/runs/${workflowId}`);
    const retry = page.getByRole('button', { name: 'Retry from the failed step' });
    await expect(retry).toBeVisible({ timeout: 150_000 });
    await expect(page.getByRole('alert').first()).toContainText('Failed at');

    const context = await browser.newContext();
    const operatorPage = await context.newPage();
    await signIn(operatorPage, operator);
    await expect(operatorPage.getByLabel('Tenant')).toHaveCount(0);
    await operatorPage.goto(`/runs/${workflowId}`);
    await expect(operatorPage.getByRole('heading', { name: 'Site onboarding', level: 2 })).toBeVisible();
    await expect(operatorPage.getByText('Failed at')).toBeVisible();
    await expect(operatorPage.getByRole('button', { name: /Retry|Abort/ })).toHaveCount(0);
    await context.close();

    await page.getByRole('button', { name: 'Abort the onboarding' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Onboarding aborted' })).toBeVisible();
    await expect(retry).toHaveCount(0);
    expect(errors).toEqual([]);
  });
});
