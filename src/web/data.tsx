// Your data: download an export, import an archive, move to another server, delete the account. The same library
// functions as the CLI's `hearth export`, `import`, `move` and `account delete` (src/portability), given the page's
// fetch; archives are Blobs here (src/portability/web.ts), files there, in one format either way.
import { useEffect, useState } from 'preact/hooks';
import { ManagerUnknownError, pageOwner } from '../access/page-owner.js';
import { ownPod } from '../social/self.js';
import type { Progress } from '../portability/progress.js';
import { archiveFileName, podNameOf } from '../portability/archive-name.js';
import { exportPodToBlob, importPodFromBlob } from '../portability/web.js';
import type { ImportResult } from '../portability/import-core.js';
import type { PageProps } from './app.js';
import { DeleteAccount } from './data-delete.js';
import { MoveWizard } from './data-move.js';
import { reason } from './session.js';

/** The pod's URL and name, and the manager's client id its root ACR names (both read once). */
export interface PodInfo {
  podUrl: string;
  name: string;
  /** Hearth's manager, when the root rule names exactly one (`pageOwner`); else why not. */
  manager: { clientId: string } | { unknown: string };
}

/** Your data. */
export function YourData(props: PageProps) {
  const { actor } = props;
  const [pod, setPod] = useState<PodInfo>();
  const [failure, setFailure] = useState<string>();
  useEffect(() => {
    let current = true;
    (async () => {
      const podUrl = await ownPod(actor);
      const manager = await pageOwner(actor, { podUrl }).then(
        (owner) => ({ clientId: owner.managerClientId }),
        (error: unknown) => {
          if (error instanceof ManagerUnknownError) return { unknown: error.message };
          throw error;
        },
      );
      return { podUrl, name: podNameOf(podUrl), manager };
    })().then(
      (info) => current && setPod(info),
      (error: unknown) => current && setFailure(`Your pod could not be found: ${reason(error)}`),
    );
    return () => {
      current = false;
    };
  }, [actor]);
  return (
    <section class="data">
      <h2>Your data</h2>
      {!pod && <p role="status">{failure ?? 'Finding your pod…'}</p>}
      {pod && (
        <>
          <p>
            Your pod <span class="pod-url">{pod.podUrl}</span> is yours: take all of it with you, bring an archive in,
            move elsewhere, or delete it.
          </p>
          <ExportData {...props} pod={pod} />
          <ImportData {...props} pod={pod} />
          <MoveWizard {...props} pod={pod} />
          <DeleteAccount {...props} pod={pod} />
        </>
      )}
    </section>
  );
}

/** Progress as people read it: `12 resources, 34.5 KB` (`of 40` when the total is known). */
export function progressText(progress: Progress | undefined): string {
  if (!progress) return '';
  const verb = { export: 'Saved', verify: 'Checked', import: 'Imported' }[progress.phase];
  const total = progress.total === undefined ? '' : ` of ${progress.total}`;
  return `${verb} ${progress.done}${total} resources, ${sizeText(progress.bytes)}`;
}

/** A size for people: `512 bytes`, `34.5 KB`, `12.0 MB`. */
export function sizeText(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 ** 2).toFixed(1)} MB`;
}

/** Export: the whole pod into an archive, downloaded as `hearth-<name>-<date>.tar.gz`. */
function ExportData(props: PageProps & { pod: PodInfo }) {
  const { actor, pod } = props;
  const [progress, setProgress] = useState<Progress>();
  const [state, setState] = useState<
    { kind: 'idle' } | { kind: 'running' } | { kind: 'done'; url: string; name: string; size: number; count: number }
  >({ kind: 'idle' });
  const [failure, setFailure] = useState<string>();
  useEffect(() => () => (state.kind === 'done' ? URL.revokeObjectURL(state.url) : undefined), [state]);
  const start = (): void => {
    setState({ kind: 'running' });
    setFailure(undefined);
    setProgress(undefined);
    exportPodToBlob({
      fetch: actor.fetch,
      podUrl: pod.podUrl,
      webId: actor.webId,
      ...('clientId' in pod.manager ? { managerClientId: pod.manager.clientId } : {}),
      onProgress: setProgress,
    }).then(
      (made) =>
        setState({
          kind: 'done',
          url: URL.createObjectURL(made.blob),
          name: archiveFileName(pod.name),
          size: made.archiveBytes,
          count: made.manifest.counts.total,
        }),
      (error: unknown) => {
        setState({ kind: 'idle' });
        setFailure(`The export stopped: ${reason(error)}`);
      },
    );
  };
  return (
    <section class="data-part" aria-labelledby="export-title">
      <h3 id="export-title">Download an export</h3>
      <p>
        Everything in your pod (posts, images, profile, people, apps' access) in one archive with a checksum per file,
        as <code>hearth export</code> makes it.
      </p>
      <button type="button" id="export" onClick={start} disabled={state.kind === 'running'}>
        {state.kind === 'running' ? 'Exporting…' : 'Export my pod'}
      </button>
      <p role="status" aria-live="polite" id="export-progress">
        {state.kind === 'running' && (progressText(progress) || 'Starting…')}
        {state.kind === 'done' && `Done: ${state.count} resources in ${sizeText(state.size)}.`}
      </p>
      {state.kind === 'done' && (
        <p>
          <a id="export-download" href={state.url} download={state.name}>
            Save {state.name}
          </a>
        </p>
      )}
      {failure && (
        <p class="error" role="alert">
          {failure}
        </p>
      )}
    </section>
  );
}

/** Import: an archive chosen by the owner, checked entirely, then written into the pod; the CLI's report. */
function ImportData(props: PageProps & { pod: PodInfo }) {
  const { actor, pod } = props;
  const [file, setFile] = useState<File>();
  const [progress, setProgress] = useState<Progress>();
  const [running, setRunning] = useState(false);
  const [result, setResult] = useState<ImportResult>();
  const [failure, setFailure] = useState<string>();
  const start = (event: Event): void => {
    event.preventDefault();
    if (!file) return;
    if (!('clientId' in pod.manager)) {
      setFailure(`Nothing was imported: ${pod.manager.unknown}`);
      return;
    }
    const managerClientId = pod.manager.clientId;
    setRunning(true);
    setResult(undefined);
    setFailure(undefined);
    setProgress(undefined);
    importPodFromBlob(file, file.name, {
      fetch: actor.fetch,
      podUrl: pod.podUrl,
      webId: actor.webId,
      managerClientId,
      onProgress: setProgress,
    })
      .then(setResult, (error: unknown) => setFailure(`Nothing was imported: ${reason(error)}`))
      .finally(() => setRunning(false));
  };
  return (
    <section class="data-part" aria-labelledby="import-title">
      <h3 id="import-title">Import an archive</h3>
      <p>
        An archive of Hearth (made here or by <code>hearth export</code>, on any server) is checked entirely first: a
        damaged or unsafe one is refused with nothing written. What is already here stays.
      </p>
      <form onSubmit={start}>
        <label for="import-file">Archive</label>{' '}
        <input
          id="import-file"
          type="file"
          accept=".tar.gz,.tgz,.tar,application/gzip,application/x-tar"
          onChange={(event) => setFile((event.currentTarget as HTMLInputElement).files?.[0])}
        />{' '}
        <button type="submit" id="import" disabled={!file || running}>
          {running ? 'Importing…' : 'Import'}
        </button>
      </form>
      <p role="status" aria-live="polite" id="import-progress">
        {running && (progressText(progress) || 'Reading the archive…')}
      </p>
      {failure && (
        <p class="error" role="alert" id="import-error">
          {failure}
        </p>
      )}
      {result && <ImportReport result={result} />}
    </section>
  );
}

/** What an import did, as `hearth import` reports it. */
function ImportReport(props: { result: ImportResult }) {
  const { result } = props;
  return (
    <div id="import-report" class="report">
      <p>
        Imported from {result.manifest.podUrl}: {result.written} written, {result.unchanged} already there,{' '}
        {result.skipped} skipped ({sizeText(result.bytes)} read).
      </p>
      {result.refusedEntries.length > 0 && (
        <>
          <p>Not imported:</p>
          <ul class="refused">
            {result.refusedEntries.map((entry) => (
              <li key={`${entry.entry} ${entry.reason}`}>
                {entry.entry}: {entry.reason}
              </li>
            ))}
          </ul>
        </>
      )}
      {result.refusedPolicies.length > 0 && (
        <>
          <p>Access rules not imported (they would give more than Hearth gives):</p>
          <ul class="refused">
            {result.refusedPolicies.map((policy) => (
              <li key={`${policy.acr} ${policy.policy}`}>
                {policy.acr}: {policy.policy}: {policy.reason}
              </li>
            ))}
          </ul>
        </>
      )}
      {result.appsNeedingCredential.length > 0 && (
        <>
          <p>Apps that need a new credential on this server (add them, then grant again):</p>
          <ul>
            {result.appsNeedingCredential.map((app) => (
              <li key={app.clientId}>
                {app.name ?? app.clientId}:{' '}
                {app.grants.map((g) => `${g.modes.join(', ')} on ${g.container}`).join('; ')}
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}
