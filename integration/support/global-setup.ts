import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { IMAGES_ENV_FILE, REPO_ROOT } from './images';

/**
 * Runs once before the integration suites: chooses the base images (upstream or offline
 * stand-ins) if nothing chose them yet, then builds every image of docker-compose.yml from its
 * Dockerfile. Output goes to the console: a first build on a cold machine takes minutes.
 */
export default function globalSetup(): void {
  const run = (command: string, args: string[]) => {
    process.stderr.write(`\n[integration setup] ${command} ${args.join(' ')}\n`);
    execFileSync(command, args, { cwd: REPO_ROOT, stdio: 'inherit' });
  };
  try {
    execFileSync('docker', ['info'], { stdio: 'ignore' });
  } catch {
    throw new Error('The integration suites need a running Docker engine: on Debian run `sudo scripts/install-docker.sh`.');
  }
  if (!existsSync(IMAGES_ENV_FILE)) run('bash', ['scripts/resolve-images.sh']);
  run('docker', ['compose', '--env-file', IMAGES_ENV_FILE, 'build']);
}
