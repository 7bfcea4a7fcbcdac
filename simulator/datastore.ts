// Configuration datastores as XML trees, with the two operations NETCONF needs on them:
// edit-config (merge, replace, create, delete, remove; RFC 6241 §7.2) and subtree filtering
// (RFC 6241 §6). List entries are keyed by their <name> child, as Junos keys them.
import { DOMImplementation, type Document, type Element, type Node } from '@xmldom/xmldom';
import { elementChildren, netconfBaseNs, parseXml, serialize } from '../activities/devices/netconf/xml.ts';

export const configNs = 'urn:branchline:sim:config';

/** An edit that cannot be applied: becomes an <rpc-error> with this tag. */
export class EditError extends Error {
  constructor(readonly tag: 'data-missing' | 'data-exists' | 'bad-attribute' | 'invalid-value', message: string, readonly path: string) {
    super(message);
  }
}

export type EditOperation = 'merge' | 'replace' | 'create' | 'delete' | 'remove' | 'none';

export function emptyConfiguration(): Document {
  const document = new DOMImplementation().createDocument(configNs, 'configuration', null);
  return document;
}

export function parseConfiguration(xml: string): Document {
  const document = parseXml(xml);
  if (document.documentElement?.localName !== 'configuration') throw new Error('a configuration document has <configuration> at its root');
  return document;
}

export function cloneDocument(document: Document): Document {
  return parseXml(serialize(document));
}

function keyOf(element: Element): string | undefined {
  return elementChildren(element).find((c) => c.localName === 'name')?.textContent?.trim();
}

function pathOf(element: Element): string {
  const parts: string[] = [];
  for (let node: Node | null = element; node && node.nodeType === 1; node = node.parentNode) {
    const e = node as Element;
    const key = keyOf(e);
    parts.unshift(key && e.localName !== 'name' ? `${e.localName}[name='${key}']` : e.localName ?? '');
  }
  return '/' + parts.join('/');
}

function findMatch(parent: Element, edit: Element): Element | undefined {
  const key = keyOf(edit);
  return elementChildren(parent).find((candidate) =>
    candidate.localName === edit.localName && candidate.namespaceURI === edit.namespaceURI && (key === undefined || keyOf(candidate) === key));
}

function isLeaf(element: Element): boolean {
  return elementChildren(element).length === 0;
}

/** A copy of `edit` for the datastore: no operation attributes. */
function importClean(document: Document, edit: Element): Element {
  const copy = document.importNode(edit, true) as Element;
  const strip = (element: Element) => {
    element.removeAttributeNS(netconfBaseNs, 'operation');
    elementChildren(element).forEach(strip);
  };
  strip(copy);
  return copy;
}

function operationOf(edit: Element, inherited: EditOperation): EditOperation {
  const value = edit.getAttributeNS(netconfBaseNs, 'operation');
  if (!value) return inherited;
  if (!['merge', 'replace', 'create', 'delete', 'remove'].includes(value)) {
    throw new EditError('bad-attribute', `unknown operation "${value}"`, pathOf(edit));
  }
  return value as EditOperation;
}

function applyEdit(document: Document, parent: Element, edit: Element, inherited: EditOperation): void {
  const operation = operationOf(edit, inherited);
  const match = findMatch(parent, edit);
  switch (operation) {
    case 'delete':
      if (!match) throw new EditError('data-missing', `${edit.localName} does not exist, so it cannot be deleted`, pathOf(parent) + '/' + edit.localName);
      parent.removeChild(match);
      return;
    case 'remove':
      if (match) parent.removeChild(match);
      return;
    case 'create':
      if (match) throw new EditError('data-exists', `${edit.localName} exists already`, pathOf(match));
      parent.appendChild(importClean(document, edit));
      return;
    case 'replace':
      if (match) parent.replaceChild(importClean(document, edit), match);
      else parent.appendChild(importClean(document, edit));
      return;
    case 'merge':
    case 'none': {
      if (isLeaf(edit)) {
        if (operation === 'none') return;
        if (match) match.textContent = edit.textContent;
        else parent.appendChild(importClean(document, edit));
        return;
      }
      // A container or list entry: create it if missing, then let every child apply its own
      // operation (a nested delete of something missing still fails).
      const target = match ?? (parent.appendChild(document.createElementNS(edit.namespaceURI, edit.localName ?? '')) as Element);
      for (const childEdit of elementChildren(edit)) applyEdit(document, target, childEdit, operation);
      if (!match && isLeaf(target)) parent.removeChild(target);
      return;
    }
  }
}

/**
 * Applies the content of an edit-config <config> to a copy of `target` and returns the copy;
 * `target` is untouched when an edit fails (rollback-on-error).
 */
export function editConfiguration(target: Document, configChildren: Element[], defaultOperation: EditOperation = 'merge'): Document {
  const result = cloneDocument(target);
  const root = result.documentElement!;
  for (const edit of configChildren) {
    if (edit.localName !== 'configuration' || edit.namespaceURI !== configNs) {
      throw new EditError('invalid-value', `unknown top-level element ${edit.localName} (expected configuration in ${configNs})`, '/' + edit.localName);
    }
    const operation = operationOf(edit, defaultOperation);
    if (operation === 'replace') {
      while (root.firstChild) root.removeChild(root.firstChild);
      for (const childEdit of elementChildren(edit)) root.appendChild(importClean(result, childEdit));
      continue;
    }
    for (const childEdit of elementChildren(edit)) applyEdit(result, root, childEdit, operation);
  }
  return result;
}

function isContentMatch(element: Element): boolean {
  return isLeaf(element) && (element.textContent ?? '').trim() !== '';
}

/** Subtree filtering: the part of `data` that `filter` selects, or undefined. */
function filterElement(document: Document, data: Element, filter: Element): Element | undefined {
  if (data.localName !== filter.localName || (filter.namespaceURI && data.namespaceURI !== filter.namespaceURI)) return undefined;
  const filterChildren = elementChildren(filter);
  if (filterChildren.length === 0) return document.importNode(data, true) as Element;

  const contentMatches = filterChildren.filter(isContentMatch);
  for (const match of contentMatches) {
    const found = elementChildren(data).some((c) => c.localName === match.localName && c.textContent?.trim() === match.textContent?.trim());
    if (!found) return undefined;
  }
  if (contentMatches.length === filterChildren.length) return document.importNode(data, true) as Element;

  const result = document.createElementNS(data.namespaceURI, data.localName ?? '');
  for (const dataChild of elementChildren(data)) {
    if (contentMatches.some((m) => m.localName === dataChild.localName)) {
      result.appendChild(document.importNode(dataChild, true));
      continue;
    }
    for (const filterChild of filterChildren.filter((f) => !isContentMatch(f))) {
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
