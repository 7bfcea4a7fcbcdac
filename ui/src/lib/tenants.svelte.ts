// The tenants the signed-in person may see, the one the tenant switcher has chosen (every
// dashboard filters by it), and what their role lets them do there: actions a role may not take
// are not offered at all. The API checks again; this only keeps dead ends off the screen.
import { allows, type Action, type ObjectType } from '../../../domain/permissions.ts';
import { getJson, type Page } from './api.ts';
import { session } from './session.svelte.ts';

export interface Tenant {
  id: string;
  opcoId: string;
  name: string;
}

class Tenants {
  list = $state<Tenant[]>([]);
  /** The switcher's choice; empty for every tenant one may see. */
  selectedId = $state('');
  error = $state('');
  readonly byId = $derived(new Map(this.list.map((tenant) => [tenant.id, tenant])));

  /** The switcher is for people who see more than one tenant (SP and OpCo staff). */
  get switchable(): boolean {
    return this.list.length > 1;
  }

  async load() {
    try {
      this.list = (await getJson<Page<Tenant>>('/api/v1/tenants?limit=500')).items;
      if (!this.byId.has(this.selectedId)) this.selectedId = '';
      this.error = '';
    } catch (error) {
      this.error = `Could not load the tenants: ${(error as Error).message}`;
    }
  }

  name(tenantId: string | null): string {
    return (tenantId && this.byId.get(tenantId)?.name) || '';
  }

  /** Whether the person may do this on that tenant's objects (no tenant: on some tenant). */
  can(objectType: ObjectType, action: Action, tenantId?: string | null): boolean {
    return (session.current?.grants ?? []).some((grant) => {
      if (!allows(grant.permissions, objectType, action)) return false;
      if (!tenantId || grant.scope === 'global') return true;
      if (grant.scope === 'opco') return this.byId.get(tenantId)?.opcoId === grant.opcoId;
      return grant.tenantId === tenantId;
    });
  }

  /** Whether the person may do this for every tenant at once (an SP-wide role), as what tenants share needs: the firmware catalogue. */
  canEverywhere(objectType: ObjectType, action: Action): boolean {
    return (session.current?.grants ?? []).some((grant) => grant.scope === 'global' && allows(grant.permissions, objectType, action));
  }
}

export const tenants = new Tenants();
