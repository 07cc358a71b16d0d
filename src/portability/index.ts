// Data portability: export a whole pod, import it anywhere, move, and follow moves. (Deletion lives in delete.ts.)
export { ArchiveError, archiveFormat, type Manifest, type ManifestEntry, type EntryKind } from './archive.js';
export { exportPod, type ExportOptions, type ExportResult } from './export.js';
export {
  importPod,
  verifyArchive,
  type ImportOptions,
  type ImportResult,
  type AppNeedingCredential,
  type ArchiveLimits,
} from './import.js';
export { movePod, MoveError, type MoveOptions, type MoveResult } from './move.js';
export { followAsBefore, type Refollowed } from './refollow.js';
export { announceMovedTo, confirmAlsoKnownAs, notifyFollowersOfMove, moveActivity } from './moved.js';
export {
  notesAsJson,
  createActivity,
  activityStreamsContext,
  outboxIdOf,
  activityStreamsContextDocument,
  activityStreamsContextFile,
} from './outbox.js';
export { type Progress, type ProgressListener } from './progress.js';
export {
  rewriteIri,
  rewriteQuads,
  portAcr,
  mergeProfile,
  union,
  type IriMapping,
  type DroppedClient,
  type AcrDestination,
} from './rewrite.js';
export { canonicalLines, sameGraph } from '../rdf.js';
