// Hearth's public API, room by room. Every export is documented where it is defined.

// Shared ground: typed errors, RDF in and out, other people's text, URLs.
export * from './errors.js';
export { parseTurtle, writeTurtle, writeNTriples } from './rdf.js';
export { ConcurrentChangeError } from './turtle-doc.js';
export { cleanText, safeForTerminal } from './text.js';
export { normalizeBaseUrl } from './url.js';

// The pod server: start it, provision accounts, recover a lost manager.
export { startPodServer, defaultDataDir, type PodServer, type PodServerOptions, type PodServerWarning } from './server/start.js';
export { podConfigFiles, podConfigFolder, podTemplateFolder } from './server/config.js';
export { AccountApi, AccountApiError, type AccountApiOptions, type ClientCredential } from './account/account-api.js';
export { NoAnswerError, defaultRequestTimeoutMs, requestTimeoutMs, setDefaultRequestTimeout, withRequestTimeout, withinTimeLimit } from './request-timeout.js';
export { createAccount, loginAccount, managerCredentialName, type NewAccount, type ExistingAccount } from './account/provision.js';
export { checkManagerAccess } from './account/whoami.js';
export { checkPodServer, NotAPodServerError, defaultCheckTimeoutMs, type ServerCheckOptions } from './account/reachable.js';
export { unlockPod, type Unlocked } from './server/recover.js';

// Sessions and the credentials kept on this machine.
export { openSession, type ClientLogin, type HearthSession } from './auth/session.js';
export {
  hearthHome, accountKey, saveAccount, loadAccount, listAccounts, currentAccountKey, useAccount, forgetAccount, accountFile,
  type StoredAccount,
} from './auth/credentials.js';

// Per-app access: ACRs, grants, the owner's record, apps' requests.
export {
  acrUrlOf, managerOnlyRootAcr, ownerControlOnlyRootAcr, ownerAndClientPolicy, clientMatcherTerm, appKey, appAccessControl, acrSubjectOf,
  emptyAcr, withoutApp, clientAllowancesIn, podIssuerOf, type AccessMode, type AccessParties, type ClientAllowance,
} from './access/acr.js';
export { readAcrRules, writeAcrRules, managerOnlyAcr, type HearthRule, type ForeignPolicy, type AcrReading, type AcrLinks } from './access/acr-rules.js';
export { appsRecordUrl, socialRecordUrl, privateRecordUrls, profileDocumentOf } from './access/private.js';
export { lockPodToManager, type LockReport } from './access/lockdown.js';
export { bringPodUpToDate, type PodUpdate } from './access/migrate.js';
export {
  grantAccess, revokeAccess, revokeAllAccess, listGrants, checkGrants, registerApp, forgetApp, findApp, resolveTarget, checkModes,
  grantAccessAll, planGrant, createContainer, type GrantPart, type GrantOptions, type GrantPlan,
  UnknownAreaError, InvalidModeError, RefusedGrantError, type PodOwner, type Revocation, type GrantDrift,
} from './access/grants.js';
export {
  createClientCredentialApp, deleteAppCredential, fetchClientIdDocument, isClientIdUrl, UnknownAppError, ClientIdDocumentError,
  type AppInfo, type AppKind,
} from './access/apps.js';
export { requireFreeAppName, AppNameTakenError } from './access/app-names.js';
export { recordUrl, grantModes, type GrantMode, type GrantEntry, type AppRecord } from './access/record.js';
export {
  requestAccess, listAccessRequests, approveAccessRequest, denyAccessRequest, discoverInbox, UnknownRequestError, INTEROP,
  type AccessNeed, type AccessRequest, type AppSession,
} from './access/requests.js';

// The social layer: profiles, posts, likes, follows, timeline, notifications.
export * from './social/index.js';

// Data ownership: export, import, move, delete.
export {
  exportPod, importPod, verifyArchive, movePod, announceMovedTo, ArchiveError, MoveError, rewriteQuads, portAcr, mergeProfile,
  canonicalLines, sameGraph, type ExportOptions, type ExportResult, type ImportOptions, type ImportResult, type AppNeedingCredential,
  type Manifest, type ManifestEntry, type MoveOptions, type MoveResult, type IriMapping, type Progress, type ProgressListener,
  followAsBefore, type Refollowed, outboxIdOf, activityStreamsContextDocument, activityStreamsContextFile,
} from './portability/index.js';
export { deleteAccount, deleteAccountOnServer, type AccountDeletion, type DeletionReport } from './portability/delete.js';
