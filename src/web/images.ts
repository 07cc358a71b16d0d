// Images of posts, shown without letting a pod's server talk to the browser directly: each is read with the library's
// bounded read (size, time, redirects), its bytes checked to be an image Hearth accepts (never SVG), and shown from a
// `blob:` URL (the page's CSP admits images from 'self' and blob: only).
import { checkImage } from '../social/images.js';
import { maxImageBytes } from '../social/posts.js';
import { readBoundedBytes } from '../social/remote.js';

/** Images read at a time. */
const concurrency = 4;
let running = 0;
const waiting: (() => void)[] = [];

async function slot<T>(work: () => Promise<T>): Promise<T> {
  if (running >= concurrency) await new Promise<void>((resolve) => waiting.push(resolve));
  running += 1;
  try {
    return await work();
  } finally {
    running -= 1;
    waiting.shift()?.();
  }
}

/** Public reads of images: no credentials; images have names of their own, so the browser's cache may keep them. */
const imageFetch = ((input: Parameters<typeof fetch>[0], init?: RequestInit) =>
  globalThis.fetch(input, { ...init, credentials: 'omit' })) as typeof fetch;

/** Reads an image within bounds and answers a `blob:` URL of it (the caller revokes it), or throws a plain error. */
export async function imageObjectUrl(url: string, signal?: AbortSignal): Promise<string> {
  return slot(async () => {
    const read = await readBoundedBytes(imageFetch, url, {
      maxBytes: maxImageBytes,
      timeoutMs: 15_000,
      ...(signal ? { signal } : {}),
    });
    const { data, mediaType } = checkImage({ data: read.data, mediaType: read.contentType });
    return URL.createObjectURL(new Blob([new Uint8Array(data)], { type: mediaType }));
  });
}
