// Bundles each Lambda into dist/<name>/index.js (CommonJS, handler `index.handler`), with the AWS
// SDK inside so the function runs the SDK version we tested, not the one the runtime ships.
// sharp stays external: its native binaries are installed next to the bundle in the image.
import { build } from 'esbuild';
import { readdirSync, rmSync } from 'node:fs';

const functions = readdirSync('src/functions', { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name);
const only = process.argv.slice(2);
const selected = only.length > 0 ? functions.filter((name) => only.includes(name)) : functions;
if (selected.length === 0) {
  console.error(`No function matches ${only.join(', ')}; known: ${functions.join(', ')}`);
  process.exit(1);
}

for (const name of selected) {
  const started = Date.now();
  rmSync(`dist/${name}`, { recursive: true, force: true });
  const result = await build({
    entryPoints: [`src/functions/${name}/handler.ts`],
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
