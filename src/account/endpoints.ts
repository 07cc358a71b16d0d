// Paths Hearth's pod server adds beside CSS's own account API: the client asks for them, the server answers them.

/** Path (from the server's base URL) of the endpoint that deletes the logged-in account with its pod. */
export const accountDeletionPath = '.hearth/delete-account';

/**
 * Pod names the server keeps for itself: `hearth` is where Hearth's own web page lives (`/hearth/`), so no account
 * may make a pod there, whatever its case (CSS lowercases names into URLs).
 */
export const reservedPodNames: readonly string[] = ['hearth'];
