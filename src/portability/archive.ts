// The archive format (archive-format.ts, platform-neutral) and its Node face (node/archive-file.ts: files, tar-stream,
// zlib), under the name the CLI and the tests have always imported.
export * from './archive-format.js';
export { ArchiveWriter, archiveKindOf, fileSource, readArchive } from './node/archive-file.js';
