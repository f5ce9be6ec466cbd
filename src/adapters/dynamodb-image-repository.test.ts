import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
  ProvisionedThroughputExceededException,
  PutItemCommand,
  ResourceNotFoundException,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import type { DoneImage } from '../domain/image-record';
import { DynamoDbImageRepository } from './dynamodb-image-repository';

const dynamo = mockClient(DynamoDBClient);
const repository = () => new DynamoDbImageRepository(new DynamoDBClient({ region: 'us-east-1' }), 'images');
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

beforeEach(() => dynamo.reset());

describe('DynamoDbImageRepository', () => {
  it('creates a PENDING item only if the id is new', async () => {
    dynamo.on(PutItemCommand).resolves({});

    await repository().createPending({
      imageId: 'img-1',
      userId: 'user-1',
      originalS3Key: 'user-uploads/user-1/img-1.jpg',
      contentType: 'image/jpeg',
      contentLength: 10,
      createdAt: '2026-11-23T12:00:00.000Z',
    });

    const input = dynamo.commandCalls(PutItemCommand)[0]!.args[0].input;
    expect(input.TableName).toBe('images');
    expect(input.ConditionExpression).toBe('attribute_not_exists(imageId)');
    expect(unmarshall(input.Item!)).toEqual({
      imageId: 'img-1',
      userId: 'user-1',
      originalS3Key: 'user-uploads/user-1/img-1.jpg',
      contentType: 'image/jpeg',
      contentLength: 10,
      createdAt: '2026-11-23T12:00:00.000Z',
      status: 'PENDING',
    });
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

  it('writes a final state only over PENDING or FAILED reserved for the same object, clearing the notification mark and stale outcome fields', async () => {
    dynamo.on(UpdateItemCommand).resolves({});

    await expect(repository().finish(done)).resolves.toBe(true);

    const input = dynamo.commandCalls(UpdateItemCommand)[0]!.args[0].input;
    expect(input.ConditionExpression).toBe('(#status IN (:pending, :failed) AND #ownerUserId = :ownerUserId AND #ownerKey = :ownerKey)');
    expect(input.Key).toEqual(marshall({ imageId: 'img-1' }));
    const names = input.ExpressionAttributeNames!;
    const values = unmarshall(input.ExpressionAttributeValues!);
    const set = Object.fromEntries(
      [...input.UpdateExpression!.matchAll(/(#f\d+) = (:v\d+)/g)].map(([, name, value]) => [names[name!], values[value!]]),
    );
    const { imageId: _id, ...fields } = done;
    expect(set).toEqual(fields);
    const removed = input.UpdateExpression!.split(' REMOVE ')[1]!.split(', ').map((name) => names[name]);
    expect(removed.sort()).toEqual(['failureMessage', 'notifiedAt', 'rejectionMessage', 'rejectionReason']);
    expect(values[':pending']).toBe('PENDING');
    expect(values[':failed']).toBe('FAILED');
    expect([names['#ownerUserId'], values[':ownerUserId']]).toEqual(['userId', done.userId]);
    expect([names['#ownerKey'], values[':ownerKey']]).toEqual(['originalS3Key', done.originalS3Key]);
  });

  it('may create a REJECTED record where none exists (an object nobody reserved), and nothing else', async () => {
    dynamo.on(UpdateItemCommand).resolves({});
    const rejected = { imageId: 'img-1', userId: 'u', originalS3Key: 'k', status: 'REJECTED', rejectionReason: 'NOT_RESERVED', rejectionMessage: 'm', processedAt: 'x' } as const;

    await repository().finish(rejected);

    expect(dynamo.commandCalls(UpdateItemCommand)[0]!.args[0].input.ConditionExpression).toBe(
      '(attribute_not_exists(imageId)) OR (#status IN (:pending, :failed) AND #ownerUserId = :ownerUserId AND #ownerKey = :ownerKey)',
    );
  });

  it('reports a final state that may not be replaced as false', async () => {
    dynamo.on(UpdateItemCommand).rejects(new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata }));

    await expect(repository().finish(done)).resolves.toBe(false);
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

    await expect(repository().finish(done)).rejects.toMatchObject({ name: 'DependencyError', retryable });
    await expect(repository().get('img-1')).rejects.toMatchObject({ name: 'DependencyError', retryable, operation: 'GetItem' });
    await expect(repository().markNotified('img-1', 'DONE', 'now')).rejects.toMatchObject({ name: 'DependencyError', retryable });
  });
});
