// The Policies section on the bakeries' tenant (its own, in scripts/e2e-fleet.ts): a rule added to
// the intent that an earlier rule shadows is saved with the warning under it; the deployment wizard
// (scope, dry run with each site's diff, strategy, review) leads to the deployment's live page until
// it completes on both boxes; the two versions compared and a rollback to the first started. Each
// page checked by axe at 1280 and 390 wide; no console error.
import { expect, test, type APIRequestContext, type Page } from '@playwright/test';
import { seriousViolations } from './axe.ts';
import { consoleErrors, e2eFleet } from './environment.ts';
import { keepScreenshot, screenshotWizardStep } from './screenshots.ts';
import { signIn } from './sign-in.ts';

const viewports = [{ width: 1280, height: 800 }, { width: 390, height: 844 }];
const staffWeb = { name: 'staff-web', from: { kind: 'department', name: 'Staff' }, to: { kind: 'internet' }, applications: ['https', 'dns'], action: 'allow', log: true };

async function tenantId(request: APIRequestContext): Promise<string> {
  const tenants = (await (await request.get('/api/v1/tenants?limit=500')).json()) as { items: { id: string; name: string }[] };
  return tenants.items.find((tenant) => tenant.name === e2eFleet.policyTenant())!.id;
}

/** The tenant's first policy version, through the API: Staff may browse the web (HTTPS and DNS). */
async function deployFirstVersion(request: APIRequestContext, tenant: string): Promise<void> {
  const path = `/api/v1/tenants/${tenant}/policy-intent`;
  const etag = (await request.get(path)).headers()['etag']!;
  const saved = await request.put(path, { headers: { 'if-match': etag }, data: { departments: [{ name: 'Staff' }], firewallRules: [staffWeb] } });
  expect(saved.status(), await saved.text()).toBe(200);
  const started = await request.post(`/api/v1/tenants/${tenant}/policy-deployments`, { data: { concurrency: 2, failureBudgetPct: 100 } });
  expect(started.status(), await started.text()).toBe(202);
  const { progressUrl } = (await started.json()) as { progressUrl: string };
  await expect.poll(async () => ((await (await request.get(progressUrl)).json()) as { status: string }).status, { timeout: 120_000 }).toBe('completed');
}

/** No serious or critical axe violation at either width; a screenshot of each kept. */
async function accessibleAtBothWidths(page: Page, name: string): Promise<void> {
  for (const viewport of viewports) {
    await page.setViewportSize(viewport);
    expect(await seriousViolations(page), `${name} at ${viewport.width}`).toEqual([]);
    await keepScreenshot(page, 'policies', `${name}-${viewport.width}`);
  }
  await page.setViewportSize(viewports[0]!);
}

const main = (page: Page) => page.getByRole('main');

test('policies: a shadowed rule warned of, the deployment wizard through its dry run to a completed deployment, versions compared and a rollback started', async ({ page }) => {
  test.setTimeout(300_000);
  await signIn(page);
  const errors = consoleErrors(page);
  await deployFirstVersion(page.request, await tenantId(page.request));

  await page.getByRole('combobox', { name: 'Tenant' }).selectOption({ label: e2eFleet.policyTenant() });
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Policies' }).click();
  await expect(page.getByRole('heading', { name: 'Policies', level: 2 })).toBeVisible();
  const intent = page.getByRole('form', { name: 'Policy intent' });
  await expect(intent.getByRole('listitem', { name: 'Rule staff-web' })).toBeVisible();

  // A rule denying Staff's HTTPS, after the rule that lets it out: saved, with the warning under it.
  await intent.getByRole('button', { name: 'Add a firewall rule' }).click();
  // The second rule (its name, and so its label, changes as it is typed).
  const added = intent.getByRole('listitem').nth(1);
  await added.getByLabel('Rule name').fill('staff-no-https');
  await added.getByLabel('Source name').fill('Staff');
  await added.getByLabel('Applications (comma-separated; none: any)').fill('https');
  await added.getByLabel('Action').selectOption('deny');
  await intent.getByRole('button', { name: 'Save the intent' }).click();
  await expect(page.getByRole('status').filter({ hasText: /saved/i })).toBeVisible();
  const shadowed = intent.getByRole('listitem', { name: 'Rule staff-no-https' });
  await expect(shadowed.getByRole('note')).toContainText('is shadowed by rule "staff-web" (firewallRules.0), which matches all its traffic first and allows what it would deny');
  await accessibleAtBothWidths(page, 'intent');

  // The wizard: scope and options, then the dry run with each bakery's own diff.
  await main(page).getByRole('link', { name: 'Deploy the intent' }).click();
  await expect(page.getByRole('heading', { name: 'Scope and options', level: 3 })).toBeFocused();
  await page.getByLabel('Note').fill('Staff HTTPS denied (shadowed: a test of the warning)');
  await screenshotWizardStep(page, 'deploy-policy', 1, 'options');
  await page.getByRole('button', { name: 'Next' }).click();
  await expect(page.getByRole('heading', { name: 'Dry run', level: 3 })).toBeVisible({ timeout: 90_000 });
  await expect(page.getByRole('status').filter({ hasText: '2 of 2 site(s) would change.' })).toBeVisible();
  const dryRun = page.getByRole('list', { name: 'Sites in the dry run' });
  for (const site of e2eFleet.policySites()) {
    await dryRun.getByText(`Diff of ${site}`).click();
    await expect(dryRun.getByRole('listitem').filter({ hasText: site }).locator('pre')).toContainText('<name>staff-no-https</name>');
  }
  await accessibleAtBothWidths(page, 'deploy-dry-run');
  await screenshotWizardStep(page, 'deploy-policy', 2, 'dry-run');
  await page.getByRole('button', { name: 'Next' }).click();

  // Strategy: one bakery at a time, in waves of one then the rest.
  await expect(page.getByRole('heading', { name: 'Strategy', level: 3 })).toBeVisible();
  await page.getByLabel('Sites deployed at once').fill('1');
  await page.getByLabel('Waves').fill('1');
  await screenshotWizardStep(page, 'deploy-policy', 3, 'strategy');
  await page.getByRole('button', { name: 'Next' }).click();
  await expect(page.getByRole('heading', { name: 'Review', level: 3 })).toBeVisible();
  await expect(page.getByRole('definition').filter({ hasText: e2eFleet.policySites().join(', ') })).toBeVisible();
  await expect(page.getByRole('definition').filter({ hasText: '1, then the rest' })).toBeVisible();
  await accessibleAtBothWidths(page, 'deploy-review');
  await screenshotWizardStep(page, 'deploy-policy', 4, 'review');
  await page.getByRole('button', { name: 'Deploy', exact: true }).click();

  // The deployment's live page, to completion: both bakeries deployed.
  await expect(page.getByRole('heading', { name: 'Policy version 2', level: 2 })).toBeVisible({ timeout: 20_000 });
  await expect(page.getByTestId('deployment-state')).toHaveText('completed', { timeout: 180_000 });
  const sites = page.getByRole('table', { name: 'Sites' });
  for (const site of e2eFleet.policySites()) await expect(sites.getByRole('row', { name: new RegExp(site) })).toContainText('deployed');
  await accessibleAtBothWidths(page, 'deployment');

  // The versions: 2 compared with 1 (the rule added), then a rollback to 1 started.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Policies' }).click();
  await main(page).getByRole('button', { name: 'Compare version 2 with 1' }).click();
  const compared = page.getByRole('region', { name: 'From version 1 to version 2' });
  await expect(compared.getByRole('definition')).toContainText('Added: staff-no-https');
  await accessibleAtBothWidths(page, 'versions');
  page.once('dialog', (dialog) => void dialog.accept());
  await main(page).getByRole('button', { name: 'Roll back to version 1' }).click();
  await expect(page.getByRole('heading', { name: 'Policy version 3', level: 2 })).toBeVisible({ timeout: 20_000 });
  await expect(page.getByRole('definition').filter({ hasText: 'version 1' })).toBeVisible();
  await expect(page.getByTestId('deployment-state')).toHaveText('completed', { timeout: 180_000 });
  expect(errors).toEqual([]);
});
