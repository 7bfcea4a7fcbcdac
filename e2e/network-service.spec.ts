import { expect, test, type Page } from '@playwright/test';
import { seriousViolations } from './axe.ts';
import { consoleErrors, e2eFleet } from './environment.ts';
import { keepScreenshot, screenshotWizardStep } from './screenshots.ts';
import { signIn } from './sign-in.ts';

// Ostend pharmacy's NFX250 is this spec's alone; the catalogue holds vsrx and vrouter 1.0, and the
// tenant's template chains them (scripts/e2e-fleet.ts).
const main = (page: Page) => page.getByRole('main');
const desktop = { width: 1280, height: 800 };
const phone = { width: 390, height: 844 };

/** The page at both sizes, with no serious accessibility violation: test-results/screenshots/network-service/<name>-1280x800.png and -390x844.png. */
async function bothSizes(page: Page, name: string) {
  expect(await seriousViolations(page)).toEqual([]);
  await keepScreenshot(page, 'network-service', `${name}-1280x800`);
  await page.setViewportSize(phone);
  expect(await seriousViolations(page)).toEqual([]);
  await keepScreenshot(page, 'network-service', `${name}-390x844`);
  await page.setViewportSize(desktop);
}

test('a two-function network service: the catalogue, the wizard with its room check, the running service and its health, and termination', async ({ page }) => {
  test.setTimeout(300_000);
  await page.setViewportSize(desktop);
  await signIn(page);
  const errors = consoleErrors(page);
  const template = e2eFleet.serviceTemplate();

  // The catalogue: the tenant's template, the packages it chains.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Services' }).click();
  await expect(page.getByRole('heading', { name: 'Services', level: 2 })).toBeVisible();
  await expect(page.getByRole('table', { name: 'Network-service templates' }).getByRole('row', { name: new RegExp(template) })).toContainText('vsrx 1.0 → vrouter 1.0');
  await expect(page.getByRole('table', { name: 'VNF packages' }).getByRole('link', { name: 'vsrx 1.0' })).toBeVisible();
  await bothSizes(page, '01-services');

  await page.getByRole('table', { name: 'VNF packages' }).getByRole('link', { name: 'vsrx 1.0' }).click();
  await expect(page.getByRole('heading', { name: 'vsrx 1.0', level: 2 })).toBeVisible();
  await expect(page.getByRole('table', { name: 'Flavours' }).getByRole('row', { name: /large/ })).toContainText('8192 MiB');
  await expect(page.getByRole('table', { name: 'Day-1 parameters' }).getByRole('row', { name: /sessionLimit/ })).toContainText('100 to 100000');
  await bothSizes(page, '02-package');

  await page.getByRole('link', { name: 'All services and packages' }).click();
  await page.getByRole('table', { name: 'Network-service templates' }).getByRole('link', { name: template }).click();
  await expect(page.getByRole('heading', { name: `${template}, version 1`, level: 2 })).toBeVisible();
  await expect(page.getByRole('img', { name: /LAN side → vsrx 1\.0 \(small\) → vrouter 1\.0 \(small\) → WAN side/ })).toBeVisible();
  await expect(page.getByRole('table', { name: 'Versions' }).getByRole('row')).toHaveCount(2);
  await bothSizes(page, '03-template');

  // The wizard. 1: tenant and template.
  await page.getByRole('link', { name: 'All services and packages' }).click();
  await main(page).getByRole('link', { name: 'Add a network service' }).click();
  await expect(page.getByRole('heading', { name: 'Template', level: 3 })).toBeFocused();
  await page.getByRole('button', { name: 'Next' }).click();
  await expect(page.getByText('Tenant is required: choose a tenant')).toBeVisible();
  await main(page).getByRole('combobox', { name: 'Tenant', exact: true }).selectOption({ label: e2eFleet.tenant() });
  await page.getByRole('radio', { name: new RegExp(template) }).check();
  await screenshotWizardStep(page, 'network-service-wizard', 1, 'template');
  await page.getByRole('button', { name: 'Next' }).click();

  // 2: the site and its uCPE (its only one, chosen for the operator).
  await expect(page.getByRole('heading', { name: 'Site and uCPE', level: 3 })).toBeVisible();
  await page.getByRole('combobox', { name: 'Site' }).selectOption({ label: e2eFleet.ucpeSite() });
  await expect(page.getByRole('combobox', { name: 'uCPE' })).toContainText('NFX250');
  await expect(page.getByRole('combobox', { name: 'uCPE' })).not.toHaveValue('');
  await screenshotWizardStep(page, 'network-service-wizard', 2, 'site');
  await page.getByRole('button', { name: 'Next' }).click();

  // 3: flavours too large for the box together (4 + 4 vCPUs of 6).
  await expect(page.getByRole('heading', { name: 'Flavours', level: 3 })).toBeVisible();
  await page.getByRole('combobox', { name: 'Flavour of vsrx 1.0 (function 1)' }).selectOption('large');
  await page.getByRole('combobox', { name: 'Flavour of vrouter 1.0 (function 2)' }).selectOption('large');
  await screenshotWizardStep(page, 'network-service-wizard', 3, 'flavours');
  await page.getByRole('button', { name: 'Next' }).click();

  // 4: typed day-1 parameters; a prefix that is not one is refused on its field.
  await expect(page.getByRole('heading', { name: 'Day-1 parameters', level: 3 })).toBeVisible();
  const firewall = page.getByRole('group', { name: 'vsrx 1.0 (function 1)' });
  const router = page.getByRole('group', { name: 'vrouter 1.0 (function 2)' });
  await expect(firewall.getByRole('spinbutton', { name: 'sessionLimit' })).toHaveValue('10000');
  await firewall.getByRole('textbox', { name: 'hostName' }).fill('fw-ostend');
  await router.getByRole('textbox', { name: 'hostName' }).fill('rt-ostend');
  await router.getByRole('textbox', { name: 'lanPrefix' }).fill('10.1.2.0');
  await page.getByRole('button', { name: 'Next' }).click();
  await expect(router.getByRole('textbox', { name: 'lanPrefix' })).toHaveAttribute('aria-invalid', 'true');
  await expect(router.getByText('lanPrefix is an IPv4 prefix (192.0.2.1/24)')).toBeVisible();
  await router.getByRole('textbox', { name: 'lanPrefix' }).fill('10.1.2.0/24');
  await screenshotWizardStep(page, 'network-service-wizard', 4, 'parameters');
  await page.getByRole('button', { name: 'Next' }).click();

  // The review asks the API: the chain does not fit, in its words.
  await expect(page.getByRole('heading', { name: 'Review', level: 3 })).toBeVisible();
  await expect(main(page).getByRole('alert').filter({ hasText: 'has not the room for the chain: 8 vCPUs asked, 6 of 6 free' })).toBeVisible();
  await screenshotWizardStep(page, 'network-service-wizard', 5, 'review-no-room');
  await page.getByRole('navigation', { name: 'Steps' }).getByRole('button', { name: '3. Flavours' }).click();
  await page.getByRole('combobox', { name: 'Flavour of vsrx 1.0 (function 1)' }).selectOption('medium');
  await page.getByRole('combobox', { name: 'Flavour of vrouter 1.0 (function 2)' }).selectOption('small');
  await page.getByRole('button', { name: 'Next' }).click();
  await expect(page.getByRole('group', { name: 'vsrx 1.0 (function 1)' }).getByRole('textbox', { name: 'hostName' })).toHaveValue('fw-ostend');
  await page.getByRole('button', { name: 'Next' }).click();
  await expect(page.getByText('The chain fits')).toBeVisible();
  await expect(page.getByRole('table', { name: 'Room on the uCPE' }).getByRole('row', { name: /This chain needs/ })).toContainText('3');
  await expect(page.getByLabel('Day-1 configuration of vrouter')).toContainText('<host-name>rt-ostend</host-name>');
  await screenshotWizardStep(page, 'network-service-wizard', 6, 'review');
  await page.setViewportSize(phone);
  await screenshotWizardStep(page, 'network-service-wizard', 7, 'review-390x844');
  await page.setViewportSize(desktop);
  await page.getByRole('button', { name: 'Start the network service' }).click();

  // The service's page follows it until both functions run healthy.
  await expect(page).toHaveURL(/\/network-services\/[0-9a-f-]{36}$/);
  await expect(page.getByRole('heading', { name: new RegExp(`^Network service ${template}-`), level: 2 })).toBeVisible();
  await expect(page.getByRole('status', { name: 'Service status' })).toContainText('Active', { timeout: 180_000 });
  const functions = page.getByRole('table', { name: 'Functions' });
  await expect(functions.getByRole('row', { name: /vsrx/ })).toContainText('healthy', { timeout: 60_000 });
  await expect(functions.getByRole('row', { name: /vrouter/ })).toContainText('healthy', { timeout: 60_000 });
  await expect(page.getByRole('img', { name: /vsrx 1\.0 \(medium\), Running, healthy → vrouter 1\.0 \(small\), Running, healthy/ })).toBeVisible({ timeout: 30_000 });
  await expect(page.getByRole('link', { name: e2eFleet.ucpeSite() })).toBeVisible();
  await expect(page.getByRole('link', { name: /NFX250/ })).toBeVisible();
  await expect(page.getByText('Path through the chain, as the uCPE reports it')).toContainText('forwarding');
  const serviceUrl = page.url();
  const serviceName = (await page.getByRole('heading', { level: 2 }).textContent())!.replace(/^Network service /, '').trim();
  await bothSizes(page, '04-network-service');

  // The site's page lists its network services, each with its status and a link to its page.
  await main(page).getByRole('link', { name: e2eFleet.ucpeSite() }).click();
  await expect(page.getByRole('heading', { name: e2eFleet.ucpeSite(), level: 2 })).toBeVisible();
  const siteServices = page.getByRole('table', { name: 'Network services' });
  await expect(siteServices.getByRole('row', { name: new RegExp(serviceName) })).toContainText('Active');
  await expect(siteServices.getByRole('row', { name: new RegExp(serviceName) })).toContainText('vsrx 1.0 → vrouter 1.0');
  await bothSizes(page, '04b-site-network-services');
  await siteServices.getByRole('link', { name: serviceName }).click();
  await expect(page).toHaveURL(serviceUrl);

  // A function's VNF instance: its health, and what its state allows (no decision on a failed operation).
  await functions.getByRole('link', { name: /^vsrx-/ }).click();
  await expect(page.getByRole('heading', { name: /^VNF instance vsrx-/, level: 2 })).toBeVisible();
  await expect(page.getByRole('status', { name: 'Instance status' })).toContainText('Running');
  await expect(page.getByLabel('Health')).toContainText('healthy');
  const operations = page.getByRole('region', { name: 'Operations' });
  await expect(operations.getByRole('button', { name: 'Heal now' })).toBeVisible();
  await expect(operations.getByRole('combobox', { name: 'New flavour' })).toBeVisible();
  await expect(operations.getByRole('button', { name: 'Retry the failed operation' })).toHaveCount(0);
  // It names its network service, and links back to it.
  await expect(page.getByRole('link', { name: serviceName })).toBeVisible();
  await bothSizes(page, '05-vnf-instance');
  await page.getByRole('link', { name: serviceName }).click();
  await expect(page).toHaveURL(serviceUrl);

  // Terminated from its page: last function first, every reservation released.
  await page.goto(serviceUrl);
  await page.getByRole('button', { name: 'Terminate the service' }).click();
  await page.getByRole('button', { name: 'Terminate now' }).click();
  await expect(page.getByRole('status', { name: 'Service status' })).toContainText('Terminated', { timeout: 180_000 });
  await expect(functions.getByRole('row', { name: /vsrx/ })).toContainText('Terminated');
  await expect(page.getByRole('button', { name: 'Terminate the service' })).toHaveCount(0);
  await bothSizes(page, '06-terminated');

  expect(errors).toEqual([]);
});
