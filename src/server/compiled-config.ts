// Starting CSS from a compiled configuration. CSS spends most of its start in Components.js: reading ~450
// component files and ~30 config files as JSON-LD, then resolving that graph into constructor calls.
// Components.js can write those constructor calls out as JavaScript instead (the mechanism behind its
// compile-config); loading that module skips all the parsing. The module takes the CSS variables (port, base
// URL, data folder, pod templates, ...) when the App is created, so nothing set at start is frozen into it.
// It is cached in node_modules/.cache/hearth/, keyed by a hash of everything it is built from, rebuilt when
// missing or stale, and used through CSS's own AppRunner (its public createComponentsManager), so shorthand
// resolution, variable bindings, the thread-safety check and Hearth's hooks all run as they do without it.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { access, constants, mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { App, AppRunner, AppRunnerInput } from '@solid/community-server';
import { describe, hasErrorCode } from '../errors.js';
import { podConfigFolder } from './config.js';

/** Bump when the shape of the compiled module changes. */
const formatVersion = 'hearth-compiled-css-2';
const cliResolverIri = 'urn:solid-server-app-setup:default:CliResolver';
const appIri = 'urn:solid-server:default:App';

const hearthRoot = join(podConfigFolder, '..');
const requireHere = createRequire(import.meta.url);
const cssRoot = dirname(requireHere.resolve('@solid/community-server/package.json'));
const requireFromCss = createRequire(join(cssRoot, 'package.json'));

/** The folder the compiled configurations are cached in. */
export const compiledConfigFolder = join(hearthRoot, 'node_modules', '.cache', 'hearth');

type Instances = Record<string, unknown>;
/**
 * What a compiled module exports: a function giving the CliResolver, then everything else once the variables are known.
 */
type CompiledModule = () => { cliResolver: unknown; instantiate: (variables: Record<string, unknown>) => Instances };

/**
 * Creates the CSS App with `runner.create(input)`, its components coming from the cached compiled
 * configuration (compiled first if missing or stale). If anything fails on that path, it creates the App
 * again with a fresh runner the normal way, and drops the cache entry if that works.
 */
export async function createAppWithCompiledConfig(makeRunner: () => AppRunner, input: AppRunnerInput): Promise<App> {
  const runner = makeRunner();
  let used: string | undefined;
  const normal = runner.createComponentsManager.bind(runner);
  const compiledFirst = async (loaderProperties: Parameters<typeof normal>[0], configs: string[]): Promise<unknown> => {
    let file: string;
    let compiled: CompiledModule;
    try {
      file = join(compiledConfigFolder, `css-${await compiledConfigKey(configs)}.cjs`);
      await mkdir(compiledConfigFolder, { recursive: true });
      await access(compiledConfigFolder, constants.W_OK);
      if (existsSync(`${file}.failed`)) return normal(loaderProperties, configs);
      if (!existsSync(file)) await writeCompiledConfig(file, configs);
    } catch {
      // The compiled configuration only makes the start faster: whatever keeps it from being there (a cache folder
      // that cannot be written, a compile that failed and was marked), the normal way starts the same server.
      return normal(loaderProperties, configs);
    }
    try {
      compiled = requireHere(file) as CompiledModule;
    } catch (error: unknown) {
      // Gone meanwhile (another process cleaning up): just take the normal way. Broken: never try it again.
      if ((error as { code?: string }).code !== 'MODULE_NOT_FOUND') await markFailed(file, error);
      return normal(loaderProperties, configs);
    }
    used = file;
    return compiledManager(compiled);
  };
  runner.createComponentsManager = compiledFirst as typeof normal;
  try {
    return await runner.create(input);
  } catch (error: unknown) {
    if (used === undefined) throw error;
    // If the normal way works, the compiled module was at fault: mark it so that no later start tries it.
    const app = await makeRunner().create(input);
    await markFailed(used, error);
    return app;
  }
}

/** Replaces a compiled module that did not work by a `.failed` marker, so that later starts skip it. */
async function markFailed(file: string, error: unknown): Promise<void> {
  // Best effort, on the way to the normal start (or to rethrowing `error`): a cache that cannot be cleaned up costs a
  // failed try of the compiled module at a later start, never a start.
  await rm(file, { force: true }).catch(() => undefined);
  await writeFile(`${file}.failed`, `${describe(error)}\n`).catch(() => undefined);
}

/** Stands in for the Components.js manager AppRunner uses: it only ever asks for instances by IRI. */
function compiledManager(compiled: CompiledModule): {
  instantiate(iri: string, settings?: { variables?: Record<string, unknown> }): Promise<unknown>;
} {
  const phaseOne = compiled();
  let instances: Instances | undefined;
  return {
    async instantiate(iri, settings) {
      if (instances === undefined && iri === cliResolverIri) return phaseOne.cliResolver;
      instances ??= phaseOne.instantiate(settings?.variables ?? {});
      if (!(iri in instances)) throw new Error(`${iri} is not part of the compiled configuration`);
      return instances[iri];
    },
  };
}

/** Hash of everything the compiled module depends on: its format, the config files, the installed packages. */
export async function compiledConfigKey(config: readonly string[]): Promise<string> {
  const hash = createHash('sha256').update(`${formatVersion}\0${cssRoot}\0${config.join('\0')}\0`);
  const podConfigs = (await readdir(podConfigFolder))
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => join(podConfigFolder, name));
  const inputs = [
    ...new Set([...config, ...podConfigs]),
    join(hearthRoot, 'package-lock.json'),
    join(hearthRoot, 'node_modules', '.package-lock.json'),
    join(cssRoot, 'package.json'),
    requireFromCss.resolve('componentsjs/package.json'),
  ];
  for (const file of inputs) {
    hash.update(`${file}\0`);
    hash.update(await readFile(file).catch(missing));
    hash.update('\0');
  }
  return hash.digest('hex').slice(0, 32);
}

/** Stands for an input file that is not there (some lock files are optional); other failures to read it are thrown. */
function missing(error: unknown): Buffer {
  if (hasErrorCode(error, 'ENOENT')) return Buffer.from('(missing)');
  throw error;
}

/**
 * Compiles the configuration with Components.js and writes it atomically to `file`. If compiling fails,
 * writes `file.failed` instead, so that later starts with the same inputs go the normal way at once.
 */
async function writeCompiledConfig(file: string, config: readonly string[]): Promise<void> {
  let source: string;
  try {
    source = await compileConfig(config);
  } catch (error: unknown) {
    await markFailed(file, error);
    throw error;
  }
  const partial = `${file}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(partial, source);
  await rename(partial, file);
  // Entries for older inputs are never used again.
  const current = file.slice(compiledConfigFolder.length + 1);
  for (const name of await readdir(compiledConfigFolder)) {
    if (name.startsWith('css-') && !name.startsWith(current) && !name.endsWith('.tmp')) {
      await rm(join(compiledConfigFolder, name), { force: true });
    }
  }
}

/** The small part of Components.js used here. */
interface ComponentsJs {
  ComponentsManager: {
    build(options: Record<string, unknown>): Promise<{ instantiate(iri: string, settings?: object): Promise<unknown> }>;
  };
}

/**
 * Builds the module source: CSS's CliResolver first, as AppRunner instantiates it, then the App from the
 * same Components.js manager (so shared instances stay shared), with the variables resolved in between.
 */
export async function compileConfig(config: readonly string[]): Promise<string> {
  const componentsJs = requireFromCss('componentsjs') as ComponentsJs;
  const strategy = new SourceStrategy();
  // The loader properties CSS's AppRunner uses, with a construction strategy that writes source code.
  const manager = await componentsJs.ComponentsManager.build({
    mainModulePath: cssRoot,
    typeChecking: false,
    dumpErrorState: false,
    logLevel: 'warn',
    constructionStrategy: strategy,
    configLoader: async (registry: { register(path: string): Promise<void> }) => {
      for (const path of config) await registry.register(path);
    },
  });
  const cliResolver = (await manager.instantiate(cliResolverIri, {})) as string;
  const cliLines = strategy.lines.length;
  await manager.instantiate(appIri, {});
  return [
    `// Compiled by Hearth with Components.js from ${config.join(', ')}; rebuilt when its inputs change.`,
    '"use strict";',
    'module.exports = function () {',
    'let variables;',
    'function getVariableValue(name) {',
    '  const value = variables ? variables[name] : undefined;',
    '  if (value === undefined) throw new Error("Undefined variable: " + name);',
    '  return value;',
    '}',
    ...strategy.lines.slice(0, cliLines),
    `return { cliResolver: ${cliResolver}, instantiate(values) {`,
    'variables = values;',
    ...strategy.lines.slice(cliLines),
    `return { ${[...strategy.instances].map(([iri, name]) => `${JSON.stringify(iri)}: ${name}`).join(', ')} };`,
    '} };',
    '};',
    '',
  ].join('\n');
}

/**
 * A Components.js construction strategy that writes each construction as a line of CommonJS, like
 * Components.js' own ConstructionStrategyCommonJsString (used by its compile-config), but with every value
 * written as a JSON literal, every module required by the absolute path the normal strategy resolves, and
 * no support for lazy arguments (compiling fails, and Hearth starts CSS the normal way).
 */
class SourceStrategy {
  readonly lines: string[] = [];
  /** Instance IRI (or blank node label) to the name of its constant. */
  readonly instances = new Map<string, string>();
  private readonly names = new Set<string>();

  createInstance(options: {
    requireName: string;
    requireElement?: string;
    callConstructor: boolean;
    args: string[];
    instanceId: string;
  }): string {
    if (options.requireName.startsWith('.')) throw new Error(`Relative module ${options.requireName} is not supported`);
    // As ConstructionStrategyCommonJs: req.resolve(requireName, { paths: [mainModulePath] }).
    let source = `require(${JSON.stringify(requireFromCss.resolve(options.requireName, { paths: [cssRoot] }))})`;
    for (const key of options.requireElement?.split('.') ?? []) source += `[${JSON.stringify(key)}]`;
    if (options.callConstructor) source = `new (${source})(${options.args.join(', ')})`;
    const name = this.variableName(options.instanceId);
    this.lines.push(`const ${name} = ${source};`);
    this.instances.set(options.instanceId, name);
    return name;
  }

  createHash(options: { entries: ({ key: string; value: string } | undefined)[] }): string {
    const entries = options.entries
      .filter((entry) => entry !== undefined)
      .map((entry) => `[${entry.key}]: ${entry.value}`);
    return `{ ${entries.join(', ')} }`;
  }

  createArray(options: { elements: string[] }): string {
    return `[${options.elements.join(', ')}]`;
  }

  createLazySupplier(): Promise<string> {
    return Promise.reject(new Error('Lazy arguments are not supported by the compiled configuration'));
  }

  createPrimitive(options: { value: unknown }): string {
    return typeof options.value === 'string' || (typeof options.value === 'object' && options.value !== null)
      ? JSON.stringify(options.value)
      : String(options.value);
  }

  getVariableValue(options: { variableName: string }): string {
    return `getVariableValue(${JSON.stringify(options.variableName)})`;
  }

  createUndefined(): string {
    return 'undefined';
  }

  /** A valid, unique JavaScript name that still shows which instance it is. */
  private variableName(instanceId: string): string {
    const base = `i_${instanceId.replace(/[^A-Za-z0-9_$]/gu, '_')}`;
    let name = base;
    for (let n = 2; this.names.has(name); n += 1) name = `${base}_${n}`;
    this.names.add(name);
    return name;
  }
}
