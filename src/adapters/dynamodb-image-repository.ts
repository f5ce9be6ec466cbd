import {
  ConditionalCheckFailedException,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { ImageRepository } from '../domain/ports/image-repository';
import type { FinishedImage, ImageRecord, ImageStatus, PendingImage } from '../domain/image-record';
import { predecessorsOf } from '../domain/image-lifecycle';
import { dependencyError, errorName } from './aws-errors';

// Fields written by a final state; any of them not set by the new state is removed, so a FAILED
// image that is redriven to DONE keeps no stale failure message.
const OUTCOME_FIELDS = [
  'processedS3Key',
  'renditions',
  'width',
  'height',
  'format',
  'bytes',
  'rejectionReason',
  'rejectionMessage',
  'failureMessage',
] as const;

/** The images table, keyed by `imageId`. */
export class DynamoDbImageRepository implements ImageRepository {
  constructor(
    private readonly client: DynamoDBClient,
    readonly tableName: string,
  ) {}

  async createPending(image: PendingImage): Promise<void> {
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: marshall({ ...image, status: 'PENDING' }, { removeUndefinedValues: true }),
          ConditionExpression: 'attribute_not_exists(imageId)',
        }),
      );
    } catch (error) {
      throw dependencyError('DynamoDB', 'PutItem', error);
    }
  }

  async get(imageId: string): Promise<ImageRecord | undefined> {
    try {
      const { Item } = await this.client.send(
        new GetItemCommand({ TableName: this.tableName, Key: marshall({ imageId }), ConsistentRead: true }),
      );
      return Item ? (unmarshall(Item) as ImageRecord) : undefined;
    } catch (error) {
      throw dependencyError('DynamoDB', 'GetItem', error);
    }
  }

  async finish(image: FinishedImage): Promise<boolean> {
    const { imageId, ...fields } = image;
    const entries = Object.entries(fields).filter(([, value]) => value !== undefined);
    const names: Record<string, string> = { '#notifiedAt': 'notifiedAt', '#status': 'status' };
    const values: Record<string, unknown> = {};
    const assignments = entries.map(([name, value], i) => {
      names[`#f${i}`] = name;
      values[`:v${i}`] = value;
      return `#f${i} = :v${i}`;
    });
    const removals = ['#notifiedAt'];
    OUTCOME_FIELDS.filter((name) => !(name in fields)).forEach((name, i) => {
      names[`#r${i}`] = name;
      removals.push(`#r${i}`);
    });
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: marshall({ imageId }),
          UpdateExpression: `SET ${assignments.join(', ')} REMOVE ${removals.join(', ')}`,
          ConditionExpression: transitionCondition(image, names, values),
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: marshall(values, { removeUndefinedValues: true }),
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException || errorName(error) === 'ConditionalCheckFailedException') {
        return false;
      }
      throw dependencyError('DynamoDB', 'UpdateItem', error);
    }
  }

  async markNotified(imageId: string, status: ImageStatus, notifiedAt: string): Promise<void> {
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: marshall({ imageId }),
          UpdateExpression: 'SET notifiedAt = :notifiedAt',
          // Only the state that was announced: if the image moved on meanwhile (FAILED → DONE), the
          // new state's notification is still owed and must not look sent.
          ConditionExpression: '#status = :status',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: marshall({ ':notifiedAt': notifiedAt, ':status': status }),
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException || errorName(error) === 'ConditionalCheckFailedException') return;
      throw dependencyError('DynamoDB', 'UpdateItem', error);
    }
  }
}

/**
 * The condition under which the stored record may become `image`, from the image lifecycle: a
 * redelivered or late message never replaces a final state, and only the object a record was
 * reserved for (same userId and originalS3Key) may finish it. Adds its names and values.
 */
function transitionCondition(image: FinishedImage, names: Record<string, string>, values: Record<string, unknown>): string {
  const { statuses, orMissing, sameReservation } = predecessorsOf(image.status);
  const placeholders = statuses.map((status) => {
    values[`:${status.toLowerCase()}`] = status;
    return `:${status.toLowerCase()}`;
  });
  const owner: string[] = [];
  if (sameReservation) {
    names['#ownerUserId'] = 'userId';
    names['#ownerKey'] = 'originalS3Key';
    values[':ownerUserId'] = image.userId;
    values[':ownerKey'] = image.originalS3Key;
    owner.push('#ownerUserId = :ownerUserId', '#ownerKey = :ownerKey');
  }
  const clauses = [
    ...(orMissing ? ['attribute_not_exists(imageId)'] : []),
    ...(placeholders.length > 0 ? [[`#status IN (${placeholders.join(', ')})`, ...owner].join(' AND ')] : []),
  ];
  // A move no state allows must never succeed.
  return clauses.length > 0 ? clauses.map((clause) => `(${clause})`).join(' OR ') : 'attribute_not_exists(imageId) AND attribute_exists(imageId)';
}
