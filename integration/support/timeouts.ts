// Containers start in seconds, but a first image build on a cold machine takes minutes.
jest.setTimeout(5 * 60_000);
