import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
  ProvisionedThroughputExceededException,
  PutItemCommand,
  QueryCommand,
  ResourceNotFoundException,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import type { DoneImage, ImageRecord, RejectedImage } from '../domain/image-record';
import { DynamoDbImageRepository } from './dynamodb-image-repository';

const dynamo = mockClient(DynamoDBClient);
const repository = () => new DynamoDbImageRepository(new DynamoDBClient({ region: 'us-east-1' }), 'images', 'usage');
const limits = { pendingUploads: 20, storedImages: 100, storedBytes: 1000 };
const $metadata = {};

const done: DoneImage = {
  status: 'DONE',
  imageId: 'img-1',
  userId: 'user-1',
  originalS3Key: 'user-uploads/user-1/img-1.jpg',
  processedS3Key: 'processed/img-1.jpg',
  renditions: [{ key: 'processed/img-1.jpg', width: 256, height: 192, format: 'jpeg', bytes: 999 }],
  width: 2048,
  height: 1536,
  format: 'jpeg',
  bytes: 123456,
  processedAt: '2026-11-23T12:00:05.000Z',
};
const pendingRecord: ImageRecord = {
  imageId: 'img-1',
  userId: 'user-1',
  originalS3Key: 'user-uploads/user-1/img-1.jpg',
  status: 'PENDING',
  contentType: 'image/jpeg',
  contentLength: 300,
  createdAt: '2026-11-23T12:00:00.000Z',
  expiresAt: 1_795_436_400,
};
const pending = {
  imageId: 'img-1',
  userId: 'user-1',
  originalS3Key: 'user-uploads/user-1/img-1.jpg',
  contentType: 'image/jpeg',
  contentLength: 10,
  createdAt: '2026-11-23T12:00:00.000Z',
  expiresAt: 1_795_436_400,
};
const conditionFailed = () => new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata });
const cancelled = (...codes: string[]) =>
  new TransactionCanceledException({ message: 'Transaction cancelled', $metadata, CancellationReasons: codes.map((Code) => ({ Code })) });

beforeEach(() => dynamo.reset());

describe('DynamoDbImageRepository', () => {
  it('reserves in the usage item within every limit, then creates a PENDING item only if the id is new', async () => {
    dynamo.on(UpdateItemCommand).resolves({});
    dynamo.on(PutItemCommand).resolves({});

    await expect(repository().reserve(pending, limits, 1_795_435_200)).resolves.toEqual({ reserved: true });

    const usage = dynamo.commandCalls(UpdateItemCommand)[0]!.args[0].input;
    expect(usage).toMatchObject({ TableName: 'usage', Key: marshall({ userId: 'user-1' }) });
    expect(usage.UpdateExpression).toBe('SET #entry = :entry ADD #pending :one, #images :one, #bytes :bytes');
    expect(usage.ExpressionAttributeNames!['#entry']).toBe('pending#img-1');
    expect(unmarshall(usage.ExpressionAttributeValues!)).toMatchObject({ ':maxPending': 20, ':maxImages': 100, ':bytesLeft': 990, ':bytes': 10, ':entry': { bytes: 10, expiresAt: 1_795_436_400 } });
    const input = dynamo.commandCalls(PutItemCommand)[0]!.args[0].input;
    expect(input.TableName).toBe('images');
    expect(input.ConditionExpression).toBe('attribute_not_exists(imageId)');
    expect(unmarshall(input.Item!)).toEqual({ ...pending, status: 'PENDING' });
  });

  it('says which limit refused a reservation and how many reservations have lapsed', async () => {
    dynamo.on(UpdateItemCommand).rejects(conditionFailed());
    dynamo.on(GetItemCommand).resolves({
      Item: marshall({ userId: 'user-1', pendingCount: 20, imageCount: 20, byteCount: 200, 'pending#a': { bytes: 10, expiresAt: 100 }, 'pending#b': { bytes: 10, expiresAt: 9e9 } }),
    });

    const outcome = await repository().reserve(pending, limits, 1000);

    expect(outcome).toEqual({ reserved: false, exceeded: 'pendingUploads', limit: 20, lapsedReservations: 1 });
    expect(dynamo.commandCalls(PutItemCommand)).toHaveLength(0);
  });

  it('gives the reservation back when the record cannot be written', async () => {
    dynamo.on(UpdateItemCommand).resolves({});
    dynamo.on(PutItemCommand).rejects(new ProvisionedThroughputExceededException({ message: 'slow down', $metadata }));

    await expect(repository().reserve(pending, limits, 0)).rejects.toMatchObject({ name: 'DependencyError', retryable: true });

    const release = dynamo.commandCalls(UpdateItemCommand)[1]!.args[0].input;
    expect(release.UpdateExpression).toBe('ADD #images :images, #bytes :bytes, #pending :minusOne REMOVE #entry');
    expect(release.ConditionExpression).toBe('attribute_exists(#entry)');
    expect(unmarshall(release.ExpressionAttributeValues!)).toEqual({ ':images': -1, ':bytes': -10, ':minusOne': -1 });
  });

  it('reads an item with a strongly consistent read', async () => {
    dynamo.on(GetItemCommand).resolves({ Item: marshall({ imageId: 'img-1', status: 'DONE' }) });

    await expect(repository().get('img-1')).resolves.toEqual({ imageId: 'img-1', status: 'DONE' });
    expect(dynamo.commandCalls(GetItemCommand)[0]!.args[0].input).toMatchObject({ ConsistentRead: true, Key: marshall({ imageId: 'img-1' }) });
  });

  it('returns undefined for an unknown id', async () => {
    dynamo.on(GetItemCommand).resolves({});
    await expect(repository().get('nope')).resolves.toBeUndefined();
  });

  it('writes DONE only over the state it read, reserved for the same object, clearing the TTL, the notification mark and stale fields, and ends the reservation in the same transaction', async () => {
    dynamo.on(TransactWriteItemsCommand).resolves({});

    await expect(repository().finish(done, pendingRecord)).resolves.toBe(true);

    const [image, usage] = dynamo.commandCalls(TransactWriteItemsCommand)[0]!.args[0].input.TransactItems!.map((item) => item.Update!);
    expect(image!.ConditionExpression).toBe('#status = :from AND #user = :user AND #key = :key');
    expect(image!.Key).toEqual(marshall({ imageId: 'img-1' }));
    const names = image!.ExpressionAttributeNames!;
    const values = unmarshall(image!.ExpressionAttributeValues!);
    expect(values).toMatchObject({ ':from': 'PENDING', ':to': 'DONE', ':user': 'user-1' });
    expect([names['#user'], names['#key'], values[':key']]).toEqual(['userId', 'originalS3Key', done.originalS3Key]);
    const set = Object.fromEntries(
      [...image!.UpdateExpression!.matchAll(/(#f\d+) = (:v\d+)/g)].map(([, name, value]) => [names[name!], values[value!]]),
    );
    const { imageId: _id, status: _status, ...fields } = done;
    expect(set).toEqual(fields);
    const removed = image!.UpdateExpression!.split(' REMOVE ')[1]!.split(', ').map((name) => names[name]);
    expect(removed.sort()).toEqual(['expiresAt', 'failureMessage', 'notifiedAt', 'rejectionMessage', 'rejectionReason', 'stages']);
    expect(usage).toMatchObject({ TableName: 'usage', Key: marshall({ userId: 'user-1' }), ConditionExpression: 'attribute_exists(#entry)' });
    expect(unmarshall(usage!.ExpressionAttributeValues!)).toEqual({ ':images': 0, ':bytes': 0, ':minusOne': -1 });
  });

  it('refuses, without a call, a final state for another object than the record was reserved for', async () => {
    const intruder = { ...done, userId: 'user-2', originalS3Key: 'user-uploads/user-2/img-1.jpg' };

    await expect(repository().finish(intruder, pendingRecord)).resolves.toBe(false);
    await expect(repository().finish({ ...done, originalS3Key: 'user-uploads/user-1/img-1.png' }, pendingRecord)).resolves.toBe(false);
    expect(dynamo.calls()).toHaveLength(0);
  });

  it('may create a REJECTED record where none exists (an object nobody reserved), and nothing else, without touching the usage', async () => {
    dynamo.on(UpdateItemCommand).resolves({});
    const rejected = { imageId: 'img-1', userId: 'u', originalS3Key: 'k', status: 'REJECTED', rejectionReason: 'NOT_RESERVED', rejectionMessage: 'm', processedAt: 'x', createdAt: 'x' } as const;

    await expect(repository().finish(rejected, undefined)).resolves.toBe(true);
    await expect(repository().finish(done, undefined)).resolves.toBe(false);

    expect(dynamo.calls()).toHaveLength(1);
    const input = dynamo.commandCalls(UpdateItemCommand)[0]!.args[0].input;
    expect(input).toMatchObject({ TableName: 'images', Key: marshall({ imageId: 'img-1' }), ConditionExpression: 'attribute_not_exists(imageId)' });
    const names = input.ExpressionAttributeNames!;
    const values = unmarshall(input.ExpressionAttributeValues!);
    const set = Object.fromEntries([...input.UpdateExpression!.matchAll(/(#f\d+) = (:v\d+)/g)].map(([, name, value]) => [names[name!], values[value!]]));
    const { imageId: _id, ...fields } = rejected;
    expect(set).toEqual(fields);
  });

  it('reports a record that appeared meanwhile as false when creating one for an object nobody reserved', async () => {
    dynamo.on(UpdateItemCommand).rejects(conditionFailed());
    const rejected = { imageId: 'img-1', userId: 'u', originalS3Key: 'k', status: 'REJECTED', rejectionReason: 'NOT_RESERVED', rejectionMessage: 'm', processedAt: 'x' } as const;

    await expect(repository().finish(rejected, undefined)).resolves.toBe(false);
  });

  it('releases the image and its declared bytes when it is REJECTED', async () => {
    dynamo.on(TransactWriteItemsCommand).resolves({});
    const rejected: RejectedImage = { status: 'REJECTED', imageId: 'img-1', userId: 'user-1', originalS3Key: pendingRecord.originalS3Key, rejectionReason: 'NOT_AN_IMAGE', rejectionMessage: 'no', processedAt: 'now' };

    await repository().finish(rejected, pendingRecord);

    const usage = dynamo.commandCalls(TransactWriteItemsCommand)[0]!.args[0].input.TransactItems![1]!.Update!;
    expect(unmarshall(usage.ExpressionAttributeValues!)).toEqual({ ':images': -1, ':bytes': -300, ':minusOne': -1 });
  });

  it('writes FAILED to DONE with a plain conditional update: the usage does not change', async () => {
    dynamo.on(UpdateItemCommand).resolves({});

    await expect(repository().finish(done, { ...pendingRecord, status: 'FAILED' })).resolves.toBe(true);

    expect(dynamo.commandCalls(TransactWriteItemsCommand)).toHaveLength(0);
    expect(unmarshall(dynamo.commandCalls(UpdateItemCommand)[0]!.args[0].input.ExpressionAttributeValues!)).toMatchObject({ ':from': 'FAILED' });
  });

  it('reports a record that moved on, or is gone, as false: nothing is ever created by a final write', async () => {
    dynamo.on(TransactWriteItemsCommand).rejects(cancelled('ConditionalCheckFailed', 'None'));
    dynamo.on(UpdateItemCommand).rejects(conditionFailed());

    await expect(repository().finish(done, pendingRecord)).resolves.toBe(false);
    await expect(repository().finish(done, { ...pendingRecord, status: 'FAILED' })).resolves.toBe(false);
    await expect(repository().finish(done, { ...pendingRecord, status: 'DONE' })).resolves.toBe(false);
  });

  it('retries a transaction that collided with another, then reports it as retryable', async () => {
    dynamo.on(TransactWriteItemsCommand).rejects(cancelled('None', 'TransactionConflict'));

    await expect(repository().finish(done, pendingRecord)).rejects.toMatchObject({ name: 'DependencyError', retryable: true });
    expect(dynamo.commandCalls(TransactWriteItemsCommand)).toHaveLength(4);
  });

  it('turns a record into a DELETED tombstone with a TTL, releasing its share, and settles only tombstones', async () => {
    dynamo.on(TransactWriteItemsCommand).resolves({});
    const stored: ImageRecord = { ...pendingRecord, status: 'DONE' };
    const tombstone = { ...stored, originalFileName: 'cat.jpg', status: 'DELETED', deletedAt: '2026-11-23T13:00:00.000Z', expiresAt: 1_800_000_000 };
    dynamo.on(GetItemCommand).resolves({ Item: marshall(tombstone) });
    dynamo.on(UpdateItemCommand).resolves({});

    await expect(repository().markDeleted(stored, '2026-11-23T13:00:00.000Z', 1_800_000_000)).resolves.toBe(true);
    await repository().settleDeleted('img-1', '2026-11-23T13:00:01.000Z');

    const [image, usage] = dynamo.commandCalls(TransactWriteItemsCommand)[0]!.args[0].input.TransactItems!.map((item) => item.Update!);
    expect(unmarshall(image!.ExpressionAttributeValues!)).toMatchObject({ ':from': 'DONE', ':to': 'DELETED' });
    expect(Object.values(image!.ExpressionAttributeNames!)).toEqual(expect.arrayContaining(['deletedAt', 'expiresAt']));
    expect(unmarshall(usage!.ExpressionAttributeValues!)).toEqual({ ':images': -1, ':bytes': -300 });
    expect(usage!.ConditionExpression).toBeUndefined();
    const settled = dynamo.commandCalls(UpdateItemCommand)[0]!.args[0].input;
    expect(settled.ConditionExpression).toBe('#status = :deleted');
    expect(unmarshall(settled.ExpressionAttributeValues!)).toEqual({ ':deleted': 'DELETED', ':removedAt': '2026-11-23T13:00:01.000Z' });
    // It keeps imageId, userId, originalS3Key, status, deletedAt and expiresAt (the TTL); all else goes.
    const removed = settled.UpdateExpression!.split(' REMOVE ')[1]!.split(', ').map((name) => settled.ExpressionAttributeNames![name]);
    expect(removed.sort()).toEqual(['contentLength', 'contentType', 'createdAt', 'originalFileName']);
  });

  it('leaves a record that is not a tombstone alone when asked to settle it', async () => {
    dynamo.on(GetItemCommand).resolves({ Item: marshall({ ...pendingRecord, status: 'DONE' }) });

    await repository().settleDeleted('img-1', '2026-11-23T13:00:01.000Z');

    expect(dynamo.commandCalls(UpdateItemCommand)).toHaveLength(0);
  });

  it('lists a user from the index, newest first, starting after the given position, deleted images left out', async () => {
    dynamo.on(QueryCommand).resolves({ Items: [marshall(pendingRecord)], LastEvaluatedKey: marshall({ imageId: 'img-1', userId: 'user-1', createdAt: '2026-11-23T12:00:00.000Z' }) });

    const page = await repository().listByUser('user-1', { limit: 1, after: { imageId: 'img-9', createdAt: '2026-11-24T00:00:00.000Z' }, nowSeconds: 0 });

    const input = dynamo.commandCalls(QueryCommand)[0]!.args[0].input;
    expect(input).toMatchObject({ IndexName: 'byUserCreatedAt', ScanIndexForward: false, Limit: 1, FilterExpression: '#status <> :deleted' });
    expect(unmarshall(input.ExclusiveStartKey!)).toEqual({ imageId: 'img-9', userId: 'user-1', createdAt: '2026-11-24T00:00:00.000Z' });
    expect(page).toEqual({ items: [pendingRecord], next: { imageId: 'img-1', createdAt: '2026-11-23T12:00:00.000Z' } });
  });

  it('filters EXPIRED as stored EXPIRED or PENDING past its deadline, and cuts a filtered read at the page size', async () => {
    const items = ['a', 'b', 'c'].map((id, i) => marshall({ ...pendingRecord, imageId: id, createdAt: `2026-11-23T12:00:0${3 - i}.000Z` }));
    dynamo.on(QueryCommand).resolves({ Items: items, LastEvaluatedKey: marshall({ imageId: 'z' }) });

    const page = await repository().listByUser('user-1', { limit: 2, status: 'EXPIRED', nowSeconds: 1234 });

    const input = dynamo.commandCalls(QueryCommand)[0]!.args[0].input;
    expect(input.FilterExpression).toBe('#status = :s0 OR (#status = :s1 AND #expiresAt <= :now)');
    expect(unmarshall(input.ExpressionAttributeValues!)).toMatchObject({ ':s0': 'EXPIRED', ':s1': 'PENDING', ':now': 1234 });
    expect(page.items.map((item) => item.imageId)).toEqual(['a', 'b']);
    expect(page.next).toEqual({ imageId: 'b', createdAt: '2026-11-23T12:00:02.000Z' });
  });

  it('marks the notification of a state as sent, only while the item still has that state', async () => {
    dynamo.on(UpdateItemCommand).resolves({});

    await repository().markNotified('img-1', 'DONE', '2026-11-23T12:00:06.000Z');

    expect(dynamo.commandCalls(UpdateItemCommand)[0]!.args[0].input).toMatchObject({
      UpdateExpression: 'SET notifiedAt = :notifiedAt',
      ConditionExpression: '#status = :status',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: marshall({ ':notifiedAt': '2026-11-23T12:00:06.000Z', ':status': 'DONE' }),
    });
  });

  it('leaves the mark alone when the item moved to another state meanwhile', async () => {
    dynamo.on(UpdateItemCommand).rejects(new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata }));

    await expect(repository().markNotified('img-1', 'FAILED', 'now')).resolves.toBeUndefined();
  });

  it.each([
    ['throttling', new ProvisionedThroughputExceededException({ message: 'slow down', $metadata }), true],
    ['a missing table', new ResourceNotFoundException({ message: 'Requested resource not found', $metadata }), false],
  ])('maps %s to a DependencyError with retryable=%s', async (_case, cause, retryable) => {
    dynamo.on(UpdateItemCommand).rejects(cause);
    dynamo.on(GetItemCommand).rejects(cause);
    dynamo.on(PutItemCommand).rejects(cause);

    await expect(repository().finish(done, { ...pendingRecord, status: 'FAILED' })).rejects.toMatchObject({ name: 'DependencyError', retryable });
    await expect(repository().get('img-1')).rejects.toMatchObject({ name: 'DependencyError', retryable, operation: 'GetItem' });
    await expect(repository().markNotified('img-1', 'DONE', 'now')).rejects.toMatchObject({ name: 'DependencyError', retryable });
  });
});
