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
    // No such name: the service has no running container. A failed lookup (EAI_AGAIN, a resolver
    // that timed out under load) says nothing about the containers and is thrown.
    const code = (error as { code?: unknown }).code;
    if (code === 'ENOTFOUND' || code === 'ENODATA') return [];
    throw error;
  }
};

interface Loop {
  /** Stops receiving. */
  readonly stop: AbortController;
  /** Gives up a held batch (back to the queue at once). */
  readonly release: AbortController;
  readonly done: Promise<void>;
}

/**
 * One event source mapping loop per container behind a function URL, as Lambda runs one batch per
 * execution environment. The URL names a compose service; Docker's DNS answers with one address
 * per running container of it (`deploy.replicas` in docker-compose.yml, PROCESSOR_CONTAINERS). The
 * addresses are looked up every `refreshMs`: a container that appears gets a loop; the loop of one
 * that is gone stops receiving. A gone container's loop that holds a batch (received just before
 * the container went away) keeps it, hidden, until that container answers again (a restarted
 * container keeps its address when it is free), and only gives it back to the queue when another
 * container appears to take it. No new loop starts for an address while its old loop still runs.
 */
export async function runFunctionPool(options: {
  readonly functionUrl: string;
  readonly refreshMs: number;
  readonly resolve?: AddressResolver;
  /** Runs one mapping loop against one container's URL until `signal` aborts; `releaseSignal` gives up a held batch. */
  readonly runLoop: (containerUrl: string, signal: AbortSignal, releaseSignal: AbortSignal) => Promise<void>;
  readonly logger: Logger;
  readonly signal: AbortSignal;
}): Promise<void> {
  const resolve = options.resolve ?? dnsAddresses;
  const url = new URL(options.functionUrl);
  const active = new Map<string, Loop>();
  const retiring = new Map<string, Loop>();
  let failure: { error: unknown } | undefined;
  const start = (address: string) => {
    const containerUrl = `${url.protocol}//${address.includes(':') ? `[${address}]` : address}${url.port ? `:${url.port}` : ''}`;
    const stop = new AbortController();
    const release = new AbortController();
    const loop: Loop = {
      stop,
      release,
      done: options
        .runLoop(containerUrl, AbortSignal.any([stop.signal, options.signal]), AbortSignal.any([release.signal, options.signal]))
        .catch((error: unknown) => {
          failure ??= { error };
        })
        .finally(() => {
          if (retiring.get(address) !== loop) return;
          retiring.delete(address);
          options.logger.info('mapping of a gone function container stopped', { functionUrl: options.functionUrl, address });
        }),
    };
    active.set(address, loop);
    options.logger.info('function container found; mapping started', { functionUrl: options.functionUrl, containerUrl, containers: active.size });
  };
  try {
    while (!options.signal.aborted && !failure) {
      let addresses: string[] | undefined;
      try {
        addresses = await resolve(url.hostname);
      } catch (error) {
        options.logger.warn('looking up the function containers failed; keeping the current ones', { functionUrl: options.functionUrl, error });
      }
      if (addresses && !options.signal.aborted) {
        let appeared = false;
        for (const address of addresses) {
          if (active.has(address) || retiring.has(address)) continue;
          start(address);
          appeared = true;
        }
        for (const [address, loop] of active) {
          if (addresses.includes(address)) continue;
          loop.stop.abort();
          active.delete(address);
          retiring.set(address, loop);
          options.logger.warn('function container gone; its mapping stops receiving', { functionUrl: options.functionUrl, address, containers: active.size });
        }
        // Another container can take what a gone one holds.
        if (appeared) for (const [address, loop] of retiring) if (!addresses.includes(address)) loop.release.abort();
      }
      await sleep(options.refreshMs, options.signal);
    }
  } finally {
    const all = [...active.values(), ...retiring.values()];
    for (const loop of all) {
      loop.stop.abort();
      loop.release.abort();
    }
    await Promise.all(all.map((loop) => loop.done));
  }
  if (failure) throw failure.error;
}
