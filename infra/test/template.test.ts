import { synthesize } from './support/synth';

describe('the synthesized template', () => {
  it('passes CloudFormation schema validation (as `cdk synth` runs it) without warnings', () => {
    // Arrange, Act: the same feature flags as cdk.json, which make validation errors fatal.
    const { stack } = synthesize(undefined, { validate: true });

    // Assert
    const findings = stack.node.findAll().flatMap((construct) =>
      construct.node.metadata.filter((entry) => entry.type === 'aws:cdk:warning' || entry.type === 'aws:cdk:error'),
    );
    expect(findings.map((entry) => entry.data)).toEqual([]);
  });

  it('is environment-agnostic: no account or region is baked in', () => {
    const { template } = synthesize();

    const json = JSON.stringify(template.toJSON());

    // An account id inside an ARN or a registry host, or a region name anywhere.
    expect(json.match(/:\d{12}:|\d{12}\.dkr/g)).toBeNull();
    expect(json.match(/\b(us|eu|ap|sa|ca|me|af|il|mx)-(east|west|north|south|central|northeast|southeast)-\d\b/g)).toBeNull();
    expect(json).toContain('AWS::Region');
  });

  it('outputs what a front end and an operator need', () => {
    const { template } = synthesize();

    expect(Object.keys(template.toJSON().Outputs).sort()).toEqual(
      [
        'AlarmTopicArn',
        'ApiUrl',
        'DashboardUrl',
        'DeadLetterQueueUrl',
        'ImagesTableName',
        'NotificationsTopicArn',
        'OriginalsBucketName',
        'ProcessedBucketName',
        'Region',
        'UploadQueueUrl',
        'UploadsUrl',
        'UsageTableName',
        'UserPoolClientId',
        'UserPoolId',
        'WebAppUrl',
      ].sort(),
    );
  });
});
