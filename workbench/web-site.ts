import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join, relative, sep } from 'node:path';
import { parseSiteConfig, type SiteConfig } from '../web/src/site-config';
import type { Logger } from '../src/domain/ports/logger';
import { readStackFile, type StackDescription } from './stack-client';

/**
 * What CloudFront and the site bucket do on AWS (infra/lib/web-site.ts), for the local stack: the
 * web app's files from the bundle folder (scripts/bundle-web.mjs), and `/config.json` generated
 * from the stack file, so the page talks to this stack's API, S3 and user pool. Served by the
 * gateway at `/`, beside the API.
 */
export interface WebSite {
  /** Answers GET and HEAD for the site's paths; false for anything else (the API's). */
  handle(request: IncomingMessage, response: ServerResponse, pathname: string): boolean;
}

export interface WebSiteOptions {
  /** The bundle folder: index.html and assets/. */
  readonly root: string;
  /** Read on every request of /config.json: provisioning may rewrite it. */
  readonly stackFile: string;
  readonly logger: Logger;
}

interface StaticFile {
  readonly bytes: Buffer;
  readonly contentType: string;
  readonly cacheControl: string;
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

/** The page's configuration for a local stack (README "The web app"). */
export function siteConfigFromStack(stack: StackDescription): SiteConfig {
  if (!stack.uploadLimits) throw new Error('The stack file has no uploadLimits: provisioning is older than the web app; run it again.');
  return parseSiteConfig({
    // The gateway is the HTTP API; the page is served by it too, so the API is same-origin locally.
    apiUrl: stack.endpoints.gateway,
    region: stack.region,
    userPoolId: stack.userPoolId,
    userPoolClientId: stack.userPoolClientId,
    // cognito-local answers CORS preflights for any origin (its server uses cors({ origin: '*' })),
    // so the page calls it directly, as it calls cognito-idp.<region>.amazonaws.com on AWS.
    cognitoEndpoint: stack.endpoints.cognito,
    ...stack.uploadLimits,
  });
}

/**
 * What the page may load and call: its own files, the API, the user pool, and S3 (uploads and
 * rendition URLs). Anything else, inline scripts included, is refused by the browser.
 */
export function contentSecurityPolicy(config: SiteConfig, s3Endpoint: string): string {
  const origin = (url: string) => new URL(url).origin;
  const api = origin(config.apiUrl);
  const s3 = origin(s3Endpoint);
  const connect = [...new Set(["'self'", api, origin(config.cognitoEndpoint), s3])];
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    `img-src 'self' data: ${s3}`,
    `connect-src ${connect.join(' ')}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export function createWebSite(options: WebSiteOptions): WebSite {
  const files = readBundle(options.root);
  options.logger.info('web app loaded', { root: options.root, files: files.size });

  const send = (request: IncomingMessage, response: ServerResponse, status: number, headers: Record<string, string>, bytes: Buffer) => {
    response.writeHead(status, {
      ...headers,
      'Content-Length': String(bytes.length),
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
    });
    response.end(request.method === 'HEAD' ? undefined : bytes);
  };

  return {
    handle(request, response, pathname) {
      if (request.method !== 'GET' && request.method !== 'HEAD') return false;
      if (pathname === '/config.json') {
        let config: SiteConfig;
        let stack: StackDescription;
        try {
          stack = readStackFile(options.stackFile);
          config = siteConfigFromStack(stack);
        } catch (error) {
          options.logger.error('cannot build config.json from the stack file', { stackFile: options.stackFile, error });
          send(request, response, 503, { 'Content-Type': CONTENT_TYPES['.json']!, 'Cache-Control': 'no-store' }, Buffer.from('{"message":"The stack is not provisioned yet."}'));
          return true;
        }
        send(request, response, 200, { 'Content-Type': CONTENT_TYPES['.json']!, 'Cache-Control': 'no-store' }, Buffer.from(JSON.stringify(config)));
        return true;
      }
      const file = files.get(pathname === '/' ? '/index.html' : pathname);
      if (!file) return false;
      const headers: Record<string, string> = { 'Content-Type': file.contentType, 'Cache-Control': file.cacheControl };
      if (file.contentType.startsWith('text/html')) {
        try {
          const stack = readStackFile(options.stackFile);
          headers['Content-Security-Policy'] = contentSecurityPolicy(siteConfigFromStack(stack), stack.endpoints.s3);
        } catch {
          // No stack yet: the page will say it cannot load its settings; no policy to derive.
        }
      }
      send(request, response, 200, headers, file.bytes);
      return true;
    },
  };
}

/** Every file of the bundle, read once: a fixed set of paths, so no request can reach outside it. */
function readBundle(root: string): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>();
  if (!existsSync(join(root, 'index.html'))) throw new Error(`No web app in ${root}: run node scripts/bundle-web.mjs ${root}`);
  const walk = (folder: string) => {
    for (const name of readdirSync(folder)) {
      const path = join(folder, name);
      if (statSync(path).isDirectory()) {
        walk(path);
        continue;
      }
      const urlPath = `/${relative(root, path).split(sep).join('/')}`;
      const extension = /\.[a-z0-9]+$/i.exec(name)?.[0]?.toLowerCase() ?? '';
      files.set(urlPath, {
        bytes: readFileSync(path),
        contentType: CONTENT_TYPES[extension] ?? 'application/octet-stream',
        // Assets carry a content hash in their names; the page itself must always be revalidated.
        cacheControl: urlPath.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
      });
    }
  };
  walk(root);
  return files;
}
