// A configuration change as an increment: what part of the configuration a merge edit can touch
// (its scope, a NETCONF subtree filter), and a configuration rebuilt from the one before it and
// the device's reading of that scope after the change. A hub holds a tunnel per spoke: reading,
// diffing and storing its whole configuration at every commit made each commit cost what the hub
// had grown to; reading only the scope costs what the change touches.
//
// The scope's units are Junos list entries (keyed by their `name`, as Junos keys nearly every
// list) that hold no other, and leaves; a statement whose edit replaces, creates, deletes or
// removes it is a unit whole. Rebuilding puts each unit of the reading where the previous
// configuration had it, a new one last under its parent (where a merge puts it), and removes one
// the reading no longer has.
import { escapeXml } from './render/escape-xml.ts';
import { parseElements, textOf, type ConfigNode } from './config-diff.ts';

/** A statement of a scope: a path to go down (with its children), or a unit read whole. */
interface ScopeNode {
  name: string;
  key?: string;
  whole: boolean;
  children: ScopeNode[];
}

const isLeaf = (node: ConfigNode) => node.children.length === 0;
const isKeyLeaf = (node: ConfigNode) => node.name === 'name' && isLeaf(node) && node.text.trim() !== '';

/** A list entry's key: its `name`. */
function keyOf(node: ConfigNode): string | undefined {
  const key = node.children.find(isKeyLeaf);
  return key ? textOf(key).trim() : undefined;
}

const hasEntriesBelow = (node: ConfigNode): boolean => node.children.some((c) => !isKeyLeaf(c) && (keyOf(c) !== undefined || hasEntriesBelow(c)));

/** Operations that make a statement what the edit says, whatever it held: the statement is read whole. */
const wholeOperations = new Set(['replace', 'create', 'delete', 'remove']);

function addToScope(into: ScopeNode[], node: ConfigNode): void {
  const key = keyOf(node);
  // A list entry with none below it is read whole, so that it reads in the device's order.
  const whole = isLeaf(node) || wholeOperations.has(node.operation ?? '') || (key !== undefined && !hasEntriesBelow(node));
  let found = into.find((s) => s.name === node.name && s.key === key);
  if (!found) {
    found = { name: node.name, ...(key !== undefined ? { key } : {}), whole, children: [] };
    into.push(found);
  } else if (whole && !found.whole) {
    found.whole = true;
    found.children = [];
  }
  if (found.whole) return;
  for (const child of node.children) if (!(key !== undefined && isKeyLeaf(child))) addToScope(found.children, child);
}

function scopeXml(node: ScopeNode): string {
  const key = node.key !== undefined ? `<name>${escapeXml(node.key)}</name>` : '';
  const inner = key + node.children.map(scopeXml).join('');
  return inner ? `<${node.name}>${inner}</${node.name}>` : `<${node.name}/>`;
}

/**
 * The subtree filter selecting everything a merge of `edit` (one or more `<configuration>`
 * elements) can change; undefined when the edit replaces the whole configuration.
 */
export function changeScope(edit: string): string | undefined {
  const roots = parseElements(edit).filter((root) => root.name === 'configuration');
  if (roots.length === 0 || roots.some((root) => wholeOperations.has(root.operation ?? ''))) return undefined;
  const scope: ScopeNode[] = [];
  for (const root of roots) for (const child of root.children) addToScope(scope, child);
  return `<configuration>${scope.map(scopeXml).join('')}</configuration>`;
}

/** A scope read back from its filter: an entry with only its key, or an empty statement, is a unit. */
function scopeFrom(node: ConfigNode): ScopeNode {
  const key = keyOf(node);
  const rest = node.children.filter((c) => !(key !== undefined && isKeyLeaf(c)));
  return { name: node.name, ...(key !== undefined ? { key } : {}), whole: rest.length === 0, children: rest.map(scopeFrom) };
}

/** Rebuilding met a path statement twice under one parent (a list keyed otherwise than by name): the scope does not say which. */
export class AmbiguousScopeError extends Error {}

/** The statements a scope node selects, as a subtree filter does: by name and key, or by name alone where it names no key. */
const matching = (scope: ScopeNode) => (node: ConfigNode) => node.name === scope.name && (scope.key === undefined || keyOf(node) === scope.key);

/** Units read whole: those the reading has keep their place, the others go, new ones come last. */
function replaceUnit(parent: ConfigNode[], scope: ScopeNode, read: ConfigNode[]): void {
  const matches = matching(scope);
  const before = parent.filter(matches);
  const now = read.filter(matches);
  // One statement, changed: in its place (a leaf's new value, an entry merged into).
  if (before.length === 1 && now.length === 1) {
    parent[parent.indexOf(before[0]!)] = now[0]!;
    return;
  }
  const same = (a: ConfigNode, b: ConfigNode) => serializeNode(a) === serializeNode(b);
  const kept = before.filter((b) => now.some((n) => same(b, n)));
  for (const gone of before.filter((b) => !kept.includes(b))) parent.splice(parent.indexOf(gone), 1);
  parent.push(...now.filter((n) => !kept.some((k) => same(k, n))));
}

function patch(parent: ConfigNode[], scope: ScopeNode[], read: ConfigNode[]): void {
  for (const node of scope) {
    if (node.whole) {
      replaceUnit(parent, node, read);
      continue;
    }
    const matches = matching(node);
    const before = parent.filter(matches);
    const now = read.filter(matches);
    if (before.length > 1 || now.length > 1) throw new AmbiguousScopeError(`<${node.name}> appears more than once under one parent`);
    if (before[0]) patch(before[0].children, node.children, now[0]?.children ?? []);
    else if (now[0]) parent.push(now[0]);
  }
}

function serializeNode(node: ConfigNode): string {
  if (isLeaf(node)) return node.text === '' ? `<${node.name}/>` : `<${node.name}>${escapeXml(node.text)}</${node.name}>`;
  return `<${node.name}>${node.children.map(serializeNode).join('')}</${node.name}>`;
}

/** The configuration's single `<configuration>` root, or an empty one. */
function rootOf(xml: string): ConfigNode {
  return parseElements(xml).find((node) => node.name === 'configuration') ?? { name: 'configuration', children: [], text: '' };
}

/** A change as an increment records it: its scope, and the device's reading of that scope after it. */
export interface ScopedChange {
  scope: string;
  read: string;
}

/**
 * `base` with each change applied in turn: what its scope selects made what its reading says.
 * Throws AmbiguousScopeError when a scope goes down a list not keyed by name.
 */
export function applyScopedChanges(base: string, changes: ScopedChange[]): string {
  const root = rootOf(base);
  for (const change of changes) patch(root.children, rootOf(change.scope).children.map(scopeFrom), rootOf(change.read).children);
  return serializeNode({ ...root, text: '' });
}

export const applyScopedChange = (base: string, scope: string, read: string) => applyScopedChanges(base, [{ scope, read }]);

/** Whether `read`, a reading of `scope`, can rebuild a configuration: no path statement in it twice under one parent. */
export function rebuildsUnambiguously(scope: string, read: string): boolean {
  const unique = (scopes: ScopeNode[], nodes: ConfigNode[]): boolean => scopes.every((s) => {
    if (s.whole) return true;
    const found = nodes.filter(matching(s));
    return found.length <= 1 && unique(s.children, found[0]?.children ?? []);
  });
  return unique(rootOf(scope).children.map(scopeFrom), rootOf(read).children);
}
