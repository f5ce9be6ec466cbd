import {
  ConditionalCheckFailedException,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
  type Update,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { IMAGES_BY_USER_INDEX, IMAGES_TTL_ATTRIBUTE, type QuotaName, type VisibleStatus } from '../contract';
import type { ImagePage, ImageRepository, PagePosition, QuotaLimits, ReserveOutcome } from '../domain/ports/image-repository';
import type { FinishedImage, ImageRecord, ImageStatus, PendingImage } from '../domain/image-record';
import {
  canFinish,
  canMove,
  changesUsage,
  isPastDeadline,
  settledTombstone,
  storedStatesShownAs,
  usageChange,
  type UsageChange,
} from '../domain/image-lifecycle';
import { DependencyError } from '../domain/errors';
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
  'stages',
] as const;

/**
 * The usage item of one user (usage table, keyed by userId): `imageCount` and `byteCount` of the
 * images that hold quota, `pendingCount` reservations, and one attribute `pending#<imageId>` =
 * `{ bytes, expiresAt }` per reservation, so lapsed ones can be found and released without a scan.
 * Every change is one conditional write, or part of a transaction with the image record's own, so
 * the counters can never disagree with the records (src/domain/image-lifecycle.ts: usageChange).
 */
const USAGE = { images: 'imageCount', bytes: 'byteCount', pending: 'pendingCount', reservationPrefix: 'pending#' } as const;
const reservationAttribute = (imageId: string) => `${USAGE.reservationPrefix}${imageId}`;

/** How often a write that collided with a concurrent transaction on the same item is tried. */
const CONFLICT_ATTEMPTS = 4;
/** Pages read from the index for one filtered page of results, at most. */
const MAX_QUERIES_PER_PAGE = 5;
const FILTERED_QUERY_PAGE_SIZE = 100;

const isConditionFailure = (error: unknown) =>
  error instanceof ConditionalCheckFailedException || errorName(error) === 'ConditionalCheckFailedException';

/** The cancellation reasons of a failed transaction, e.g. ['ConditionalCheckFailed', 'None']. */
const cancellationCodes = (error: unknown): string[] | undefined =>
  errorName(error) === 'TransactionCanceledException'
    ? ((error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? []).map((reason) => reason.Code ?? 'None')
    : undefined;

const isConflict = (error: unknown) =>
  errorName(error) === 'TransactionConflictException' || (cancellationCodes(error) ?? []).includes('TransactionConflict');

/** The images table (keyed by `imageId`, index by user and creation time) and the usage table. */
export class DynamoDbImageRepository implements ImageRepository {
  constructor(
    private readonly client: DynamoDBClient,
    readonly tableName: string,
    readonly usageTableName: string,
  ) {}

  async reserve(image: PendingImage, limits: QuotaLimits, nowSeconds: number): Promise<ReserveOutcome> {
    const entry = reservationAttribute(image.imageId);
    const bytes = image.contentLength;
    // Up to three rounds: a write refused because of a limit that a concurrent release has freed
    // by the time its usage is read is simply tried again.
    for (let round = 1; ; round += 1) {
      try {
        await this.withConflictRetry('UpdateItem', () =>
          this.client.send(
            new UpdateItemCommand({
              TableName: this.usageTableName,
              Key: marshall({ userId: image.userId }),
              UpdateExpression: 'SET #entry = :entry ADD #pending :one, #images :one, #bytes :bytes',
              // DynamoDB cannot add in a condition, so the byte limit is compared with what is left for this upload.
              ConditionExpression:
                'attribute_not_exists(#entry) AND (attribute_not_exists(#pending) OR #pending < :maxPending) AND ' +
                '(attribute_not_exists(#images) OR #images < :maxImages) AND (attribute_not_exists(#bytes) OR #bytes <= :bytesLeft)',
              ExpressionAttributeNames: { '#entry': entry, '#pending': USAGE.pending, '#images': USAGE.images, '#bytes': USAGE.bytes },
              ExpressionAttributeValues: marshall({
                ':entry': { bytes, expiresAt: image.expiresAt },
                ':one': 1,
                ':bytes': bytes,
                ':maxPending': limits.pendingUploads,
                ':maxImages': limits.storedImages,
                ':bytesLeft': limits.storedBytes - bytes,
              }),
            }),
          ),
        );
        break;
      } catch (error) {
        if (error instanceof DependencyError) throw error;
        if (!isConditionFailure(error)) throw dependencyError('DynamoDB', 'UpdateItem', error);
      }
      const refused = await this.whyRefused(image.userId, bytes, limits, nowSeconds);
      if (refused) return refused;
      if (round >= 3) {
        throw new DependencyError('DynamoDB', 'UpdateItem', true, `DynamoDB UpdateItem failed: the usage of ${image.userId} kept changing`);
      }
    }
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: marshall({ ...image, status: 'PENDING' }, { removeUndefinedValues: true }),
          ConditionExpression: 'attribute_not_exists(imageId)',
        }),
      );
    } catch (error) {
      // Give the reservation back; if even that fails, it lapses at its deadline and is released then.
      await this.releaseReservation(image.userId, image.imageId, bytes, usageChange('PENDING', 'DELETED')).catch(() => undefined);
      throw dependencyError('DynamoDB', 'PutItem', error);
    }
    return { reserved: true };
  }

  /** Which limit refused a reservation, read after the fact; undefined if none does any more. */
  private async whyRefused(userId: string, bytes: number, limits: QuotaLimits, nowSeconds: number): Promise<ReserveOutcome | undefined> {
    const usage = (await this.getItem(this.usageTableName, { userId })) ?? {};
    const count = (name: string) => (typeof usage[name] === 'number' ? (usage[name] as number) : 0);
    const lapsedReservations = reservationsOf(usage).filter((reservation) => reservation.expiresAt <= nowSeconds).length;
    const exceeded: [QuotaName, boolean][] = [
      ['storedBytes', count(USAGE.bytes) + bytes > limits.storedBytes],
      ['storedImages', count(USAGE.images) >= limits.storedImages],
      ['pendingUploads', count(USAGE.pending) >= limits.pendingUploads],
    ];
    const first = exceeded.find(([, over]) => over);
    return first ? { reserved: false, exceeded: first[0], limit: limits[first[0]], lapsedReservations } : undefined;
  }

  async expireReservations(userId: string, nowSeconds: number): Promise<number> {
    const usage = (await this.getItem(this.usageTableName, { userId })) ?? {};
    let released = 0;
    for (const reservation of reservationsOf(usage).filter((candidate) => candidate.expiresAt <= nowSeconds)) {
      const record = await this.get(reservation.imageId);
      try {
        if (record?.status === 'PENDING') {
          if (!isPastDeadline(record.expiresAt, nowSeconds * 1000)) continue;
          await this.transact('expire a reservation', [
            this.moveUpdate(record, 'EXPIRED', { sets: {}, removals: [] }),
            this.usageUpdate(userId, reservation.imageId, reservation.bytes, usageChange('PENDING', 'EXPIRED')),
          ]);
        } else {
          // No record (removed by TTL, or its creation failed), or one that moved on without ending
          // the reservation (it cannot, but the counters must heal whatever happened): end the
          // reservation and release whatever share the record's state no longer holds.
          await this.releaseReservation(userId, reservation.imageId, reservation.bytes, usageChange('PENDING', record?.status ?? 'DELETED'));
        }
        released += 1;
      } catch (error) {
        // Released meanwhile by someone else, or the record changed: nothing to do for this one.
        if (!(error instanceof RefusedWrite)) throw error;
      }
    }
    return released;
  }

  async get(imageId: string): Promise<ImageRecord | undefined> {
    return (await this.getItem(this.tableName, { imageId })) as ImageRecord | undefined;
  }

  async finish(image: FinishedImage, previous: ImageRecord | undefined): Promise<boolean> {
    if (!canFinish(previous, image) || (previous && previous.imageId !== image.imageId)) return false;
    if (!previous) return this.createUnreserved(image);
    const { imageId: _id, ...fields } = image;
    const sets = Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
    // A final state is kept: no TTL; and its notification is still owed.
    const removals = ['notifiedAt', IMAGES_TTL_ATTRIBUTE, ...OUTCOME_FIELDS.filter((name) => !(name in fields))];
    return this.move(previous, image.status, { sets, removals });
  }

  /**
   * The record of an object nobody reserved (the lifecycle's one move from no record): created only
   * where there is still no record for its id. It holds no quota, so the usage is not touched. An
   * UpdateItem creates it, so the processor needs no PutItem permission.
   */
  private async createUnreserved(image: FinishedImage): Promise<boolean> {
    const { imageId, ...fields } = image;
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {};
    const assignments = Object.entries(fields)
      .filter(([, value]) => value !== undefined)
      .map(([name, value], i) => {
        names[`#f${i}`] = name;
        values[`:v${i}`] = value;
        return `#f${i} = :v${i}`;
      });
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: marshall({ imageId }),
          UpdateExpression: `SET ${assignments.join(', ')}`,
          ConditionExpression: 'attribute_not_exists(imageId)',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: marshall(values),
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
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
      if (isConditionFailure(error)) return;
      throw dependencyError('DynamoDB', 'UpdateItem', error);
    }
  }

  async markDeleted(previous: ImageRecord, deletedAt: string, expiresAt: number): Promise<boolean> {
    return this.move(previous, 'DELETED', { sets: { deletedAt, [IMAGES_TTL_ATTRIBUTE]: expiresAt }, removals: [] });
  }

  async settleDeleted(imageId: string, objectsRemovedAt: string): Promise<void> {
    const stored = await this.getItem(this.tableName, { imageId });
    if (stored?.status !== 'DELETED') return;
    // Every attribute a settled tombstone does not keep is removed; createdAt goes too, so it also
    // leaves the index users are listed from.
    const kept = new Set(Object.keys(settledTombstone(stored as unknown as ImageRecord, objectsRemovedAt)));
    const names: Record<string, string> = { '#status': 'status', '#removedAt': 'objectsRemovedAt' };
    const removals = Object.keys(stored)
      .filter((name) => !kept.has(name))
      .map((name, i) => {
        names[`#r${i}`] = name;
        return `#r${i}`;
      });
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: marshall({ imageId }),
          UpdateExpression: `SET #removedAt = :removedAt${removals.length > 0 ? ` REMOVE ${removals.join(', ')}` : ''}`,
          ConditionExpression: '#status = :deleted',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: marshall({ ':deleted': 'DELETED', ':removedAt': objectsRemovedAt }),
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) return;
      throw dependencyError('DynamoDB', 'UpdateItem', error);
    }
  }

  async listByUser(
    userId: string,
    query: { readonly limit: number; readonly after?: PagePosition; readonly status?: VisibleStatus; readonly nowSeconds: number },
  ): Promise<ImagePage> {
    const { partitionKey, sortKey, name: indexName } = IMAGES_BY_USER_INDEX;
    const values: Record<string, unknown> = { ':user': userId };
    const names: Record<string, string> = { '#user': partitionKey, '#status': 'status' };
    const filter = listFilter(query.status, query.nowSeconds, names, values);
    const items: ImageRecord[] = [];
    let startKey: Record<string, AttributeValue> | undefined = query.after
      ? marshall({ imageId: query.after.imageId, [partitionKey]: userId, [sortKey]: query.after.createdAt })
      : undefined;
    for (let queries = 0; queries < MAX_QUERIES_PER_PAGE && items.length < query.limit; queries += 1) {
      let page;
      try {
        page = await this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            IndexName: indexName,
            KeyConditionExpression: '#user = :user',
            FilterExpression: filter,
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: marshall(values),
            ScanIndexForward: false,
            // Unfiltered pages read exactly what they return; a status filter reads more at a time.
            Limit: query.status ? FILTERED_QUERY_PAGE_SIZE : query.limit - items.length,
            ...(startKey ? { ExclusiveStartKey: startKey } : {}),
          }),
        );
      } catch (error) {
        throw dependencyError('DynamoDB', 'Query', error);
      }
      items.push(...(page.Items ?? []).map((item) => unmarshall(item) as ImageRecord));
      startKey = page.LastEvaluatedKey;
      if (!startKey) break;
    }
    if (items.length > query.limit) {
      // A filtered read went past the page: the next page starts after the last item returned.
      const returned = items.slice(0, query.limit);
      const last = returned[returned.length - 1]!;
      return { items: returned, next: { imageId: last.imageId, createdAt: last.createdAt! } };
    }
    const last = startKey ? unmarshall(startKey) : undefined;
    return { items, ...(last ? { next: { imageId: String(last.imageId), createdAt: String(last[sortKey]) } } : {}) };
  }

  /**
   * Moves the record from `previous.status` to `to` on condition that it is still there, together
   * with the owner's usage when the move changes it (one transaction). False when the record has
   * moved on or is gone.
   */
  private async move(previous: ImageRecord, to: ImageStatus, changes: { sets: Record<string, unknown>; removals: readonly string[] }): Promise<boolean> {
    if (!canMove(previous.status, to)) return false;
    const change = usageChange(previous.status, to);
    const imageUpdate = this.moveUpdate(previous, to, changes);
    if (!changesUsage(change)) {
      try {
        await this.withConflictRetry('UpdateItem', () => this.client.send(new UpdateItemCommand(imageUpdate)));
        return true;
      } catch (error) {
        if (isConditionFailure(error)) return false;
        if (error instanceof DependencyError) throw error;
        throw dependencyError('DynamoDB', 'UpdateItem', error);
      }
    }
    try {
      await this.transact(`move ${previous.status} to ${to}`, [
        imageUpdate,
        this.usageUpdate(previous.userId, previous.imageId, previous.contentLength ?? 0, change),
      ]);
      return true;
    } catch (error) {
      if (!(error instanceof RefusedWrite)) throw error;
      if (error.itemIndex === 0) return false;
      // The record allowed the move but the usage item holds no reservation for it: the counters
      // are out of step with the records, which retrying cannot fix.
      throw new DependencyError('DynamoDB', 'TransactWriteItems', false, `The usage of ${previous.userId} holds no reservation for ${previous.imageId}.`);
    }
  }

  /** The conditional update of an image record from the state it was read in to `to`. */
  private moveUpdate(previous: ImageRecord, to: ImageStatus, changes: { sets: Record<string, unknown>; removals: readonly string[] }): Update {
    const names: Record<string, string> = { '#status': 'status', '#user': 'userId', '#key': 'originalS3Key' };
    const values: Record<string, unknown> = { ':from': previous.status, ':to': to, ':user': previous.userId, ':key': previous.originalS3Key };
    const assignments = ['#status = :to'];
    Object.entries(changes.sets)
      .filter(([name]) => name !== 'status')
      .forEach(([name, value], i) => {
        names[`#f${i}`] = name;
        values[`:v${i}`] = value;
        assignments.push(`#f${i} = :v${i}`);
      });
    const removals = changes.removals.map((name, i) => {
      names[`#r${i}`] = name;
      return `#r${i}`;
    });
    return {
      TableName: this.tableName,
      Key: marshall({ imageId: previous.imageId }),
      UpdateExpression: `SET ${assignments.join(', ')}${removals.length > 0 ? ` REMOVE ${removals.join(', ')}` : ''}`,
      // The state it was read in (so the usage change computed from it is the right one) and its
      // reservation: the same user and key (image-lifecycle.ts: isReservedFor). A missing record
      // matches none of them: nothing is ever created by a move.
      ConditionExpression: '#status = :from AND #user = :user AND #key = :key',
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: marshall(values, { removeUndefinedValues: true }),
    };
  }

  /** The usage item's side of a move: the reservation ended, the image's share released or added. */
  private usageUpdate(userId: string, imageId: string, bytes: number, change: UsageChange): Update {
    const names: Record<string, string> = { '#images': USAGE.images, '#bytes': USAGE.bytes };
    const values: Record<string, unknown> = { ':images': change.images, ':bytes': change.images * bytes };
    const additions = ['#images :images', '#bytes :bytes'];
    let removal = '';
    let condition: string | undefined;
    if (change.endsReservation) {
      names['#entry'] = reservationAttribute(imageId);
      names['#pending'] = USAGE.pending;
      values[':minusOne'] = -1;
      additions.push('#pending :minusOne');
      removal = ' REMOVE #entry';
      // Released once only, whoever gets there first.
      condition = 'attribute_exists(#entry)';
    }
    return {
      TableName: this.usageTableName,
      Key: marshall({ userId }),
      UpdateExpression: `ADD ${additions.join(', ')}${removal}`,
      ...(condition ? { ConditionExpression: condition } : {}),
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: marshall(values),
    };
  }

  private async releaseReservation(userId: string, imageId: string, bytes: number, change: UsageChange): Promise<void> {
    try {
      await this.withConflictRetry('UpdateItem', () => this.client.send(new UpdateItemCommand(this.usageUpdate(userId, imageId, bytes, change))));
    } catch (error) {
      if (isConditionFailure(error)) throw new RefusedWrite(0);
      if (error instanceof DependencyError) throw error;
      throw dependencyError('DynamoDB', 'UpdateItem', error);
    }
  }

  /** A transaction of conditional updates; RefusedWrite names the first item whose condition failed. */
  private async transact(what: string, updates: Update[]): Promise<void> {
    try {
      await this.withConflictRetry('TransactWriteItems', () =>
        this.client.send(new TransactWriteItemsCommand({ TransactItems: updates.map((update) => ({ Update: update })) })),
      );
    } catch (error) {
      const refused = (cancellationCodes(error) ?? []).indexOf('ConditionalCheckFailed');
      if (refused >= 0) throw new RefusedWrite(refused);
      if (error instanceof DependencyError) throw error;
      throw dependencyError('DynamoDB', `TransactWriteItems (${what})`, error);
    }
  }

  /**
   * Runs a write again when it collided with a concurrent transaction on the same item (the SDK
   * does not retry those): DynamoDB serializes them, so a short pause lets the other one finish.
   * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis.html#transaction-conflict-handling
   */
  private async withConflictRetry<T>(operation: string, run: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await run();
      } catch (error) {
        if (!isConflict(error)) throw error;
        if (attempt >= CONFLICT_ATTEMPTS) {
          throw new DependencyError('DynamoDB', operation, true, `DynamoDB ${operation} kept colliding with concurrent transactions`, { cause: error });
        }
        await new Promise((resolve) => setTimeout(resolve, 10 * 2 ** attempt + Math.random() * 20));
      }
    }
  }

  private async getItem(tableName: string, key: Record<string, string>): Promise<Record<string, unknown> | undefined> {
    try {
      const { Item } = await this.client.send(new GetItemCommand({ TableName: tableName, Key: marshall(key), ConsistentRead: true }));
      return Item ? unmarshall(Item) : undefined;
    } catch (error) {
      throw dependencyError('DynamoDB', 'GetItem', error);
    }
  }
}

/** A conditional write (item `itemIndex` of a transaction) found the item not as expected. */
class RefusedWrite extends Error {
  constructor(readonly itemIndex: number) {
    super('a conditional write was refused');
    this.name = 'RefusedWrite';
  }
}

function reservationsOf(usage: Record<string, unknown>): { imageId: string; bytes: number; expiresAt: number }[] {
  return Object.entries(usage)
    .filter(([name]) => name.startsWith(USAGE.reservationPrefix))
    .map(([name, value]) => {
      const entry = value as { bytes?: unknown; expiresAt?: unknown };
      return {
        imageId: name.slice(USAGE.reservationPrefix.length),
        bytes: typeof entry.bytes === 'number' ? entry.bytes : 0,
        expiresAt: typeof entry.expiresAt === 'number' ? entry.expiresAt : 0,
      };
    });
}

/**
 * The filter of a listing: deleted images never show; with a status, the stored states that read
 * as it (src/domain/image-lifecycle.ts: storedStatesShownAs). Adds its values to `values`.
 */
function listFilter(status: VisibleStatus | undefined, nowSeconds: number, names: Record<string, string>, values: Record<string, unknown>): string {
  if (!status) {
    values[':deleted'] = 'DELETED';
    return '#status <> :deleted';
  }
  return storedStatesShownAs(status)
    .map(({ status: stored, pastDeadline }, i) => {
      values[`:s${i}`] = stored;
      if (pastDeadline === undefined) return `#status = :s${i}`;
      names['#expiresAt'] = IMAGES_TTL_ATTRIBUTE;
      values[':now'] = nowSeconds;
      return pastDeadline
        ? `(#status = :s${i} AND #expiresAt <= :now)`
        : `(#status = :s${i} AND (attribute_not_exists(#expiresAt) OR #expiresAt > :now))`;
    })
    .join(' OR ');
}
