/**
 * Invokes a function container through its Runtime Interface Emulator, one invocation at a time
 * per container (the emulator serves only one at once, like a single Lambda execution environment).
 * https://docs.aws.amazon.com/lambda/latest/dg/images-test.html
 */
export type InvokeResult =
  | { readonly kind: 'ok'; readonly payload: unknown }
  | { readonly kind: 'function-error'; readonly errorType: string; readonly errorMessage: string }
  | { readonly kind: 'invoke-failed'; readonly reason: string }
  /** The request never reached the function (no such host, connection refused): it saw nothing. */
  | { readonly kind: 'unreachable'; readonly reason: string };

export interface FunctionInvoker {
  readonly url: string;
  invoke(event: unknown): Promise<InvokeResult>;
  /** Whether the emulator answers HTTP at all right now (any status), within a short timeout. */
  probe(): Promise<boolean>;
}

/**
 * Connection errors that happen before a request is sent: the function cannot have seen the event.
 * A reset or a timeout after sending is not one of them (the function may have run).
 */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'UND_ERR_CONNECT_TIMEOUT']);

function errorCode(error: unknown): string | undefined {
  for (let current: unknown = error, depth = 0; current && depth < 4; current = (current as { cause?: unknown }).cause, depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

/** `TypeError: fetch failed (ECONNREFUSED)`; duck-typed, as fetch's errors may come from another realm. */
function reasonOf(error: unknown): string {
  const code = errorCode(error);
  return `${String(error)}${code ? ` (${code})` : ''}`;
}

export function rieInvoker(baseUrl: string, options: { timeoutMs: number; probeTimeoutMs?: number }): FunctionInvoker {
  const url = `${baseUrl.replace(/\/$/, '')}/2015-03-31/functions/function/invocations`;
  let queue: Promise<unknown> = Promise.resolve();

  const invokeNow = async (event: unknown): Promise<InvokeResult> => {
    let response: Response;
    let text: string;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(event),
        signal: AbortSignal.timeout(options.timeoutMs),
      });
      // Inside the try: a connection reset or the timeout can strike while the body arrives.
      text = await response.text();
    } catch (error) {
      const code = errorCode(error);
      if (code !== undefined && NOT_SENT_CODES.has(code)) return { kind: 'unreachable', reason: reasonOf(error) };
      return { kind: 'invoke-failed', reason: reasonOf(error) };
    }
    if (!response.ok) return { kind: 'invoke-failed', reason: `HTTP ${response.status}: ${text.slice(0, 500)}` };
    let payload: unknown;
    try {
      payload = text === '' ? null : JSON.parse(text);
    } catch {
      return { kind: 'invoke-failed', reason: `the function returned a body that is not JSON: ${text.slice(0, 200)}` };
    }
    if (response.headers.has('x-amz-function-error') || isErrorDocument(payload)) {
      const document = (payload ?? {}) as { errorType?: unknown; errorMessage?: unknown };
      return {
        kind: 'function-error',
        errorType: String(document.errorType ?? response.headers.get('x-amz-function-error') ?? 'Unhandled'),
        errorMessage: String(document.errorMessage ?? ''),
      };
    }
    return { kind: 'ok', payload };
  };

  return {
    url: baseUrl,
    async probe() {
      try {
        const response = await fetch(`${baseUrl.replace(/\/$/, '')}/`, { signal: AbortSignal.timeout(options.probeTimeoutMs ?? 1000) });
        await response.arrayBuffer();
        return true;
      } catch {
        return false;
      }
    },
    invoke(event) {
      const result = queue.then(() => invokeNow(event));
      queue = result.catch(() => undefined);
      return result;
    },
  };
}

/** Lambda's error document: `{ errorType, errorMessage, stackTrace? }`. */
function isErrorDocument(payload: unknown): boolean {
  return (
    typeof payload === 'object' &&
    payload !== null &&
    'errorMessage' in payload &&
    'errorType' in payload &&
    !('statusCode' in payload) &&
    !('batchItemFailures' in payload)
  );
}
