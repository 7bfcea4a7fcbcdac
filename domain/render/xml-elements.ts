// The few ways a renderer writes Junos XML, shared by the renderers of a platform's parts.
import { escapeXml } from './escape-xml.ts';

/** `<name>value</name>`, or nothing for an empty value. */
export function leaf(name: string, value: string | number | undefined): string {
  return value === undefined || value === '' ? '' : `<${name}>${escapeXml(String(value))}</${name}>`;
}

/** `<name>content</name>`, or nothing when there is no content (Junos drops empty containers). */
export function element(name: string, content: string, attributes = ''): string {
  return content === '' ? '' : `<${name}${attributes}>${content}</${name}>`;
}

/** A list entry's key, then its content. */
export const named = (name: string | number, content = '') => `${leaf('name', name)}${content}`;
