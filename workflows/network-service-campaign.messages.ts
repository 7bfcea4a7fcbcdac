// A network-service campaign's contract with its callers: its input, and the progress, pause,
// resume and abort of an upgrade campaign (the same dispatcher, the same messages), and the run's id.
export { abortCampaignUpdate, campaignProgressQuery, pauseCampaignUpdate, resumeCampaignUpdate, type CampaignProgress, type CampaignState } from './upgrade-campaign.messages.ts';
import type { CampaignState } from './upgrade-campaign.messages.ts';

export interface NetworkServiceCampaignInput {
  campaignId: string;
  state?: CampaignState;
}

export const networkServiceCampaignWorkflowId = (campaignId: string) => `network-service-campaign/${campaignId}`;
