import { expectToMatchContract } from '../../src/test-support/openapi-contract';
import { requestUpload as requestUploadUnchecked } from '../../workbench/stack-client';

/**
 * POST /uploads through the gateway, with the answer checked against src/openapi.json: every
 * suite that talks to the HTTP API goes through here (or contractFetch), so none receives an
 * answer the contract does not describe.
 */
export async function requestUpload(uploadsUrl: string, token: string | undefined, body: unknown): ReturnType<typeof requestUploadUnchecked> {
  const response = await requestUploadUnchecked(uploadsUrl, token, body);
  await expectToMatchContract({ method: 'POST', path: '/uploads', status: response.status, headers: Object.fromEntries(response.headers.entries()), body: response.body });
  return response;
}
