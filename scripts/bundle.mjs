// Bundles each Lambda into dist/<name>/index.js (CommonJS, handler `index.handler`), with the AWS
// SDK inside so the function runs the SDK version we tested, not the one the runtime ships; and the
// local workbench's tools (gateway, provision, aws-front) the same way. A function bundle that includes any
// workbench/ file fails the build. sharp stays external: its native binaries
// are installed next to the bundle in the processor image. So does libheif-js (LGPL-3.0, the HEIC
// decoder): a separate, replaceable node_modules package, as its licence asks, never in our bundle.
//   node scripts/bundle.mjs [name ...]      (default: everything)
import { build } from 'esbuild';
import { readdirSync, rmSync } from 'node:fs';

const functions = readdirSync('src/functions', { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name);
const entries = Object.fromEntries([
  ...functions.map((name) => [name, `src/functions/${name}/handler.ts`]),
  ['gateway', 'workbench/gateway.ts'],
  ['provision', 'workbench/provision.ts'],
  ['aws-front', 'workbench/aws-front.ts'],
]);
const only = process.argv.slice(2);
const unknown = only.filter((name) => !(name in entries));
if (unknown.length > 0) {
  console.error(`Unknown bundle ${unknown.join(', ')}; known: ${Object.keys(entries).join(', ')}`);
  process.exit(1);
}
const selected = only.length > 0 ? only : Object.keys(entries);

for (const name of selected) {
  const started = Date.now();
  rmSync(`dist/${name}`, { recursive: true, force: true });
  const result = await build({
    entryPoints: [entries[name]],
    outfile: `dist/${name}/index.js`,
    bundle: true,
    platform: 'node',
    target: 'node24',
    format: 'cjs',
    external: ['sharp', 'libheif-js'],
    mainFields: ['module', 'main'],
    sourcemap: 'linked',
    sourcesContent: false,
    legalComments: 'none',
    metafile: true,
    logLevel: 'warning',
  });
  // What ships holds no local code: a function bundle that reached the workbench fails the build
  // (eslint forbids the import too; this also catches one that arrives through another package).
  const local = Object.keys(result.metafile.inputs).filter((input) => input.startsWith('workbench/'));
  if (functions.includes(name) && local.length > 0) {
    console.error(`The ${name} bundle includes local workbench code, which must never ship: ${local.join(', ')}`);
    process.exit(1);
  }
  const bytes = Object.values(result.metafile.outputs).reduce((sum, output) => sum + output.bytes, 0);
  console.log(`bundled ${name} -> dist/${name}/index.js (${(bytes / 1024).toFixed(0)} KiB incl. source map) in ${Date.now() - started} ms`);
}
