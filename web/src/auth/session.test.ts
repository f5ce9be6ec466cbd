import { type CognitoClient, RefreshRefusedError } from './cognito';
import { readClaims, SessionEndedError, SessionManager } from './session';

const jwt = (claims: Record<string, unknown>) => `eyJhbGciOiJSUzI1NiJ9.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.signature`;
const NOW_MS = Date.parse('2026-12-01T12:00:00Z');
const inSeconds = (seconds: number) => Math.floor(NOW_MS / 1000) + seconds;

function memoryStorage() {
  const items = new Map<string, string>();
  return {
    items,
    getItem: (key: string) => items.get(key) ?? null,
    setItem: (key: string, value: string) => void items.set(key, value),
    removeItem: (key: string) => void items.delete(key),
  };
}

function setUp(cognito: Partial<CognitoClient> = {}) {
  const calls: string[] = [];
  const client: CognitoClient = {
    signIn: async () => {
      calls.push('signIn');
      return { accessToken: jwt({ username: 'demo', exp: inSeconds(3600) }), refreshToken: 'refresh-1' };
    },
    refresh: async (token) => {
      calls.push(`refresh ${token}`);
      return { accessToken: jwt({ username: 'demo', exp: inSeconds(7200) }) };
    },
    revoke: async (token) => void calls.push(`revoke ${token}`),
    ...cognito,
  };
  const storage = memoryStorage();
  let now = NOW_MS;
  const manager = new SessionManager({ cognito: client, storage, now: () => now });
  return { manager, storage, calls, advance: (ms: number) => (now += ms) };
}

describe('the session', () => {
  it('is stored for the tab after signing in, with the user name and expiry from the token', async () => {
    const { manager, storage } = setUp();

    const session = await manager.signIn('Demo', 'password');

    expect(session).toMatchObject({ username: 'demo', refreshToken: 'refresh-1', expiresAtMs: inSeconds(3600) * 1000 });
    expect(manager.current()).toEqual(session);
    expect(storage.items.size).toBe(1);
  });

  it('hands out the access token while it is valid, without asking Cognito', async () => {
    const { manager, calls } = setUp();
    const session = await manager.signIn('demo', 'password');

    await expect(manager.accessToken()).resolves.toBe(session.accessToken);
    expect(calls).toEqual(['signIn']);
  });

  it('renews the token a minute before it expires, once for concurrent callers', async () => {
    const { manager, calls, advance } = setUp();
    await manager.signIn('demo', 'password');
    advance(3600_000 - 30_000);

    const [first, second] = await Promise.all([manager.accessToken(), manager.accessToken()]);

    expect(first).toBe(second);
    expect(readClaims(first).exp).toBe(inSeconds(7200));
    expect(calls).toEqual(['signIn', 'refresh refresh-1']);
    // The refresh token Cognito gave at sign-in is kept for the next renewal and for sign-out.
    expect(manager.current()?.refreshToken).toBe('refresh-1');
  });

  it('ends when the refresh token is refused, and asks to sign in again', async () => {
    const { manager, advance } = setUp({
      refresh: async () => {
        throw new RefreshRefusedError();
      },
    });
    await manager.signIn('demo', 'password');
    advance(2 * 3600_000);

    const ended = await manager.accessToken().catch((error: unknown) => error);

    expect(ended).toBeInstanceOf(SessionEndedError);
    expect(ended).toMatchObject({ reason: 'expired', message: 'Your session has expired. Sign in again to continue.' });
    expect(manager.current()).toBeUndefined();
  });

  it('has no token to give when nobody signed in, or the stored one is unreadable', async () => {
    const { manager, storage } = setUp();
    await expect(manager.accessToken()).rejects.toBeInstanceOf(SessionEndedError);

    storage.setItem('imgproc.session', '{not json');

    expect(manager.current()).toBeUndefined();
    expect(storage.items.size).toBe(0);
  });

  it('is forgotten on sign-out, and its refresh token revoked; a failed revocation still signs out', async () => {
    const { manager, calls } = setUp({
      revoke: async () => {
        throw new Error('offline');
      },
    });
    await manager.signIn('demo', 'password');

    await manager.signOut();

    expect(manager.current()).toBeUndefined();
    expect(calls).toEqual(['signIn']);
  });

  it('revokes the refresh token on sign-out', async () => {
    const { manager, calls } = setUp();
    await manager.signIn('demo', 'password');

    await manager.signOut();

    expect(calls).toEqual(['signIn', 'revoke refresh-1']);
  });

  it('ends at once when the API refuses the token', async () => {
    const { manager } = setUp();
    await manager.signIn('demo', 'password');

    expect(manager.expire()).toBeInstanceOf(SessionEndedError);
    expect(manager.current()).toBeUndefined();
  });

  it('reads claims from a token, and nothing from something else', () => {
    expect(readClaims(jwt({ sub: 'ü-1' }))).toEqual({ sub: 'ü-1' });
    expect(readClaims('garbage')).toEqual({});
    expect(readClaims('a.%%%.c')).toEqual({});
  });
});
