// Runs after the dashboards' specs (files run in name order), which read the demo as seeded:
// Globex Logistics without runs, every factory-default box unclaimed.
import { expect, test, type Page } from '@playwright/test';
import { consoleErrors, e2eFleet } from './environment.ts';
import { screenshotWizardStep } from './screenshots.ts';
import { signIn } from './sign-in.ts';

const stepHeading = (page: Page, name: string) => page.getByRole('heading', { name, level: 3 });
const next = (page: Page) => page.getByRole('button', { name: 'Next' }).click();
const step = (page: Page, label: string) => page.getByRole('list', { name: 'Steps' }).getByRole('listitem', { name: label });
const pppoePassword = 'Gh3nt-dep0t!';

test.describe('Add-site wizard', () => {
  test('models a branch step by step on a box waiting to be claimed, with a static and a PPPoE WAN link, reviews its configuration, and onboards it to active', async ({ page }) => {
    test.setTimeout(150_000);
    await signIn(page);
    const errors = consoleErrors(page);
    // The spec's own factory-default box: it phones home and waits among the unclaimed devices.
    const serial = e2eFleet.factorySerials()[1]!;
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Sites' }).click();
    await page.getByRole('link', { name: 'Add site' }).click();
    await expect(page.getByRole('heading', { name: 'Add site', level: 2 })).toBeVisible();

    // Details, with the API's own message inline first.
    await expect(stepHeading(page, 'Details')).toBeFocused();
    await page.getByLabel('Tenant', { exact: true }).selectOption({ label: 'Globex Logistics' });
    await next(page);
    await expect(page.getByText('Site name is required')).toBeVisible();
    await page.getByLabel('Site name').fill('Ghent depot');
    await page.getByLabel('Time zone').selectOption('Europe/Brussels');
    await page.getByLabel('Country (optional)').fill('BE');
    await page.getByLabel('Tags (optional)').fill('depots, belgium');
    await screenshotWizardStep(page, 'add-site', 1, 'details');
    await next(page);

    // Devices: the box waiting to be claimed is picked from the list.
    await expect(stepHeading(page, 'Devices')).toBeVisible();
    const box = page.getByRole('row', { name: new RegExp(serial) });
    await expect(box).toBeVisible({ timeout: 15_000 });
    await box.getByRole('button', { name: 'Use for the primary device' }).click();
    await expect(page.getByLabel('Serial (optional)')).toHaveValue(serial);
    await expect(page.getByLabel('Model')).toHaveValue('SRX-SIM-300');
    await screenshotWizardStep(page, 'add-site', 2, 'devices');
    await next(page);

    // WAN links: back keeps the input, next keeps it too.
    await expect(stepHeading(page, 'WAN links')).toBeVisible();
    const firstLink = page.getByRole('group', { name: 'WAN link 1' });
    await firstLink.getByLabel('Bandwidth (Mbit/s)').fill('250');
    await firstLink.getByLabel('Monthly cost').fill('45');
    await page.getByRole('button', { name: 'Back' }).click();
    await expect(page.getByLabel('Serial (optional)')).toHaveValue(serial);
    await next(page);
    await expect(firstLink.getByLabel('Bandwidth (Mbit/s)')).toHaveValue('250');

    // The first link has a static address from its provider; the API's checks come inline.
    await firstLink.getByLabel('Addressing').selectOption({ label: 'Static address' });
    await firstLink.getByLabel('Address', { exact: true }).fill('192.0.2.10/30');
    await firstLink.getByLabel('Gateway').fill('192.0.2.13');
    await next(page);
    await expect(firstLink.getByText("Gateway is outside the link's prefix 192.0.2.8/30")).toBeVisible();
    await firstLink.getByLabel('Gateway').fill('192.0.2.9');
    await firstLink.getByLabel('DNS servers (optional)').fill('9.9.9.9');

    // A second link is a PPPoE session, which asks for its credentials.
    await page.getByRole('button', { name: 'Add a WAN link' }).click();
    const secondLink = page.getByRole('group', { name: 'WAN link 2' });
    await expect(secondLink.getByLabel('Port')).toHaveValue('ge-0/0/1');
    await secondLink.getByLabel('Type').selectOption({ label: 'DSL' });
    await secondLink.getByLabel('Addressing').selectOption({ label: 'PPPoE' });
    await next(page);
    await expect(secondLink.getByText('PPPoE user name is required')).toBeVisible();
    await expect(secondLink.getByText('PPPoE password is required')).toBeVisible();
    await secondLink.getByLabel('PPPoE user name').fill('ghent-depot@isp.example');
    await secondLink.getByLabel('PPPoE password').fill(pppoePassword);
    await expect(secondLink.getByLabel('Authentication')).toHaveValue('chap');
    await screenshotWizardStep(page, 'add-site', 3, 'wan-links');
    await next(page);

    // LAN and departments, with a check across fields from the API's schema.
    await expect(stepHeading(page, 'LAN and departments')).toBeVisible();
    await page.getByRole('button', { name: 'Add a department' }).click();
    await page.getByLabel('Department 1').fill('Staff');
    await page.getByRole('button', { name: 'Add a LAN segment' }).click();
    await page.getByLabel('Segment 1 name').fill('staff');
    await page.getByLabel('Segment 1 prefix').fill('10.62.10.1/24');
    await next(page);
    await expect(page.getByText('Segment 1 prefix is not a network prefix (host bits set, or out of range)')).toBeVisible();
    await page.getByLabel('Segment 1 prefix').fill('10.62.10.0/24');
    await page.getByLabel('Segment 1 department').selectOption('Staff');
    await screenshotWizardStep(page, 'add-site', 4, 'lan');
    await next(page);

    // Hubs or mesh: Globex has no active hub, so the wizard says why and offers a mesh.
    await expect(stepHeading(page, 'Hubs or mesh')).toBeVisible();
    await expect(page.getByRole('status').filter({ hasText: 'Globex Logistics has no active hub' })).toBeVisible();
    await expect(page.getByLabel(/Hub and spoke/)).toBeDisabled();
    await page.getByLabel(/Full mesh/).check();
    await screenshotWizardStep(page, 'add-site', 5, 'overlay');
    await next(page);

    await expect(stepHeading(page, 'Policies and SLA')).toBeVisible();
    await expect(page.getByText('No application SLA policy')).toBeVisible();
    await screenshotWizardStep(page, 'add-site', 6, 'policies');
    await next(page);

    // Review: what will be stored, and the box's configuration against its factory default: the
    // static route, the PPPoE session (its password named, never shown) and the staff segment's DHCP server.
    await expect(stepHeading(page, 'Review')).toBeVisible();
    await expect(page.getByText('internet (Broadband, ge-0/0/0, 250 Mbit/s, 192.0.2.10/30 via 192.0.2.9); internet-2 (DSL, ge-0/0/1, 100 Mbit/s, PPPoE as ghent-depot@isp.example (CHAP))')).toBeVisible();
    const configuration = page.getByRole('region', { name: 'Configuration of ghent-depot-01' });
    const stage2 = configuration.getByLabel('Branch configuration (stage 2) of ghent-depot-01, as a diff');
    await expect(stage2).toContainText('+     <host-name>ghent-depot-01</host-name>');
    await expect(stage2).toContainText('<name>10.62.10.1/24</name>');
    await expect(stage2).toContainText('LOOPBACK/32');
    await expect(stage2).toContainText('<name>0.0.0.0/0</name>');
    await expect(stage2).toContainText('<negotiate-address/>');
    await expect(stage2).toContainText('<underlying-interface>ge-0/0/1.0</underlying-interface>');
    await expect(stage2).toContainText('<default-chap-secret>$secret{pppoe-password}</default-chap-secret>');
    await expect(stage2).toContainText('<low>10.62.10.2</low>');
    await expect(page.getByText("the device's loopback, allocated from the pool when onboarding starts")).toBeVisible();
    await expect(page.getByText('the PPPoE password, which only the device receives')).toBeVisible();
    await expect(page.getByText(pppoePassword)).toHaveCount(0);
    await screenshotWizardStep(page, 'add-site', 7, 'review');

    // Launch: the run's progress page, followed until the box is provisioned and the site active.
    await page.getByRole('button', { name: 'Create the site and start onboarding' }).click();
    await expect(page.getByRole('heading', { name: 'Site onboarding', level: 2 })).toBeVisible();
    const device = page.getByRole('list', { name: 'Provisioning of ghent-depot-01' });
    await expect(device.getByRole('listitem', { name: 'Wait for the box to phone home' }).getByText('Completed')).toBeVisible({ timeout: 30_000 });
    await expect(step(page, 'Mark the site active').getByText('Completed')).toBeVisible({ timeout: 90_000 });
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Sites' }).click();
    await expect(page.getByRole('row', { name: /Ghent depot/ }).getByText('Active')).toBeVisible();
    expect(errors).toEqual([]);
  });
});
