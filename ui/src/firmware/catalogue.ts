// The firmware catalogue as the UI shows it: the API's images, ordered as an operator looks for
// them (by model, the newest version first), and their sizes in words.
export interface FirmwareImage {
  id: string;
  model: string;
  version: string;
  sha256: string;
  sizeBytes: number;
  fileName: string;
  createdAt: string;
  downloadUrl: string;
}

/** By model, then the newest version first: 24.10R1 before 24.9R1, as releases are numbered. */
export function byModelThenNewest(a: Pick<FirmwareImage, 'model' | 'version'>, b: Pick<FirmwareImage, 'model' | 'version'>): number {
  return a.model.localeCompare(b.model) || b.version.localeCompare(a.version, 'en', { numeric: true });
}

const units = ['bytes', 'KiB', 'MiB', 'GiB'] as const;

/** "512 bytes", "64 KiB", "1.5 GiB". */
export function sizeInWords(bytes: number): string {
  let size = bytes;
  let unit = 0;
  while (size >= 1024 && unit < units.length - 1) {
    size /= 1024;
    unit++;
  }
  return `${unit === 0 ? size : Number(size.toFixed(1))} ${units[unit]}`;
}
