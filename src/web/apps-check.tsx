// The check of the owner's record against the access rules in force (`checkGrants`, as `hearth apps check`): every
// difference, where and for which app, in plain words.
import type { GrantDrift, PodOwner } from '../access/grants.js';
import type { AppRecord } from '../access/record.js';
import { relative } from './apps-parts.js';

/** The check's result: what differs, or that it could not be done. */
export function RulesCheck(props: {
  owner: PodOwner;
  apps: AppRecord[] | undefined;
  drifts: GrantDrift[] | undefined;
  error: string | undefined;
  busy: boolean;
  onCheck: () => void;
}) {
  const { owner, apps, drifts, error } = props;
  const nameOf = (clientId: string) => apps?.find((app) => app.id === clientId)?.name;
  return (
    <section class="rules-check" aria-labelledby="check-title">
      <h3 id="check-title">Access rules in force</h3>
      {error && <p class="error">The rules could not be checked: {error}</p>}
      {!drifts && !error && <p class="muted">Checking…</p>}
      {drifts && drifts.length === 0 && <p class="check-ok">The access rules in force match your record of apps.</p>}
      {drifts && drifts.length > 0 && (
        <>
          <p class="check-drift" role="alert">
            {drifts.length === 1
              ? '1 difference between your record and the access rules in force:'
              : `${drifts.length} differences between your record and the access rules in force:`}
          </p>
          <ul class="drifts">
            {drifts.map((drift, index) => {
              const name = drift.clientId ? nameOf(drift.clientId) : undefined;
              return (
                <li key={index}>
                  <span class="where">{relative(owner, drift.container)}</span>
                  {drift.clientId && <span class="who">{name ? `${name} (${drift.clientId})` : drift.clientId}</span>}
                  <span class="problem">{drift.problem}</span>
                </li>
              );
            })}
          </ul>
          <p class="muted">
            To fix one, revoke the grant or app concerned here (its rules are written again without it), then grant what
            it should have (`hearth apps grant`).
          </p>
        </>
      )}
      <button type="button" id="check-again" disabled={props.busy} onClick={props.onCheck}>
        Check again
      </button>
    </section>
  );
}
