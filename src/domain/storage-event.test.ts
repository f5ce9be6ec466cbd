import { s3EventBody, s3TestEventBody } from '../test-support/events';
import { InvalidMessageError } from './errors';
import { createdEventBody, parseStorageEvent } from './storage-event';

describe('parseStorageEvent', () => {
  it('reads the bucket, the decoded key, the size and the event time of a created object', () => {
    const event = parseStorageEvent(s3EventBody('originals', 'user-uploads/u1/a b+c%.jpg', 77));

    expect(event).toEqual({
      kind: 'records',
      created: [{ bucketName: 'originals', key: 'user-uploads/u1/a b+c%.jpg', sizeBytes: 77, eventTime: '2026-11-23T12:00:00.000Z' }],
      ignoredRecords: 0,
    });
  });

  it.each([
    ['missing', undefined],
    ['not a time', 'yesterday'],
    ['not a string', 1795435200000],
  ])('leaves out an event time that is %s', (_case, eventTime) => {
    const record = { ...JSON.parse(s3EventBody('b', 'user-uploads/u/1.jpg')).Records[0], eventTime };

    const event = parseStorageEvent(JSON.stringify({ Records: [record] }));

    expect(event.kind === 'records' && event.created[0]).toEqual({ bucketName: 'b', key: 'user-uploads/u/1.jpg', sizeBytes: 1234 });
  });

  it('decodes + as a space, as S3 encodes keys in notifications', () => {
    const body = JSON.stringify({
      Records: [
        {
          eventSource: 'aws:s3',
          eventName: 'ObjectCreated:Put',
          s3: { bucket: { name: 'b' }, object: { key: 'user-uploads/u/my+photo%2B1%C3%A9.jpg', size: 1 } },
        },
      ],
    });

    const event = parseStorageEvent(body);

    expect(event.kind === 'records' && event.created[0]?.key).toBe('user-uploads/u/my photo+1é.jpg');
  });

  it('recognises the test event S3 sends when notifications are configured', () => {
    expect(parseStorageEvent(s3TestEventBody('originals'))).toEqual({ kind: 'test' });
  });

  it('returns every created object of a multi-record message and skips other event kinds', () => {
    const created = JSON.parse(s3EventBody('b', 'user-uploads/u/1.jpg')).Records[0];
    const removed = { ...created, eventName: 'ObjectRemoved:Delete' };
    const event = parseStorageEvent(JSON.stringify({ Records: [created, removed, created] }));

    expect(event.kind === 'records' && event.created).toHaveLength(2);
    expect(event.kind === 'records' && event.ignoredRecords).toBe(1);
  });

  it.each([
    ['not JSON', 'hello'],
    ['a JSON array', '[]'],
    ['no Records', '{}'],
    ['empty Records', '{"Records":[]}'],
    ['a record from another source', JSON.stringify({ Records: [{ eventSource: 'aws:sns', eventName: 'ObjectCreated:Put' }] })],
    ['a record without a key', JSON.stringify({ Records: [{ eventSource: 'aws:s3', eventName: 'ObjectCreated:Put', s3: { bucket: { name: 'b' }, object: {} } }] })],
    [
      'a key that is not valid URL encoding',
      JSON.stringify({ Records: [{ eventSource: 'aws:s3', eventName: 'ObjectCreated:Put', s3: { bucket: { name: 'b' }, object: { key: 'a%E0%A4%A' } } }] }),
    ],
  ])('refuses %s as an invalid message', (_case, body) => {
    expect(() => parseStorageEvent(body)).toThrow(InvalidMessageError);
  });
});

describe('createdEventBody', () => {
  it('builds the notification S3 sends, which parses back to the same object', () => {
    const body = createdEventBody({ bucketName: 'originals', key: 'user-uploads/u 1/a+b.jpg', region: 'eu-west-1', at: new Date('2026-11-23T12:00:00Z') });

    expect(JSON.parse(body).Records[0]).toMatchObject({ eventSource: 'aws:s3', eventName: 'ObjectCreated:Put', awsRegion: 'eu-west-1' });
    expect(JSON.parse(body).Records[0].s3.object.key).toBe('user-uploads/u+1/a%2Bb.jpg');
    expect(parseStorageEvent(body)).toEqual({
      kind: 'records',
      created: [{ bucketName: 'originals', key: 'user-uploads/u 1/a+b.jpg', eventTime: '2026-11-23T12:00:00.000Z' }],
      ignoredRecords: 0,
    });
  });
});
