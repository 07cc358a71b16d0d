import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/** The folder holding Hearth's server configuration as data (`pod-config/`). */
export const podConfigFolder = fileURLToPath(new URL('../../pod-config/', import.meta.url));

/** The Components.js files that make up Hearth's pod server, main file first. */
export const podConfigFiles: readonly string[] = [
  'hearth.json',
  'authorization.json',
  'pod-templates.json',
  'consent.json',
].map((file) => join(podConfigFolder, file));

/** The folder of the templates every new pod is generated from. */
export const podTemplateFolder = join(podConfigFolder, 'templates', 'pod');

/** Hearth's consent page, shown in place of CSS's (which inserts an app's name as HTML). */
export const consentTemplate = join(podConfigFolder, 'templates', 'views', 'consent.html.ejs');

/** The values of the Components.js variables `podConfigFiles` declare, to pass as CSS's `variableBindings`. */
export const podConfigVariables: Readonly<Record<string, string>> = {
  'urn:hearth:variable:podTemplateFolder': podTemplateFolder,
  'urn:hearth:variable:consentTemplate': consentTemplate,
};
