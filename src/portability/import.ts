// Import: the platform-neutral verification and import (import-core.ts) and its Node face (node/import-file.ts: an
// archive file), under the name the CLI and the tests have always imported.
export * from './import-core.js';
export { importPod, verifyArchive, type ImportOptions } from './node/import-file.js';
