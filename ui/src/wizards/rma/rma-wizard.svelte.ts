// The RMA wizard's state: the kit's draft (the failed device, then the new box, exactly what
// POST /devices/{id}/rma accepts), and the failed device as the list showed it, for the later steps
// and the review. A new box that is a spare which phoned home already is admitted by its host key;
// any other gets a one-time activation code, which the launch hands to the run's page, in memory only.
import type { deviceStatus } from '../../../../domain/choices.ts';
import { rmaFailedDeviceStep, rmaNewBoxStep } from '../../../../api/schemas/rma.ts';
import { postJson } from '../../lib/api.ts';
import { activationCodes } from '../../runs/activation-code.svelte.ts';
import { WizardState } from '../wizard.svelte.ts';

export interface ReplaceableDevice {
  id: string; tenantId: string; siteId: string; siteName: string; hostname: string; model: string; serial: string | null;
  status: (typeof deviceStatus.values)[number]; softwareVersion: string | null; lastSeenAt: string | null;
}

/** The optional text fields: empty means absent, as the API wants it. */
type OptionalText = 'reason' | 'ticket';

export class RmaWizard {
  device = $state<ReplaceableDevice | undefined>();
  readonly wizard: WizardState<typeof rmaNewBoxStep>;

  constructor(deviceId: string | undefined) {
    this.wizard = new WizardState({
      steps: [
        { id: 'failed-device', title: 'Failed device', schema: rmaFailedDeviceStep },
        { id: 'new-box', title: 'New box', schema: rmaNewBoxStep },
      ],
      initial: deviceId ? { deviceId } : {},
      launch: async ({ deviceId: id, ...body }) => {
        const started = await postJson<{ workflowId: string; runId: string; activationCode: string | null }>(`/api/v1/devices/${id}/rma`, body);
        if (started.activationCode) {
          activationCodes.hand({ workflowId: started.workflowId, hostname: this.device?.hostname ?? '', newSerial: body.newSerial, code: started.activationCode });
        }
        return started;
      },
    });
  }

  text(field: OptionalText | 'newSerial'): string {
    return (this.wizard.values[field] as string | undefined) ?? '';
  }

  setText(field: OptionalText, value: string) {
    if (value.trim()) this.wizard.values[field] = value;
    else delete this.wizard.values[field];
  }

  /** Serials are printed in capitals; a new serial typed in lower case means the same box. */
  setSerial(value: string) {
    this.wizard.values['newSerial'] = value.toUpperCase();
  }

  /** Whether the new box is a spare that phoned home, admitted by its host key rather than a code. */
  get admitsSpare(): boolean {
    return this.wizard.values['admitBy'] === 'host_key';
  }

  /**
   * As the Add-site wizard does with a box waiting to be claimed: a serial among the spares that
   * phoned home is that spare, of the model it said it is, admitted by the host key it reported;
   * any other box needs a code.
   */
  admitBySpares(spares: readonly { serial: string; model: string }[]) {
    const spare = spares.find((box) => box.serial === this.wizard.values['newSerial']);
    if (spare) {
      // Another spare typed after the first is that spare, of its own model. Written only when
      // different, so the effect that calls this settles.
      if (!this.admitsSpare) this.wizard.values['admitBy'] = 'host_key';
      if (this.modelFor(spare.model) !== this.wizard.values['newModel']) this.setModel(spare.model);
    }
    if (!spare && 'admitBy' in this.wizard.values) delete this.wizard.values['admitBy'];
  }

  /** A documented replacement model, or the failed box's own (absent from the request). */
  setModel(model: string) {
    const newModel = this.modelFor(model);
    if (newModel) this.wizard.values['newModel'] = newModel;
    else delete this.wizard.values['newModel'];
  }

  /** What the request says of a model: nothing when it is the failed box's own. */
  private modelFor(model: string): string | undefined {
    return model && model !== this.device?.model ? model : undefined;
  }
}
