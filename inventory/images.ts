// Firmware images on disk, addressed by their sha256: what a device downloads is what was
// checked when it was stored. The API serves them at /api/v1/images/<sha256>.
import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export const sha256Pattern = /^[0-9a-f]{64}$/;

export class ImageStore {
  constructor(readonly directory: string) {
    mkdirSync(directory, { recursive: true });
  }

  /** Stores an image (hashing it on the way) and returns its sha256 and size. */
  async add(content: Buffer | Readable): Promise<{ sha256: string; sizeBytes: number }> {
    const partial = join(this.directory, `.incoming-${randomUUID()}`);
    const hash = createHash('sha256');
    let sizeBytes = 0;
    try {
      const source = Buffer.isBuffer(content) ? Readable.from([content]) : content;
      source.on('data', (chunk: Buffer) => {
        hash.update(chunk);
        sizeBytes += chunk.length;
      });
      await pipeline(source, createWriteStream(partial));
      const sha256 = hash.digest('hex');
      renameSync(partial, join(this.directory, sha256));
      return { sha256, sizeBytes };
    } finally {
      rmSync(partial, { force: true });
    }
  }

  /** The file of an image, or undefined when there is none with this checksum. */
  file(sha256: string): { path: string; sizeBytes: number } | undefined {
    if (!sha256Pattern.test(sha256)) return undefined;
    const path = join(this.directory, sha256);
    return existsSync(path) ? { path, sizeBytes: statSync(path).size } : undefined;
  }
}
