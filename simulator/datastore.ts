// Configuration datastores as XML trees, with the two operations NETCONF needs on them:
// edit-config (merge, replace, create, delete, remove; RFC 6241 §7.2) and subtree filtering
// (RFC 6241 §6). The tree is Junos's: `<configuration>` with no namespace, as a real box serves
// it, and every edit is checked against the Junos schema (junos-schema.ts) before it applies,
// as Junos refuses a statement it does not know.
import { DOMImplementation, type Document, type Element, type Node } from '@xmldom/xmldom';
import { elementChildren, netconfBaseNs, parseXml, serialize } from '../activities/devices/netconf/xml.ts';
import { junosSchema, valueProblem, type SchemaNode } from './junos-schema.ts';

/** Junos's own namespace for configuration in the XML API; the configuration also comes with none, or inherits NETCONF's. */
export const junosXnmNs = 'http://xml.juniper.net/xnm/1.1/xnm';
const configurationNamespaces = new Set<string | null>([null, '', junosXnmNs, netconfBaseNs]);
const isConfigurationNamespace = (namespace: string | null | undefined) => configurationNamespaces.has(namespace ?? null);

/** An edit that cannot be applied: becomes an <rpc-error> with this tag (and the offending element, as Junos names it). */
export class EditError extends Error {
  constructor(
    readonly tag: 'data-missing' | 'data-exists' | 'bad-attribute' | 'invalid-value' | 'unknown-element' | 'missing-element',
    message: string,
    readonly path: string,
    readonly badElement?: string,
  ) {
    super(message);
  }
}

export type EditOperation = 'merge' | 'replace' | 'create' | 'delete' | 'remove' | 'none';

export function emptyConfiguration(): Document {
  return new DOMImplementation().createDocument(null, 'configuration', null);
}

/** A copy with no namespace on any element and no attributes: the configuration as Junos keeps it. */
function plainCopy(document: Document, source: Element): Element {
  const copy = document.createElementNS(null, source.localName ?? '');
  for (let node = source.firstChild; node; node = node.nextSibling) {
    if (node.nodeType === 1) copy.appendChild(plainCopy(document, node as Element));
    else if (node.nodeType === 3 || node.nodeType === 4) {
      const text = node.nodeValue ?? '';
      if (text.trim() !== '') copy.appendChild(document.createTextNode(text.trim()));
    }
  }
  return copy;
}

export function parseConfiguration(xml: string): Document {
  const parsed = parseXml(xml);
  const root = parsed.documentElement;
  if (root?.localName !== 'configuration') throw new Error('a configuration document has <configuration> at its root');
  const document = emptyConfiguration();
  for (const statement of elementChildren(root)) document.documentElement!.appendChild(plainCopy(document, statement));
  return document;
}

/**
 * Each statement's text as serialize() writes it, kept until the statement or anything under it
 * changes: a commit then serialises what its edits touched and the statements above them, and
 * reuses the text of the thousand tunnels it left alone.
 */
const statementTexts = new WeakMap<Element, string>();

/** A statement, or something under it, changed: its text and those of the statements above it are stale. */
function statementChanged(element: Element) {
  for (let node: Node | null = element; node && node.nodeType === 1; node = node.parentNode) statementTexts.delete(node as Element);
}

/**
 * A statement of a configuration (no namespace, no attributes, as Junos keeps it) as serialize()
 * writes it, byte for byte: a container's text put together from its children's kept texts.
 */
export function statementText(element: Element): string {
  let text = statementTexts.get(element);
  if (text !== undefined) return text;
  let onlyElements = element.firstChild !== null;
  for (let node = element.firstChild; node && onlyElements; node = node.nextSibling) onlyElements = node.nodeType === 1;
  if (onlyElements && !element.namespaceURI && element.attributes.length === 0) {
    // Concatenated, not joined: the parts are not copied, and a hub's lists hold a thousand.
    text = `<${element.localName}>`;
    for (let node = element.firstChild; node; node = node.nextSibling) text += statementText(node as Element);
    text += `</${element.localName}>`;
  } else {
    text = serialize(element);
  }
  statementTexts.set(element, text);
  return text;
}

/** A copy node by node: neither text nor a parser in between. */
export function cloneDocument(document: Document): Document {
  const copy = emptyConfiguration();
  for (const statement of elementChildren(document.documentElement!)) copy.documentElement!.appendChild(copy.importNode(statement, true));
  return copy;
}

/** The schema node of a statement under `parent`'s node, if Junos knows it there. */
function schemaChild(parent: SchemaNode | undefined, name: string): SchemaNode | undefined {
  return parent && (parent.kind === 'container' || parent.kind === 'list') ? parent.children[name] : undefined;
}

const textOf = (element: Element) => (element.textContent ?? '').trim();
const childNamed = (element: Element, name: string) => elementChildren(element).find((c) => c.localName === name);

/** A list entry's key values, in key order (undefined where one is missing). */
function keysOf(element: Element, node: SchemaNode): (string | undefined)[] {
  return node.kind === 'list' ? node.keys.map((key) => { const k = childNamed(element, key); return k && textOf(k); }) : [];
}

/**
 * The value of an entry's key leaf, read straight off its first child of that name: a hub's lists
 * hold a thousand entries, and finding one by its keys reads this once per entry.
 */
function keyValue(entry: Element, key: string): string | undefined {
  for (let child = entry.firstChild; child; child = child.nextSibling) {
    if (child.nodeType !== 1 || (child as Element).localName !== key) continue;
    let text = '';
    for (let part = child.firstChild; part; part = part.nextSibling) if (part.nodeType === 3 || part.nodeType === 4) text += part.nodeValue ?? '';
    return text.trim();
  }
  return undefined;
}

/** Junos's way of naming where a statement is: `[edit security zones security-zone untrust]`. */
function editPath(element: Element | undefined, schemaOf: (e: Element) => SchemaNode | undefined): string {
  const parts: string[] = [];
  for (let node: Node | null | undefined = element; node && node.nodeType === 1; node = node.parentNode) {
    const e = node as Element;
    if (e.localName === 'configuration' && (!e.parentNode || e.parentNode.nodeType !== 1 || (e.parentNode as Element).localName === 'config')) break;
    const schema = schemaOf(e);
    const keys = schema?.kind === 'list' ? keysOf(e, schema).filter((k) => k !== undefined) : [];
    parts.unshift([e.localName, ...keys].join(' '));
  }
  return `[edit${parts.length > 0 ? ' ' : ''}${parts.join(' ')}]`;
}

/** The schema nodes of an edit's elements, found by walking down from <configuration>. */
function schemaFinder(): { of: (e: Element) => SchemaNode | undefined; set: (e: Element, n: SchemaNode) => void } {
  const nodes = new Map<Element, SchemaNode>();
  return { of: (e) => nodes.get(e), set: (e, n) => void nodes.set(e, n) };
}

/**
 * Checks an edit against the Junos schema: every statement known where it stands, every value of
 * its type, every list entry with its keys (a delete or remove needs no more than them).
 */
function checkEdit(edit: Element, node: SchemaNode, schemas: ReturnType<typeof schemaFinder>): void {
  schemas.set(edit, node);
  const path = () => editPath(edit, schemas.of);
  if (node.kind === 'leaf' || node.kind === 'leaf-list') {
    const inner = elementChildren(edit)[0];
    if (inner) throw new EditError('unknown-element', 'syntax error', editPath(edit, schemas.of), inner.localName ?? '');
    const operation = edit.getAttributeNS(netconfBaseNs, 'operation');
    if (operation === 'delete' || operation === 'remove') return;
    const problem = valueProblem(node.type, textOf(edit));
    if (problem) throw new EditError('invalid-value', `invalid value for ${edit.localName}: ${problem}`, path(), edit.localName ?? '');
    return;
  }
  if (node.kind === 'list') {
    for (const [i, key] of keysOf(edit, node).entries()) {
      if (key === undefined || key === '') throw new EditError('missing-element', `missing mandatory statement: '${node.keys[i]}'`, path(), node.keys[i]);
    }
  } else if (textOf(edit) !== '' && elementChildren(edit).length === 0) {
    throw new EditError('invalid-value', `${edit.localName} takes no value`, path(), edit.localName ?? '');
  }
  for (const child of elementChildren(edit)) {
    const childNode = schemaChild(node, child.localName ?? '');
    if (!childNode) throw new EditError('unknown-element', 'syntax error', path(), child.localName ?? '');
    checkEdit(child, childNode, schemas);
  }
}

/** A list entry's keys as one string: how the entry index knows it. */
const keyString = (keys: (string | undefined)[]) => keys.join('\u0000');

/** One list's entries under one parent, by their keys. */
interface ListIndex {
  entries: Map<string, Element>;
  /** Two entries had the same keys (a state file's, unchecked): a removal rebuilds the index. */
  duplicates: boolean;
}

/**
 * Where a list's entries are under each parent, by their keys: a hub's lists hold a thousand
 * entries, and an edit finds the one it names without reading them all, as a real box finds an
 * entry by its key. Built on first use from the tree, kept up by the edits (and their undo) that
 * add, remove or replace entries; a hit is checked against the tree (an edit may have deleted
 * an entry's key leaf), and one that no longer holds rebuilds the index.
 */
const listIndexes = new WeakMap<Element, Map<string, ListIndex>>();

function buildListIndex(parent: Element, name: string, keys: readonly string[]): ListIndex {
  const index: ListIndex = { entries: new Map(), duplicates: false };
  for (let entry = parent.firstChild; entry; entry = entry.nextSibling) {
    if (entry.nodeType !== 1 || (entry as Element).localName !== name) continue;
    const values = keys.map((key) => keyValue(entry as Element, key));
    if (values.some((value) => value === undefined)) continue;
    const key = keyString(values);
    if (index.entries.has(key)) index.duplicates = true;
    else index.entries.set(key, entry as Element);
  }
  let lists = listIndexes.get(parent);
  if (!lists) listIndexes.set(parent, lists = new Map());
  lists.set(name, index);
  return index;
}

/** The entry of list `name` under `parent` whose keys are `keys`. */
export function findEntry(parent: Element, name: string, node: SchemaNode & { kind: 'list' }, keys: (string | undefined)[]): Element | undefined {
  const key = keyString(keys);
  const holds = (entry: Element | undefined) => entry === undefined
    || (entry.parentNode === parent && node.keys.every((k, i) => keyValue(entry, k) === keys[i]));
  const indexed = listIndexes.get(parent)?.get(name);
  const found = indexed?.entries.get(key);
  if (indexed && holds(found)) return found;
  return buildListIndex(parent, name, node.keys).entries.get(key);
}

/** An entry `key` of list `name` was added under `parent` (or put back). */
function entryAdded(parent: Element, name: string, key: string, entry: Element) {
  const index = listIndexes.get(parent)?.get(name);
  if (index && !index.entries.has(key)) index.entries.set(key, entry);
}

/** An entry `key` of list `name` left `parent`. */
function entryRemoved(parent: Element, name: string, key: string, entry: Element) {
  const lists = listIndexes.get(parent);
  const index = lists?.get(name);
  if (!index || index.entries.get(key) !== entry) return;
  if (index.duplicates) lists!.delete(name);
  else index.entries.delete(key);
}

/** Where an existing statement matching `edit` (a list entry by its keys, a leaf-list value by its value) is under `parent`. */
function findMatch(parent: Element, edit: Element, node: SchemaNode | undefined): Element | undefined {
  if (node?.kind === 'list') return findEntry(parent, edit.localName ?? '', node, keysOf(edit, node));
  const candidates = elementChildren(parent).filter((candidate) => candidate.localName === edit.localName);
  if (node?.kind === 'leaf-list') return candidates.find((candidate) => textOf(candidate) === textOf(edit));
  return candidates[0];
}

function isLeaf(element: Element): boolean {
  return elementChildren(element).length === 0;
}

export function operationOf(edit: Element, inherited: EditOperation): EditOperation {
  const value = edit.getAttributeNS(netconfBaseNs, 'operation');
  if (!value) return inherited;
  if (!['merge', 'replace', 'create', 'delete', 'remove'].includes(value)) {
    throw new EditError('bad-attribute', `unknown operation "${value}"`, edit.localName ?? '');
  }
  return value as EditOperation;
}

/** How to take back one change an edit made to a datastore, should a later part of it fail. */
export type Undo = () => void;

function applyEdit(document: Document, parent: Element, edit: Element, inherited: EditOperation, schemas: ReturnType<typeof schemaFinder>, undo: Undo[]): void {
  const operation = operationOf(edit, inherited);
  const node = schemas.of(edit);
  const match = findMatch(parent, edit, node);
  const name = edit.localName ?? '';
  // A list entry, added or removed here, is known to the entry index by the edit's keys.
  const key = node?.kind === 'list' ? keyString(keysOf(edit, node)) : undefined;
  const added = (entry: Element) => {
    if (key !== undefined) entryAdded(parent, name, key, entry);
    statementChanged(parent);
  };
  const removed = (entry: Element) => {
    if (key !== undefined) entryRemoved(parent, name, key, entry);
    statementChanged(parent);
  };
  const remove = (old: Element) => {
    const next = old.nextSibling;
    parent.removeChild(old);
    removed(old);
    undo.push(() => {
      parent.insertBefore(old, next);
      added(old);
    });
  };
  const append = (entry: Element) => {
    parent.appendChild(entry);
    added(entry);
    undo.push(() => {
      parent.removeChild(entry);
      removed(entry);
    });
    return entry;
  };
  const swap = (out: Element, into: Element) => {
    parent.replaceChild(into, out);
    removed(out);
    added(into);
  };
  switch (operation) {
    case 'delete':
      if (!match) throw new EditError('data-missing', `statement not found: ${edit.localName}`, editPath(edit, schemas.of));
      remove(match);
      return;
    case 'remove':
      if (match) remove(match);
      return;
    case 'create':
      if (match) throw new EditError('data-exists', `statement exists already: ${edit.localName}`, editPath(edit, schemas.of));
      append(plainCopy(document, edit));
      return;
    case 'replace': {
      const copy = plainCopy(document, edit);
      if (!match) append(copy);
      else {
        swap(match, copy);
        undo.push(() => swap(copy, match));
      }
      return;
    }
    case 'merge':
    case 'none': {
      if (node?.kind === 'leaf' || node?.kind === 'leaf-list') {
        if (operation === 'none') return;
        if (match && node.kind === 'leaf') {
          const before = textOf(match);
          const setText = (value: string) => {
            match.textContent = value;
            statementChanged(match);
          };
          setText(textOf(edit));
          undo.push(() => setText(before));
        } else if (!match) append(plainCopy(document, edit));
        return;
      }
      // A container or list entry: create it if missing, then let every child apply its own
      // operation (a nested delete of something missing still fails); one made here that ends up
      // empty (it held only removals) goes again.
      const target = match ?? append(document.createElementNS(null, edit.localName ?? ''));
      for (const childEdit of elementChildren(edit)) applyEdit(document, target, childEdit, operation, schemas, undo);
      if (!match && isLeaf(target) && elementChildren(edit).length > 0) remove(target);
      return;
    }
  }
}

/**
 * Applies the content of an edit-config <config> to `target` in place, touching only what the edit
 * names, and returns how to take it back (newest change last). When any part fails, what applied
 * is taken back before the error is thrown (rollback-on-error): `target` is as it was.
 */
export function applyConfigurationEdit(target: Document, configChildren: Element[], defaultOperation: EditOperation = 'merge'): Undo[] {
  const root = target.documentElement!;
  const undo: Undo[] = [];
  try {
    for (const edit of configChildren) {
      if (edit.localName !== 'configuration' || !isConfigurationNamespace(edit.namespaceURI)) {
        throw new EditError('unknown-element', 'syntax error', '[edit]', edit.localName ?? '');
      }
      const schemas = schemaFinder();
      checkEdit(edit, junosSchema, schemas);
      const operation = operationOf(edit, defaultOperation);
      if (operation === 'replace') {
        const old = elementChildren(root);
        const swapSections = (out: Element[], into: Element[]) => {
          for (const section of out) root.removeChild(section);
          for (const section of into) root.appendChild(section);
          listIndexes.delete(root);
        };
        const added = elementChildren(edit).map((childEdit) => plainCopy(target, childEdit));
        swapSections(old, added);
        undo.push(() => swapSections(added, old));
        continue;
      }
      for (const childEdit of elementChildren(edit)) applyEdit(target, root, childEdit, operation, schemas, undo);
    }
  } catch (error) {
    takeBack(undo);
    throw error;
  }
  return undo;
}

/** Takes back the changes of one or more edits, newest first. */
export function takeBack(undo: Undo[]): void {
  for (const step of undo.splice(0).reverse()) step();
}

/** Applies an edit to a copy of `target` and returns the copy; `target` is untouched. */
export function editConfiguration(target: Document, configChildren: Element[], defaultOperation: EditOperation = 'merge'): Document {
  const result = cloneDocument(target);
  applyConfigurationEdit(result, configChildren, defaultOperation);
  return result;
}

/** The problems of a whole configuration against the schema (a rollback, a state file): what checkEdit would refuse. */
export function schemaProblems(document: Document): { path: string; message: string }[] {
  try {
    checkEdit(document.documentElement!, junosSchema, schemaFinder());
    return [];
  } catch (error) {
    if (!(error instanceof EditError)) throw error;
    return [{ path: error.path, message: `${error.message}${error.badElement ? ` (${error.badElement})` : ''}` }];
  }
}

function isContentMatch(element: Element): boolean {
  return isLeaf(element) && (element.textContent ?? '').trim() !== '';
}

/**
 * The selection nodes that may select a data element, in their order: those of its name, and of
 * those, where one matches a `name` by content, only the ones naming the element's own. A filter
 * naming a hundred list entries (a hub's tunnels changed at once) then costs a lookup per entry of
 * the list, not a hundred tries, as a real box finds a list entry by its key.
 */
function selectorsByName(selectors: Element[]): (data: Element) => Element[] {
  const byName = new Map<string, { keyed: Map<string, Element[]>; unkeyed: Element[] }>();
  const order = new Map(selectors.map((selector, index) => [selector, index]));
  for (const selector of selectors) {
    const group = byName.get(selector.localName ?? '') ?? { keyed: new Map<string, Element[]>(), unkeyed: [] };
    byName.set(selector.localName ?? '', group);
    const key = elementChildren(selector).find((c) => c.localName === 'name' && isContentMatch(c));
    if (key) group.keyed.set(textOf(key), [...group.keyed.get(textOf(key)) ?? [], selector]);
    else group.unkeyed.push(selector);
  }
  return (data) => {
    const group = byName.get(data.localName ?? '');
    if (!group) return [];
    const name = childNamed(data, 'name');
    const keyed = name ? group.keyed.get(textOf(name)) ?? [] : [];
    return keyed.length === 0 ? group.unkeyed : [...keyed, ...group.unkeyed].sort((a, b) => order.get(a)! - order.get(b)!);
  };
}

/** Subtree filtering: the part of `data` that `filter` selects, or undefined. */
function filterElement(document: Document, data: Element, filter: Element): Element | undefined {
  if (data.localName !== filter.localName) return undefined;
  // The configuration has no namespace: a filter naming it bare, in Junos's namespace or in NETCONF's (inherited) selects it.
  const sameNamespace = !filter.namespaceURI || data.namespaceURI === filter.namespaceURI
    || (isConfigurationNamespace(data.namespaceURI) && isConfigurationNamespace(filter.namespaceURI));
  if (!sameNamespace) return undefined;
  const filterChildren = elementChildren(filter);
  if (filterChildren.length === 0) return document.importNode(data, true) as Element;

  const contentMatches = filterChildren.filter(isContentMatch);
  for (const match of contentMatches) {
    const found = elementChildren(data).some((c) => c.localName === match.localName && c.textContent?.trim() === match.textContent?.trim());
    if (!found) return undefined;
  }
  if (contentMatches.length === filterChildren.length) return document.importNode(data, true) as Element;

  const result = document.createElementNS(data.namespaceURI || null, data.localName ?? '');
  const selectors = selectorsByName(filterChildren.filter((f) => !isContentMatch(f)));
  for (const dataChild of elementChildren(data)) {
    if (contentMatches.some((m) => m.localName === dataChild.localName)) {
      result.appendChild(document.importNode(dataChild, true));
      continue;
    }
    for (const filterChild of selectors(dataChild)) {
      const selected = filterElement(document, dataChild, filterChild);
      if (selected) {
        result.appendChild(selected);
        break;
      }
    }
  }
  const selectedSomething = elementChildren(result).length > contentMatches.length;
  return selectedSomething ? result : undefined;
}

/** The serialised elements of `data` that the filter's top-level elements select (everything without a filter). */
export function filterData(data: Element[], filter?: Element): string {
  if (!filter) return data.map(serialize).join('');
  const scratch = new DOMImplementation().createDocument(null, 'scratch', null);
  const selected: string[] = [];
  for (const root of data) {
    for (const filterRoot of elementChildren(filter)) {
      const result = filterElement(scratch, root, filterRoot);
      if (result) selected.push(serialize(result));
    }
  }
  return selected.join('');
}
