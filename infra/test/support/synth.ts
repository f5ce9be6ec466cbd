import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, type CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import * as cdkJson from '../../cdk.json';
import { ImagePipelineStack } from '../../lib/image-pipeline-stack';
import { readPipelineConfig } from '../../lib/pipeline-config';

export interface Synthesized {
  readonly stack: ImagePipelineStack;
  readonly template: Template;
  /** The logical id CloudFormation knows a construct (or its default resource) by. */
  readonly id: (construct: IConstruct) => string;
  /** The cloud assembly directory (cdk.out of this synth). */
  readonly outdir: string;
  /** The stack's asset manifest (ImagePipeline.assets.json), as `cdk deploy` reads it. */
  readonly assetManifest: () => AssetManifest;
}

export interface DockerImageSource {
  readonly directory: string;
  readonly dockerFile: string;
  readonly dockerBuildArgs?: Record<string, string>;
  readonly platform?: string;
}

export interface AssetManifest {
  readonly dockerImages: Record<string, { readonly source: DockerImageSource }>;
  readonly files: Record<string, unknown>;
}

/** What a team typically passes: a production origin and a local dev server. */
export const TEST_ORIGINS = ['https://photos.example.com', 'http://localhost:5173'];
export const DEFAULT_TEST_CONTEXT: Record<string, unknown> = { uploadAllowedOrigins: TEST_ORIGINS.join(',') };

const cache = new Map<string, Synthesized>();

// Each synth stages the three image build contexts; keep them under one directory per test
// file and remove it after the file's tests, rather than leaving cdk.out copies in /tmp.
const outdirRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'imgproc-infra-test-'));
afterAll(() => fs.rmSync(outdirRoot, { recursive: true, force: true }));

/**
 * The stack as `cdk synth` builds it: cdk.json's feature flags, plus the given context values
 * (as `-c key=value` would pass them; by default, two upload origins). Synthesized once per context and test file. CloudFormation
 * schema validation (aws-cdk-lib's built-in, seconds per synth) runs only when asked for.
 */
export function synthesize(context: Record<string, unknown> = DEFAULT_TEST_CONTEXT, options: { validate?: boolean } = {}): Synthesized {
  const key = JSON.stringify({ context, validate: options.validate === true });
  const cached = cache.get(key);
  if (cached) return cached;

  const app = new App({ outdir: fs.mkdtempSync(path.join(outdirRoot, 'cdk.out-')), context: { ...cdkJson.context, ...context } });
  const stack = new ImagePipelineStack(app, 'ImagePipeline', {
    config: readPipelineConfig((contextKey) => app.node.tryGetContext(contextKey)),
  });
  const previous = process.env.CDK_VALIDATION;
  process.env.CDK_VALIDATION = options.validate === true ? 'true' : 'false';
  try {
    const template = Template.fromStack(stack);
    const synthesized: Synthesized = {
      stack,
      template,
      id: (construct) => Stack.of(construct).getLogicalId((construct.node.defaultChild ?? construct) as CfnElement),
      outdir: app.outdir,
      assetManifest: () => JSON.parse(fs.readFileSync(path.join(app.outdir, stack.templateFile.replace(/\.template\.json$/, '.assets.json')), 'utf8')),
    };
    cache.set(key, synthesized);
    return synthesized;
  } finally {
    if (previous === undefined) delete process.env.CDK_VALIDATION;
    else process.env.CDK_VALIDATION = previous;
  }
}

/** The web app's origin, `https://<distribution domain>`, as the template writes it. */
export const siteOriginOf = (synthesized: Synthesized) => ({
  'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [synthesized.id(synthesized.stack.site.distribution), 'DomainName'] }]],
});

/** `{ "Fn::GetAtt": [id, "Arn"] }` */
export const arnOf = (logicalId: string) => ({ 'Fn::GetAtt': [logicalId, 'Arn'] });

export interface Permission {
  readonly action: string;
  readonly resource: unknown;
  readonly condition?: unknown;
}

/**
 * Every (action, resource, condition) a role is allowed, from every policy attached to it,
 * flattened so that CDK's statement merging (@aws-cdk/aws-iam:minimizePolicies) does not matter.
 * Fails if the role has managed policies or inline policies the template would hide elsewhere.
 */
export function permissionsOf(synthesized: Synthesized, roleLogicalId: string): Permission[] {
  const { template } = synthesized;
  const role = template.findResources('AWS::IAM::Role')[roleLogicalId];
  if (!role) throw new Error(`no role ${roleLogicalId}`);
  if (role.Properties?.ManagedPolicyArns !== undefined || role.Properties?.Policies !== undefined) {
    throw new Error(`role ${roleLogicalId} has managed or inline policies: ${JSON.stringify(role.Properties)}`);
  }
  const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((policy) =>
    (policy.Properties.Roles as unknown[]).some((ref) => JSON.stringify(ref) === JSON.stringify({ Ref: roleLogicalId })),
  );
  const permissions: Permission[] = [];
  for (const policy of policies) {
    for (const statement of policy.Properties.PolicyDocument.Statement as Record<string, unknown>[]) {
      if (statement.Effect !== 'Allow') throw new Error(`unexpected ${String(statement.Effect)} statement`);
      const actions = ([] as unknown[]).concat(statement.Action);
      const resources = ([] as unknown[]).concat(statement.Resource);
      for (const action of actions) {
        for (const resource of resources) {
          permissions.push({
            action: action as string,
            resource,
            ...(statement.Condition !== undefined ? { condition: statement.Condition } : {}),
          });
        }
      }
    }
  }
  return sortPermissions(permissions);
}

export function sortPermissions(permissions: Permission[]): Permission[] {
  const key = (permission: Permission) => JSON.stringify([permission.action, permission.resource, permission.condition]);
  return [...permissions].sort((a, b) => key(a).localeCompare(key(b)));
}
