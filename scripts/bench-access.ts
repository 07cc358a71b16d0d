// `npm run bench access`: the cost of per-app grants and revokes, and whether a revoke takes effect at once.
// One Hearth server spawned as its own process; one owner, one client-credential app. Each of BENCH_ACCESS_RUNS
// (default 15) rounds, after a warm-up: a plain manager PUT of a small document (the yardstick), grantAccess (read on
// settings), then revokeAccess of that one grant while the app loops GETs on a settings document, then grant again and
// revoke the whole app (which also sweeps the pod's areas). A revoke of one grant with the app idle is timed too.
// Requests are counted by a wrapping fetch; medians are printed, with ratios to the PUT. After each revoke returns, the
// app's very next request and every loop request started after the return must be 403.
import {
  AccountApi,
  createAccount,
  createClientCredentialApp,
  grantAccess,
  openSession,
  registerApp,
  revokeAccess,
  type PodOwner,
} from '../src/index.js';
import { log, median, startBenchServer } from './support.js';

const runs = Number(process.env.BENCH_ACCESS_RUNS ?? 15);

export async function run(): Promise<void> {
  const server = await startBenchServer('access');
  try {
    await bench(server.url);
  } finally {
    await server.stop();
  }
}

async function bench(server: string): Promise<void> {
  const password = 'bench password 1';
  const account = await createAccount({ server, name: 'bench', email: 'bench@example.org', password });
  const manager = await openSession({ server, clientId: account.manager.id, clientSecret: account.manager.secret });
  let requests = 0;
  const counting: typeof fetch = async (input, init) => {
    requests += 1;
    return manager.fetch(input, init);
  };
  const owner: PodOwner = {
    fetch: counting,
    podUrl: account.podUrl,
    webId: account.webId,
    managerClientId: account.manager.id,
  };
  const api = new AccountApi(server);
  await api.login(account.email, password);
  const { app, secret } = await createClientCredentialApp(api, 'bench-app', account.webId);
  await registerApp(owner, app);
  const appSession = await openSession({ server, clientId: app.id, clientSecret: secret });
  const target = `${account.podUrl}settings/privateTypeIndex.ttl`;

  const put: number[] = [];
  const grant: { ms: number; requests: number }[] = [];
  const revokeIdle: { ms: number; requests: number }[] = [];
  const revokeOne: { ms: number; requests: number }[] = [];
  const revokeApp: { ms: number; requests: number }[] = [];
  let succeededAfterRevoke = 0;
  let nextRefused = 0;
  let loopRequestsAfterRevoke = 0;

  const measure = async (action: () => Promise<unknown>) => {
    requests = 0;
    const started = performance.now();
    await action();
    return { ms: performance.now() - started, requests };
  };
  /** Revokes while the app loops GETs; counts its successes among requests started after the revoke returned. */
  const revokeWhileBusy = async (revoke: () => Promise<unknown>) => {
    const before = await appSession.fetch(target);
    await before.body?.cancel();
    if (before.status !== 200) throw new Error(`the grant did not work: ${before.status}`);
    let returned = false;
    let running = true;
    const loop = (async () => {
      while (running) {
        const startedAfter = returned;
        const response = await appSession.fetch(target);
        await response.body?.cancel();
        if (startedAfter) {
          loopRequestsAfterRevoke += 1;
          if (response.ok) succeededAfterRevoke += 1;
        }
      }
    })();
    const result = await measure(revoke);
    returned = true;
    const next = await appSession.fetch(target);
    await next.body?.cancel();
    if (next.status === 403) nextRefused += 1;
    else if (next.ok) succeededAfterRevoke += 1;
    for (let i = 0; i < 3; i += 1) {
      const more = await appSession.fetch(target);
      await more.body?.cancel();
      if (more.ok) succeededAfterRevoke += 1;
    }
    running = false;
    await loop;
    return result;
  };

  for (let round = -1; round < runs; round += 1) {
    const p = await measure(async () => {
      const response = await counting(`${account.podUrl}bench/doc.ttl`, {
        method: 'PUT',
        headers: { 'content-type': 'text/turtle' },
        body: `<#a> <#b> ${round} .`,
      });
      await response.body?.cancel();
    });
    await grantAccess(owner, app.id, 'settings', ['read']);
    const r0 = await measure(async () => revokeAccess(owner, app.id, { target: 'settings' }));
    const g = await measure(async () => grantAccess(owner, app.id, 'settings', ['read']));
    const r1 = await revokeWhileBusy(async () => revokeAccess(owner, app.id, { target: 'settings' }));
    await grantAccess(owner, app.id, 'settings', ['read']);
    const r2 = await revokeWhileBusy(async () => revokeAccess(owner, app.id));
    if (round < 0) continue; // warm-up
    put.push(p.ms);
    grant.push(g);
    revokeIdle.push(r0);
    revokeOne.push(r1);
    revokeApp.push(r2);
  }
  await appSession.logout();
  await manager.logout();

  const putMs = median(put);
  const line = (label: string, values: { ms: number; requests: number }[]) => {
    const ms = median(values.map((v) => v.ms));
    const requests = String(median(values.map((v) => v.requests))).padStart(3);
    log(
      `${label.padEnd(34)} ${requests} requests  ${ms.toFixed(1).padStart(7)} ms  ` +
        `${(ms / putMs).toFixed(1).padStart(5)}x PUT`,
    );
  };
  log(`medians over ${runs} runs (after one warm-up), owner = manager session, app = client credential`);
  log(`${'manager PUT of a small document'.padEnd(34)}   1 requests  ${putMs.toFixed(1).padStart(7)} ms   1.0x PUT`);
  line('grantAccess (read on settings)', grant);
  line('revokeAccess (one grant, app idle)', revokeIdle);
  line('revokeAccess (one grant, app busy)', revokeOne);
  line('revokeAccess (whole app, busy)', revokeApp);
  const revokes = 2 * (runs + 1);
  log(
    `app requests started after revokeAccess returned (warm-up included): ` +
      `${loopRequestsAfterRevoke + 4 * revokes} sent, ${succeededAfterRevoke} succeeded (must be 0); ` +
      `the very next request was refused (403) after ${nextRefused} of ${revokes} revokes`,
  );
  log('("busy": the app loops GETs on the same server during the revoke, which pays for that load)');
}
