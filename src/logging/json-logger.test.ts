import { DependencyError } from '../domain/errors';
import { JsonLogger } from './json-logger';

function capture(level: 'debug' | 'info' | 'warn' | 'error') {
  const lines: string[] = [];
  const logger = new JsonLogger({ level, write: (line) => lines.push(line), now: () => new Date('2026-11-23T12:00:00.000Z') });
  return { logger, lines };
}

describe('JsonLogger', () => {
  it('writes one JSON object per line with a constant message and data in fields', () => {
    const { logger, lines } = capture('info');

    logger.child({ service: 'image-processor', requestId: 'r-1' }).info('upload processed', { imageId: 'i-1' });

    expect(lines.map((line) => JSON.parse(line))).toEqual([
      { level: 'info', message: 'upload processed', timestamp: '2026-11-23T12:00:00.000Z', service: 'image-processor', requestId: 'r-1', imageId: 'i-1' },
    ]);
  });

  it('drops lines below its level', () => {
    const { logger, lines } = capture('warn');

    logger.debug('a');
    logger.info('b');
    logger.warn('c');
    logger.error('d');

    expect(lines.map((line) => JSON.parse(line).message)).toEqual(['c', 'd']);
  });

  it('serialises errors with their fields and cause', () => {
    const { logger, lines } = capture('error');
    const cause = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });

    logger.error('message will be retried', { error: new DependencyError('S3', 'GetObject', true, 'S3 GetObject failed', { cause }) });

    const { error } = JSON.parse(lines[0]!);
    expect(error).toMatchObject({
      name: 'DependencyError',
      message: 'S3 GetObject failed',
      code: 'DEPENDENCY_FAILURE',
      retryable: true,
      service: 'S3',
      cause: { name: 'Error', message: 'connect ECONNREFUSED', code: 'ECONNREFUSED' },
    });
  });
});
