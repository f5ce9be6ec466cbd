import { Match } from 'aws-cdk-lib/assertions';
import { arnOf, siteOriginOf, synthesize, TEST_ORIGINS } from './support/synth';

describe('buckets', () => {
  const synthesized = synthesize();
  const { stack, template, id } = synthesized;
  const buckets = () => [stack.storage.originals, stack.storage.processed].map((bucket) => ({
    logicalId: id(bucket),
    resource: template.findResources('AWS::S3::Bucket')[id(bucket)]!,
  }));

  it('blocks every kind of public access, disables ACLs and encrypts at rest', () => {
    for (const { resource } of buckets()) {
      expect(resource.Properties.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      expect(resource.Properties.OwnershipControls).toEqual({ Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] });
      expect(resource.Properties.BucketEncryption).toEqual({
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      });
    }
  });

  it('denies any request without TLS, and TLS older than 1.2', () => {
    for (const { logicalId } of buckets()) {
      const everything = [arnOf(logicalId), { 'Fn::Join': ['', [arnOf(logicalId), '/*']] }];
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: logicalId },
        PolicyDocument: {
          Statement: Match.arrayWith([
            {
              Effect: 'Deny',
              Principal: { AWS: '*' },
              Action: 's3:*',
              Resource: everything,
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            },
            {
              Effect: 'Deny',
              Principal: { AWS: '*' },
              Action: 's3:*',
              Resource: everything,
              Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } },
            },
          ]),
        },
      });
    }
  });

  it("lets the web app's origin and the configured ones PUT to the originals bucket with the signed headers", () => {
    const originals = template.findResources('AWS::S3::Bucket')[id(stack.storage.originals)]!;

    expect(originals.Properties.CorsConfiguration).toEqual({
      CorsRules: [
        {
          AllowedMethods: ['PUT'],
          AllowedOrigins: [siteOriginOf(synthesized), ...TEST_ORIGINS],
          AllowedHeaders: ['content-type', 'if-none-match'],
          ExposedHeaders: ['ETag'],
          MaxAge: 3600,
        },
      ],
    });
  });

  it('gives the processed bucket no CORS: browsers never talk to it', () => {
    const processed = template.findResources('AWS::S3::Bucket')[id(stack.storage.processed)]!;

    expect(processed.Properties.CorsConfiguration).toBeUndefined();
  });

  it('aborts incomplete multipart uploads in both buckets and expires originals after 30 days', () => {
    const [originals, processed] = buckets();

    expect(originals!.resource.Properties.LifecycleConfiguration.Rules).toEqual([
      { Id: 'abort-incomplete-multipart-uploads', Status: 'Enabled', AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } },
      { Id: 'expire-originals', Status: 'Enabled', Prefix: 'user-uploads/', ExpirationInDays: 30 },
    ]);
    expect(processed!.resource.Properties.LifecycleConfiguration.Rules).toEqual([
      { Id: 'abort-incomplete-multipart-uploads', Status: 'Enabled', AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } },
    ]);
  });

  it('keeps originals forever when originalsExpirationDays is 0', () => {
    const custom = synthesize({ uploadAllowedOrigins: TEST_ORIGINS.join(','), originalsExpirationDays: '0' });

    const originals = custom.template.findResources('AWS::S3::Bucket')[custom.id(custom.stack.storage.originals)]!;

    expect(originals.Properties.LifecycleConfiguration.Rules.map((rule: { Id: string }) => rule.Id)).toEqual([
      'abort-incomplete-multipart-uploads',
    ]);
  });

  it('retains both buckets and the table when the stack is deleted', () => {
    for (const construct of [stack.storage.originals, stack.storage.processed, stack.storage.table]) {
      const resource = template.toJSON().Resources[id(construct)];
      expect(resource.DeletionPolicy).toBe('Retain');
      expect(resource.UpdateReplacePolicy).toBe('Retain');
    }
  });
});

describe('images table', () => {
  const { stack, template, id } = synthesize();

  it('is keyed by imageId, on demand, with point-in-time recovery and the expiresAt TTL attribute', () => {
    const table = template.findResources('AWS::DynamoDB::Table')[id(stack.storage.table)]!;

    expect(table.Properties.KeySchema).toEqual([{ AttributeName: 'imageId', KeyType: 'HASH' }]);
    expect(table.Properties.BillingMode).toBe('PAY_PER_REQUEST');
    expect(table.Properties.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    expect(table.Properties.TimeToLiveSpecification).toEqual({ AttributeName: 'expiresAt', Enabled: true });
    expect(table.DeletionPolicy).toBe('Retain');
  });

  it('lists a user\'s images newest first through the byUserCreatedAt index, with every attribute', () => {
    const table = template.findResources('AWS::DynamoDB::Table')[id(stack.storage.table)]!;

    expect(table.Properties.GlobalSecondaryIndexes).toEqual([
      {
        IndexName: 'byUserCreatedAt',
        KeySchema: [
          { AttributeName: 'userId', KeyType: 'HASH' },
          { AttributeName: 'createdAt', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ]);
    expect(table.Properties.AttributeDefinitions).toEqual(
      expect.arrayContaining([
        { AttributeName: 'imageId', AttributeType: 'S' },
        { AttributeName: 'userId', AttributeType: 'S' },
        { AttributeName: 'createdAt', AttributeType: 'S' },
      ]),
    );
  });
});

describe('usage table', () => {
  const { stack, template, id } = synthesize();

  it('is keyed by userId, on demand, with point-in-time recovery, and retained', () => {
    const table = template.findResources('AWS::DynamoDB::Table')[id(stack.storage.usageTable)]!;

    expect(table.Properties).toMatchObject({
      KeySchema: [{ AttributeName: 'userId', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'userId', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
    expect(table.DeletionPolicy).toBe('Retain');
  });
});
