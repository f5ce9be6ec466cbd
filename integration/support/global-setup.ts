import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { parseDotEnv } from '../../workbench/config';
import { BASE_IMAGES_FILE, IMAGES_ENV_FILE, REPO_ROOT } from './images';

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
  // Chosen again when an image was pinned since the last choice (the file would lack its variable).
  const chosen = existsSync(IMAGES_ENV_FILE) ? parseDotEnv(readFileSync(IMAGES_ENV_FILE, 'utf8')) : {};
  if (Object.keys(parseDotEnv(readFileSync(BASE_IMAGES_FILE, 'utf8'))).some((name) => !chosen[name])) run('bash', ['scripts/resolve-images.sh']);
  run('docker', ['compose', '--env-file', IMAGES_ENV_FILE, 'build']);
}
