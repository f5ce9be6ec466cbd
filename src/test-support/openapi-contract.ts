import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import OpenAPIBackend from 'openapi-backend';
import openApiDocument from '../openapi.json';

/**
 * Checks answers of the HTTP API against src/openapi.json with openapi-backend (operation matching,
 * held at 5.20: 5.21 moved to an ES-module-only reference parser that Jest cannot load from CommonJS;
 * response and header validation) on Ajv's JSON Schema 2020-12 dialect, the one OpenAPI 3.1 uses.
 * Every status must be documented for its operation, and the body and headers must match it.
 */
export interface ObservedResponse {
  readonly method: string;
  /** The request path, with its query string if any. */
  readonly path: string;
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  /** The parsed JSON body; undefined when there was none. */
  readonly body: unknown;
}

let ready: Promise<OpenAPIBackend> | undefined;

function contract(): Promise<OpenAPIBackend> {
  ready ??= (async () => {
    const api = new OpenAPIBackend({
      definition: structuredClone(openApiDocument) as never,
      // The document is checked against the OpenAPI 3.1 schema by src/openapi.test.ts; openapi-backend's
      // own check knows 3.0 only, and quick mode skips it.
      quick: true,
      customizeAjv: (_ajv, options) => {
        const ajv = new Ajv2020({ ...options, strict: false, allErrors: true });
        addFormats(ajv);
        return ajv as never;
      },
    });
    await api.init();
    return api;
  })();
  return ready;
}

/** Throws, naming the operation and every mismatch, when a response breaks the contract. */
export async function expectToMatchContract(response: ObservedResponse): Promise<void> {
  const api = await contract();
  const url = new URL(response.path, 'http://api');
  const operation = api.router.matchOperation({ method: response.method.toLowerCase(), path: url.pathname, headers: {}, query: url.search.slice(1) });
  const where = `${response.method} ${url.pathname} → ${response.status}`;
  if (!operation) throw new Error(`${where}: no operation of src/openapi.json matches this request`);
  if (!Object.hasOwn(operation.responses ?? {}, String(response.status))) {
    throw new Error(`${where}: status ${response.status} is not documented for ${operation.operationId}`);
  }
  const body = api.validator.validateResponse(response.body === undefined ? null : response.body, operation, response.status);
  const headers = api.validator.validateResponseHeaders(response.headers, operation, { statusCode: response.status, setMatchType: 'superset' as never });
  const errors = [...(body.errors ?? []), ...(headers.errors ?? [])];
  if (errors.length > 0) {
    throw new Error(`${where} does not match ${operation.operationId} in src/openapi.json:\n${JSON.stringify(errors, null, 2)}\nbody: ${JSON.stringify(response.body)}`);
  }
}

/** fetch() and check the answer against the contract; returns the status, headers and parsed body. */
export async function contractFetch(url: string, init: RequestInit = {}): Promise<{ status: number; headers: Headers; body: unknown }> {
  const response = await fetch(url, init);
  const text = await response.text();
  let body: unknown;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    body = text;
  }
  const target = new URL(url);
  await expectToMatchContract({
    method: init.method ?? 'GET',
    path: `${target.pathname}${target.search}`,
    status: response.status,
    headers: Object.fromEntries(response.headers.entries()),
    body,
  });
  return { status: response.status, headers: response.headers, body };
}
