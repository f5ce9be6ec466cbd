#!/usr/bin/env bash
# `cdk synth` as CI runs it (npm run synth): no AWS credentials, no network, no context lookups
# (the stack is environment-agnostic), no notices, telemetry or version check. Writes the cloud
# assembly to ../cdk.out (the repository root's, already ignored by git, docker and eslint), then
# lists the stacks it holds. Extra arguments go to `cdk synth`, e.g. -c uploadAllowedOrigins=...
set -euo pipefail
cd "$(dirname "$0")/.."

export CDK_DISABLE_VERSION_CHECK=1 CDK_DISABLE_CLI_TELEMETRY=1
# Nothing to ask the instance metadata service for: with no credentials the CLI would try it.
export AWS_EC2_METADATA_DISABLED=true

npx cdk synth --no-notices --no-version-reporting --quiet "$@"
# Read back from the assembly just written, without running the app again.
npx cdk list --no-notices --long --app ../cdk.out
