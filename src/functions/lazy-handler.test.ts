import { ConfigError } from '../config/env-reader';

const FUNCTION_VARIABLES = ['ORIGINALS_BUCKET', 'PROCESSED_BUCKET', 'IMAGES_TABLE', 'NOTIFICATIONS_TOPIC_ARN'];

describe('function modules', () => {
  const saved = { ...process.env };
  beforeEach(() => {
    for (const name of FUNCTION_VARIABLES) delete process.env[name];
  });
  afterEach(() => {
    process.env = { ...saved };
  });

  // require(), not import: jest.isolateModules loads a fresh copy of the module, synchronously.
  /* eslint-disable @typescript-eslint/no-require-imports */
  it.each([
    ['generate-upload-url', () => require('./generate-upload-url/handler')],
    ['image-processor', () => require('./image-processor/handler')],
    ['s3-metrics', () => require('./s3-metrics/handler')],
  ])('%s wires nothing when imported, and reports its configuration problems when first invoked', async (_name, load) => {
    // Arrange: no function configuration at all in the environment.
    let module: { handler: (event: unknown, context: unknown) => Promise<unknown> } | undefined;

    // Act
    jest.isolateModules(() => {
      module = load() as typeof module;
    });

    // Assert
    expect(module?.handler).toBeInstanceOf(Function);
    await expect(module!.handler({}, { awsRequestId: 'r-1', getRemainingTimeInMillis: () => 1000 })).rejects.toMatchObject({
      name: ConfigError.name,
      message: expect.stringMatching(/^Invalid configuration \(\d problems?\):\n {2}- [A-Z_]+ is required/),
    });
  });
  /* eslint-enable @typescript-eslint/no-require-imports */
});
