// What the web page's build puts in place of `readable-stream` (an alias in scripts/build-web.mjs): n3 builds its
// Node-style stream classes (StreamParser, StreamWriter, the stream of Store.match) on it, and the page uses none of
// them, only Parser, Writer and Store's lookups. Without the alias, the first use of n3's Store (Your data's import of
// access rules) pulls readable-stream and a Buffer polyfill (some 30 KB gzip) into the chunk every page loads first.
// Any use of a stream fails plainly instead of silently.

function unavailable(): never {
  throw new Error("Node-style streams are not part of Hearth's web page.");
}

/** Stands in for readable-stream's Readable: defining a subclass works, making one throws. */
export class Readable {
  constructor() {
    unavailable();
  }
}

/** Stands in for readable-stream's Transform. */
export class Transform extends Readable {}
