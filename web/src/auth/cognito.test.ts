import { createCognitoClient, RefreshRefusedError, SignInError } from './cognito';

type Answer = { status: number; body: unknown; headers?: Record<string, string> };

function fakeCognito(...answers: (Answer | Error)[]) {
  const requests: { url: string; target: string | null; contentType: string | null; body: Record<string, unknown> }[] = [];
  const fetch = (async (url: string, init: RequestInit) => {
    const headers = new Headers(init.headers);
    requests.push({ url, target: headers.get('x-amz-target'), contentType: headers.get('content-type'), body: JSON.parse(String(init.body)) });
    const answer = answers.shift();
    if (!answer) throw new Error('no more answers');
    if (answer instanceof Error) throw answer;
    return new Response(JSON.stringify(answer.body), { status: answer.status, headers: answer.headers ?? {} });
  }) as unknown as typeof globalThis.fetch;
  const client = createCognitoClient({ endpoint: 'https://cognito-idp.eu-west-1.amazonaws.com/', clientId: 'client-1', fetch });
  return { client, requests };
}

const tokens = { AuthenticationResult: { AccessToken: 'access-1', RefreshToken: 'refresh-1', IdToken: 'id-1', ExpiresIn: 3600 } };

describe('Cognito over its JSON protocol', () => {
  it('signs in with USER_PASSWORD_AUTH and keeps the access and refresh tokens', async () => {
    const { client, requests } = fakeCognito({ status: 200, body: tokens });

    const result = await client.signIn('demo', 'secret password');

    expect(result).toEqual({ accessToken: 'access-1', refreshToken: 'refresh-1' });
    expect(requests).toEqual([
      {
        url: 'https://cognito-idp.eu-west-1.amazonaws.com/',
        target: 'AWSCognitoIdentityProviderService.InitiateAuth',
        contentType: 'application/x-amz-json-1.1',
        body: { AuthFlow: 'USER_PASSWORD_AUTH', ClientId: 'client-1', AuthParameters: { USERNAME: 'demo', PASSWORD: 'secret password' } },
      },
    ]);
  });

  it.each([
    ['NotAuthorizedException', 'The username or password is not correct.', 'credentials'],
    ['com.amazonaws.cognito#UserNotFoundException', 'The username or password is not correct.', 'credentials'],
    ['UserNotConfirmedException', 'This account is not confirmed yet. Confirm it with the code you were sent, then sign in.', 'account'],
    ['PasswordResetRequiredException', 'The password of this account must be reset before you can sign in.', 'account'],
    ['TooManyRequestsException', 'Too many sign-in attempts. Wait a minute, then try again.', 'throttled'],
    ['InternalErrorException', 'The sign-in service is not available right now. Try again in a moment.', 'unavailable'],
  ])('says %s in words', async (type, message, kind) => {
    const { client } = fakeCognito({ status: 400, body: { __type: type, message: 'raw text' } });

    const failure = await client.signIn('demo', 'wrong').catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(SignInError);
    expect(failure).toMatchObject({ message, kind });
  });

  it('reads the error type from the x-amzn-ErrorType header when the body has none', async () => {
    const { client } = fakeCognito({ status: 400, body: {}, headers: { 'x-amzn-ErrorType': 'NotAuthorizedException:http://internal' } });

    await expect(client.signIn('demo', 'wrong')).rejects.toMatchObject({ kind: 'credentials' });
  });

  it('says the service cannot be reached when the request fails', async () => {
    const { client } = fakeCognito(new TypeError('Failed to fetch'));

    await expect(client.signIn('demo', 'x')).rejects.toMatchObject({
      message: 'The sign-in service cannot be reached. Check your connection and try again.',
      kind: 'unavailable',
    });
  });

  it('explains a challenge the page does not handle instead of failing silently', async () => {
    const { client } = fakeCognito({ status: 200, body: { ChallengeName: 'NEW_PASSWORD_REQUIRED', Session: 's' } });

    await expect(client.signIn('demo', 'temporary')).rejects.toMatchObject({ message: expect.stringContaining('temporary password'), kind: 'account' });
  });

  it('renews with REFRESH_TOKEN_AUTH, and says so when the refresh token is refused', async () => {
    const { client, requests } = fakeCognito({ status: 200, body: { AuthenticationResult: { AccessToken: 'access-2' } } }, { status: 400, body: { __type: 'NotAuthorizedException' } });

    await expect(client.refresh('refresh-1')).resolves.toEqual({ accessToken: 'access-2' });
    await expect(client.refresh('refresh-1')).rejects.toBeInstanceOf(RefreshRefusedError);
    expect(requests[0]!.body).toEqual({ AuthFlow: 'REFRESH_TOKEN_AUTH', ClientId: 'client-1', AuthParameters: { REFRESH_TOKEN: 'refresh-1' } });
  });

  it('revokes a refresh token, and takes "already revoked" as done', async () => {
    const { client, requests } = fakeCognito({ status: 200, body: {} }, { status: 400, body: { __type: 'NotAuthorizedException' } });

    await client.revoke('refresh-1');
    await client.revoke('refresh-1');

    expect(requests.map((request) => [request.target, request.body])).toEqual([
      ['AWSCognitoIdentityProviderService.RevokeToken', { ClientId: 'client-1', Token: 'refresh-1' }],
      ['AWSCognitoIdentityProviderService.RevokeToken', { ClientId: 'client-1', Token: 'refresh-1' }],
    ]);
  });
});
