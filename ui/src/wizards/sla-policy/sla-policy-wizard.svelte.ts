// The SLA policy wizard's state: the kit's draft (steps.ts), and what the wizard has saved so far.
// The review shows each site's configuration diff as its devices compute it, and the API can only
// preview a site's policies as attached: so leaving the Sites step saves the intent (the profile
// when new, the policy, the attachments), which changes no device. Going back and changing a step
// changes what was saved (If-Match on the version saved) rather than saving it twice; only the
// push at the end reaches the devices.
import { slaPresets, type SlaPreset } from '../../../../domain/sla.ts';
import { ApiError, createJson, getJson, patchJson, postJson, putJson, type Versioned } from '../../lib/api.ts';
import { WizardState } from '../wizard.svelte.ts';
import { slaPolicySteps, type ProfileChoice, type SlaPolicyDraft, type slaSitesStep } from './steps.ts';

export interface SavedProfile { id: string; tenantId: string; name: string; maxLatencyMs: number; maxJitterMs: number; maxLossPermille: number; match: string }
export interface SavedPolicy { id: string; tenantId: string; name: string }
export interface SitePreview { siteId: string; devices: { deviceId: string; hostname: string; serial: string; changed: boolean; diff?: string }[] }
interface Attached { policyIds: string[] }

type NewProfile = Extract<ProfileChoice, { mode: 'new' }>;

/** A preset's name when the figures are exactly its own; otherwise the profile is custom. */
export function presetOf(profile: Pick<NewProfile, 'preset' | 'maxLatencyMs' | 'maxJitterMs' | 'maxLossPermille' | 'match'>): SlaPreset | undefined {
  if (!profile.preset) return undefined;
  const preset = slaPresets[profile.preset];
  const same = preset.rttMs === profile.maxLatencyMs && preset.jitterMs === profile.maxJitterMs && preset.lossPermille === profile.maxLossPermille && preset.match === profile.match;
  return same ? profile.preset : undefined;
}

/** The API's field errors of a nested request, at their place in the draft (`name` of the profile is `profile.name`). */
function nestedUnder(prefix: string, error: unknown): never {
  if (error instanceof ApiError && error.errors.length > 0) {
    const errors = error.errors.map((e) => ({ path: e.path === 'tenantId' ? e.path : `${prefix}.${e.path}`, message: e.message }));
    throw new ApiError(error.status, error.title, error.detail, error.retryAfterSeconds, errors);
  }
  throw error;
}

export class SlaPolicyWizard {
  readonly wizard: WizardState<typeof slaSitesStep>;
  /** What this wizard saved, so a second pass changes it instead of making another. */
  profile = $state<Versioned<SavedProfile> | undefined>();
  policy = $state<Versioned<SavedPolicy> | undefined>();
  /** The sites this wizard attached the policy to. */
  attachedSiteIds = $state<string[]>([]);

  constructor(tenantId: string | undefined) {
    this.wizard = new WizardState({
      steps: [
        slaPolicySteps.profile,
        slaPolicySteps.applications,
        slaPolicySteps.links,
        { ...slaPolicySteps.sites, check: (draft) => this.save(draft) },
      ],
      initial: {
        ...(tenantId ? { tenantId } : {}),
        profile: { mode: 'new', name: '', preset: 'baseline', ...figuresOf('baseline') },
        name: '', applications: [], preferredLinkTypes: ['mpls', 'broadband', 'lte'], costMode: 'preference',
        fallback: 'best_path', fallbackVarianceMs: 20, breakout: 'local', siteIds: [],
        // Versa's dampening defaults, as the API's.
        flapThreshold: 2, flapWindowSeconds: 300, holdDownSeconds: 900, smoothingWindowSeconds: 60,
      },
      launch: (draft) => this.push(draft),
    });
  }

  get saved(): boolean {
    return !!this.policy;
  }

  /** The profile, the policy and the attachments, as the draft says them now. */
  async save(draft: SlaPolicyDraft): Promise<void> {
    const slaProfileId = draft.profile.mode === 'existing' ? draft.profile.slaProfileId : await this.saveProfile(draft.tenantId, draft.profile);
    const fields = {
      name: draft.name, applications: draft.applications, slaProfileId, preferredLinkTypes: draft.preferredLinkTypes,
      costMode: draft.costMode, fallback: draft.fallback, fallbackVarianceMs: draft.fallbackVarianceMs, breakout: draft.breakout,
      flapThreshold: draft.flapThreshold, flapWindowSeconds: draft.flapWindowSeconds, holdDownSeconds: draft.holdDownSeconds,
      smoothingWindowSeconds: draft.smoothingWindowSeconds,
    };
    this.policy = this.policy
      ? await patchJson<SavedPolicy>(`/api/v1/app-sla-policies/${this.policy.body.id}`, fields, this.policy.etag)
      : await createJson<SavedPolicy>('/api/v1/app-sla-policies', { tenantId: draft.tenantId, ...fields });
    const policyId = this.policy.body.id;
    const dropped = this.attachedSiteIds.filter((id) => !draft.siteIds.includes(id));
    for (const siteId of [...draft.siteIds, ...dropped]) {
      // Attaching replaces the site's list: the policies it has keep their place.
      const { policyIds } = await getJson<Attached>(`/api/v1/sites/${siteId}/app-sla-policies`);
      const wanted = draft.siteIds.includes(siteId) ? [...new Set([...policyIds, policyId])] : policyIds.filter((id) => id !== policyId);
      if (wanted.length !== policyIds.length) await putJson(`/api/v1/sites/${siteId}/app-sla-policies`, { policyIds: wanted });
    }
    this.attachedSiteIds = [...draft.siteIds];
  }

  private async saveProfile(tenantId: string, profile: NewProfile): Promise<string> {
    const figures = { maxLatencyMs: profile.maxLatencyMs, maxJitterMs: profile.maxJitterMs, maxLossPermille: profile.maxLossPermille, match: profile.match };
    const saved = this.profile;
    try {
      if (!saved) {
        const preset = presetOf(profile);
        this.profile = await createJson<SavedProfile>('/api/v1/sla-profiles', { tenantId, name: profile.name, ...(preset ? { preset } : {}), ...figures });
      } else {
        // Only what changed: unchanged figures keep the profile's preset.
        const change = Object.fromEntries(Object.entries({ name: profile.name, ...figures }).filter(([key, value]) => saved.body[key as keyof SavedProfile] !== value));
        if (Object.keys(change).length > 0) this.profile = await patchJson<SavedProfile>(`/api/v1/sla-profiles/${saved.body.id}`, change, saved.etag);
      }
    } catch (error) {
      nestedUnder('profile', error);
    }
    return this.profile!.body.id;
  }

  /** Each site's devices' diff of the push, as they compute it; nothing is committed. */
  preview(siteId: string): Promise<SitePreview> {
    return postJson<SitePreview>(`/api/v1/sites/${siteId}/sla-policies/preview`);
  }

  /** Pushes every site's policies; the progress page follows the first site's run, the others are under Runs. */
  private async push(draft: SlaPolicyDraft): Promise<{ workflowId: string; runId: string }> {
    const started: { workflowId: string; runId: string }[] = [];
    for (const siteId of draft.siteIds) started.push(await postJson<{ workflowId: string; runId: string }>(`/api/v1/sites/${siteId}/sla-policies/push`, {}));
    return started[0]!;
  }
}

/** A preset's figures as the profile's fields. */
export function figuresOf(preset: SlaPreset) {
  const figures = slaPresets[preset];
  return { maxLatencyMs: figures.rttMs, maxJitterMs: figures.jitterMs, maxLossPermille: figures.lossPermille, match: figures.match };
}
