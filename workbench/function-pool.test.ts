import { captureLogs } from '../src/test-support/fakes';
import { dnsAddresses, runFunctionPool } from './function-pool';

describe('runFunctionPool', () => {
  it('runs one loop per container address, starts loops for new ones and stops those of containers gone', async () => {
    // Arrange: one container, then two, then only the second.
    const stop = new AbortController();
    const answers = [['10.0.0.2'], ['10.0.0.2', '10.0.0.3'], ['10.0.0.3'], ['10.0.0.3']];
    let lookups = 0;
    const running = new Set<string>();
    const started: string[] = [];
    const stopped: string[] = [];

    // Act
    await runFunctionPool({
      functionUrl: 'http://image-processor:8080',
      refreshMs: 1,
      resolve: async (hostname) => {
        expect(hostname).toBe('image-processor');
        if (lookups === answers.length - 1) stop.abort();
        return answers[Math.min(lookups++, answers.length - 1)]!;
      },
      runLoop: (containerUrl, signal) =>
        new Promise<void>((resolve) => {
          started.push(containerUrl);
          running.add(containerUrl);
          signal.addEventListener('abort', () => {
            running.delete(containerUrl);
            stopped.push(containerUrl);
            resolve();
          });
        }),
      logger: captureLogs().logger,
      signal: stop.signal,
    });

    // Assert
    expect(started).toEqual(['http://10.0.0.2:8080', 'http://10.0.0.3:8080']);
    expect(stopped).toEqual(['http://10.0.0.2:8080', 'http://10.0.0.3:8080']);
    expect(running.size).toBe(0);
  });

  it('runs no loop while the service has no running container, and one as soon as it has', async () => {
    const stop = new AbortController();
    const answers: string[][] = [[], [], ['10.0.0.9']];
    let lookups = 0;
    const started: string[] = [];

    await runFunctionPool({
      functionUrl: 'http://image-processor:8080',
      refreshMs: 1,
      resolve: async () => answers[Math.min(lookups++, answers.length - 1)]!,
      runLoop: async (containerUrl) => {
        started.push(containerUrl);
        stop.abort();
      },
      logger: captureLogs().logger,
      signal: stop.signal,
    });

    expect(lookups).toBe(3);
    expect(started).toEqual(['http://10.0.0.9:8080']);
  });

  it('fails when a loop fails, after stopping the others', async () => {
    const stop = new AbortController();
    let otherStopped = false;

    const pool = runFunctionPool({
      functionUrl: 'http://image-processor:8080',
      refreshMs: 1,
      resolve: async () => ['10.0.0.2', '10.0.0.3'],
      runLoop: (containerUrl, signal) =>
        containerUrl.includes('10.0.0.2')
          ? Promise.reject(new Error('queue gone'))
          : new Promise<void>((resolve) =>
              signal.addEventListener('abort', () => {
                otherStopped = true;
                resolve();
              }),
            ),
      logger: captureLogs().logger,
      signal: stop.signal,
    });

    await expect(pool).rejects.toThrow('queue gone');
    expect(otherStopped).toBe(true);
  });

  it('keeps its loops when a lookup fails', async () => {
    const stop = new AbortController();
    let lookups = 0;
    const started: string[] = [];
    const logs = captureLogs();

    await runFunctionPool({
      functionUrl: 'http://image-processor:8080',
      refreshMs: 1,
      resolve: async () => {
        lookups += 1;
        if (lookups === 2) throw new Error('resolver down');
        if (lookups === 3) stop.abort();
        return ['10.0.0.2'];
      },
      runLoop: (containerUrl, signal) => new Promise<void>((resolve) => {
        started.push(containerUrl);
        signal.addEventListener('abort', () => resolve());
      }),
      logger: logs.logger,
      signal: stop.signal,
    });

    expect(started).toEqual(['http://10.0.0.2:8080']);
    expect(logs.lines).toContainEqual(expect.objectContaining({ message: 'looking up the function containers failed; keeping the current ones' }));
  });

  it('lets the loop of a container that went away finish its held batch before a new loop starts at that address', async () => {
    // Arrange: the container disappears for two lookups and comes back at the same address.
    const stop = new AbortController();
    const answers = [['10.0.0.2'], [], [], ['10.0.0.2'], ['10.0.0.2'], ['10.0.0.2'], ['10.0.0.2']];
    let lookups = 0;
    const events: string[] = [];
    let finishHeldBatch: () => void = () => undefined;
    let runs = 0;

    // Act
    await runFunctionPool({
      functionUrl: 'http://image-processor:8080',
      refreshMs: 1,
      resolve: async () => {
        if (lookups === 4) finishHeldBatch();
        if (lookups === answers.length - 1) stop.abort();
        return answers[Math.min(lookups++, answers.length - 1)]!;
      },
      runLoop: (_containerUrl, signal, releaseSignal) => {
        const run = ++runs;
        events.push(`start ${run}`);
        return new Promise<void>((resolve) => {
          // The first loop holds a batch: it stops receiving but ends only when its batch is delivered.
          if (run === 1) {
            signal.addEventListener('abort', () => events.push('1 stops receiving'));
            releaseSignal.addEventListener('abort', () => events.push('1 released'));
            finishHeldBatch = () => {
              events.push('1 delivered its batch');
              resolve();
            };
          } else if (signal.aborted) {
            resolve();
          } else {
            signal.addEventListener('abort', () => resolve());
          }
        });
      },
      logger: captureLogs().logger,
      signal: stop.signal,
    });

    // Assert: no second loop while the first still ran, and its batch was never released.
    expect(events.slice(0, 3)).toEqual(['start 1', '1 stops receiving', '1 delivered its batch']);
    expect(events).toContain('start 2');
    expect(events.indexOf('start 2')).toBeGreaterThan(events.indexOf('1 delivered its batch'));
  });

  it('releases what a gone container holds once another container appears to take it', async () => {
    const stop = new AbortController();
    const answers = [['10.0.0.2'], [], ['10.0.0.7'], ['10.0.0.7']];
    let lookups = 0;
    const released: string[] = [];

    await runFunctionPool({
      functionUrl: 'http://image-processor:8080',
      refreshMs: 1,
      resolve: async () => {
        if (lookups === answers.length - 1) stop.abort();
        return answers[Math.min(lookups++, answers.length - 1)]!;
      },
      runLoop: (containerUrl, _signal, releaseSignal) =>
        new Promise<void>((resolve) =>
          releaseSignal.addEventListener('abort', () => {
            released.push(containerUrl);
            resolve();
          }),
        ),
      logger: captureLogs().logger,
      signal: stop.signal,
    });

    expect(released[0]).toBe('http://10.0.0.2:8080');
  });
});

describe('dnsAddresses', () => {
  it('answers an IP address as itself and an unknown name with no address', async () => {
    expect(await dnsAddresses('10.1.2.3')).toEqual(['10.1.2.3']);
    expect(await dnsAddresses('no-such-container.invalid')).toEqual([]);
    expect(await dnsAddresses('localhost')).toEqual(expect.arrayContaining([expect.stringMatching(/^(127\.0\.0\.1|::1)$/)]));
  });
});
