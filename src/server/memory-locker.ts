// An in-memory read-write lock per resource, for the one process that runs Hearth's pod server. CSS's file locker
// (util/resource-locker/file.json) makes locks safe across processes by writing lock files on every request, reads
// included, which costs up to half of CSS's throughput; CSS's memory locker counts readers in its key-value storage.
// Hearth's server is one process, so a lock held in a Map is exact, and costs a few object operations.

/** A resource's identifier, as CSS gives it: only `path` matters here. */
export interface LockIdentifier {
  path: string;
}

/** Someone waiting for a lock: how, and how to let them in. */
interface Waiter {
  write: boolean;
  grant: () => void;
}

/** The lock of one resource: readers holding it, whether a writer holds it, who waits (first come, first served). */
interface Lock {
  readers: number;
  writing: boolean;
  queue: Waiter[];
}

/**
 * CSS's `ReadWriteLocker` (withReadLock, withWriteLock) in memory: any number of readers, or one writer, per path.
 * A reader is let in whenever no writer holds the lock, even when a writer waits, as CSS's own lockers do: a request
 * may take a second read lock on a path it already reads (CSS's WacAllowHttpHandler does), and making it queue behind
 * a waiting writer would hold both until the lock expires. Writers wait for the readers, in the order they came. A
 * path's entry is removed once nobody holds or waits for it.
 */
export class MemoryReadWriteLocker {
  private readonly locks = new Map<string, Lock>();

  /** Runs `whileLocked` while holding the lock of `identifier` shared with other readers. */
  async withReadLock<T>(identifier: LockIdentifier, whileLocked: () => T | Promise<T>): Promise<T> {
    return this.withLock(identifier.path, false, whileLocked);
  }

  /** Runs `whileLocked` while holding the lock of `identifier` alone. */
  async withWriteLock<T>(identifier: LockIdentifier, whileLocked: () => T | Promise<T>): Promise<T> {
    return this.withLock(identifier.path, true, whileLocked);
  }

  /** How many paths have a lock held or waited for (0 when idle: nothing is kept). */
  get size(): number {
    return this.locks.size;
  }

  private async withLock<T>(path: string, write: boolean, whileLocked: () => T | Promise<T>): Promise<T> {
    await this.acquire(path, write);
    try {
      return await whileLocked();
    } finally {
      this.release(path, write);
    }
  }

  private async acquire(path: string, write: boolean): Promise<void> {
    let lock = this.locks.get(path);
    if (!lock) {
      lock = { readers: 0, writing: false, queue: [] };
      this.locks.set(path, lock);
    }
    if (this.free(lock, write) && (!write || lock.queue.length === 0)) return this.take(lock, write);
    const held = lock;
    await new Promise<void>((grant) => held.queue.push({ write, grant }));
  }

  private free(lock: Lock, write: boolean): boolean {
    return !lock.writing && (!write || lock.readers === 0);
  }

  private take(lock: Lock, write: boolean): void {
    if (write) lock.writing = true;
    else lock.readers += 1;
  }

  private release(path: string, write: boolean): void {
    const lock = this.locks.get(path)!;
    if (write) lock.writing = false;
    else lock.readers -= 1;
    // Lets in the waiters at the head of the queue that can hold the lock together.
    while (lock.queue.length > 0 && this.free(lock, lock.queue[0]!.write)) {
      const next = lock.queue.shift()!;
      this.take(lock, next.write);
      next.grant();
    }
    if (!lock.writing && lock.readers === 0 && lock.queue.length === 0) this.locks.delete(path);
  }
}
