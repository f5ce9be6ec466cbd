import { loadDemoConfig, loadProvisionConfig, loadRetryConfig, parseDotEnv } from './config';

const files = (contents: Record<string, string>) => (path: string) => contents[path];

describe('demo settings', () => {
  it('read .env.example, then .env over it, then the environment over both', () => {
    const config = loadDemoConfig(
      { DEMO_PASSWORD: 'from-env' },
      files({
        '.env.example': 'DEMO_USERNAME=demo\nDEMO_PASSWORD=example\nMETRICS_FUNCTION_PORT=9003\n',
        '.env': '# mine\nDEMO_USERNAME="alice"\nMETRICS_FUNCTION_PORT=19003\nSTACK_DIR=/tmp/stacks\n',
      }),
    );

    expect(config).toEqual({
      stackFile: '/tmp/stacks/stack.json',
      username: 'alice',
      password: 'from-env',
      metricsFunctionUrl: 'http://localhost:19003',
      timeoutSeconds: 90,
    });
  });

  it('prefer an explicit STACK_FILE, and default to .local/stack.json', () => {
    const base = { DEMO_USERNAME: 'demo', DEMO_PASSWORD: 'x' };
    expect(loadDemoConfig({ ...base, STACK_FILE: '/x/s.json', STACK_DIR: '/y' }, files({})).stackFile).toBe('/x/s.json');
    expect(loadDemoConfig(base, files({})).stackFile).toBe('.local/stack.json');
    expect(loadRetryConfig({ STACK_DIR: '/y' }).stackFile).toBe('/y/stack.json');
  });

  it('report missing credentials', () => {
    expect(() => loadDemoConfig({}, files({}))).toThrow('DEMO_USERNAME is required');
  });
});

describe('provisioning settings', () => {
  const env = {
    AWS_REGION: 'us-east-1',
    ORIGINALS_BUCKET: 'originals',
    PROCESSED_BUCKET: 'renditions',
    IMAGES_TABLE: 'images',
    DEMO_USERNAME: 'demo',
    DEMO_PASSWORD: 'Demo-passw0rd!',
  };

  it('subscribe demo@example.com unless DEMO_EMAIL names another address, and find the inbox on 8025', () => {
    expect(loadProvisionConfig(env).demoUser.email).toBe('demo@example.com');
    expect(loadProvisionConfig({ ...env, DEMO_EMAIL: 'me@photos.test' }).demoUser.email).toBe('me@photos.test');
    expect(loadProvisionConfig(env).hostUrls.mailInbox).toBe('http://localhost:8025');
    expect(loadProvisionConfig({ ...env, HOST_MAIL_INBOX_URL: 'http://localhost:18025' }).hostUrls.mailInbox).toBe('http://localhost:18025');
  });

  it.each(['demo', 'Demo <demo@example.com>', 'a@b.c, d@e.f', 'no spaces@example.com'])('refuse DEMO_EMAIL=%j: SNS subscribes one address', (email) => {
    expect(() => loadProvisionConfig({ ...env, DEMO_EMAIL: email })).toThrow(`DEMO_EMAIL: "${email}" is not an e-mail address`);
  });
});

describe('parseDotEnv', () => {
  it('reads KEY=VALUE lines, strips quotes and export, skips comments and blanks', () => {
    expect(parseDotEnv('# c\n\nexport A=1\nB = "two words"\nC=\'x#y\'\nnot a line\n')).toEqual({ A: '1', B: 'two words', C: 'x#y' });
  });
});
