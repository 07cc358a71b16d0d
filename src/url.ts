import { InvalidInputError } from './errors.js';

/** Checks a base URL and gives it a trailing slash. */
export function normalizeBaseUrl(baseUrl: string): string {
  let parsed: URL;
  try {
    parsed = new URL(baseUrl);
  } catch {
    throw new InvalidInputError(`The base URL "${baseUrl}" is not a URL.`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new InvalidInputError(`The base URL must start with http:// or https://, not ${parsed.protocol}`);
  }
  return parsed.href.endsWith('/') ? parsed.href : `${parsed.href}/`;
}
