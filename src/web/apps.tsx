// Apps on the owner's web page: placeholder, being built.
import type { PageProps } from './app.js';

/** Apps. */
export function Apps(props: PageProps) {
  return (
    <section>
      <h2>Apps</h2>
      <p>Coming soon for {props.actor.webId}: for now, the CLI (`hearth --help`) does this.</p>
    </section>
  );
}
