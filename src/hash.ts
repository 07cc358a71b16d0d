// SHA-256 that runs the same in Node and in a browser, synchronously (WebCrypto's digest is only asynchronous).
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';

/** The SHA-256 of `text` (as UTF-8), in lowercase hex: the same as node:crypto's `createHash('sha256')`. */
export function sha256Hex(text: string): string {
  return bytesToHex(sha256(utf8ToBytes(text)));
}
