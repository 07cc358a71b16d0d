// Hearth's changes to CSS's components for speed, with the same answers: the resource locker holds its locks in memory
// (memory-locker.ts) and the AcpReader reads ACRs through a cache (acr-cache.ts) told of every write.
import { AcrCache, type CachableAcpReader, type Identifier } from './acr-cache.js';
import { MemoryReadWriteLocker } from './memory-locker.js';
import type { ComponentGetter } from './notification-hooks.js';

/** CSS's backend store (DataAccessorBasedStore): the write methods every write of the server ends in. */
interface BackendStore {
  setRepresentation: (identifier: Identifier, ...rest: unknown[]) => Promise<unknown>;
  modifyResource: (identifier: Identifier, ...rest: unknown[]) => Promise<unknown>;
  addResource: (container: Identifier, ...rest: unknown[]) => Promise<unknown>;
  deleteResource: (identifier: Identifier, ...rest: unknown[]) => Promise<unknown>;
}

type AcpReader = CachableAcpReader & {
  acrStrategy: CachableAcpReader['acrStrategy'] & { isAuxiliaryIdentifier: (identifier: Identifier) => boolean };
};

/**
 * Puts the in-memory locker into CSS's `ResourceLocker` (the WrappedExpiringReadWriteLocker of
 * `css:config/util/resource-locker/memory.json`, which keeps its expiry) and the ACR cache into its AcpReader. Answers
 * the cache, to be told of changes made outside the store (account deletion).
 */
export async function installPerformanceHooks(get: ComponentGetter, baseUrl: string): Promise<AcrCache> {
  const locker = await get<{ locker?: unknown }>('ResourceLocker');
  if (!('locker' in locker)) throw new Error('The ResourceLocker is not the expiring wrapper Hearth expects');
  locker.locker = new MemoryReadWriteLocker();

  const reader = await get<AcpReader>('AcpReader');
  const mapper = await get<{
    mapUrlToFilePath: (id: Identifier, isMetadata: boolean) => Promise<{ filePath: string }>;
  }>('FileIdentifierMapper');
  const cache = new AcrCache(async (acr) => (await mapper.mapUrlToFilePath(acr, false)).filePath);
  const store = await get<BackendStore>('ResourceStore_Backend');
  const internal = new URL('.internal/', baseUrl).href;
  const isAcr = (identifier: Identifier): boolean => reader.acrStrategy.isAuxiliaryIdentifier(identifier);
  // A create or delete anywhere but in CSS's own records may make or remove an ACR (deleting a resource deletes its
  // ACR; a created name is only known once made): those, and every write of an ACR, reset the cache.
  const structural = (identifier: Identifier): boolean => !identifier.path.startsWith(internal);
  const wrap = <K extends keyof BackendStore>(method: K, mayChangeAcrs: (identifier: Identifier) => boolean): void => {
    const original = store[method].bind(store) as BackendStore[K];
    store[method] = (async (identifier: Identifier, ...rest: unknown[]) =>
      cache.write(mayChangeAcrs(identifier), async () => original(identifier, ...rest))) as BackendStore[K];
  };
  wrap('setRepresentation', isAcr);
  wrap('modifyResource', isAcr);
  wrap('addResource', structural);
  wrap('deleteResource', structural);
  cache.install(reader);
  return cache;
}
