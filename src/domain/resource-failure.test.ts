import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/**
 * A valid image that libvips cannot decode for lack of memory must be retried, never rejected, and
 * must end DONE once memory is back. The memory limit is real: the child process' RLIMIT_DATA,
 * lowered by `prlimit` (util-linux) to just above what it already uses, so libjpeg's allocation for
 * a progressive JPEG fails as it would on a machine short of memory; then lifted again.
 */
describe('an image the machine had no memory for', () => {
  let child: ChildProcessWithoutNullStreams | undefined;
  afterEach(() => child?.kill());

  it('is retried (ResourceExhaustedError, record still PENDING), never REJECTED, and ends DONE once memory is back', async () => {
    // Arrange
    child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', join(__dirname, '../test-support/starved-render-child.ts')], {
      env: { ...process.env, TS_NODE_TRANSPILE_ONLY: 'true', MALLOC_ARENA_MAX: '2' },
    });
    const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    const next = async () => JSON.parse((await lines.next()).value as string) as Record<string, unknown>;
    const limit = (value: string) => {
      const run = spawnSync('prlimit', ['--pid', String(child!.pid), `--data=${value}`], { encoding: 'utf8' });
      if (run.status !== 0) throw new Error(`prlimit failed: ${run.stderr}`);
    };
    const ready = await next();
    expect(ready).toMatchObject({ step: 'ready' });

    // Act: 8 MiB above what the process holds now; the decode needs about 114 MiB more.
    limit(`${((ready.dataKiB as number) + 8 * 1024) * 1024}:unlimited`);
    child.stdin.write('go\n');
    const starved = await next();
    limit('unlimited');
    child.stdin.write('go\n');
    const recovered = await next();

    // Assert
    expect(starved).toMatchObject({ step: 'attempt', error: { name: 'ResourceExhaustedError', code: 'RESOURCE_EXHAUSTED', retryable: true }, status: 'PENDING' });
    expect(recovered).toMatchObject({ step: 'attempt', result: 'DONE', status: 'DONE' });
  }, 60_000);
});
