// Hearth's public API, room by room. Every export is documented where it is defined. What is not here is internal:
// it may change without notice (tests and the CLI import it from its module).

// Typed errors (each with a stable `code`), and other people's text made safe to show.
export {
  HearthError,
  InvalidInputError,
  ServerStartError,
  HttpError,
  NotFoundError,
  ForbiddenError,
  NetworkError,
  FileError,
  NotLoggedInError,
} from './errors.js';
export { BadDataError } from './rdf.js';
export { ConcurrentChangeError } from './turtle-doc.js';
export { NoAnswerError, setDefaultRequestTimeout } from './request-timeout.js';
export { cleanText, safeForTerminal } from './text.js';

// The pod server: start it, recover a lost manager.
export {
  startPodServer,
  defaultDataDir,
  type PodServer,
  type PodServerOptions,
  type PodServerWarning,
} from './server/start.js';
export { unlockPod, type Unlocked } from './server/recover.js';

// Accounts on a pod server: create, log in, check the server and the manager's access.
export { AccountApi, AccountApiError, type AccountApiOptions, type ClientCredential } from './account/account-api.js';
export { createAccount, loginAccount, type NewAccount, type ExistingAccount } from './account/provision.js';
export { checkManagerAccess } from './account/whoami.js';
export { checkPodServer, NotAPodServerError, type ServerCheckOptions } from './account/reachable.js';

// Sessions and the credentials kept on this machine.
export { openSession, type ClientLogin, type HearthSession } from './auth/session.js';
export {
  hearthHome,
  saveAccount,
  loadAccount,
  listAccounts,
  currentAccountKey,
  useAccount,
  forgetAccount,
  type StoredAccount,
} from './auth/credentials.js';

// Per-app access: grants, revocation, the owner's record, apps' requests.
export { bringPodUpToDate, type PodUpdate } from './access/migrate.js';
export {
  grantAccess,
  grantAccessAll,
  planGrant,
  createContainer,
  revokeAccess,
  revokeAllAccess,
  listGrants,
  checkGrants,
  registerApp,
  forgetApp,
  UnknownAreaError,
  InvalidModeError,
  RefusedGrantError,
  type GrantPart,
  type GrantOptions,
  type GrantPlan,
  type PodOwner,
  type Revocation,
  type GrantDrift,
} from './access/grants.js';
export {
  revokeApp,
  revokeAll,
  type RevokePart,
  type RevokeOptions,
  type RevokeAppOptions,
  type CredentialDeletion,
  type AppRevocation,
  type KeptCredentials,
} from './access/revoke.js';
export {
  createClientCredentialApp,
  deleteAppCredential,
  fetchClientIdDocument,
  UnknownAppError,
  ClientIdDocumentError,
  type AppInfo,
  type AppKind,
} from './access/apps.js';
export { AppNameTakenError } from './access/app-names.js';
// Hearth's web page on the pod's server (`<base>hearth/`): trusted like the manager unless the owner turns it off.
export { setWebPage, webPageOn, type WebPageSwitch } from './access/web-switch.js';
export { webClientIdOf, webPageUrlOf } from './access/web.js';
export { type GrantMode, type GrantEntry, type AppRecord } from './access/record.js';
export {
  requestAccess,
  listAccessRequests,
  approveAccessRequest,
  denyAccessRequest,
  UnknownRequestError,
  type AccessNeed,
  type AccessRequest,
  type AppSession,
} from './access/requests.js';
// The owner as Hearth's web page acts for them (the manager's client id from the root rule), and app use as the server
// records it.
export { pageOwner, browserAccountApi, ManagerUnknownError } from './access/page-owner.js';
export { type SignedInCredentialDeletion } from './access/revoke.js';
export { readAppUse, AppUseUnavailableError, type AppUse } from './access/app-use.js';

// The social layer: profiles, posts, replies, likes, follows, the timeline, notifications.
export { getProfile, type Profile } from './social/discovery.js';
export { setProfile } from './social/profile.js';
export { maxPostLength, type Post, type Attachment } from './social/model.js';
export {
  createPost,
  getPost,
  listPosts,
  editPost,
  deletePost,
  uploadImage,
  maxImageBytes,
  type ImageInput,
} from './social/posts.js';
export { acceptedImageTypes, NotAnImageError, type ImageMediaType } from './social/images.js';
export { reply, like, unlike, readOwnLikes, type Like } from './social/interactions.js';
export { getThread, maxThreadReplies, type Thread } from './social/thread.js';
export {
  follow,
  unfollow,
  listFollowing,
  followMoves,
  rememberPostsContainers,
  actOnNotices,
  NotAProfileError,
  type Follow,
  type MovedFollow,
  type NoticeAction,
} from './social/follows.js';
export {
  getTimeline,
  type PostsResult,
  type PostSource,
  type SourceError,
  type TimelineOptions,
} from './social/timeline.js';
export { feedDocumentName, feedSize, type Feed } from './social/feed.js';
export { ensureFeed } from './social/feed-write.js';
export { TimelineCache, type CacheBounds, type CacheEntry } from './social/feed-cache.js';
export {
  listNotifications,
  readNotifications,
  clearNotifications,
  listFollowers,
  withCounts,
  type Notification,
  type NotificationKind,
  type InboxReport,
  type NotificationOptions,
} from './social/notifications.js';
export { resolveMovedTo } from './social/moves.js';
export { type Delivery } from './social/notify.js';
export { type Actor } from './social/self.js';

// Data ownership: export, import, move, delete.
export { ArchiveError, type ArchiveLimits, type Manifest, type ManifestEntry } from './portability/archive-format.js';
export { exportPod, type ExportOptions, type ExportResult } from './portability/node/export-file.js';
export { importPod, verifyArchive, type ImportOptions } from './portability/node/import-file.js';
export { type ImportResult, type AppNeedingCredential } from './portability/import-core.js';
export { movePod, MoveError, type MoveOptions, type MoveResult } from './portability/move.js';
export { announceMovedTo, announceMove, confirmMovedHere, type MoveAnnouncement } from './portability/moved.js';
// The same export and import for a browser: archives as Blobs (src/portability/web.ts), one format with the CLI's.
export { exportPodToBlob, importPodFromBlob, verifyBlob, blobSource, type BlobExport } from './portability/web.js';
export { writePodArchive, type PodExportOptions } from './portability/export-core.js';
export { importFrom, verifySource, type PodImportOptions } from './portability/import-core.js';
export { archiveFileName, podNameOf } from './portability/archive-name.js';
export { activityStreamsContextDocument } from './portability/node/outbox-file.js';
export { followAsBefore, type Refollowed } from './portability/refollow.js';
export { type Progress, type ProgressListener } from './portability/progress.js';
export {
  deleteAccount,
  deleteAccountOnServer,
  accountSessionFor,
  type AccountSession,
  type AccountDeletion,
  type DeletionReport,
} from './portability/delete.js';
