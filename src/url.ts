import { InvalidInputError } from './errors.js';

/** Checks a base URL and gives it a trailing slash. */
export function normalizeBaseUrl(baseUrl: string): string {
  let parsed: URL;
  try {
    parsed = new URL(baseUrl);
  } catch (error: unknown) {
    if (!(error instanceof TypeError)) throw error;
    throw new InvalidInputError(`The base URL "${baseUrl}" is not a URL.`, { cause: error });
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new InvalidInputError(`The base URL must start with http:// or https://, not ${parsed.protocol}`);
  }
  return parsed.href.endsWith('/') ? parsed.href : `${parsed.href}/`;
}

/**
 * A URL as the pod server resolves it before authorization: parsed (so `..`, `.` and their percent-encoded forms are
 * resolved), with runs of slashes folded into one first, as CSS does. Undefined when it is not an http(s) URL.
 */
export function canonicalUrl(url: string, base?: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url, base);
  } catch (error: unknown) {
    if (!(error instanceof TypeError)) throw error;
    return undefined;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return undefined;
  if (parsed.pathname.includes('//')) {
    // Assigning the path parses it again, which resolves the dot segments the folding brought next to each other.
    parsed.pathname = parsed.pathname.replace(/\/{2,}/gu, '/');
  }
  return parsed.href;
}

/**
 * Whether `url` is the container `container` or lies inside it, compared as the pod server resolves both: the one test
 * Hearth uses for "is this URL in that pod / container". A URL that is not http(s) is inside nothing.
 */
export function isInside(url: string, container: string): boolean {
  const target = canonicalUrl(url);
  const root = canonicalUrl(container);
  if (!target || !root || !root.endsWith('/')) return false;
  return target.startsWith(root);
}

/** Whether `url` lies inside one of `containers` (see `isInside`). */
export function isInsideAny(url: string, containers: readonly string[]): boolean {
  return containers.some((container) => isInside(url, container));
}
