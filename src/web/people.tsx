// People on the owner's web page: placeholder, being built.
import type { PageProps } from './app.js';

/** People. */
export function People(props: PageProps) {
  return (
    <section>
      <h2>People</h2>
      <p>Coming soon for {props.actor.webId}: for now, the CLI (`hearth --help`) does this.</p>
    </section>
  );
}
