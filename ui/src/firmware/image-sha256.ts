// An image's sha256, computed in the browser before it is sent, so the API can refuse an upload
// that arrived other than it left. WebCrypto hashes a whole buffer at once, so a file past this
// size, or a page without WebCrypto (served over plain HTTP from another host), leaves the
// hashing to the API alone.
const hashedUpToBytes = 1024 ** 3;

export async function imageSha256(file: Blob): Promise<string | undefined> {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle || file.size > hashedUpToBytes) return undefined;
  const digest = new Uint8Array(await subtle.digest('SHA-256', await file.arrayBuffer()));
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, '0')).join('');
}
