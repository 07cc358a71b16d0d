// Node's SHA-256 for the archive code: loading this module makes `newSha256` use node:crypto.
import { createHash } from 'node:crypto';
import { useSha256 } from '../sha256.js';

useSha256(() => {
  const hash = createHash('sha256');
  return { update: (data) => void hash.update(data), digest: () => hash.digest('hex') };
});
