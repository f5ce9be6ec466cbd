import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The web app is typed from the API contract: ./schema.ts must be what openapi-typescript makes of
 * src/openapi.json today. When the contract changes, `npm run web:types` regenerates it, and the
 * type-check then shows every call the change breaks.
 */
describe('the API types of the web app', () => {
  it('are generated from the current src/openapi.json', () => {
    const root = join(__dirname, '../../..');
    const folder = mkdtempSync(join(tmpdir(), 'web-types-'));
    try {
      const output = join(folder, 'schema.ts');
      execFileSync(process.execPath, [join(root, 'node_modules/openapi-typescript/bin/cli.js'), 'src/openapi.json', '-o', output], { cwd: root, stdio: 'pipe' });

      expect(readFileSync(join(__dirname, 'schema.ts'), 'utf8')).toBe(readFileSync(output, 'utf8'));
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
