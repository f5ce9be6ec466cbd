// Testcontainers' reaper (ryuk) is an image from Docker Hub, which machines without a registry
// cannot pull. Every suite stops and removes what it starts in afterAll instead.
process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
