/** How far an export or import has come: reported through an optional callback, drawn by the CLI. */
export interface Progress {
  /** What is going on: walking and saving the pod, checking an archive, writing into the new pod. */
  phase: 'export' | 'verify' | 'import';
  /** Resources (archive entries) done so far. */
  done: number;
  /** How many there are in all, when known (import knows from the manifest; export does not). */
  total?: number;
  /** Bytes done so far. */
  bytes: number;
}

/** A progress callback: called often, must be cheap, must not throw. */
export type ProgressListener = (progress: Progress) => void;

/** Calls `listener` at most every `intervalMs` (and always for the last call made through `flush`). */
export function throttled(
  listener: ProgressListener | undefined,
  intervalMs = 100,
): { report: ProgressListener; flush: () => void } {
  let last = 0;
  let pending: Progress | undefined;
  return {
    report: (progress) => {
      if (!listener) return;
      pending = progress;
      const now = Date.now();
      if (now - last >= intervalMs) {
        last = now;
        pending = undefined;
        safely(listener, progress);
      }
    },
    flush: () => {
      if (listener && pending) safely(listener, pending);
      pending = undefined;
    },
  };
}

function safely(listener: ProgressListener, progress: Progress): void {
  try {
    listener(progress);
  } catch {
    // A progress display must never break an export.
  }
}
