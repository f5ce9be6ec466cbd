/**
 * The three calls the page makes to a Cognito user pool, over Cognito's own JSON protocol (the AWS
 * JSON 1.1 protocol: a POST with `X-Amz-Target`), which cognito-local serves too. No SDK: three
 * small unsigned calls do not earn the AWS SDK's weight in a page (they need no AWS credentials).
 * https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_InitiateAuth.html
 *
 * Sign-in uses USER_PASSWORD_AUTH: the one password flow both pools serve (cognito-local has no
 * USER_SRP_AUTH). The password travels once, over TLS on AWS, to Cognito itself, as it does with
 * Cognito's hosted pages; SRP would keep it off the wire but needs big-integer maths in the page,
 * and could not be tested against the local pool.
 */

export interface CognitoTokens {
  readonly accessToken: string;
  /** Absent when renewing: Cognito keeps the refresh token it was given. */
  readonly refreshToken?: string;
}

/** Why signing in did not work, in words a person can act on. */
export class SignInError extends Error {
  constructor(
    message: string,
    readonly kind: 'credentials' | 'account' | 'throttled' | 'unavailable',
  ) {
    super(message);
    this.name = 'SignInError';
  }
}

/** The refresh token no longer works (expired, revoked, or the user was disabled). */
export class RefreshRefusedError extends Error {
  constructor() {
    super('The session can no longer be renewed.');
    this.name = 'RefreshRefusedError';
  }
}

export interface CognitoClientOptions {
  readonly endpoint: string;
  readonly clientId: string;
  readonly fetch?: typeof fetch;
}

export interface CognitoClient {
  signIn(username: string, password: string): Promise<CognitoTokens>;
  refresh(refreshToken: string): Promise<CognitoTokens>;
  /** Revokes the refresh token and the access tokens issued with it (when the client enables revocation). */
  revoke(refreshToken: string): Promise<void>;
}

interface CognitoFailure {
  readonly type: string;
  readonly message: string;
}

interface AuthResult {
  readonly AuthenticationResult?: { readonly AccessToken?: string; readonly RefreshToken?: string };
  readonly ChallengeName?: string;
}

export function createCognitoClient(options: CognitoClientOptions): CognitoClient {
  const send = async (operation: string, body: unknown): Promise<{ ok: true; body: unknown } | { ok: false; failure: CognitoFailure }> => {
    const fetcher = options.fetch ?? globalThis.fetch.bind(globalThis);
    let response: Response;
    try {
      response = await fetcher(options.endpoint, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/x-amz-json-1.1',
          'X-Amz-Target': `AWSCognitoIdentityProviderService.${operation}`,
        },
        body: JSON.stringify(body),
        // Tokens never go to a cache.
        cache: 'no-store',
      });
    } catch {
      throw new SignInError('The sign-in service cannot be reached. Check your connection and try again.', 'unavailable');
    }
    const parsed = await response.json().catch(() => undefined);
    if (response.ok) return { ok: true, body: parsed };
    return { ok: false, failure: failureOf(response, parsed) };
  };

  const tokensOf = (body: unknown): CognitoTokens => {
    const result = body as AuthResult;
    if (result.ChallengeName) {
      throw new SignInError(challengeMessage(result.ChallengeName), 'account');
    }
    const accessToken = result.AuthenticationResult?.AccessToken;
    if (!accessToken) throw new SignInError('The sign-in service gave no session. Try again in a moment.', 'unavailable');
    const refreshToken = result.AuthenticationResult?.RefreshToken;
    return { accessToken, ...(refreshToken ? { refreshToken } : {}) };
  };

  return {
    async signIn(username, password) {
      const result = await send('InitiateAuth', {
        AuthFlow: 'USER_PASSWORD_AUTH',
        ClientId: options.clientId,
        AuthParameters: { USERNAME: username, PASSWORD: password },
      });
      if (!result.ok) throw new SignInError(...signInFailure(result.failure));
      return tokensOf(result.body);
    },
    async refresh(refreshToken) {
      const result = await send('InitiateAuth', {
        AuthFlow: 'REFRESH_TOKEN_AUTH',
        ClientId: options.clientId,
        AuthParameters: { REFRESH_TOKEN: refreshToken },
      });
      if (!result.ok) {
        if (result.failure.type === 'NotAuthorizedException' || result.failure.type === 'UserNotFoundException') throw new RefreshRefusedError();
        throw new SignInError(...signInFailure(result.failure));
      }
      return tokensOf(result.body);
    },
    async revoke(refreshToken) {
      const result = await send('RevokeToken', { ClientId: options.clientId, Token: refreshToken });
      // Already revoked or expired: the outcome the caller wanted.
      if (!result.ok && result.failure.type !== 'NotAuthorizedException') throw new SignInError(...signInFailure(result.failure));
    },
  };
}

/**
 * The error type of an AWS JSON protocol answer: `__type` (sometimes prefixed with a namespace and
 * `#`), or the `x-amzn-ErrorType` header.
 * https://smithy.io/2.0/aws/protocols/aws-json-1_1-protocol.html#operation-error-serialization
 */
function failureOf(response: Response, body: unknown): CognitoFailure {
  const fields = (typeof body === 'object' && body !== null ? body : {}) as { __type?: unknown; message?: unknown; Message?: unknown };
  const raw = typeof fields.__type === 'string' ? fields.__type : (response.headers.get('x-amzn-ErrorType') ?? `HTTP ${response.status}`);
  const type = raw.split(':')[0]!.split('#').pop()!;
  const message = typeof fields.message === 'string' ? fields.message : typeof fields.Message === 'string' ? fields.Message : '';
  return { type, message };
}

function signInFailure(failure: CognitoFailure): [string, SignInError['kind']] {
  switch (failure.type) {
    case 'NotAuthorizedException':
    case 'UserNotFoundException':
    case 'InvalidPasswordException':
      // The same words for an unknown user and a wrong password, as Cognito itself does.
      return ['The username or password is not correct.', 'credentials'];
    case 'UserNotConfirmedException':
      return ['This account is not confirmed yet. Confirm it with the code you were sent, then sign in.', 'account'];
    case 'PasswordResetRequiredException':
      return ['The password of this account must be reset before you can sign in.', 'account'];
    case 'TooManyRequestsException':
    case 'LimitExceededException':
      return ['Too many sign-in attempts. Wait a minute, then try again.', 'throttled'];
    default:
      return ['The sign-in service is not available right now. Try again in a moment.', 'unavailable'];
  }
}

function challengeMessage(challenge: string): string {
  if (challenge === 'NEW_PASSWORD_REQUIRED') {
    return 'This account still has its temporary password. Set a new password with your administrator, then sign in.';
  }
  return 'This account needs a sign-in step this page does not offer (multi-factor authentication). Ask your administrator.';
}
