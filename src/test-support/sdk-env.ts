// The few unit tests that build real SDK clients (against loopback servers or presigning only) get a
// region and dummy credentials, so the SDK never searches the machine, or its metadata service, for
// real ones. Nothing else: importing a module wires nothing, so no function configuration is needed.
Object.assign(process.env, {
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'unit-test',
  AWS_SECRET_ACCESS_KEY: 'unit-test',
});
