// Bundles the web app (web/) into a folder of static files: index.html, assets/app-<hash>.js and
// assets/styles-<hash>.css (content-hashed, so they can be cached for good; index.html never is).
// config.json is not part of it: each deployment serves its own (README "The web app").
//   node scripts/bundle-web.mjs [outdir]        (default dist/web)
import { build } from 'esbuild';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const outdir = resolve(process.argv[2] ?? join(root, 'dist/web'));
const started = Date.now();

rmSync(outdir, { recursive: true, force: true });
mkdirSync(outdir, { recursive: true });
const result = await build({
  absWorkingDir: root,
  entryPoints: { app: 'web/src/main.ts', styles: 'web/styles.css' },
  outdir,
  entryNames: 'assets/[name]-[hash]',
  bundle: true,
  format: 'esm',
  platform: 'browser',
  // Browsers with <dialog>, ES2022 and CSS nesting-free styles: the last two years of each engine.
  target: ['chrome111', 'edge111', 'firefox114', 'safari16.4'],
  minify: true,
  sourcemap: 'linked',
  sourcesContent: false,
  legalComments: 'none',
  metafile: true,
  logLevel: 'warning',
});

// The page holds no server code: nothing from src/ (the functions) or workbench/ may reach it.
const serverSide = Object.keys(result.metafile.inputs).filter((input) => /^(src|workbench)\//.test(input));
if (serverSide.length > 0) {
  console.error(`The web bundle includes server-side code: ${serverSide.join(', ')}`);
  process.exit(1);
}

const outputs = Object.entries(result.metafile.outputs).filter(([, output]) => output.entryPoint);
const outputFor = (entry) => {
  const found = outputs.find(([, output]) => output.entryPoint === entry);
  if (!found) throw new Error(`no output for ${entry}`);
  return relative(outdir, resolve(root, found[0]));
};
const html = readFileSync(join(root, 'web/index.html'), 'utf8')
  .replace('%SCRIPT%', `./${outputFor('web/src/main.ts')}`)
  .replace('%STYLES%', `./${outputFor('web/styles.css')}`);
writeFileSync(join(outdir, 'index.html'), html);

const bytes = Object.values(result.metafile.outputs).reduce((sum, output) => sum + output.bytes, 0);
console.log(`bundled web -> ${relative(root, outdir) || outdir}/ (${(bytes / 1024).toFixed(0)} KiB incl. source maps) in ${Date.now() - started} ms`);
