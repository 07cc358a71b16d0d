// The names of a pod and of its export archive, the same in the CLI and on the web page.

/** The file name the CLI gives an export by default: `hearth-<pod name>-<yyyy-mm-dd>.tar.gz`. */
export function archiveFileName(podName: string, date = new Date()): string {
  return `hearth-${podName}-${date.toISOString().slice(0, 10)}.tar.gz`;
}

/** The name of the pod at `podUrl`: its last path segment (`alice` of `https://host/alice/`). */
export function podNameOf(podUrl: string): string {
  return decodeURIComponent(new URL(podUrl).pathname.split('/').filter(Boolean).at(-1) ?? 'pod');
}
