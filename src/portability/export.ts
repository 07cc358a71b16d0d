// Export: the platform-neutral walk (export-core.ts) and its Node face (node/export-file.ts: an archive file), under
// the name the CLI has always imported.
export { containerMetadata, discard, serverManaged, writePodArchive, type PodExportOptions } from './export-core.js';
export { checkOutput, exportPod, spoolBody, type ExportOptions, type ExportResult } from './node/export-file.js';
