// A hub's commit check in the time of its edits, not of its thousand tunnels. The running
// configuration passed the whole check at its commit; a candidate made from it by edits can fail
// only where an edit touched (a statement it added or changed) or where something no longer holds
// for a statement it left alone (a name it refers to was deleted, a value it holds alone is now
// held twice). Those are checked here with the rules of validation.ts, names looked up by key and
// who refers to what read off an index of the running configuration. The tunnel statements are
// checked so (interface units, IKE and IPsec entries, zone members); an edit touching anything
// else, or touching a tunnel statement in another way, is checked whole. A problem found here is
// reported by the whole check, so a refusal reads as it always has.
import type { Element } from '../activities/devices/netconf/xml.ts';
import { elementChildren } from '../activities/devices/netconf/xml.ts';
import { findEntry, operationOf, type EditOperation } from './datastore.ts';
import { junosSchema, type SchemaNode } from './junos-schema.ts';
import {
  at, childrenNamed, gatewayProblems, ikePolicyProblems, inetAddresses, ipsecPolicyProblems, nameOf, text, unitProblems, unitReferenceProblems,
  vpnEntryProblems, zoneMemberProblems, type Claim, type ConfigProblem, type Names, type Units,
} from './validation.ts';

/** The tunnel statements checked one by one. */
type Kind = 'unit' | 'ike-proposal' | 'ike-policy' | 'gateway' | 'ipsec-proposal' | 'ipsec-policy' | 'vpn' | 'member';

/** A list's name and an entry's key, or a container's name: one step down from <configuration>. */
type Step = readonly [name: string, key?: string];

interface Statement {
  kind: Kind;
  /** Unique among the statements: kind and keys. */
  id: string;
  /** Where it is. */
  steps: Step[];
}

/** What a statement says of others: the names it refers to, the values it holds alone. */
type Relation = 'address' | 'bind' | 'member' | 'external' | 'gateway' | 'ike-policy' | 'ipsec-policy' | 'ike-proposal' | 'ipsec-proposal';
type Fact = readonly [relation: Relation, value: string];

/** Values only one statement may hold. */
const unique: ReadonlySet<Relation> = new Set(['address', 'bind', 'member']);

/** What refers to a statement of each kind, by the name it goes by. */
const referredBy: Partial<Record<Kind, Relation[]>> = {
  unit: ['bind', 'member', 'external'],
  gateway: ['gateway'],
  'ike-policy': ['ike-policy'],
  'ipsec-policy': ['ipsec-policy'],
  'ike-proposal': ['ike-proposal'],
  'ipsec-proposal': ['ipsec-proposal'],
};

/** Where the tunnel statements stand: containers edits merge into, down to the statements' lists. */
interface Pattern { readonly [name: string]: Pattern | Kind }
const tunnelStatements: Pattern = {
  interfaces: { interface: { unit: 'unit' } },
  security: {
    ike: { proposal: 'ike-proposal', policy: 'ike-policy', gateway: 'gateway' },
    ipsec: { proposal: 'ipsec-proposal', policy: 'ipsec-policy', vpn: 'vpn' },
    zones: { 'security-zone': { interfaces: 'member' } },
  },
};

const schemaChild = (node: SchemaNode | undefined, name: string) => (node?.kind === 'container' || node?.kind === 'list' ? node.children[name] : undefined);

/** The statement at the end of `steps`, list entries found by their keys. */
function statementAt(root: Element, steps: readonly Step[]): Element | undefined {
  let node: SchemaNode | undefined = junosSchema;
  let element: Element | undefined = root;
  for (const [name, key] of steps) {
    node = schemaChild(node, name);
    if (!node || !element) return undefined;
    element = node.kind === 'list' ? findEntry(element, name, node, [key]) : childrenNamed(element, name)[0];
  }
  return element;
}

/** The name others refer to a statement by: a unit's `st0.5`, a zone member's unit, an IKE or IPsec entry's name. */
function referenceName(statement: Statement): string {
  const keys = statement.steps.map(([, key]) => key).filter((key) => key !== undefined);
  return statement.kind === 'unit' ? keys.join('.') : keys.at(-1)!;
}

function statement(kind: Kind, steps: Step[]): Statement {
  return { kind, id: `${kind}:${steps.map(([name, key]) => (key === undefined ? name : `${name}=${key}`)).join('/')}`, steps };
}

/** What one version of a statement says of others. */
function factsOf(kind: Kind, element: Element | undefined): Fact[] {
  if (!element) return [];
  const facts: Fact[] = [];
  const add = (relation: Relation, value: string | undefined) => value !== undefined && facts.push([relation, value]);
  switch (kind) {
    case 'unit':
      for (const address of inetAddresses(element)) add('address', address.split('/')[0]);
      break;
    case 'ike-policy':
      for (const proposal of childrenNamed(element, 'proposals')) add('ike-proposal', text(proposal) ?? '');
      break;
    case 'gateway':
      add('ike-policy', text(childrenNamed(element, 'ike-policy')[0]));
      add('external', text(childrenNamed(element, 'external-interface')[0]));
      break;
    case 'ipsec-policy':
      for (const proposal of childrenNamed(element, 'proposals')) add('ipsec-proposal', text(proposal) ?? '');
      break;
    case 'vpn':
      add('gateway', text(at(element, 'ike', 'gateway')[0]));
      add('ipsec-policy', text(at(element, 'ike', 'ipsec-policy')[0]));
      add('bind', text(childrenNamed(element, 'bind-interface')[0]));
      break;
    case 'member':
      add('member', nameOf(element));
      break;
  }
  return facts;
}

/** Every tunnel statement of a configuration, with where it is. */
function* tunnelStatementsOf(root: Element): Generator<[Statement, Element]> {
  for (const iface of at(root, 'interfaces', 'interface')) {
    for (const unit of childrenNamed(iface, 'unit')) yield [statement('unit', [['interfaces'], ['interface', nameOf(iface)], ['unit', nameOf(unit)]]), unit];
  }
  for (const [section, lists] of [['ike', { proposal: 'ike-proposal', policy: 'ike-policy', gateway: 'gateway' }], ['ipsec', { proposal: 'ipsec-proposal', policy: 'ipsec-policy', vpn: 'vpn' }]] as const) {
    for (const [list, kind] of Object.entries(lists)) {
      for (const entry of at(root, 'security', section, list)) yield [statement(kind, [['security'], [section], [list, nameOf(entry)]]), entry];
    }
  }
  for (const zone of at(root, 'security', 'zones', 'security-zone')) {
    for (const member of childrenNamed(zone, 'interfaces')) {
      yield [statement('member', [['security'], ['zones'], ['security-zone', nameOf(zone)], ['interfaces', nameOf(member)]]), member];
    }
  }
}

/** A tunnel statement an edit touched, as the running configuration has it and as the candidate does. */
interface Touched {
  statement: Statement;
  before: Fact[];
  after: Fact[];
}

/** What a checked change does to the running configuration's references: applied when it is committed. */
export interface CheckedChange {
  touched: Map<string, Touched>;
}

/** An edit the candidate holds, as the configuration store keeps it. */
export interface HeldEdit {
  configChildren: Element[];
  operation: EditOperation;
}

/**
 * The tunnel statements the edits touch, and the list entries they merge into (which must stand
 * before and after); undefined when an edit reaches anything else, or replaces or deletes above a
 * tunnel statement.
 */
function touchedBy(edits: readonly HeldEdit[]): { statements: Map<string, Statement>; entries: Step[][] } | undefined {
  const statements = new Map<string, Statement>();
  const entries: Step[][] = [];
  const merges = (operation: EditOperation) => operation === 'merge' || operation === 'none';
  const walk = (edit: Element, operation: EditOperation, pattern: Pattern, node: SchemaNode, steps: Step[]): boolean => {
    for (const child of elementChildren(edit)) {
      const name = child.localName ?? '';
      if (node.kind === 'list' && node.keys.includes(name)) continue;
      const below = pattern[name];
      const childNode = schemaChild(node, name);
      if (below === undefined || !childNode) return false;
      const childOperation = operationOf(child, operation);
      const at: Step[] = [...steps, childNode.kind === 'list' ? [name, nameOf(child)] : [name]];
      if (typeof below === 'string') {
        const found = statement(below, at);
        statements.set(found.id, found);
        continue;
      }
      if (!merges(childOperation)) return false;
      if (childNode.kind === 'list') entries.push(at);
      if (!walk(child, childOperation, below, childNode, at)) return false;
    }
    return true;
  };
  for (const edit of edits) {
    for (const configuration of edit.configChildren) {
      const operation = operationOf(configuration, edit.operation);
      if (!merges(operation) || !walk(configuration, operation, tunnelStatements, junosSchema, [])) return undefined;
    }
  }
  return { statements, entries };
}

/**
 * Who refers to what and who holds which value in a configuration that passed the whole check: by
 * relation and value, the ids of the statements. Built once from the whole configuration, then
 * kept up by each change committed.
 */
export class ReferenceIndex {
  private readonly holders = new Map<Relation, Map<string, Set<string>>>();

  constructor(root: Element) {
    for (const [found, element] of tunnelStatementsOf(root)) this.update(found.id, [], factsOf(found.kind, element));
  }

  private holdersOf(relation: Relation, value: string): ReadonlySet<string> {
    return this.holders.get(relation)?.get(value) ?? new Set();
  }

  private update(id: string, before: readonly Fact[], after: readonly Fact[]) {
    for (const [relation, value] of before) this.holders.get(relation)?.get(value)?.delete(id);
    for (const [relation, value] of after) {
      let byValue = this.holders.get(relation);
      if (!byValue) this.holders.set(relation, byValue = new Map());
      let ids = byValue.get(value);
      if (!ids) byValue.set(value, ids = new Set());
      ids.add(id);
    }
  }

  /** The change committed: the running configuration is the candidate it was checked on. */
  apply(change: CheckedChange) {
    for (const { statement: { id }, before, after } of change.touched.values()) this.update(id, before, after);
  }

  /**
   * Whether the candidate, made from `running` (which this index describes) by `edits`, passes the
   * commit check: true, false (a problem: the whole check says which), or undefined when the
   * edits reach beyond what is checked here. Its change comes with a pass, to be applied at commit.
   */
  check(running: Element, candidate: Element, edits: readonly HeldEdit[]): { passes: boolean; change: CheckedChange } | undefined {
    const found = touchedBy(edits);
    if (!found || found.entries.some((steps) => !statementAt(running, steps) || !statementAt(candidate, steps))) return undefined;
    const touched = new Map<string, Touched>();
    const versions = new Map<string, { before: Element | undefined; after: Element | undefined }>();
    for (const [id, each] of found.statements) {
      const [before, after] = [statementAt(running, each.steps), statementAt(candidate, each.steps)];
      // PPPoE's rules read every unit: a unit that carries or runs it is checked whole.
      if (each.kind === 'unit' && (each.steps[1]![1] === 'pp0' || [before, after].some((unit) => unit && childrenNamed(unit, 'encapsulation').length > 0))) return undefined;
      versions.set(id, { before, after });
      touched.set(id, { statement: each, before: factsOf(each.kind, before), after: factsOf(each.kind, after) });
    }
    const change = { touched };
    return { passes: this.holds(candidate, touched, versions), change };
  }

  private holds(candidate: Element, touched: Map<string, Touched>, versions: Map<string, { before: Element | undefined; after: Element | undefined }>): boolean {
    const problems: ConfigProblem[] = [];
    // The statements the edits left alone hold what they held; the touched ones what they hold now.
    const holdersNow = (relation: Relation, value: string) => {
      const ids = [...this.holdersOf(relation, value)].filter((id) => !touched.has(id));
      for (const { statement: { id }, after } of touched.values()) {
        if (after.some(([r, v]) => r === relation && v === value)) ids.push(id);
      }
      return ids;
    };
    const claim = (relation: Relation, id: string): Claim => (value) => holdersNow(relation, value).find((holder) => holder !== id);
    const entries = (...path: string[]): Names => ({ has: (name) => statementAt(candidate, [...path.slice(0, -1).map((n) => [n] as const), [path.at(-1)!, name]]) !== undefined });
    const units: Units = {
      has: (unit) => this.unitOf(candidate, unit) !== undefined,
      addressed: (unit) => { const found = this.unitOf(candidate, unit); return found !== undefined && inetAddresses(found).length > 0; },
    };
    let unitsChanged = false;
    for (const { statement: each, after: facts } of touched.values()) {
      const { before, after } = versions.get(each.id)!;
      if (each.kind === 'unit' && before) unitsChanged = true;
      if (!after) {
        // Deleted: nothing the edits left alone may still refer to it.
        for (const relation of referredBy[each.kind] ?? []) {
          if (holdersNow(relation, referenceName(each)).length > 0) return false;
        }
        continue;
      }
      if (facts.some(([relation, value], i) => unique.has(relation) && facts.findIndex(([r, v]) => r === relation && v === value) !== i)) return false;
      const keys = each.steps.map(([, key]) => key);
      switch (each.kind) {
        case 'unit':
          unitProblems(keys[1]!, after, claim('address', each.id), problems);
          break;
        case 'ike-policy':
          ikePolicyProblems(after, entries('security', 'ike', 'proposal'), problems);
          break;
        case 'gateway':
          gatewayProblems(after, entries('security', 'ike', 'policy'), units, problems);
          break;
        case 'ipsec-policy':
          ipsecPolicyProblems(after, entries('security', 'ipsec', 'proposal'), problems);
          break;
        case 'vpn':
          vpnEntryProblems(after, { gateways: entries('security', 'ike', 'gateway'), policies: entries('security', 'ipsec', 'policy') }, units, claim('bind', each.id), problems);
          break;
        case 'member':
          zoneMemberProblems(keys[2]!, keys[3]!, units, claim('member', each.id), problems);
          break;
      }
      if (problems.length > 0) return false;
    }
    // A unit changed or gone: the few statements elsewhere that name units are checked again.
    if (unitsChanged) unitReferenceProblems(candidate, units, problems);
    return problems.length === 0;
  }

  private unitOf(candidate: Element, unit: string): Element | undefined {
    const dot = unit.indexOf('.');
    return dot < 0 ? undefined : statementAt(candidate, [['interfaces'], ['interface', unit.slice(0, dot)], ['unit', unit.slice(dot + 1)]]);
  }
}
