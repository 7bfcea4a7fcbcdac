import { expect, test, type APIRequestContext, type Page } from '@playwright/test';
import { consoleErrors, e2eFleet } from './environment.ts';
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

  test('shows a failed onboarding with the step that failed and why, offers retry, abort and the Temporal Web UI to an admin only, and aborts it', async ({ page, browser }) => {
    const errors = consoleErrors(page);
    const site = await siteNamed(page.request, 'Munich store');
    // A branch whose hub is not active yet: the onboarding fails at once and waits for a decision.
    const workflowId = await start(page.request, `/api/v1/sites/${site.id}/onboarding`);
    const operator = await tenantOperator(page.request, site.tenantId);
    await page.goto('/runs');
    await page.getByRole('row', { name: new RegExp(workflowId) }).getByRole('link', { name: 'Site onboarding' }).click();
    await expect(page.getByRole('heading', { name: 'Site onboarding', level: 2 })).toBeVisible();
    await expect(step(page, 'Validate the site').getByText('Failed')).toBeVisible();
    await expect(step(page, 'Validate the site')).toContainText('Hub Frankfurt hub is planned');
    await expect(page.getByRole('alert')).toContainText(['Failed at “Validate the site”']);
    await expect(step(page, 'Allocate addresses and tunnel ids').getByText('Pending')).toBeVisible();
    const temporal = page.getByRole('link', { name: 'Open this run in the Temporal Web UI' });
    await expect(temporal).toHaveAttribute('href', new RegExp(`/workflows/${encodeURIComponent(workflowId)}/`));
    await expect(page.getByRole('navigation', { name: 'Tools' }).getByRole('link', { name: 'Temporal Web UI' })).toBeVisible();
    const retry = page.getByRole('button', { name: 'Retry from the failed step' });
    await expect(retry).toBeVisible();
    await keepScreenshot(page, 'progress', 'onboarding-failed');

    const context = await browser.newContext();
    // What the API tells the operator's browser about its surroundings, each answer as it came.
    const configs: unknown[] = [];
    await context.route('**/api/v1/config', async (route) => {
      const response = await route.fetch();
      configs.push(await response.json());
      await route.fulfill({ response });
    });
    const operatorPage = await context.newPage();
    await signIn(operatorPage, operator);
    await expect(operatorPage.getByLabel('Tenant')).toHaveCount(0);
    await operatorPage.goto(`/runs/${workflowId}`);
    await expect(operatorPage.getByText('Failed at “Validate the site”')).toBeVisible();
    await expect(operatorPage.getByRole('button', { name: /Retry|Abort/ })).toHaveCount(0);
    // The Temporal Web UI shows every tenant's runs: a tenant's people follow the run here only.
    await expect.poll(() => configs.length).toBeGreaterThanOrEqual(2); // after signing in, and on this page
    for (const config of configs) expect(config).not.toHaveProperty('temporalUiUrl');
    await expect(operatorPage.getByRole('link', { name: /Temporal Web UI/ })).toHaveCount(0);
    await context.close();

    await page.getByRole('button', { name: 'Abort the onboarding' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Onboarding aborted' })).toBeVisible();
    await expect(retry).toHaveCount(0);
    expect(errors).toEqual([]);
  });

  test('follows an onboarding live, from the running runs to each device provisioned as its box phones home', async ({ page }) => {
    const errors = consoleErrors(page);
    const acme = await siteNamed(page.request, 'Lyon store');
    // The box ships with the site: its serial is known, and the installer has its activation code.
    const serial = e2eFleet.factorySerials()[0]!;
    const created = await page.request.post('/api/v1/sites', {
      data: {
        tenantId: acme.tenantId, name: 'Nantes store', timezone: 'Europe/Paris', topology: 'full_mesh',
        devices: [{ role: 'primary', model: 'SRX-SIM-300', serial }],
        wanLinks: [{ name: 'internet', type: 'broadband', interfaceName: 'ge-0/0/0', bandwidthMbps: 100, monthlyCost: 40 }],
      },
    });
    expect(created.status(), await created.text()).toBe(201);
    const site = (await created.json()) as { id: string; activationCodes: { code: string }[] };
    await page.goto('/runs');
    await expect(page.getByRole('heading', { name: 'Runs', level: 2 })).toBeVisible();
    const workflowId = await start(page.request, `/api/v1/sites/${site.id}/onboarding`);
    // No reload: the list follows the run events.
    await page.getByRole('region', { name: 'Running' }).getByRole('row', { name: new RegExp(workflowId) }).getByRole('link', { name: 'Site onboarding' }).click();

    // A mesh site's boxes phone home before its turn in the tenant's mesh: nothing is rendered before.
    await expect(step(page, 'Wait for the boxes to phone home').getByText('Running')).toBeVisible();
    await expect(step(page, 'Render device configurations').getByText('Completed')).toHaveCount(0);
    const device = page.getByRole('list', { name: 'Provisioning of nantes-store-01' });
    await expect(device.getByRole('listitem', { name: 'Wait for the box to phone home' }).getByText('Running')).toBeVisible();
    await keepScreenshot(page, 'progress', 'onboarding-waiting-for-phone-home');

    // The installer types the activation code into the box, which phones home with it.
    const typed = await page.request.post(`${e2eFleet.factoryControlUrl()}/devices/${serial}/activation-code`, { data: { code: site.activationCodes[0]!.code } });
    expect(typed.ok()).toBe(true);
    await expect(device.getByRole('listitem', { name: 'Wait for the box to phone home' }).getByText('Completed')).toBeVisible({ timeout: 30_000 });
    await expect(page.getByRole('heading', { name: new RegExp(serial) })).toBeVisible();
    await expect(step(page, 'Mark the site active').getByText('Completed')).toBeVisible({ timeout: 60_000 });
    await expect(page.getByRole('definition').filter({ hasText: 'Completed' })).toBeVisible();
    await keepScreenshot(page, 'progress', 'onboarding-completed');
    expect(errors).toEqual([]);
  });
});
