import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import { EnvReader } from '../../src/config/env-reader';
import { readUploadLimits } from '../../src/config/function-config';
import { parseSiteConfig } from '../../web/src/site-config';
import { siteOriginOf, synthesize, type Synthesized } from './support/synth';

type Resource = { Type: string; Properties: Record<string, unknown> };

/** The two deployments of the site: hashed assets, and the page with its config.json. */
function deployments(synthesized: Synthesized) {
  const all = Object.values(synthesized.template.findResources('Custom::CDKBucketDeployment')) as Resource[];
  const page = all.find((resource) => resource.Properties.DistributionPaths !== undefined)!;
  const assets = all.find((resource) => resource.Properties.DestinationBucketKeyPrefix === 'assets/')!;
  return { page, assets };
}

/** The folder in the cloud assembly holding what a deployment's nth source uploads. */
const sourceFolder = (synthesized: Synthesized, deployment: Resource, index: number) =>
  join(synthesized.outdir, `asset.${(deployment.Properties.SourceObjectKeys as string[])[index]!.replace(/\.zip$/, '')}`);

/**
 * config.json as the deployment writes it: the file in the assembly, with each deploy-time marker
 * replaced by the CloudFormation expression it stands for.
 */
function configJson(synthesized: Synthesized): Record<string, unknown> {
  const { page } = deployments(synthesized);
  const markers = page.Properties.SourceMarkers as Record<string, unknown>[];
  const index = markers.findIndex((set) => Object.keys(set).length > 0);
  const text = readFileSync(join(sourceFolder(synthesized, page, index), 'config.json'), 'utf8');
  const substitute = (value: unknown): unknown => {
    if (typeof value !== 'string') return value;
    const parts = value.split(/(<<marker:0xbaba:\d+>>)/).filter((part) => part !== '');
    const resolved = parts.map((part) => markers[index]![part] ?? part);
    return resolved.length === 1 ? resolved[0] : { 'Fn::Join': ['', resolved] };
  };
  return Object.fromEntries(Object.entries(JSON.parse(text) as Record<string, unknown>).map(([key, value]) => [key, substitute(value)]));
}

describe('the web app on AWS', () => {
  const synthesized = synthesize();
  const { stack, template, id } = synthesized;
  const bucketId = () => id(stack.site.bucket);
  const distributionId = () => id(stack.site.distribution);

  it('keeps its files in a private, encrypted bucket with TLS only, and no website hosting', () => {
    const bucket = template.findResources('AWS::S3::Bucket')[bucketId()]!;

    expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
    expect(bucket.Properties.BucketEncryption).toEqual({ ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] });
    expect(bucket.Properties.WebsiteConfiguration).toBeUndefined();
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: bucketId() },
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  it('lets only this CloudFront distribution read it, through origin access control', () => {
    template.hasResourceProperties('AWS::CloudFront::OriginAccessControl', {
      OriginAccessControlConfig: { OriginAccessControlOriginType: 's3', SigningBehavior: 'always', SigningProtocol: 'sigv4' },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: bucketId() },
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Effect: 'Allow',
            Principal: { Service: 'cloudfront.amazonaws.com' },
            Action: 's3:GetObject',
            Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId(), 'Arn'] }, '/*']] },
            Condition: {
              StringEquals: {
                'AWS:SourceArn': {
                  'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':cloudfront::', { Ref: 'AWS::AccountId' }, ':distribution/', { Ref: distributionId() }]],
                },
              },
            },
          },
        ]),
      },
    });
    // No origin access identity (the legacy way) and no public read.
    expect(template.findResources('AWS::CloudFront::CloudFrontOriginAccessIdentity')).toEqual({});
  });

  it('serves index.html at / over HTTPS only, with a content security policy and hardening headers', () => {
    template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        DefaultRootObject: 'index.html',
        Origins: [Match.objectLike({ DomainName: { 'Fn::GetAtt': [bucketId(), 'RegionalDomainName'] }, S3OriginConfig: { OriginAccessIdentity: '' } })],
        DefaultCacheBehavior: Match.objectLike({ ViewerProtocolPolicy: 'redirect-to-https', AllowedMethods: ['GET', 'HEAD'], Compress: true }),
      }),
    });
    const policy = Object.values(template.findResources('AWS::CloudFront::ResponseHeadersPolicy'))[0]!.Properties.ResponseHeadersPolicyConfig.SecurityHeadersConfig;
    const csp = (policy.ContentSecurityPolicy.ContentSecurityPolicy['Fn::Join'][1] as unknown[]).map((part) => (typeof part === 'string' ? part : '<region>')).join('');

    expect(csp).toBe(
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https://*.s3.<region>.amazonaws.com; " +
        "connect-src 'self' https://*.execute-api.<region>.amazonaws.com https://cognito-idp.<region>.amazonaws.com https://*.s3.<region>.amazonaws.com; " +
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    );
    expect(policy).toMatchObject({ FrameOptions: { FrameOption: 'DENY' }, ReferrerPolicy: { ReferrerPolicy: 'no-referrer' }, ContentTypeOptions: { Override: true } });
  });

  it("writes config.json from the stack's own values at deploy time", () => {
    const config = configJson(synthesized);

    expect(config).toEqual({
      apiUrl: { 'Fn::GetAtt': [id(stack.api.httpApi), 'ApiEndpoint'] },
      region: { Ref: 'AWS::Region' },
      userPoolId: { Ref: id(stack.api.userPool) },
      userPoolClientId: { Ref: id(stack.api.userPoolClient) },
      cognitoEndpoint: { 'Fn::Join': ['', ['https://cognito-idp.', { Ref: 'AWS::Region' }, '.amazonaws.com/']] },
      maxUploadBytes: 26_214_400,
      allowedContentTypes: ['image/jpeg', 'image/png', 'image/webp', 'image/gif', 'image/avif', 'image/tiff'],
      maxInputPixels: 50_000_000,
    });
    // What the page will read once deployed is valid for it.
    const deployed = { ...config, apiUrl: 'https://abc123.execute-api.eu-west-1.amazonaws.com', region: 'eu-west-1', userPoolId: 'eu-west-1_AbC123', userPoolClientId: '4tq1example0client0id0abcd', cognitoEndpoint: 'https://cognito-idp.eu-west-1.amazonaws.com/' };
    expect(() => parseSiteConfig(deployed)).not.toThrow();
  });

  it('tells the page the upload limits the functions enforce', () => {
    const config = configJson(synthesized);
    const functions = Object.values(template.findResources('AWS::Lambda::Function')) as { Properties: { Environment?: { Variables?: Record<string, unknown> } } }[];
    for (const fn of functions) {
      const strings = Object.fromEntries(Object.entries(fn.Properties.Environment?.Variables ?? {}).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
      const limits = readUploadLimits(new EnvReader(strings));

      expect(limits).toEqual({ maxUploadBytes: config.maxUploadBytes, allowedContentTypes: config.allowedContentTypes, maxInputPixels: config.maxInputPixels });
    }
  });

  it('uploads the built app: hashed assets cached for good, the page and config.json revalidated, then invalidated', () => {
    const { page, assets } = deployments(synthesized);
    const pageFiles = readdirSync(sourceFolder(synthesized, page, 0));
    const assetFiles = readdirSync(sourceFolder(synthesized, assets, 0));
    const html = readFileSync(join(sourceFolder(synthesized, page, 0), 'index.html'), 'utf8');
    const script = /src="\.\/assets\/(app-[A-Z0-9]+\.js)"/.exec(html)?.[1];

    expect(pageFiles).toEqual(['index.html']);
    expect(script).toBeDefined();
    expect(assetFiles).toEqual(expect.arrayContaining([script, expect.stringMatching(/^styles-[A-Z0-9]+\.css$/)]));
    expect(existsSync(join(sourceFolder(synthesized, assets, 0), script!))).toBe(true);
    expect(assets.Properties).toMatchObject({ DestinationBucketKeyPrefix: 'assets/', Prune: false, SystemMetadata: { 'cache-control': 'public, max-age=31536000, immutable' } });
    expect(page.Properties).toMatchObject({
      Prune: false,
      SystemMetadata: { 'cache-control': 'no-cache' },
      DistributionId: { Ref: distributionId() },
      DistributionPaths: ['/', '/index.html', '/config.json'],
    });
    // The page goes up after the assets it names.
    expect((page as unknown as { DependsOn: string[] }).DependsOn).toContain(Object.keys(template.findResources('Custom::CDKBucketDeployment')).find((key) => key.includes('Assets')));
  });

  it('outputs the address to open', () => {
    expect(template.toJSON().Outputs.WebAppUrl.Value).toEqual(siteOriginOf(synthesized));
  });
});
