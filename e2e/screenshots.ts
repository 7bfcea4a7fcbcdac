// Screenshots kept as test artifacts: Playwright empties its outputDir (test-results/e2e) on every
// run, so these go beside it, under test-results/screenshots/<folder>/<name>.png.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';

export const screenshotDirectory = join(import.meta.dirname, '..', 'test-results', 'screenshots');

export async function keepScreenshot(page: Page, folder: string, name: string): Promise<string> {
  const directory = join(screenshotDirectory, folder);
  mkdirSync(directory, { recursive: true });
  const path = join(directory, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Every wizard step, numbered in order: test-results/screenshots/add-site/01-details.png. */
export function screenshotWizardStep(page: Page, wizard: string, stepNumber: number, step: string): Promise<string> {
  return keepScreenshot(page, wizard, `${String(stepNumber).padStart(2, '0')}-${step}`);
}
