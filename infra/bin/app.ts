#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { ImagePipelineStack } from '../lib/image-pipeline-stack';
import { readPipelineConfig } from '../lib/pipeline-config';

const app = new App();
const context = (key: string): unknown => app.node.tryGetContext(key);
const account = context('account');
const region = context('region');

// Environment-agnostic unless both are given: synth then needs no credentials (CI), and
// `cdk deploy` uses the account and region of the caller's credentials.
// https://docs.aws.amazon.com/cdk/v2/guide/environments.html
new ImagePipelineStack(app, (context('stackName') as string | undefined) ?? 'ImagePipeline', {
  description: 'Serverless image upload and processing pipeline (infra/README.md)',
  ...(typeof account === 'string' && typeof region === 'string' ? { env: { account, region } } : {}),
  config: readPipelineConfig(context),
});
