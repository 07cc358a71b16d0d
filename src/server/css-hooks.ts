import type { App, AppRunner } from '@solid/community-server';
import { AccountDeletionHandler, type DeletionComponents } from './account-deletion.js';
import { listenOnHost, type ServerFactory } from './listen-host.js';
import { redactLogsOf } from './log-redaction.js';
import { InboxLinkWriter } from './inbox-link.js';
import { MissingPodHandler } from './missing-pod.js';
import { OriginHeadersHandler, ownPagesWith } from './origin-headers.js';
import type { ChannelMaps, ConnectionTracker } from './shutdown.js';
import { installNotificationHooks } from './notification-hooks.js';
import { installAppUse, type AppUseRecorder } from './app-use.js';
import { ignoreFailure } from '../errors.js';
import { installPerformanceHooks } from './performance-hooks.js';
import { guardStaticAssets, type StaticHandler } from './static-guard.js';
import { reservePodNames, type PodIdentifierGenerator } from './reserved-names.js';
import type { HearthWebHandler } from './web-page.js';

type Css = typeof import('@solid/community-server');
interface Manager {
  instantiate: (id: string, settings: { variables: Record<string, unknown> }) => Promise<unknown>;
}

/**
 * An AppRunner that, once CSS's components are built, puts Hearth's own HTTP handlers first in CSS's
 * `BaseHttpHandler` (a WaterfallHandler). Components.js caches instances, so these are the server's own.
 * It also makes CSS's logs redact secrets and its HTTP server listen on `options.host` only, and lets
 * `options.connections` keep its connections and notification channels, so that stopping closes them.
 * Every response gets the headers of origin-headers.ts, and CSS's static files are served only at plain paths
 * (static-guard.ts). The names of reserved-names.ts make no pod. `options.webPage`, when given, comes first of all:
 * it answers everything at `<base>hearth` and below (web-page.ts).
 * Resource locks are held in memory and ACRs are read through a cache told of every write (performance-hooks.ts).
 */
export function hearthAppRunner(
  css: Css,
  options: {
    baseUrl: string;
    host: string;
    allowPrivateWebhooks?: boolean;
    connections?: ConnectionTracker;
    webPage?: HearthWebHandler;
    /** Given the recorder of app use (app-use.ts) once installed, to write what it holds when the server stops. */
    onAppUse?: (recorder: AppUseRecorder) => void;
  },
): AppRunner {
  class HearthAppRunner extends css.AppRunner {}
  const runner = new HearthAppRunner();
  const internals = runner as unknown as {
    createApp: (manager: Manager, variables: Record<string, unknown>) => Promise<App>;
  };
  const createApp = internals.createApp.bind(runner);
  internals.createApp = async (manager, variables) => {
    const app = await createApp(manager, variables);
    const get = async <T>(id: string): Promise<T> =>
      manager.instantiate(`urn:solid-server:default:${id}`, { variables }) as Promise<T>;
    redactLogsOf(css, await get('LoggerFactory'));
    const acrCache = await installPerformanceHooks(get, options.baseUrl);
    listenOnHost(await get<ServerFactory>('ServerFactory'), options.host);
    options.connections?.watch(await get<ServerFactory>('ServerFactory'));
    options.connections?.watchChannels({
      sockets: await get<ChannelMaps['sockets']>('WebSocketMap'),
      streams: await get<ChannelMaps['streams']>('StreamingHttpMap'),
    });
    const components: DeletionComponents = {
      credentialsExtractor: await get('CredentialsExtractor'),
      permissionReader: await get('PermissionReader'),
      accountStorage: await get('AccountStorage'),
      podStore: await get('PodStore'),
      fileMapper: await get('FileIdentifierMapper'),
      internalStorage: await get('KeyValueStorage'),
      channelStorage: await get('SubscriptionStorage'),
      accessMap: (entries) => new css.IdentifierSetMultiMap(entries as never),
      cookieStore: await get('CookieStore'),
    };
    await installNotificationHooks(get, {
      baseUrl: options.baseUrl,
      allowPrivateWebhooks: options.allowPrivateWebhooks === true,
      accessMap: (entries) => new css.IdentifierSetMultiMap(entries as never),
    });
    const appUse = await installAppUse(get, { baseUrl: options.baseUrl, accessMap: components.accessMap });
    options.onAppUse?.(appUse);
    (await get<{ handlers: unknown[] }>('MetadataWriter')).handlers.push(new InboxLinkWriter(options.baseUrl));
    (await get<{ handlers: unknown[] }>('ParallelMiddleware')).handlers.push(
      new OriginHeadersHandler(options.baseUrl, ownPagesWith(options.webPage?.on ?? false)),
    );
    guardStaticAssets(await get<StaticHandler>('StaticAssetHandler'));
    reservePodNames(
      await get<PodIdentifierGenerator>('IdentifierGenerator'),
      options.baseUrl,
      (message) => new css.BadRequestHttpError(message),
    );
    const base = await get<{ handlers: unknown[] }>('BaseHttpHandler');
    const missingPods = new MissingPodHandler(options.baseUrl, await get('PodStore'));
    base.handlers.unshift(
      ...(options.webPage ? [options.webPage] : []),
      new AccountDeletionHandler(options.baseUrl, components, (pod) => {
        missingPods.forget(pod);
        acrCache.forget();
        ignoreFailure(appUse.forget(pod));
      }),
      missingPods,
    );
    return app;
  };
  return runner;
}
