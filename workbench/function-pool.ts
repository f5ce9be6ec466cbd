import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { Logger } from '../src/domain/ports/logger';
import { sleep } from './sqs-event-source';

/** Every address a host name has right now; none when it has none (a service with no running container). */
export type AddressResolver = (hostname: string) => Promise<string[]>;

export const dnsAddresses: AddressResolver = async (hostname) => {
  if (isIP(hostname)) return [hostname];
  try {
    return [...new Set((await lookup(hostname, { all: true })).map((entry) => entry.address))];
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'ENODATA') return [];
    throw error;
  }
};

/**
 * One event source mapping loop per container behind a function URL, as Lambda runs one batch per
 * execution environment. The URL names a compose service; Docker's DNS answers with one address
 * per running container of it (`deploy.replicas` in docker-compose.yml, PROCESSOR_CONTAINERS). The
 * addresses are looked up every `refreshMs`: a container that appears gets a loop, the loop of one
 * that is gone (stopped, or restarted at another address) is stopped.
 */
export async function runFunctionPool(options: {
  readonly functionUrl: string;
  readonly refreshMs: number;
  readonly resolve?: AddressResolver;
  /** Runs one mapping loop against one container's URL until `signal` aborts. */
  readonly runLoop: (containerUrl: string, signal: AbortSignal) => Promise<void>;
  readonly logger: Logger;
  readonly signal: AbortSignal;
}): Promise<void> {
  const resolve = options.resolve ?? dnsAddresses;
  const url = new URL(options.functionUrl);
  const loops = new Map<string, { stop: AbortController; done: Promise<void> }>();
  let failure: { error: unknown } | undefined;
  try {
    while (!options.signal.aborted && !failure) {
      let addresses: string[] | undefined;
      try {
        addresses = await resolve(url.hostname);
      } catch (error) {
        options.logger.warn('looking up the function containers failed; keeping the current ones', { functionUrl: options.functionUrl, error });
      }
      if (addresses) {
        for (const address of addresses) {
          if (loops.has(address)) continue;
          const containerUrl = `${url.protocol}//${address.includes(':') ? `[${address}]` : address}${url.port ? `:${url.port}` : ''}`;
          const stop = new AbortController();
          const done = options.runLoop(containerUrl, AbortSignal.any([stop.signal, options.signal])).catch((error: unknown) => {
            failure ??= { error };
          });
          loops.set(address, { stop, done });
          options.logger.info('function container found; mapping started', { functionUrl: options.functionUrl, containerUrl, containers: loops.size });
        }
        for (const [address, loop] of loops) {
          if (addresses.includes(address)) continue;
          loop.stop.abort();
          loops.delete(address);
          options.logger.warn('function container gone; its mapping stops', { functionUrl: options.functionUrl, address, containers: loops.size });
        }
      }
      await sleep(options.refreshMs, options.signal);
    }
  } finally {
    for (const loop of loops.values()) loop.stop.abort();
    await Promise.all([...loops.values()].map((loop) => loop.done));
  }
  if (failure) throw failure.error;
}
