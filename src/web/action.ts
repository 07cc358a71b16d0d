// One button's work on the page: busy while it runs (its buttons disabled), its failure said plainly beside it.
import { useState } from 'preact/hooks';
import { reason } from './session.js';

/** What {@link useAction} gives a component. */
export interface Action {
  /** Whether the work runs. */
  busy: boolean;
  /** Why the last work failed, for people. */
  error: string | undefined;
  /** Runs `work`: busy meanwhile, its failure kept in `error`; resolves either way. */
  act(work: () => Promise<void>): Promise<void>;
}

/** A component's action: run work one at a time, with its busy state and its error. */
export function useAction(): Action {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const act = async (work: () => Promise<void>): Promise<void> => {
    setBusy(true);
    setError(undefined);
    try {
      await work();
    } catch (failure: unknown) {
      setError(reason(failure));
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, act };
}
