import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DockerComposeEnvironment, type StartedDockerComposeEnvironment, Wait } from 'testcontainers';
import { stackClients } from '../../workbench/aws-clients';
import { loadDemoConfig } from '../../workbench/config';
import { readStackFile, signIn, type StackDescription } from '../../workbench/stack-client';
import { docker, freePort } from './docker';
import { baseImages, IMAGE_TAG, REPO_ROOT } from './images';

/**
 * The real docker-compose.yml, brought up through Testcontainers on free ports with a stack file
 * of its own, so it never collides with a stack a developer is running. Signed in as the demo user.
 */
export interface ComposeStack {
  readonly stack: StackDescription;
  /** Where provisioning wrote the stack description, for commands that read it (STACK_FILE). */
  readonly stackFile: string;
  readonly clients: ReturnType<typeof stackClients>;
  readonly accessToken: string;
  readonly idToken: string;
  readonly environment: StartedDockerComposeEnvironment;
  /** The container id of a compose service, for docker pause/exec. */
  containerId(service: string): string;
  /** Runs docker with these arguments; throws with its output when it fails. */
  docker(...args: string[]): string;
  down(): Promise<void>;
}

export async function startComposeStack(overrides: Record<string, string> = {}): Promise<ComposeStack> {
  const stackDir = mkdtempSync(join(tmpdir(), 'imgproc-stack-'));
  const [localstack, dynamodb, cognito, gateway, upload, processor, metrics, mailInbox] = (await Promise.all(Array.from({ length: 8 }, freePort))).map(String);
  const environment = await new DockerComposeEnvironment(REPO_ROOT, 'docker-compose.yml')
    .withProjectName(`imgproc-it-${process.pid}-${Date.now()}`)
    .withEnvironment({
      ...baseImages(),
      // Named here too: compose would otherwise also read IMAGE_TAG from a developer's .env.
      IMAGE_TAG,
      LOCALSTACK_PORT: localstack!,
      DYNAMODB_PORT: dynamodb!,
      COGNITO_PORT: cognito!,
      GATEWAY_PORT: gateway!,
      UPLOAD_FUNCTION_PORT: upload!,
      PROCESSOR_FUNCTION_PORT: processor!,
      METRICS_FUNCTION_PORT: metrics!,
      MAIL_INBOX_PORT: mailInbox!,
      STACK_DIR: stackDir,
      ...overrides,
    })
    .withDefaultWaitStrategy(Wait.forHealthCheck())
    .withStartupTimeout(300_000)
    .up();
  const stackFile = join(stackDir, 'stack.json');
  const stack = readStackFile(stackFile);
  const clients = stackClients(stack.endpoints);
  const demoUser = loadDemoConfig();
  const { accessToken, idToken } = await signIn(clients.cognito, stack.userPoolClientId, demoUser.username, demoUser.password);
  return {
    stack,
    stackFile,
    clients,
    accessToken,
    idToken,
    environment,
    containerId: (service) => environment.getContainer(`${service}-1`).getId(),
    docker,
    async down() {
      await environment.down({ timeout: 5000, removeVolumes: true });
      rmSync(stackDir, { recursive: true, force: true });
    },
  };
}
