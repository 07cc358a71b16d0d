// Hearth's social layer: posts, replies, likes, follows, timeline, notifications and profiles, as RDF in people's pods.
export { BadDataError } from '../rdf.js';
export { defaultReadLimits, readBounded, readRdf, mapBounded, type ReadLimits, type RemoteDocument, type RemoteRdf } from './remote.js';
export { discoverPostsContainer, readProfileLinks, type ProfileLinks } from './discovery.js';
export { maxPostLength, type Post, type Attachment } from './model.js';
export { createPost, getPost, listPosts, editPost, deletePost, uploadImage, maxImageBytes, type ImageInput } from './posts.js';
export { checkImage, sniffImageType, acceptedImageTypes, NotAnImageError, type CheckedImage, type ImageMediaType } from './images.js';
export { reply, like, unlike, readOwnLikes, type Like } from './interactions.js';
export { getThread, maxThreadReplies, type Thread } from './thread.js';
export { follow, unfollow, listFollowing, readOwnFollowing, followMoves, type Follow, type MovedFollow } from './follows.js';
export { getTimeline, collectPosts, type PostsResult, type PostSource, type SourceError, type TimelineOptions } from './timeline.js';
export { listNotifications, clearNotifications, listFollowers, withCounts, socialState, type Notification, type NotificationKind, type SocialRecord } from './notifications.js';
export { getProfile, setProfile, type Profile } from './profile.js';
export { type Delivery } from './notify.js';
export { type Actor } from './self.js';
export { resolveMovedTo, movedToIn } from './moves.js';
