import { canonicalUrl, isInside } from '../url.js';

/**
 * Where Hearth keeps things in a pod. Pods are born with this layout (pod-config/templates/pod),
 * each container with its ACR. The short names are what owners use in grants (`--read posts`).
 */
export const podAreas = {
  /** Posts and replies: one Turtle document per day, `social/posts/YYYY-MM-DD.ttl#<id>`. Public read. */
  posts: 'social/posts/',
  /** Images attached to posts. Public read. */
  media: 'social/media/',
  /** The owner's likes. Public read. */
  likes: 'social/likes/',
  /** Whom the owner follows. Public read. */
  following: 'social/following/',
  /** Linked Data Notifications inbox: any authenticated agent may append; only the owner reads. */
  inbox: 'social/inbox/',
  /** The WebID profile and avatar. Public read. */
  profile: 'profile/',
  /** Type indexes and Hearth's own records (grants, processed notifications). Private but the public type index. */
  settings: 'settings/',
} as const;

/** A short area name: `posts`, `inbox`, ... */
export type PodArea = keyof typeof podAreas;

/** The areas anyone may read (the pod's template makes them public); the others are the owner's and their apps'. */
export const publicAreas: readonly PodArea[] = ['posts', 'media', 'likes', 'following', 'profile'];

/** The URL of an area of the pod at `podUrl`. */
export function areaUrl(podUrl: string, area: PodArea): string {
  return new URL(podAreas[area], podUrl).href;
}

/** The URLs of every area of the pod at `podUrl`. */
export function areaUrls(podUrl: string): string[] {
  return (Object.keys(podAreas) as PodArea[]).map((area) => areaUrl(podUrl, area));
}

/** The pod's public type index (`settings/publicTypeIndex.ttl`, public read): where others find its posts container. */
export function publicTypeIndexUrl(podUrl: string): string {
  return `${areaUrl(podUrl, 'settings')}publicTypeIndex.ttl`;
}

/**
 * Whether `url` is a file Hearth may have uploaded into `container` (an image in media/, an avatar in profile/): a
 * document directly inside it, not the container, not an auxiliary resource (`.acr`, `.meta`), compared canonically.
 */
export function isUploadIn(url: string, container: string): boolean {
  const target = canonicalUrl(url);
  const root = canonicalUrl(container);
  if (!target || !root || !isInside(target, root)) return false;
  const name = target.slice(root.length);
  return name !== '' && !/[/?#]/u.test(name) && !/\.(acr|meta)$/iu.test(name);
}
