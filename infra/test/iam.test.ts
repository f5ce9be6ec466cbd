import { arnOf, permissionsOf, sortPermissions, synthesize, type Permission } from './support/synth';

/**
 * Least privilege, exactly: each function's role allows what its code calls (README "The
 * functions") and nothing else. A widened action or resource fails these tests.
 */
describe('function permissions', () => {
  const synthesized = synthesize();
  const { stack, id } = synthesized;
  const originals = id(stack.storage.originals);
  const processed = id(stack.storage.processed);
  const table = arnOf(id(stack.storage.table));
  const usage = arnOf(id(stack.storage.usageTable));
  const topic = { Ref: id(stack.messaging.topic) };
  const objectsUnder = (bucket: string, prefix: string) => ({ 'Fn::Join': ['', [arnOf(bucket), `/${prefix}*`]] });
  const writeLogs = (fn: { logGroup: object }): Permission[] => [
    { action: 'logs:CreateLogStream', resource: arnOf(id(fn.logGroup as never)) },
    { action: 'logs:PutLogEvents', resource: arnOf(id(fn.logGroup as never)) },
  ];
  const consume = (queueLogicalId: string): Permission[] =>
    ['sqs:ChangeMessageVisibility', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:ReceiveMessage'].map(
      (action) => ({ action, resource: arnOf(queueLogicalId) }),
    );

  it('generate-upload-url may only put originals under user-uploads/, reserve in both tables and expire lapsed reservations', () => {
    // Arrange
    const fn = stack.functions.upload;
    // Act
    const permissions = permissionsOf(synthesized, id(fn.role));
    // Assert
    expect(permissions).toEqual(
      sortPermissions([
        ...writeLogs(fn),
        { action: 's3:PutObject', resource: objectsUnder(originals, 'user-uploads/') },
        { action: 'dynamodb:PutItem', resource: table },
        { action: 'dynamodb:GetItem', resource: table },
        { action: 'dynamodb:UpdateItem', resource: table },
        { action: 'dynamodb:GetItem', resource: usage },
        { action: 'dynamodb:UpdateItem', resource: usage },
      ]),
    );
  });

  it('images-api may read renditions, delete under the two prefixes, query the index, read and update records, and update usage: nothing more', () => {
    const fn = stack.functions.imagesApi;

    const permissions = permissionsOf(synthesized, id(fn.role));

    expect(permissions).toEqual(
      sortPermissions([
        ...writeLogs(fn),
        { action: 's3:GetObject', resource: objectsUnder(processed, 'processed/') },
        { action: 's3:DeleteObject', resource: objectsUnder(originals, 'user-uploads/') },
        { action: 's3:DeleteObject', resource: objectsUnder(processed, 'processed/') },
        { action: 'dynamodb:Query', resource: { 'Fn::Join': ['', [table, '/index/byUserCreatedAt']] } },
        { action: 'dynamodb:GetItem', resource: table },
        { action: 'dynamodb:UpdateItem', resource: table },
        { action: 'dynamodb:UpdateItem', resource: usage },
      ]),
    );
  });

  it('image-processor may read (and tell missing) originals, write renditions, delete both when unowned, update items and usage, publish, and consume its queue', () => {
    const fn = stack.functions.processor;

    const permissions = permissionsOf(synthesized, id(fn.role));

    expect(permissions).toEqual(
      sortPermissions([
        ...writeLogs(fn),
        { action: 's3:GetObject', resource: objectsUnder(originals, 'user-uploads/') },
        { action: 's3:ListBucket', resource: arnOf(originals) },
        { action: 's3:PutObject', resource: objectsUnder(processed, 'processed/') },
        { action: 's3:DeleteObject', resource: objectsUnder(originals, 'user-uploads/') },
        { action: 's3:DeleteObject', resource: objectsUnder(processed, 'processed/') },
        { action: 'dynamodb:GetItem', resource: table },
        { action: 'dynamodb:UpdateItem', resource: table },
        { action: 'dynamodb:UpdateItem', resource: usage },
        { action: 'sns:Publish', resource: topic },
        ...consume(id(stack.messaging.queue)),
      ]),
    );
  });

  it('the dead-letter function may update items, publish, and consume the dead-letter queue; no S3 at all', () => {
    const fn = stack.functions.deadLetter;

    const permissions = permissionsOf(synthesized, id(fn.role));

    expect(permissions).toEqual(
      sortPermissions([
        ...writeLogs(fn),
        { action: 'dynamodb:GetItem', resource: table },
        { action: 'dynamodb:UpdateItem', resource: table },
        { action: 'dynamodb:UpdateItem', resource: usage },
        { action: 'sns:Publish', resource: topic },
        ...consume(id(stack.messaging.deadLetterQueue)),
      ]),
    );
  });

  it('s3-metrics may list both buckets and put metrics in the CustomS3 namespace only', () => {
    const fn = stack.functions.metrics;

    const permissions = permissionsOf(synthesized, id(fn.role));

    expect(permissions).toEqual(
      sortPermissions([
        ...writeLogs(fn),
        { action: 's3:ListBucket', resource: arnOf(originals) },
        { action: 's3:ListBucket', resource: arnOf(processed) },
        {
          action: 'cloudwatch:PutMetricData',
          resource: '*',
          condition: { StringEquals: { 'cloudwatch:namespace': 'CustomS3' } },
        },
      ]),
    );
  });

  it('gives each function a role of its own, assumable by Lambda only', () => {
    const roles = stack.functions.all.map((fn) => synthesized.template.findResources('AWS::IAM::Role')[id(fn.role)]);

    expect(new Set(roles).size).toBe(5);
    for (const role of roles) {
      expect(role?.Properties.AssumeRolePolicyDocument.Statement).toEqual([
        { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } },
      ]);
    }
  });

  it('lets only this API invoke the upload function, and only this rule the metrics function', () => {
    const permissions = synthesized.template.findResources('AWS::Lambda::Permission');
    const invokersOf = (fnLogicalId: string) =>
      Object.values(permissions)
        .filter((permission) => JSON.stringify(permission.Properties.FunctionName) === JSON.stringify(arnOf(fnLogicalId)))
        .map((permission) => permission.Properties.Principal);

    expect(invokersOf(id(stack.functions.upload.function))).toEqual(['apigateway.amazonaws.com']);
    expect(invokersOf(id(stack.functions.imagesApi.function))).toEqual(['apigateway.amazonaws.com', 'apigateway.amazonaws.com', 'apigateway.amazonaws.com']);
    expect(invokersOf(id(stack.functions.metrics.function))).toEqual(['events.amazonaws.com']);
    expect(invokersOf(id(stack.functions.processor.function))).toEqual([]);
    expect(invokersOf(id(stack.functions.deadLetter.function))).toEqual([]);
  });
});
