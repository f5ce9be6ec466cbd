import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { renderImage, type OutputSpec } from '../domain/image-pipeline';
import { renderSettings } from './render-settings';

/**
 * For src/domain/one-decode.test.ts: renders one AVIF (path in argv[2]) to the first argv[3]
 * outputs in this fresh process and prints how far its peak RSS rose above the warmed-up baseline.
 */
const OUTPUTS: OutputSpec[] = [
  { key: 'thumb.jpg', maxWidthPx: 256, maxHeightPx: 256, format: 'jpeg' },
  { key: '512.webp', maxWidthPx: 512, format: 'webp' },
  { key: '1024.webp', maxWidthPx: 1024, format: 'webp' },
  { key: '1536.jpg', maxWidthPx: 1536, format: 'jpeg' },
];
const peakKiB = () => Number(/VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))![1]);

async function main(): Promise<void> {
  const input = readFileSync(process.argv[2]!);
  const outputs = OUTPUTS.slice(0, Number(process.argv[3]));
  await renderImage(await sharp({ create: { width: 64, height: 64, channels: 3, background: 'red' } }).avif().toBuffer(), { ...renderSettings(), expectedFormat: 'avif', outputs });
  const baseline = peakKiB();
  await renderImage(input, { ...renderSettings(), expectedFormat: 'avif', outputs });
  process.stdout.write(`${JSON.stringify({ peakRiseMiB: (peakKiB() - baseline) / 1024 })}\n`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(String(error));
    process.exit(1);
  },
);
