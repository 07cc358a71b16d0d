// Who Hearth's web page is, on a pod server: its place and its Solid-OIDC client id, from the server's base URL (the
// issuer of its owners' tokens). A leaf of the access room, browser-clean: the server, the access rules and the page
// itself name the page through these alone.

/** The page's path segment below the base URL (a pod name no account may take: `reservedPodNames`). */
export const webPageName = 'hearth';

/** The owner's web page on the server whose base URL (and issuer) is `issuer`: `<base>hearth/`. */
export function webPageUrlOf(issuer: string): string {
  return new URL(`${webPageName}/`, issuer).href;
}

/**
 * The page's Solid-OIDC client id on the server whose base URL (and issuer) is `issuer`: the URL of its Client ID
 * Document, `<base>hearth/id`. Every user of that server signs in to the page with this one client id, so a rule that
 * names it must also name the owner.
 */
export function webClientIdOf(issuer: string): string {
  return new URL(`${webPageName}/id`, issuer).href;
}
