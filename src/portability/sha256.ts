// SHA-256 for archives, incrementally: @noble/hashes by default (runs anywhere); Node's own (ten times faster) once
// src/portability/node/ is loaded.
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';

/** An incremental SHA-256. */
export interface Sha256 {
  /** Adds bytes. */
  update(data: Uint8Array): void;
  /** The digest, lowercase hex. */
  digest(): string;
}

let factory: () => Sha256 = () => {
  const hash = sha256.create();
  return {
    update: (data) => void hash.update(data),
    digest: () => bytesToHex(hash.digest()),
  };
};

/** A new incremental SHA-256. */
export function newSha256(): Sha256 {
  return factory();
}

/** Makes `newSha256` use `create` (the Node face sets node:crypto's). */
export function useSha256(create: () => Sha256): void {
  factory = create;
}

/** The SHA-256 of nothing. */
export const emptySha256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
