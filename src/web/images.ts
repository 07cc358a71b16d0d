// Images of posts, shown without letting a pod's server talk to the browser directly: each is read with the library's
// bounded read (size, time, redirects), its bytes checked to be an image Hearth accepts (never SVG), and shown from a
// `blob:` URL (the page's CSP admits images from 'self' and blob: only).
import { useEffect, useState } from 'preact/hooks';
import { checkImage } from '../social/images.js';
import { maxImageBytes } from '../social/posts.js';
import { readBoundedBytes } from '../social/remote.js';
import { reason } from './session.js';

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

/**
 * An image at `url` for an `<img>` of a component: its `blob:` URL once read (revoked when the component or the URL
 * goes), or why it could not be shown.
 */
export function useImageUrl(url: string): { src?: string; failed?: string } {
  const [shown, setShown] = useState<{ src?: string; failed?: string }>({});
  useEffect(() => {
    const stop = new AbortController();
    let src: string | undefined;
    setShown({});
    imageObjectUrl(url, stop.signal).then(
      (made) => {
        if (stop.signal.aborted) URL.revokeObjectURL(made);
        else setShown({ src: (src = made) });
      },
      (error: unknown) => {
        if (!stop.signal.aborted) setShown({ failed: reason(error) });
      },
    );
    return () => {
      stop.abort();
      if (src) URL.revokeObjectURL(src);
    };
  }, [url]);
  return shown;
}
