// Every page of the UI checked by axe-core (WCAG 2.1 A and AA rules) at a desktop's 1280×800 and
// a phone's 390×844: no serious or critical violation, no console error, and a screenshot of each
// kept (test-results/screenshots/pages/<page>-<width>.png).
import { expect, test, type Page } from '@playwright/test';
import { seriousViolations } from './axe.ts';
import { consoleErrors, e2eFleet } from './environment.ts';
import { keepScreenshot } from './screenshots.ts';
import { signIn } from './sign-in.ts';

const viewports = [{ width: 1280, height: 800 }, { width: 390, height: 844 }];

/** The pages, by a name for their screenshot; those of one object take its id from the API. */
async function pages(page: Page): Promise<[string, string][]> {
  const get = async <T>(path: string) => (await (await page.request.get(path)).json()) as T;
  const { items: sites } = await get<{ items: { id: string }[] }>(`/api/v1/sites?search=${encodeURIComponent(e2eFleet.slaSite())}`);
  const siteId = sites[0]!.id;
  const { items: devices } = await get<{ items: { id: string }[] }>(`/api/v1/devices?siteId=${siteId}`);
  const deviceId = devices[0]!.id;
  const { items: runs } = await get<{ items: { workflowId: string }[] }>('/api/v1/runs?limit=1');
  const { items: templates } = await get<{ items: { id: string }[] }>('/api/v1/network-service-templates');
  const { items: packages } = await get<{ items: { id: string }[] }>('/api/v1/vnf-packages');
  const some = (name: string, path: string | undefined): [string, string][] => (path ? [[name, path]] : []);
  return [
    ['home', '/'], ['sites', '/sites'], ['site', `/sites/${siteId}`], ['site-sla', `/sites/${siteId}/sla`], ['add-site', '/sites/new'],
    ['topology', '/topology'], ['devices', '/devices'], ['device-credentials', '/devices/credentials'], ['device', `/devices/${deviceId}`], ['device-configuration', `/devices/${deviceId}/configuration`],
    ['drift', '/drift'], ['sla', '/sla'], ['sla-policy', '/sla/new'], ['policies', '/policies'], ['deploy-policy', '/policies/deploy'],
    ['services', '/services'], ['add-network-service', '/services/new'], ['new-service-template', '/services/templates/new'],
    ...some('service-template', templates[0] && `/services/templates/${templates[0].id}`), ...some('vnf-package', packages[0] && `/services/packages/${packages[0].id}`),
    ['runs', '/runs'], ...some('run', runs[0] && `/runs/${runs[0].workflowId}`),
    ['alarms', '/alarms'], ['firmware', '/firmware'], ['bulk-upgrade', '/upgrades/new'], ['replace-device', '/rma/new'],
  ];
}

test.describe('accessibility', () => {
  test.setTimeout(240_000);

  test('the sign-in page has no serious or critical violation', async ({ page }) => {
    for (const viewport of viewports) {
      await page.setViewportSize(viewport);
      await page.goto('/');
      await expect(page.getByLabel('Email')).toBeVisible();
      expect(await seriousViolations(page)).toEqual([]);
      await keepScreenshot(page, 'pages', `sign-in-${viewport.width}`);
    }
  });

  for (const viewport of viewports) {
    test(`every page at ${viewport.width}×${viewport.height} has no serious or critical violation and no console error`, async ({ page }) => {
      await page.setViewportSize(viewport);
      const errors = consoleErrors(page);
      await signIn(page);
      const found: Record<string, string[]> = {};
      for (const [name, path] of await pages(page)) {
        await page.goto(path);
        await expect(page.getByRole('main')).not.toBeEmpty();
        // Pages load what they show after the first paint: checked once nothing says it is loading.
        await expect(page.getByText(/^Loading/)).toHaveCount(0, { timeout: 30_000 });
        await expect(page.getByRole('heading', { name: 'Page not found' })).toHaveCount(0);
        const violations = await seriousViolations(page);
        if (violations.length > 0) found[name] = violations;
        await keepScreenshot(page, 'pages', `${name}-${viewport.width}`);
      }
      expect(found).toEqual({});
      expect(errors).toEqual([]);
    });
  }
});
