// Paths Hearth's pod server adds beside CSS's own account API: the client asks for them, the server answers them.

/** Path (from the server's base URL) of the endpoint that deletes the logged-in account with its pod. */
export const accountDeletionPath = '.hearth/delete-account';
