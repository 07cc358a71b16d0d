// `npm run bench [name ...]`: runs the benchmarks in scripts/bench-<name>.ts (all of them by default), one after
// another.
import { readdir } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';

const folder = fileURLToPath(new URL('.', import.meta.url));
const available = (await readdir(folder))
  .filter((f) => /^bench-.+\.ts$/u.test(f))
  .map((f) => f.slice(6, -3))
  .sort();
const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !available.includes(name));
if (unknown.length > 0) {
  process.stderr.write(`bench: unknown benchmark ${unknown.join(', ')}; available: ${available.join(', ')}\n`);
  process.exit(2);
}
for (const name of wanted.length > 0 ? wanted : available) {
  process.stdout.write(`\n## ${name}\n`);
  const module = (await import(pathToFileURL(`${folder}bench-${name}.ts`).href)) as { run: () => Promise<void> };
  await module.run();
}
