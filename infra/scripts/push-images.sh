#!/usr/bin/env bash
# Builds the three function images from images/<name>/Dockerfile (build context: the repository
# root, as in docker-compose.yml) and pushes them to ECR, for teams that publish images from their
# own CI instead of letting `cdk deploy` build them. Deploy them afterwards with
#   npm run cdk -- deploy -c imageTag=<tag> [-c imageRepositoryPrefix=<prefix>]
#
# Usage: infra/scripts/push-images.sh <tag>          e.g. the commit: "$(git rev-parse --short HEAD)"
#
# Environment:
#   AWS_REGION                 region to push to (or AWS_DEFAULT_REGION); required
#   AWS_ACCOUNT_ID             default: the account of the current credentials (sts get-caller-identity)
#   IMAGE_REPOSITORY_PREFIX    default imgproc: repositories <prefix>/generate-upload-url, .../images-api, .../image-processor, .../s3-metrics
#   NODE_IMAGE, LAMBDA_BASE_IMAGE   the Dockerfiles' build args (default: images/base-images.env)
#   PLATFORM                   default linux/amd64 (the functions run on x86_64); empty to omit --platform
#   DRY_RUN=1                  print the aws/docker commands instead of running them
#
# Repositories are created when missing: tags immutable (a tag always means the same image, which
# is what Lambda resolves at deploy time), scan on push, and a repository policy that lets Lambda
# pull for functions of this account only (the same statement `cdk bootstrap` puts on its own
# repository). An existing tag is left alone, so re-running with the same tag is harmless.
set -euo pipefail

tag="${1:-}"
if [[ ! "$tag" =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$ ]]; then
  echo "usage: $0 <tag>   (letters, digits, _ . -; at most 128 characters)" >&2
  exit 2
fi

repo_root="$(cd "$(dirname "$0")/../.." && pwd)"
region="${AWS_REGION:-${AWS_DEFAULT_REGION:-}}"
if [ -z "$region" ]; then
  echo "AWS_REGION is not set" >&2
  exit 2
fi
prefix="${IMAGE_REPOSITORY_PREFIX:-imgproc}"
# The upstream base images are pinned in one place, images/base-images.env.
pinned() { sed -n "s/^$1=//p" "${repo_root}/images/base-images.env" | tail -n 1; }
node_image="${NODE_IMAGE:-$(pinned NODE_IMAGE)}"
lambda_base_image="${LAMBDA_BASE_IMAGE:-$(pinned LAMBDA_BASE_IMAGE)}"
if [ -z "$node_image" ] || [ -z "$lambda_base_image" ]; then
  echo "images/base-images.env must set NODE_IMAGE and LAMBDA_BASE_IMAGE" >&2
  exit 2
fi
platform="${PLATFORM-linux/amd64}"
dry_run="${DRY_RUN:-}"

run() {
  if [ -n "$dry_run" ]; then
    { printf '+'; printf ' %q' "$@"; printf '\n'; } >&2
  else
    "$@"
  fi
}
log() { printf '[push-images] %s\n' "$*" >&2; }

if [ -n "${AWS_ACCOUNT_ID:-}" ]; then
  account="$AWS_ACCOUNT_ID"
elif [ -n "$dry_run" ]; then
  account="123456789012"
else
  account="$(aws sts get-caller-identity --query Account --output text)"
fi
registry="${account}.dkr.ecr.${region}.amazonaws.com"

# https://docs.aws.amazon.com/lambda/latest/dg/images-create.html#gettingstarted-images-permissions
lambda_pull_policy="$(cat <<EOF
{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "LambdaECRImageRetrievalPolicy",
      "Effect": "Allow",
      "Principal": { "Service": "lambda.amazonaws.com" },
      "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
      "Condition": { "StringLike": { "aws:sourceArn": "arn:aws:lambda:${region}:${account}:function:*" } }
    }
  ]
}
EOF
)"

log "logging in to ${registry}"
if [ -n "$dry_run" ]; then
  run aws ecr get-login-password --region "$region"
  run docker login --username AWS --password-stdin "$registry"
else
  aws ecr get-login-password --region "$region" | docker login --username AWS --password-stdin "$registry"
fi

for name in generate-upload-url images-api image-processor s3-metrics; do
  repository="${prefix}/${name}"
  image="${registry}/${repository}:${tag}"

  if [ -z "$dry_run" ] && aws ecr describe-repositories --region "$region" --repository-names "$repository" >/dev/null 2>&1; then
    log "${repository}: repository exists"
  else
    log "${repository}: creating the repository"
    run aws ecr create-repository --region "$region" --repository-name "$repository" \
      --image-tag-mutability IMMUTABLE \
      --image-scanning-configuration scanOnPush=true \
      --encryption-configuration encryptionType=AES256 >/dev/null
  fi
  run aws ecr set-repository-policy --region "$region" --repository-name "$repository" \
    --policy-text "$lambda_pull_policy" >/dev/null

  if [ -z "$dry_run" ] && aws ecr describe-images --region "$region" --repository-name "$repository" \
      --image-ids "imageTag=${tag}" >/dev/null 2>&1; then
    log "${image}: already pushed (tags are immutable), skipping"
    continue
  fi

  log "${image}: building from images/${name}/Dockerfile"
  run docker build \
    ${platform:+--platform "$platform"} \
    --file "${repo_root}/images/${name}/Dockerfile" \
    --build-arg "NODE_IMAGE=${node_image}" \
    --build-arg "LAMBDA_BASE_IMAGE=${lambda_base_image}" \
    --tag "$image" \
    "$repo_root"
  log "${image}: pushing"
  run docker push "$image"
done

log "done. Deploy these images with:"
log "  cd infra && npm run cdk -- deploy -c imageTag=${tag} -c imageRepositoryPrefix=${prefix}"
