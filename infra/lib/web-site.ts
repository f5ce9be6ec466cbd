import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Aws, Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import type { SiteConfig } from '../../web/src/site-config';

const REPO_ROOT = resolve(__dirname, '../..');

/**
 * The web app (web/): its files in a private bucket that only CloudFront reads, through origin
 * access control, and a `config.json` written at deploy time from the stack's own values (API URL,
 * user pool and client ids, upload limits), so the same build serves any deployment.
 * https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-restricting-access-to-s3.html
 *
 * Created before the API and the buckets, whose CORS and app client need the site's origin; the
 * content is published once they exist (`publish`).
 */
export class WebSite extends Construct {
  readonly bucket: s3.Bucket;
  readonly distribution: cloudfront.Distribution;
  /** `https://<distribution domain>`: the site's URL and its origin. */
  readonly url: string;

  constructor(scope: Construct, id: string) {
    super(scope, id);

    this.bucket = new s3.Bucket(this, 'Bucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      // Only build output, redeployed from the repository: nothing to keep when the stack goes.
      removalPolicy: RemovalPolicy.DESTROY,
      autoDeleteObjects: true,
    });

    const headers = new cloudfront.ResponseHeadersPolicy(this, 'Headers', {
      comment: 'Web app: what the page may load and call, and the usual hardening headers',
      securityHeadersBehavior: {
        // What the page may reach: its own files, the HTTP APIs and S3 buckets of this region (upload
        // PUTs, rendition GETs) and Cognito. Regional wildcards rather than the exact API and bucket:
        // the API's and the originals bucket's CORS name this distribution, so naming them here would
        // make a dependency cycle.
        contentSecurityPolicy: {
          contentSecurityPolicy: [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            `img-src 'self' data: https://*.s3.${Aws.REGION}.amazonaws.com`,
            `connect-src 'self' https://*.execute-api.${Aws.REGION}.amazonaws.com https://cognito-idp.${Aws.REGION}.amazonaws.com https://*.s3.${Aws.REGION}.amazonaws.com`,
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
          ].join('; '),
          override: true,
        },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: cloudfront.HeadersFrameOption.DENY, override: true },
        // Rendition URLs carry a signature: no page address goes to S3 with them, nor anywhere else.
        referrerPolicy: { referrerPolicy: cloudfront.HeadersReferrerPolicy.NO_REFERRER, override: true },
        strictTransportSecurity: { accessControlMaxAge: Duration.days(730), includeSubdomains: true, override: true },
      },
    });

    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: 'Image uploads web app',
      defaultRootObject: 'index.html',
      defaultBehavior: {
        origin: origins.S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: headers,
        compress: true,
      },
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      // North America and Europe: the cheapest class; other viewers are served from there too.
      priceClass: cloudfront.PriceClass.PRICE_CLASS_100,
    });
    this.url = `https://${this.distribution.distributionDomainName}`;
  }

  /**
   * Uploads the app and its config.json, then invalidates what is not content-hashed. Assets keep
   * their old versions (no pruning), so a page loaded before a deploy still finds its script.
   */
  publish(config: SiteConfig): void {
    const build = bundleWebApp();
    const assets = new s3deploy.BucketDeployment(this, 'Assets', {
      sources: [s3deploy.Source.asset(join(build, 'assets'))],
      destinationBucket: this.bucket,
      destinationKeyPrefix: 'assets/',
      // Content-hashed names: a changed file is a new file.
      cacheControl: [s3deploy.CacheControl.fromString('public, max-age=31536000, immutable')],
      prune: false,
    });
    const page = new s3deploy.BucketDeployment(this, 'Page', {
      sources: [s3deploy.Source.asset(build, { exclude: ['assets', 'assets/**'] }), s3deploy.Source.jsonData('config.json', config)],
      destinationBucket: this.bucket,
      cacheControl: [s3deploy.CacheControl.noCache()],
      prune: false,
      distribution: this.distribution,
      distributionPaths: ['/', '/index.html', '/config.json'],
    });
    // The page names assets by hash: they are there before it is.
    page.node.addDependency(assets);
  }
}

/**
 * Builds the web app as `npm run build:web` does (scripts/bundle-web.mjs, esbuild, no network)
 * into a temporary folder, which the assets copy into the cloud assembly.
 */
function bundleWebApp(): string {
  const folder = mkdtempSync(join(tmpdir(), 'imgproc-web-'));
  process.once('exit', () => rmSync(folder, { recursive: true, force: true }));
  try {
    execFileSync(process.execPath, [join(REPO_ROOT, 'scripts/bundle-web.mjs'), folder], { cwd: REPO_ROOT, stdio: 'pipe' });
  } catch (error) {
    const output = (error as { stderr?: Buffer }).stderr?.toString() ?? String(error);
    throw new Error(`Building the web app failed (is "npm ci" done at the repository root?): ${output}`, { cause: error });
  }
  return folder;
}
