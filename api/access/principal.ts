// Who is calling, and what they may do where. A principal is a person (through a session) or a
// machine (through an API token or a signed ITSM request); its grants say, per scope, which
// tenants it reaches and with which permissions. Every route asks it before it reads or changes.
import type { PrismaClient } from '../../prisma/client.ts';
import { HttpProblem, problems } from '../problems.ts';
import { allows, type Action, type ObjectType, type Permissions } from '../../domain/permissions.ts';
import { addressKey } from './throttle.ts';

export interface Grant {
  scope: 'global' | 'opco' | 'tenant';
  opcoId: string | null;
  tenantId: string | null;
  role: string;
  permissions: Permissions;
}

export interface Actor {
  /** Matches the audit log's actor types; `anonymous` is a device or a stranger on a public route. */
  type: 'user' | 'api_token' | 'itsm' | 'anonymous';
  id: string;
  name: string;
}

export const forbidden = (detail: string) => new HttpProblem(403, 'forbidden', 'Forbidden', detail);

export class Principal {
  constructor(
    readonly actor: Actor,
    readonly grants: Grant[],
    /** The tenants of each OpCo the grants name, resolved once per request. */
    private readonly opcoTenants: ReadonlyMap<string, readonly string[]>,
    /** Whom limits count against when that is not the actor itself (an anonymous caller's network). */
    private readonly callerKey?: string,
  ) {}

  /** The key idempotency records are kept under: the actor itself. */
  get key(): string {
    return `${this.actor.type}:${this.actor.id}`;
  }

  /** The key rate limits count against: the actor, or an anonymous caller's whole network. */
  get limitKey(): string {
    return this.callerKey ?? this.key;
  }

  private covers(grant: Grant, tenantId: string): boolean {
    if (grant.scope === 'global') return true;
    if (grant.scope === 'opco') return this.opcoTenants.get(grant.opcoId!)?.includes(tenantId) ?? false;
    return grant.tenantId === tenantId;
  }

  can(tenantId: string, objectType: ObjectType, action: Action): boolean {
    return this.grants.some((grant) => this.covers(grant, tenantId) && allows(grant.permissions, objectType, action));
  }

  /** The permissions held on one tenant, all grants together. */
  permissionsOn(tenantId: string): Permissions {
    const merged: Partial<Record<string, Action[]>> = {};
    for (const grant of this.grants.filter((g) => this.covers(g, tenantId))) {
      for (const [type, list] of Object.entries(grant.permissions)) merged[type] = [...new Set([...(merged[type] ?? []), ...(list ?? [])])];
    }
    return merged as Permissions;
  }

  /** Whether the principal may do this anywhere at all (it decides whether a route is offered). */
  canSomewhere(objectType: ObjectType, action: Action): boolean {
    return this.grants.some((grant) => allows(grant.permissions, objectType, action));
  }

  isGlobal(objectType: ObjectType, action: Action): boolean {
    return this.grants.some((grant) => grant.scope === 'global' && allows(grant.permissions, objectType, action));
  }

  /**
   * Whether it is offered links into the Temporal Web UI. The Web UI shows the namespace whole,
   * every tenant's runs with their inputs and histories, so only those who read every tenant's runs
   * here (the service provider's people) get them; everyone else follows runs on Branchline's pages.
   */
  get opensTemporalWebUi(): boolean {
    return this.isGlobal('run', 'read');
  }

  /** The tenants where it may read this type: every tenant, or a list. */
  readableTenants(objectType: ObjectType): 'all' | string[] {
    if (this.isGlobal(objectType, 'read')) return 'all';
    const ids = new Set<string>();
    for (const grant of this.grants) {
      if (!allows(grant.permissions, objectType, 'read')) continue;
      if (grant.scope === 'opco') for (const id of this.opcoTenants.get(grant.opcoId!) ?? []) ids.add(id);
      if (grant.scope === 'tenant') ids.add(grant.tenantId!);
    }
    return [...ids];
  }

  /** A Prisma filter on `tenantId` to the tenants it may read, narrowed to one tenant when asked. */
  tenantWhere(objectType: ObjectType, tenantId?: string): { tenantId?: string | { in: string[] } } {
    const readable = this.readableTenants(objectType);
    if (tenantId) return readable === 'all' || readable.includes(tenantId) ? { tenantId } : { tenantId: { in: [] } };
    return readable === 'all' ? {} : { tenantId: { in: readable } };
  }

  /**
   * Refuses unless the principal may act on this tenant's object. An object of a tenant it cannot
   * even read answers 404, so ids of other tenants' objects cannot be probed; one it can read but
   * not change answers 403.
   */
  assert(tenantId: string | null | undefined, objectType: ObjectType, action: Action, what: string): void {
    if (!tenantId || !this.can(tenantId, objectType, 'read')) throw problems.notFound(what);
    if (action !== 'read' && !this.can(tenantId, objectType, action)) {
      throw forbidden(`Your role may not ${action === 'execute' ? 'run operations on' : 'change'} ${what}.`);
    }
  }
}

/** A caller on a public route: named by its address, limited with the other addresses of its network. */
export const anonymous = (address: string) => new Principal({ type: 'anonymous', id: address, name: address }, [], new Map(), addressKey(address));

interface GrantRow {
  opcoId: string | null;
  tenantId: string | null;
  role: { name: string; scope: 'global' | 'opco' | 'tenant'; permissions: unknown };
}

export async function principalOf(prisma: PrismaClient, actor: Actor, rows: GrantRow[]): Promise<Principal> {
  const grants: Grant[] = rows.map((row) => ({
    scope: row.role.scope,
    opcoId: row.role.scope === 'opco' ? row.opcoId : null,
    tenantId: row.role.scope === 'tenant' ? row.tenantId : null,
    role: row.role.name,
    permissions: row.role.permissions as Permissions,
  }));
  const opcoIds = [...new Set(grants.flatMap((g) => (g.scope === 'opco' && g.opcoId ? [g.opcoId] : [])))];
  const opcoTenants = new Map<string, string[]>();
  if (opcoIds.length > 0) {
    for (const tenant of await prisma.tenant.findMany({ where: { opcoId: { in: opcoIds } }, select: { id: true, opcoId: true } })) {
      opcoTenants.set(tenant.opcoId, [...(opcoTenants.get(tenant.opcoId) ?? []), tenant.id]);
    }
  }
  return new Principal(actor, grants, opcoTenants);
}
