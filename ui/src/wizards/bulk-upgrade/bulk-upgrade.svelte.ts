// The Bulk-upgrade wizard: devices by filter → image → strategy, phases and failure budget →
// maintenance window and deadline → review. The steps are the API's own schemas; the image step
// and the last step ask the API for its preview, so the filter's and the name's problems show on
// their step, and the review shows exactly the devices, phase by phase, the launch would freeze.
import {
  campaignBody, campaignDevicesStep, campaignImageStep, campaignScheduleStep, campaignStrategyStep,
} from '../../../../api/schemas/campaign.ts';
import { postJson } from '../../lib/api.ts';
import { WizardState } from '../wizard.svelte.ts';

export interface CampaignPreview {
  model: string;
  version: string;
  concurrency: number;
  phases: { phase: number; devices: { deviceId: string; hostname: string; siteName: string; softwareVersion: string | null }[] }[];
}

/** The API's defaults for everything but who, what and which image, so the inputs start filled in. */
const defaults = campaignBody.omit({ tenantId: true, name: true, imageId: true }).parse({});

export class BulkUpgrade {
  /** What the API said the launch would do, as of the last step checked. */
  preview = $state<CampaignPreview>();
  readonly wizard: WizardState<typeof campaignScheduleStep>;

  constructor(tenantId: string) {
    const plan = async (parsed: object) => {
      this.preview = await postJson<CampaignPreview>('/api/v1/upgrade-campaigns/preview', parsed);
    };
    this.wizard = new WizardState({
      initial: { ...defaults, tenantId, name: '' },
      steps: [
        { id: 'devices', title: 'Devices', schema: campaignDevicesStep },
        { id: 'image', title: 'Image', schema: campaignImageStep, check: plan },
        { id: 'strategy', title: 'Strategy and failure budget', schema: campaignStrategyStep },
        { id: 'schedule', title: 'Maintenance window', schema: campaignScheduleStep, check: plan },
      ],
      launch: (parsed) => postJson<{ workflowId: string }>('/api/v1/upgrade-campaigns', parsed),
    });
  }
}
