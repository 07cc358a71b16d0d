// Your data on the owner's web page: placeholder, being built.
import type { PageProps } from './app.js';

/** Your data. */
export function YourData(props: PageProps) {
  return (
    <section>
      <h2>Your data</h2>
      <p>Coming soon for {props.actor.webId}: for now, the CLI (`hearth --help`) does this.</p>
    </section>
  );
}
