import { type CognitoClient, RefreshRefusedError } from './cognito';

/**
 * The signed-in user's tokens, kept in the tab's sessionStorage: they survive a reload but not the
 * tab, and no other tab or site sees them. An access token is renewed with the refresh token shortly
 * before it expires; when that is refused (expired, revoked), the session is over and the page asks
 * the user to sign in again. The token's claims are read for display and timing only: the API
 * verifies every token itself.
 */

export interface Session {
  readonly username: string;
  readonly accessToken: string;
  readonly refreshToken?: string;
  /** When the access token expires (its `exp` claim), in ms since the epoch. */
  readonly expiresAtMs: number;
}

/** The user must sign in again; `reason` says why, for the sign-in form. */
export class SessionEndedError extends Error {
  constructor(readonly reason: 'expired' | 'signed-out') {
    super(reason === 'expired' ? 'Your session has expired. Sign in again to continue.' : 'You are signed out.');
    this.name = 'SessionEndedError';
  }
}

export interface SessionOptions {
  readonly cognito: CognitoClient;
  readonly storage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;
  readonly now?: () => number;
  /** Renew this long before `exp`, so a token never expires on its way to the API. */
  readonly renewBeforeMs?: number;
}

const STORAGE_KEY = 'imgproc.session';

export class SessionManager {
  private readonly now: () => number;
  private readonly renewBeforeMs: number;
  private renewal: Promise<Session> | undefined;

  constructor(private readonly options: SessionOptions) {
    this.now = options.now ?? Date.now;
    this.renewBeforeMs = options.renewBeforeMs ?? 60_000;
  }

  /** The stored session, if any (possibly expired: `accessToken()` renews or ends it). */
  current(): Session | undefined {
    const text = this.options.storage.getItem(STORAGE_KEY);
    if (!text) return undefined;
    try {
      const session = JSON.parse(text) as Session;
      if (typeof session.accessToken === 'string' && typeof session.username === 'string' && typeof session.expiresAtMs === 'number') return session;
    } catch {
      // Unreadable: treated as no session.
    }
    this.options.storage.removeItem(STORAGE_KEY);
    return undefined;
  }

  async signIn(username: string, password: string): Promise<Session> {
    const tokens = await this.options.cognito.signIn(username, password);
    return this.store(tokens.accessToken, tokens.refreshToken, username);
  }

  /** A usable access token, renewed when it is about to expire; throws SessionEndedError otherwise. */
  async accessToken(): Promise<string> {
    const session = this.current();
    if (!session) throw new SessionEndedError('expired');
    if (session.expiresAtMs - this.renewBeforeMs > this.now()) return session.accessToken;
    this.renewal ??= this.renew(session).finally(() => {
      this.renewal = undefined;
    });
    return (await this.renewal).accessToken;
  }

  /** The API refused the token (401): the session is over. */
  expire(): SessionEndedError {
    this.options.storage.removeItem(STORAGE_KEY);
    return new SessionEndedError('expired');
  }

  /** Forgets the session and revokes its refresh token; a revocation that fails does not keep anyone signed in. */
  async signOut(): Promise<void> {
    const session = this.current();
    this.options.storage.removeItem(STORAGE_KEY);
    if (session?.refreshToken) await this.options.cognito.revoke(session.refreshToken).catch(() => undefined);
  }

  private async renew(session: Session): Promise<Session> {
    if (!session.refreshToken) throw this.expire();
    try {
      const tokens = await this.options.cognito.refresh(session.refreshToken);
      return this.store(tokens.accessToken, tokens.refreshToken ?? session.refreshToken, session.username);
    } catch (error) {
      if (error instanceof RefreshRefusedError) throw this.expire();
      throw error;
    }
  }

  private store(accessToken: string, refreshToken: string | undefined, typedUsername: string): Session {
    const claims = readClaims(accessToken);
    const session: Session = {
      // Cognito access tokens name the user in `username`.
      username: typeof claims.username === 'string' ? claims.username : typedUsername,
      accessToken,
      ...(refreshToken ? { refreshToken } : {}),
      expiresAtMs: typeof claims.exp === 'number' ? claims.exp * 1000 : this.now(),
    };
    this.options.storage.setItem(STORAGE_KEY, JSON.stringify(session));
    return session;
  }
}

/** The payload of a JWT, unverified; empty when it is not one. */
export function readClaims(token: string): Record<string, unknown> {
  const payload = token.split('.')[1];
  if (!payload) return {};
  try {
    const base64 = payload.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(payload.length / 4) * 4, '=');
    const json = new TextDecoder().decode(Uint8Array.from(atob(base64), (char) => char.charCodeAt(0)));
    const claims: unknown = JSON.parse(json);
    return typeof claims === 'object' && claims !== null ? (claims as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
