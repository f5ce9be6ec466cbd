// Bundles each Lambda into dist/<name>/index.js (CommonJS, handler `index.handler`), with the AWS
// SDK inside so the function runs the SDK version we tested, not the one the runtime ships; and the
// local-only tools (gateway, provision) the same way. sharp stays external: its native binaries
// are installed next to the bundle in the processor image.
//   node scripts/bundle.mjs [name ...]      (default: everything)
import { build } from 'esbuild';
import { readdirSync, rmSync } from 'node:fs';

const entries = Object.fromEntries([
  ...readdirSync('src/functions', { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => [entry.name, `src/functions/${entry.name}/handler.ts`]),
  ['gateway', 'src/local/gateway.ts'],
  ['provision', 'src/local/provision.ts'],
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
    target: 'node20',
    format: 'cjs',
    external: ['sharp'],
    mainFields: ['module', 'main'],
    sourcemap: 'linked',
    sourcesContent: false,
    legalComments: 'none',
    metafile: true,
    logLevel: 'warning',
  });
  const bytes = Object.values(result.metafile.outputs).reduce((sum, output) => sum + output.bytes, 0);
  console.log(`bundled ${name} -> dist/${name}/index.js (${(bytes / 1024).toFixed(0)} KiB incl. source map) in ${Date.now() - started} ms`);
}
