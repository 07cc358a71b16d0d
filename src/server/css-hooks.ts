import type { App, AppRunner } from '@solid/community-server';
import { AccountDeletionHandler, type DeletionComponents } from './account-deletion.js';
import { MissingPodHandler } from './missing-pod.js';

type Css = typeof import('@solid/community-server');
interface Manager {
  instantiate: (id: string, settings: { variables: Record<string, unknown> }) => Promise<unknown>;
}

/**
 * An AppRunner that, once CSS's components are built, puts Hearth's own HTTP handlers first in CSS's
 * `BaseHttpHandler` (a WaterfallHandler). Components.js caches instances, so these are the server's own.
 */
export function hearthAppRunner(css: Css, options: { baseUrl: string; dataDir: string }): AppRunner {
  class HearthAppRunner extends css.AppRunner {}
  const runner = new HearthAppRunner();
  const internals = runner as unknown as { createApp: (manager: Manager, variables: Record<string, unknown>) => Promise<App> };
  const createApp = internals.createApp.bind(runner);
  internals.createApp = async (manager, variables) => {
    const app = await createApp(manager, variables);
    const get = async <T>(id: string): Promise<T> => manager.instantiate(`urn:solid-server:default:${id}`, { variables }) as Promise<T>;
    const components: DeletionComponents = {
      credentialsExtractor: await get('CredentialsExtractor'),
      permissionReader: await get('PermissionReader'),
      accountStorage: await get('AccountStorage'),
      podStore: await get('PodStore'),
      fileMapper: await get('FileIdentifierMapper'),
      accessMap: (entries) => new css.IdentifierSetMultiMap(entries as never),
    };
    const base = await get<{ handlers: unknown[] }>('BaseHttpHandler');
    base.handlers.unshift(
      new AccountDeletionHandler(options.baseUrl, options.dataDir, components),
      new MissingPodHandler(options.baseUrl, options.dataDir),
    );
    return app;
  };
  return runner;
}
