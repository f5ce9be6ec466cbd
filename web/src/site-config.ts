/**
 * What the page needs to know about the deployment it talks to, served next to it as
 * `/config.json`: generated from the stack file by the local gateway (workbench/web-site.ts) and
 * from the stack's outputs by infra (infra/lib/web-site.ts). Nothing in it is secret: the app
 * client has no secret, and every call still needs the user's own token.
 */
export interface SiteConfig {
  /** Base URL of the HTTP API (no trailing slash): `${apiUrl}/uploads`, `${apiUrl}/images`. */
  readonly apiUrl: string;
  readonly region: string;
  readonly userPoolId: string;
  /** The public app client (no secret) that allows USER_PASSWORD_AUTH. */
  readonly userPoolClientId: string;
  /** Where Cognito's user pool API answers: `https://cognito-idp.<region>.amazonaws.com/` on AWS. */
  readonly cognitoEndpoint: string;
  /** Files larger than this are refused in the browser, before any request (the API refuses them too). */
  readonly maxUploadBytes: number;
  /** The types POST /uploads accepts; other files are refused in the browser. */
  readonly allowedContentTypes: readonly string[];
  /** The processor's pixel limit, to say it in words when an image is rejected for it. */
  readonly maxInputPixels: number;
}

export class SiteConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`The site configuration (config.json) is not usable: ${problems.join('; ')}.`);
    this.name = 'SiteConfigError';
  }
}

/** The endpoint of Cognito's user pool API in an AWS region. */
export const cognitoEndpointOf = (region: string): string => `https://cognito-idp.${region}.amazonaws.com/`;

/** Validates config.json; every problem is listed in one error. */
export function parseSiteConfig(value: unknown): SiteConfig {
  const problems: string[] = [];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new SiteConfigError(['it is not a JSON object']);
  const input = value as Record<string, unknown>;
  const url = (key: string): string => {
    const text = input[key];
    if (typeof text === 'string' && isHttpUrl(text)) return text.replace(/\/+$/, '');
    problems.push(`${key} must be an http(s) URL`);
    return '';
  };
  const text = (key: string, pattern: RegExp): string => {
    const item = input[key];
    if (typeof item === 'string' && pattern.test(item)) return item;
    problems.push(`${key} must match ${String(pattern)}`);
    return '';
  };
  const positive = (key: string): number => {
    const item = input[key];
    if (typeof item === 'number' && Number.isSafeInteger(item) && item > 0) return item;
    problems.push(`${key} must be a positive whole number`);
    return 0;
  };
  const contentTypes = (key: string): string[] => {
    const items = input[key];
    if (Array.isArray(items) && items.length > 0 && items.every((type) => typeof type === 'string' && /^image\/[a-z0-9.+-]+$/i.test(type))) {
      return (items as string[]).map((type) => type.toLowerCase());
    }
    problems.push(`${key} must be a non-empty list of image/* types`);
    return [];
  };
  const config: SiteConfig = {
    apiUrl: url('apiUrl'),
    region: text('region', /^[a-z]{2}(-[a-z]+)+-\d$/),
    userPoolId: text('userPoolId', /^[\w-]+_[0-9a-zA-Z]+$/),
    userPoolClientId: text('userPoolClientId', /^[\w+]+$/),
    cognitoEndpoint: url('cognitoEndpoint'),
    maxUploadBytes: positive('maxUploadBytes'),
    allowedContentTypes: contentTypes('allowedContentTypes'),
    maxInputPixels: positive('maxInputPixels'),
  };
  if (problems.length > 0) throw new SiteConfigError(problems);
  return Object.freeze(config);
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}
