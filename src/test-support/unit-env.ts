// Importing a handler module builds its production dependencies from the environment (no network
// until a client is used). Unit tests always pass their own deps to makeHandler; this complete,
// valid configuration only lets those modules load.
Object.assign(process.env, {
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'unit-test',
  AWS_SECRET_ACCESS_KEY: 'unit-test',
  ORIGINALS_BUCKET: 'unit-originals',
  PROCESSED_BUCKET: 'unit-processed',
  IMAGES_TABLE: 'unit-images',
  NOTIFICATIONS_TOPIC_ARN: 'arn:aws:sns:us-east-1:000000000000:unit-image-events',
  LOG_LEVEL: 'error',
});
