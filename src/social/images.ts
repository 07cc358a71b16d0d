import { InvalidInputError } from '../errors.js';

/** The image types Hearth accepts, by their media type, with the file extension Hearth gives them. */
export const acceptedImageTypes = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/gif': 'gif',
  'image/webp': 'webp',
  'image/avif': 'avif',
} as const;

/** A media type Hearth accepts for images. */
export type ImageMediaType = keyof typeof acceptedImageTypes;

/** An image whose content was checked: its bytes and the media type they really are. */
export interface CheckedImage {
  /** The image bytes, as given. */
  data: Uint8Array;
  /** The media type the bytes are (never the one a file name or a caller claimed). */
  mediaType: ImageMediaType;
}

/** The bytes are not an image Hearth accepts (text, empty, SVG, a type it does not take). */
export class NotAnImageError extends InvalidInputError {
  constructor(message: string) {
    super(message);
  }
}

/**
 * The media type of an image Hearth accepts, recognised by its first bytes (PNG, JPEG, GIF, WebP, AVIF), or undefined.
 * SVG is never one: it can carry script that runs when the image is opened from the pod.
 */
export function sniffImageType(data: Uint8Array): ImageMediaType | undefined {
  const starts = (offset: number, ...bytes: number[]) => bytes.every((byte, i) => data[offset + i] === byte);
  const ascii = (offset: number, text: string) => starts(offset, ...[...text].map((c) => c.charCodeAt(0)));
  if (starts(0, 0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return 'image/png';
  if (starts(0, 0xff, 0xd8, 0xff)) return 'image/jpeg';
  if (ascii(0, 'GIF87a') || ascii(0, 'GIF89a')) return 'image/gif';
  if (ascii(0, 'RIFF') && ascii(8, 'WEBP')) return 'image/webp';
  // ISO base media file: `ftyp` box first, AVIF as its major brand or among its compatible brands.
  if (ascii(4, 'ftyp') && data.byteLength >= 16) {
    const size = Math.min(
      data.byteLength,
      ((data[0]! << 24) | (data[1]! << 16) | (data[2]! << 8) | data[3]!) >>> 0,
      256,
    );
    for (let offset = 8; offset + 4 <= size; offset += 4) {
      if (offset === 12) continue; // the minor version, not a brand
      if (ascii(offset, 'avif') || ascii(offset, 'avis')) return 'image/avif';
    }
  }
  return undefined;
}

/**
 * Checks that `image.data` is an image Hearth accepts and answers it with the media type its bytes really are; the
 * `mediaType` given (from a file name, say) is a hint at most and never trusted. Refuses empty data, text, SVG and
 * anything else with a plain message.
 */
export function checkImage(image: { data: Uint8Array; mediaType?: string }): CheckedImage {
  const { data } = image;
  const accepted = 'PNG, JPEG, GIF, WebP or AVIF';
  if (data.byteLength === 0)
    throw new NotAnImageError(`The image is empty (0 bytes): Hearth takes ${accepted} images.`);
  const mediaType = sniffImageType(data);
  if (mediaType) return { data, mediaType };
  if (looksLikeSvg(data)) {
    throw new NotAnImageError(
      `SVG images are refused: they can carry script that would run from your pod. Use ${accepted}.`,
    );
  }
  const claimed = image.mediaType ? ` (named as ${image.mediaType})` : '';
  throw new NotAnImageError(
    looksLikeText(data)
      ? `This file${claimed} is text, not an image: Hearth takes ${accepted} images, recognised by their content.`
      : `This file${claimed} is not a ${accepted} image: its content is not one Hearth recognises.`,
  );
}

/** Whether the start of the data is text mentioning `<svg`. */
function looksLikeSvg(data: Uint8Array): boolean {
  const head = new TextDecoder('utf-8', { fatal: false }).decode(data.subarray(0, 4096)).toLowerCase();
  return head.includes('<svg');
}

/** Whether the first bytes are all printable text (UTF-8 or ASCII, with tabs and line breaks). */
function looksLikeText(data: Uint8Array): boolean {
  const head = data.subarray(0, 512);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: true });
  } catch (error: unknown) {
    if (!(error instanceof TypeError)) throw error; // What a fatal decoder throws on bytes that are not UTF-8.
    return false;
  }
  // eslint-disable-next-line no-control-regex
  return !/[\u0000-\u0008\u000e-\u001f\u007f]/u.test(text);
}
