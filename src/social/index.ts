// Hearth's social layer: posts, replies, likes, follows, timeline, notifications and profiles, as RDF in people's pods.
export { BadDataError } from '../rdf.js';
export {
  defaultReadLimits,
  readBounded,
  readRdf,
  mapBounded,
  type ReadLimits,
  type RemoteDocument,
  type RemoteRdf,
} from './remote.js';
export { discoverPostsContainer, getProfile, readProfileLinks, type Profile, type ProfileLinks } from './discovery.js';
export { maxPostLength, type Post, type Attachment } from './model.js';
export {
  createPost,
  getPost,
  listPosts,
  editPost,
  deletePost,
  uploadImage,
  maxImageBytes,
  type ImageInput,
} from './posts.js';
export {
  checkImage,
  sniffImageType,
  acceptedImageTypes,
  NotAnImageError,
  type CheckedImage,
  type ImageMediaType,
} from './images.js';
export { reply, like, unlike, readOwnLikes, type Like } from './interactions.js';
export { getThread, maxThreadReplies, type Thread } from './thread.js';
export {
  follow,
  unfollow,
  listFollowing,
  readOwnFollowing,
  followMoves,
  rememberPostsContainers,
  actOnNotices,
  NotAProfileError,
  type Follow,
  type MovedFollow,
  type NoticeAction,
} from './follows.js';
export {
  getTimeline,
  collectPosts,
  type PostsResult,
  type PostSource,
  type SourceError,
  type TimelineOptions,
} from './timeline.js';
export {
  listNotifications,
  readNotifications,
  clearNotifications,
  listFollowers,
  withCounts,
  socialState,
  type Notification,
  type NotificationKind,
  type SocialRecord,
  type InboxReport,
  type NotificationOptions,
} from './notifications.js';
export { setProfile } from './profile.js';
export { type Delivery } from './notify.js';
export { type Actor } from './self.js';
export { resolveMovedTo, confirmedMoveOf, movedToIn } from './moves.js';
