// The "Add a network service" wizard's steps. The API takes the site in the path and, in the body,
// the template, the uCPE and one entry per function of the chain (its flavour and day-1 parameters):
// the draft keeps flavours and parameters as two lists, one per step, so that each step owns its
// own fields (the kit places errors by the top-level field), and the request is built from them.
import { z } from 'zod';
import { networkServiceFunctionRequest, networkServiceRequest, type NetworkServiceRequest } from '../../../../domain/network-service-request.ts';
import type { WizardStepDefinition } from '../wizard.svelte.ts';

const fn = networkServiceFunctionRequest.shape;

export const serviceTemplateStep = z.object({
  tenantId: z.uuid('is required: choose a tenant'),
  templateId: z.uuid('is required: choose a template'),
});
export const serviceSiteStep = serviceTemplateStep.extend({
  siteId: z.uuid('is required: choose a site'),
  deviceId: z.uuid('is required: choose the uCPE'),
});
export const serviceFlavoursStep = serviceSiteStep.extend({
  flavours: z.array(fn.flavour.unwrap()).min(1, 'are required: one per function of the chain'),
});
export const serviceParametersStep = serviceFlavoursStep.extend({
  parameters: z.array(fn.parameters),
});

export type NetworkServiceDraft = z.infer<typeof serviceParametersStep>;

export const networkServiceSteps = {
  template: { id: 'template', title: 'Template', schema: serviceTemplateStep },
  site: { id: 'site', title: 'Site and uCPE', schema: serviceSiteStep },
  flavours: { id: 'flavours', title: 'Flavours', schema: serviceFlavoursStep },
  parameters: { id: 'parameters', title: 'Day-1 parameters', schema: serviceParametersStep },
} satisfies Record<string, WizardStepDefinition>;

type ParameterValue = string | number | boolean;

/** A parameter left empty takes the package's default: it is not sent. */
export function givenParameters(values: Record<string, unknown> | undefined): Record<string, ParameterValue> {
  return Object.fromEntries(Object.entries(values ?? {}).filter((entry): entry is [string, ParameterValue] => {
    const value = entry[1];
    return typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value)) || (typeof value === 'string' && value.trim() !== '');
  }));
}

/** The request body of POST /sites/{siteId}/network-services (and its check), from the draft. */
export function serviceRequestOf(draft: Pick<NetworkServiceDraft, 'templateId' | 'deviceId' | 'flavours'> & { parameters?: NetworkServiceDraft['parameters'] }): NetworkServiceRequest {
  return networkServiceRequest.parse({
    templateId: draft.templateId,
    deviceId: draft.deviceId,
    functions: draft.flavours.map((flavour, i) => ({ flavour, parameters: givenParameters(draft.parameters?.[i]) })),
  });
}

/** Where the API's field errors of the request belong in the draft: a function's flavour and parameters are the two lists'. */
export function draftPathOf(path: string): string {
  const parameter = /^functions\.(\d+)\.parameters\.(.+)$/.exec(path);
  if (parameter) return `parameters.${parameter[1]}.${parameter[2]}`;
  const flavour = /^functions\.(\d+)\.flavour$/.exec(path);
  if (flavour) return `flavours.${flavour[1]}`;
  // The chain as a whole (the uCPE's room): the flavours decide it.
  if (path === 'functions' || /^functions\.\d+$/.test(path)) return 'flavours';
  return path;
}
