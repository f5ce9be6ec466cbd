import { createCognitoClient } from './auth/cognito';
import { SessionManager } from './auth/session';
import { parseSiteConfig, type SiteConfig } from './site-config';
import { App } from './ui/app';
import { h, setChildren } from './ui/dom';
import { putObjectWithProgress } from './uploads/put-object';

/**
 * Starts the page: reads config.json (served beside it), then shows the sign-in form or the
 * signed-in user's uploads and gallery. Whatever goes wrong, the user reads a sentence, never a
 * stack trace.
 */

const root = document.getElementById('app')!;

function showFatal(message: string): void {
  setChildren(
    root,
    h('main', { id: 'main', class: 'fatal' }, h('h1', {}, 'Image uploads'), h('p', { role: 'alert' }, message), h('button', { type: 'button', class: 'button', onclick: () => location.reload() }, 'Reload the page')),
  );
}

/** A problem no part of the page handled: one calm sentence, details only in the console. */
function showUnexpected(error: unknown): void {
  console.error('unexpected error', error);
  const banner = document.getElementById('unexpected') ?? document.body.appendChild(h('div', { id: 'unexpected', class: 'banner', role: 'alert' }));
  setChildren(banner, 'Something went wrong on this page. ', h('button', { type: 'button', class: 'button link', onclick: () => location.reload() }, 'Reload the page'), ' to continue.');
}

async function loadConfig(): Promise<SiteConfig> {
  const response = await fetch(new URL('config.json', document.baseURI), { cache: 'no-store' });
  if (!response.ok) throw new Error(`config.json answered ${response.status}`);
  return parseSiteConfig(await response.json());
}

async function main(): Promise<void> {
  window.addEventListener('error', (event) => showUnexpected(event.error));
  window.addEventListener('unhandledrejection', (event) => showUnexpected(event.reason));
  let config: SiteConfig;
  try {
    config = await loadConfig();
  } catch (error) {
    console.error('cannot load config.json', error);
    return showFatal('This page cannot start: its settings could not be loaded. Reload the page; if this keeps happening, tell the site administrator.');
  }
  const cognito = createCognitoClient({ endpoint: config.cognitoEndpoint, clientId: config.userPoolClientId });
  const session = new SessionManager({ cognito, storage: window.sessionStorage });
  await new App({ root, config, session, putObject: putObjectWithProgress }).start();
}

void main();
