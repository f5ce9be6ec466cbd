import { captureLogs } from '../src/test-support/fakes';
import type { FunctionInvoker } from './rie-client';
import { runSchedule } from './schedule';

describe('runSchedule', () => {
  it('invokes the function with EventBridge scheduled events, one run at a time', async () => {
    const stop = new AbortController();
    const events: Record<string, unknown>[] = [];
    let running = 0;
    let overlapped = false;
    const invoker: FunctionInvoker = {
      url: 'http://metrics:8080',
      probe: async () => true,
      async invoke(event) {
        overlapped ||= running > 0;
        running += 1;
        events.push(event as Record<string, unknown>);
        await new Promise((resolve) => setImmediate(resolve));
        running -= 1;
        if (events.length === 3) stop.abort();
        return { kind: 'ok', payload: { status: 'PUBLISHED' } };
      },
    };

    await runSchedule({ invoker, intervalMs: 1, ruleArn: 'arn:aws:events:us-east-1:000000000000:rule/r', region: 'us-east-1', logger: captureLogs().logger, signal: stop.signal });

    expect(events).toHaveLength(3);
    expect(overlapped).toBe(false);
    expect(events[0]).toMatchObject({
      source: 'aws.events',
      'detail-type': 'Scheduled Event',
      region: 'us-east-1',
      resources: ['arn:aws:events:us-east-1:000000000000:rule/r'],
      detail: {},
    });
  });
});
