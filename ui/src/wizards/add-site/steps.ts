// The Add-site wizard's steps: the API's own cumulative schemas (api/schemas/site.ts), with the
// checks across fields, so each step's messages are the API's and the last step is exactly what
// POST /api/v1/sites accepts.
import type { z } from 'zod';
import {
  siteSteps, type siteAggregateObject, type siteDetailsStep, type siteDevicesStep, type siteLanStep, type siteOverlayStep, type siteWanLinksStep,
} from '../../../../api/schemas/site.ts';
import type { WizardStepDefinition } from '../wizard.svelte.ts';

// `siteSteps` is built by a map, which loses each step's own type; the checks keep the schema's.
const [details, devices, wanLinks, lan, overlay, policies] = siteSteps as unknown as [
  typeof siteDetailsStep, typeof siteDevicesStep, typeof siteWanLinksStep, typeof siteLanStep, typeof siteOverlayStep, typeof siteAggregateObject,
];

/** The draft the steps edit: what the API accepts, every list present from the start. */
export type SiteDraft = z.input<typeof siteAggregateObject> & Required<Pick<z.input<typeof siteAggregateObject>, 'tags' | 'departments' | 'lanSegments' | 'meshTags' | 'appSlaPolicyIds'>>;
export type DeviceDraft = SiteDraft['devices'][number];
export type WanLinkDraft = SiteDraft['wanLinks'][number];
export type LanSegmentDraft = SiteDraft['lanSegments'][number];

export const addSiteSteps = {
  details: { id: 'details', title: 'Details', schema: details },
  devices: { id: 'devices', title: 'Devices', schema: devices },
  wanLinks: { id: 'wan-links', title: 'WAN links', schema: wanLinks },
  lan: { id: 'lan', title: 'LAN and departments', schema: lan },
  overlay: { id: 'overlay', title: 'Hubs or mesh', schema: overlay },
  policies: { id: 'policies', title: 'Policies and SLA', schema: policies },
} satisfies Record<string, WizardStepDefinition>;

/** An optional text field: empty means absent, as the API has it (the schema trims the rest). */
export const optionalText = (value: string): string | undefined => (value === '' ? undefined : value);

/** Comma-separated words as a list, and back. */
export const words = {
  parse: (value: string): string[] => value.split(',').map((word) => word.trim()).filter(Boolean),
  format: (list: readonly string[] | undefined): string => (list ?? []).join(', '),
};
