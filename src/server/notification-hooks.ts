import {
  ReauthorizingNotificationHandler,
  SubscriberRecordingChannelType,
  TopicReadCheck,
  type Channel,
  type ChannelType,
  type NotificationHandler,
} from './notification-guard.js';
import {
  ReauthorizingStreamEmitter,
  RecordingCredentialsExtractor,
  StreamOpenerRecorder,
  type StreamOpeners,
} from './notification-streams.js';
import { WebhookSender, type WebhookSenderOptions } from './webhook-sender.js';
import { checkWebhookTarget } from './webhook-targets.js';

/** Gets a CSS component by its id after `urn:solid-server:default:` (the server's own instance). */
export type ComponentGetter = <T>(id: string) => Promise<T>;

/** What the notification hooks need to know of the server. */
export interface NotificationHookOptions {
  /** The server's base URL. */
  baseUrl: string;
  /** Let webhooks go to loopback and private addresses. */
  allowPrivateWebhooks: boolean;
  /** `new IdentifierSetMultiMap(entries)` from CSS. */
  accessMap: (entries: [{ path: string }, string][]) => unknown;
}

type Field<K extends string, T> = { [key in K]: T };

/**
 * Puts Hearth's checks into CSS's notification components (see notification-guard.ts, notification-streams.ts,
 * webhook-targets.ts): both subscribers record who subscribes (and the webhook one refuses non-public targets),
 * both channel types' notification handlers re-check Read before every notification, webhooks are sent by
 * {@link WebhookSender}, and StreamingHTTP streams are written to only while their opener may read the topic.
 */
export async function installNotificationHooks(get: ComponentGetter, options: NotificationHookOptions): Promise<void> {
  const readCheck = new TopicReadCheck(await get('PermissionReader'), options.accessMap);
  const storage = await get<{ delete(id: string): Promise<boolean> }>('SubscriptionStorage');
  const sockets = await get<{
    get(id: string): ReadonlySet<{ close(code?: number, reason?: string): void }> | undefined;
  }>('WebSocketMap');

  const socketSubscriber = await get<Field<'channelType', ChannelType>>('WebSocket2023Subscriber');
  socketSubscriber.channelType = new SubscriberRecordingChannelType(socketSubscriber.channelType);
  const webhookSubscriber = await get<Field<'channelType', ChannelType>>('WebhookSubscriber');
  webhookSubscriber.channelType = new SubscriberRecordingChannelType(
    webhookSubscriber.channelType,
    async (channel: Channel & { sendTo?: string }) =>
      checkWebhookTarget(channel.sendTo ?? '', options.allowPrivateWebhooks),
  );

  const socketNotifications = await get<Field<'source', NotificationHandler>>('WebSocket2023NotificationHandler');
  socketNotifications.source = new ReauthorizingNotificationHandler(
    socketNotifications.source,
    readCheck,
    storage,
    (channel) => {
      for (const socket of sockets.get(channel.id) ?? []) socket.close(1008, 'Access to the topic was revoked');
    },
  );
  const webhookNotifications = await get<Field<'source', NotificationHandler>>('WebhookNotificationHandler');
  // The source is CSS's ComposedNotificationHandler (generator, serializer, emitter): its emitter is replaced.
  (webhookNotifications.source as NotificationHandler & Field<'emitter', unknown>).emitter = new WebhookSender({
    baseUrl: options.baseUrl,
    webId: (await get<{ getPath(): string }>('WebhookWebIdRoute')).getPath(),
    jwkGenerator: await get<WebhookSenderOptions['jwkGenerator']>('JwkGenerator'),
    allowPrivate: options.allowPrivateWebhooks,
  });
  webhookNotifications.source = new ReauthorizingNotificationHandler(webhookNotifications.source, readCheck, storage);

  const streamRequests = await get<
    Field<'credentialsExtractor', ConstructorParameters<typeof RecordingCredentialsExtractor>[0]>
  >('StreamingHttp2023RequestHandler');
  const recording = new RecordingCredentialsExtractor(streamRequests.credentialsExtractor);
  streamRequests.credentialsExtractor = recording;
  const openers: StreamOpeners = new WeakMap();
  const streamRouter =
    await get<Field<'handler', ConstructorParameters<typeof StreamOpenerRecorder>[0]>>('StreamingHttp2023Router');
  streamRouter.handler = new StreamOpenerRecorder(streamRouter.handler, recording, openers);
  const streamNotifications = await get<Field<'emitter', unknown>>('StreamingHttpNotificationHandler');
  streamNotifications.emitter = new ReauthorizingStreamEmitter(
    await get<ConstructorParameters<typeof ReauthorizingStreamEmitter>[0]>('StreamingHttpMap'),
    openers,
    readCheck,
  );
}
