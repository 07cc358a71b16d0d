// Hearth's public API. Every export is documented where it is defined.
export * from './errors.js';
export { normalizeBaseUrl } from './url.js';
export { startPodServer, defaultDataDir, type PodServer, type PodServerOptions } from './server/start.js';
export { podConfigFiles, podConfigFolder, podTemplateFolder } from './server/config.js';
export { AccountApi, AccountApiError, type ClientCredential } from './server/account-api.js';
export { createAccount, loginAccount, managerCredentialName, type NewAccount, type ExistingAccount } from './server/provision.js';
export { checkManagerAccess } from './server/whoami.js';
export { openSession, type ClientLogin, type HearthSession } from './auth/session.js';
export { hearthHome, accountKey, saveAccount, loadAccount, listAccounts, type StoredAccount } from './auth/credentials.js';
export { acrUrlOf, managerOnlyRootAcr, ownerAndClientPolicy, clientMatcherTerm, toTurtle, type AccessMode } from './access/acr.js';
export { lockPodToManager } from './access/lockdown.js';
export { deleteAccountOnServer, type DeletionReport } from './portability/delete.js';
export { appKey, appAccessControl, acrSubjectOf, emptyAcr, withoutApp, clientAllowancesIn, type ClientAllowance } from './access/acr.js';
export { grantAccess, revokeAccess, revokeAllAccess, listGrants, checkGrants, registerApp, forgetApp, findApp, resolveTarget, checkModes, UnknownAreaError, InvalidModeError, type PodOwner, type Revocation, type GrantDrift } from './access/grants.js';
export { createClientCredentialApp, deleteAppCredential, fetchClientIdDocument, isClientIdUrl, UnknownAppError, ClientIdDocumentError, type AppInfo, type AppKind } from './access/apps.js';
export { recordUrl, grantModes, type GrantMode, type GrantEntry, type AppRecord } from './access/record.js';
export { ConcurrentChangeError } from './access/turtle-doc.js';
export { requestAccess, listAccessRequests, approveAccessRequest, denyAccessRequest, discoverInbox, UnknownRequestError, INTEROP, type AccessNeed, type AccessRequest, type AppSession } from './access/requests.js';
