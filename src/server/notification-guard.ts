// Solid Notifications channels are authorized once by CSS, when they are made, and then deliver for up to 14 days.
// Hearth keeps who made each channel with the channel, in CSS's own channel storage, and asks CSS's
// PermissionReader again before every notification: a subscriber that may no longer read the topic (an app whose
// grant was revoked) gets nothing, and its channel is removed.
import { HearthError, describe } from '../errors.js';

/** Credentials as CSS's credentials extractor gives them. */
export interface Credentials {
  agent?: { webId: string };
  client?: { clientId: string };
  issuer?: { url: string };
}

/** Who made a channel, kept with it as plain JSON. */
export interface ChannelSubscriber {
  webId?: string;
  clientId?: string;
  issuer?: string;
}

/** The field of a stored channel holding its subscriber. Channels made before Hearth recorded it lack it. */
export const subscriberField = 'hearthSubscriber';

/** The fields of a CSS notification channel used here. */
export interface Channel {
  id: string;
  type: string;
  topic: string;
  [subscriberField]?: ChannelSubscriber;
}

/** CSS's NotificationChannelType, as NotificationSubscriber and NotificationDescriber use it. */
export interface ChannelType {
  getDescription(): unknown;
  initChannel(data: unknown, credentials: Credentials): Promise<Channel>;
  toJsonLd(channel: Channel): Promise<Record<string, unknown>>;
  extractModes(channel: Channel): Promise<unknown>;
  completeChannel(channel: Channel): Promise<void>;
}

/** CSS's NotificationHandler (input: channel, topic, activity, metadata). */
export interface NotificationHandler {
  canHandle(input: { channel: Channel }): Promise<void>;
  handle(input: { channel: Channel }): Promise<void>;
}

/** The subscriber to keep for these credentials. */
export function subscriberOf(credentials: Credentials): ChannelSubscriber {
  return {
    ...(credentials.agent ? { webId: credentials.agent.webId } : {}),
    ...(credentials.client ? { clientId: credentials.client.clientId } : {}),
    ...(credentials.issuer ? { issuer: credentials.issuer.url } : {}),
  };
}

/** The credentials to check a channel with: its subscriber's, or nobody's (the public) when none was recorded. */
export function credentialsOf(channel: Channel): Credentials {
  const subscriber = channel[subscriberField] ?? {};
  return {
    ...(subscriber.webId ? { agent: { webId: subscriber.webId } } : {}),
    ...(subscriber.clientId ? { client: { clientId: subscriber.clientId } } : {}),
    ...(subscriber.issuer ? { issuer: { url: subscriber.issuer } } : {}),
  };
}

/** Asks CSS's own PermissionReader, as CSS does when a channel is made, whether credentials may read a topic now. */
export class TopicReadCheck {
  constructor(
    private readonly reader: {
      handleSafe(input: {
        credentials: Credentials;
        requestedModes: unknown;
      }): Promise<{ get(id: { path: string }): Record<string, boolean> | undefined }>;
    },
    /** `new IdentifierSetMultiMap(entries)` from CSS. */
    private readonly accessMap: (entries: [{ path: string }, string][]) => unknown,
  ) {}

  /** True only if the PermissionReader grants Read on `topic`; rejects if it cannot tell. */
  async mayRead(credentials: Credentials, topic: string): Promise<boolean> {
    const permissions = await this.reader.handleSafe({
      credentials,
      requestedModes: this.accessMap([[{ path: topic }, 'read']]),
    });
    return permissions.get({ path: topic })?.read === true;
  }
}

/**
 * Wraps a CSS NotificationChannelType in a NotificationSubscriber: keeps the subscriber's WebID, client id and
 * issuer with every new channel (out of the answer sent back), after `check` accepted the channel.
 */
export class SubscriberRecordingChannelType implements ChannelType {
  constructor(
    private readonly source: ChannelType,
    private readonly check?: (channel: Channel) => Promise<void>,
  ) {}

  /** The source's description. */
  getDescription(): unknown {
    return this.source.getDescription();
  }

  /** The source's channel, checked, with its subscriber. */
  async initChannel(data: unknown, credentials: Credentials): Promise<Channel> {
    const channel = await this.source.initChannel(data, credentials);
    await this.check?.(channel);
    return { ...channel, [subscriberField]: subscriberOf(credentials) };
  }

  /** The source's JSON-LD, without the subscriber. */
  async toJsonLd(channel: Channel): Promise<Record<string, unknown>> {
    const json = await this.source.toJsonLd(channel);
    delete json[subscriberField];
    return json;
  }

  /** The source's modes (Read on the topic). */
  async extractModes(channel: Channel): Promise<unknown> {
    return this.source.extractModes(channel);
  }

  /** The source's completion (a state notification, through the guarded handler). */
  async completeChannel(channel: Channel): Promise<void> {
    await this.source.completeChannel(channel);
  }
}

/** A notification was not sent because the channel's subscriber may no longer read its topic. */
export class ChannelRevokedError extends HearthError {
  constructor(channel: Channel) {
    super(
      'CHANNEL_REVOKED',
      `Notification channel ${channel.id} was removed: its subscriber may no longer read ${channel.topic}.`,
    );
  }
}

/**
 * Wraps the NotificationHandler of a channel type (the source of CSS's TypedNotificationHandler, used both for
 * changes and for state notifications): before every notification, the channel's subscriber must still have Read
 * on the topic. If not, nothing is sent, the channel is deleted from storage, `revoked` runs (it closes the
 * channel's WebSockets) and a {@link ChannelRevokedError} tells CSS, which logs it and does not touch the channel
 * again. If Read cannot be checked, nothing is sent either, and the channel stays.
 */
export class ReauthorizingNotificationHandler implements NotificationHandler {
  constructor(
    private readonly source: NotificationHandler,
    private readonly readCheck: TopicReadCheck,
    private readonly storage: { delete(id: string): Promise<boolean> },
    private readonly revoked: (channel: Channel) => void = () => undefined,
  ) {}

  /** As the source. */
  async canHandle(input: { channel: Channel }): Promise<void> {
    await this.source.canHandle(input);
  }

  /** Same as canHandle followed by handle. */
  async handleSafe(input: { channel: Channel }): Promise<void> {
    await this.canHandle(input);
    await this.handle(input);
  }

  /** Checks Read, then lets the source make and send the notification. */
  async handle(input: { channel: Channel }): Promise<void> {
    const { channel } = input;
    const allowed = await this.readCheck.mayRead(credentialsOf(channel), channel.topic).catch((error: unknown) => {
      throw new Error(
        `Notification for channel ${channel.id} not sent: ` +
          `Read on ${channel.topic} could not be checked (${describe(error)}).`,
      );
    });
    if (!allowed) {
      // Best effort: the notification is refused anyway (below), and a channel that could not be removed is checked
      // again, and refused again, before its next notification.
      await this.storage.delete(channel.id).catch(() => false);
      this.revoked(channel);
      throw new ChannelRevokedError(channel);
    }
    await this.source.handle(input);
  }
}
