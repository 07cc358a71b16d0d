import { reservedPodNames } from '../account/endpoints.js';

/** The part of CSS's IdentifierGenerator that makes a pod's URL from its name. */
export interface PodIdentifierGenerator {
  generate: (name: string) => { path: string };
}

/**
 * Makes CSS's pod identifier generator refuse the URLs of `reservedPodNames` with `refusal(message)` (CSS's
 * BadRequestHttpError: the account API answers 400), before any pod or WebID link is written. CSS itself refuses a
 * name only when its URL already holds a resource.
 */
export function reservePodNames(
  generator: PodIdentifierGenerator,
  baseUrl: string,
  refusal: (message: string) => Error,
  names: readonly string[] = reservedPodNames,
): void {
  const reserved = new Set(names.map((name) => new URL(`${name}/`, baseUrl).href));
  const generate = generator.generate.bind(generator);
  generator.generate = (name) => {
    const identifier = generate(name);
    if (reserved.has(identifier.path)) throw refusal(`The name "${name}" is reserved on this server.`);
    return identifier;
  };
}
