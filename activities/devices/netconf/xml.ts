// The little XML toolkit NETCONF needs, over @xmldom/xmldom: parse, serialise, walk children,
// escape text. Shared by the client and the simulator's server.
import { DOMParser, XMLSerializer, type Document, type Element, type Node } from '@xmldom/xmldom';

export type { Document, Element, Node };

export const netconfBaseNs = 'urn:ietf:params:xml:ns:netconf:base:1.0';

export class XmlError extends Error {
  override name = 'XmlError';
}

export function parseXml(text: string): Document {
  try {
    return new DOMParser({
      onError: (level, message) => {
        if (level !== 'warning') throw new XmlError(message);
      },
    }).parseFromString(text, 'text/xml');
  } catch (error) {
    throw new XmlError(`not well-formed XML: ${(error as Error).message}`);
  }
}

export function serialize(node: Node): string {
  return new XMLSerializer().serializeToString(node);
}

export function elementChildren(node: Node): Element[] {
  const children: Element[] = [];
  for (let child = node.firstChild; child; child = child.nextSibling) {
    if (child.nodeType === 1) children.push(child as Element);
  }
  return children;
}

export function child(node: Node, localName: string): Element | undefined {
  return elementChildren(node).find((element) => element.localName === localName);
}

/** The text of a leaf element, trimmed; undefined when the element is missing. */
export function childText(node: Node, localName: string): string | undefined {
  return child(node, localName)?.textContent?.trim();
}

export { escapeXml } from '../../../domain/render/escape-xml.ts';
