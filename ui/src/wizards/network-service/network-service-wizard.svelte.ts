// The "Add a network service" wizard's state: the kit's draft (steps.ts), the template and packages
// chosen (their flavours and typed day-1 parameters make the later steps), and the API's check of
// the whole request (validation and the uCPE's room), which the review shows. The launch starts the
// service and opens its page.
import { day1Values } from '../../../../domain/vnf-catalogue.ts';
import { ApiError, getJson, postJson } from '../../lib/api.ts';
import { networkServiceHref, packageOf, type NetworkService, type NetworkServiceTemplate, type VnfPackage, type VnfPackageRow } from '../../services/catalogue.ts';
import { WizardState } from '../wizard.svelte.ts';
import { draftPathOf, givenParameters, networkServiceSteps, serviceRequestOf, type NetworkServiceDraft, type serviceParametersStep } from './steps.ts';

/** What POST /sites/{siteId}/network-services/check answers. */
export interface ServiceCheck {
  device: { id: string; hostname: string; model: string };
  template: { id: string; name: string; version: number };
  functions: { position: number; product: string; version: string; flavour: string; vcpus: number; memoryMiB: number; diskGiB: number }[];
  host: Use;
  reserved: Use;
  needed: Use;
  fits: boolean;
  shortfall: string | null;
}
interface Use { cores: number; memoryMiB: number; diskGiB: number }

/** The API's (or the browser's) field errors, at their place in the draft. */
function inDraft(error: unknown): never {
  if (error instanceof ApiError && error.errors.length > 0) {
    // A parameter's message names it ("hostName is required"); the field's label says the name already.
    const message = (path: string, text: string) => {
      const name = /\.parameters\.([^.]+)$/.exec(path)?.[1];
      return name && text.startsWith(`${name} `) ? text.slice(name.length + 1) : text;
    };
    throw new ApiError(error.status, error.title, error.detail, error.retryAfterSeconds, error.errors.map((e) => ({ path: draftPathOf(e.path), message: message(e.path, e.message) })));
  }
  throw error;
}

export class NetworkServiceWizard {
  readonly wizard: WizardState<typeof serviceParametersStep>;
  template = $state<NetworkServiceTemplate | undefined>();
  /** Each function's package, in chain order. */
  packages = $state<VnfPackage[]>([]);
  check = $state<ServiceCheck | undefined>();
  checkError = $state('');

  constructor(initial: { tenantId?: string; templateId?: string }) {
    this.wizard = new WizardState({
      steps: [
        { ...networkServiceSteps.template, check: (draft) => this.chooseTemplate((draft as { templateId: string }).templateId) },
        networkServiceSteps.site,
        { ...networkServiceSteps.flavours, check: async () => this.seedParameters() },
        { ...networkServiceSteps.parameters, check: (draft) => this.checkRequest(draft) },
      ],
      initial: { ...(initial.tenantId ? { tenantId: initial.tenantId } : {}), ...(initial.templateId ? { templateId: initial.templateId } : {}), flavours: [], parameters: [] },
      launch: (draft) => this.start(draft),
    });
  }

  private get values() {
    return this.wizard.values as Partial<NetworkServiceDraft>;
  }

  /** The template and its packages; a template other than the last one chosen starts flavours and parameters afresh. */
  async chooseTemplate(templateId: string): Promise<void> {
    const template = await getJson<NetworkServiceTemplate>(`/api/v1/network-service-templates/${templateId}`);
    const rows = await Promise.all(template.functions.map((f) => getJson<VnfPackageRow>(`/api/v1/vnf-packages/${f.packageId}`)));
    const packages = rows.map((row) => packageOf(row));
    if (packages.some((p) => !p)) throw new ApiError(400, 'Unreadable package', 'A package of this template has a descriptor the catalogue does not read.');
    if (this.template?.id !== template.id) {
      this.values.flavours = template.functions.map((f) => f.flavour);
      this.values.parameters = template.functions.map(() => ({}));
    }
    this.template = template;
    this.packages = packages as VnfPackage[];
  }

  /** The parameters step starts from each package's defaults. */
  private seedParameters() {
    const parameters = this.values.parameters ?? [];
    this.values.parameters = this.packages.map((pkg, i) => {
      const given = { ...(parameters[i] ?? {}) };
      for (const p of pkg.day1.parameters) if (given[p.name] === undefined && p.default !== undefined) given[p.name] = p.default;
      return given;
    });
  }

  /** Each function's parameters as its package types them, then the API's check of the whole request. */
  async checkRequest(draft: NetworkServiceDraft): Promise<void> {
    const problems = this.packages.flatMap((pkg, i) =>
      day1Values(pkg.day1.parameters, givenParameters(draft.parameters[i])).problems.map((p) => ({ path: `functions.${i}.${p.path}`, message: p.message })));
    if (problems.length > 0) inDraft(new ApiError(400, 'Invalid parameters', undefined, undefined, problems));
    await this.refreshCheck(draft);
  }

  /** Asks the API what the service would take on the uCPE; stores nothing. */
  async refreshCheck(draft: NetworkServiceDraft): Promise<void> {
    this.checkError = '';
    try {
      this.check = await postJson<ServiceCheck>(`/api/v1/sites/${draft.siteId}/network-services/check`, serviceRequestOf(draft));
    } catch (error) {
      this.check = undefined;
      inDraft(error);
    }
  }

  /** Each function's day-1 values as the instance will get them: what was given, defaults filled in. */
  day1Of(index: number): Record<string, string | number | boolean> {
    const pkg = this.packages[index];
    return pkg ? day1Values(pkg.day1.parameters, givenParameters(this.values.parameters?.[index])).values : {};
  }

  private async start(draft: NetworkServiceDraft): Promise<{ workflowId: string; progressHref: string }> {
    try {
      const service = await postJson<NetworkService>(`/api/v1/sites/${draft.siteId}/network-services`, serviceRequestOf(draft));
      return { workflowId: service.workflowId, progressHref: networkServiceHref(service.id) };
    } catch (error) {
      return inDraft(error);
    }
  }
}
