import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as images from '../test-support/images';

/**
 * One decode per image: peak memory is bounded by the largest output, not by how many outputs
 * there are. Measured for real, each render in a fresh process (its RSS high-water mark), on an
 * AVIF, which libheif always decodes whole: about 160 MiB for 3000×3000.
 */
describe('one decode per image', () => {
  const dir = mkdtempSync(join(tmpdir(), 'imgproc-one-decode-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const peakRiseMiB = (file: string, outputs: number): number => {
    const child = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', join(__dirname, '../test-support/peak-memory-child.ts'), file, String(outputs)], {
      encoding: 'utf8',
      env: { ...process.env, TS_NODE_TRANSPILE_ONLY: 'true', MALLOC_ARENA_MAX: '2' },
    });
    if (child.status !== 0) throw new Error(`child failed: ${child.stderr}`);
    return (JSON.parse(child.stdout.trim()) as { peakRiseMiB: number }).peakRiseMiB;
  };

  it('takes no more memory for four outputs than for one', async () => {
    // Arrange
    const file = join(dir, 'photo.avif');
    writeFileSync(file, await images.solid(3000, 3000).avif({ effort: 0 }).toBuffer());

    // Act
    const oneOutput = peakRiseMiB(file, 1);
    const fourOutputs = peakRiseMiB(file, 4);

    // Assert: decoding the source once per output would take about four times as much.
    expect(oneOutput).toBeGreaterThan(100);
    expect(fourOutputs).toBeLessThan(oneOutput * 1.4);
  }, 60_000);
});
