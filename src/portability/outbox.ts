// The ActivityStreams outbox: the platform-neutral part (activitystreams.ts) and the Node face (node/outbox-file.ts),
// under the name the CLI and the tests have always imported.
export * from './activitystreams.js';
export { OutboxWriter, activityStreamsContextDocument, activityStreamsContextFile } from './node/outbox-file.js';
