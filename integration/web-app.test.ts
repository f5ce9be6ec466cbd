import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { InitiateAuthCommand } from '@aws-sdk/client-cognito-identity-provider';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { stackClients } from '../workbench/aws-clients';
import { loadDemoConfig } from '../workbench/config';
import { readStackFile, signIn, type StackDescription } from '../workbench/stack-client';
import { formatBytes } from '../web/src/format';
import { ARTIFACTS_DIR, launchChromium, type RunningBrowser } from './support/browser';
import { type ComposeStack, startComposeStack } from './support/compose-stack';
import { logoWithTransparency, portraitPhotoWithOrientation6 } from './support/web-pictures';

/**
 * The web app in a real browser (Debian's Chromium, headless, driven by playwright-core) against
 * the whole local stack from docker-compose.yml, as a person uses it: sign in, upload three files
 * at once, watch them finish, open one, delete one, be refused a file that is too large, sign out.
 * Screenshots go to .local/artifacts/web/.
 *
 * BROWSER_SUITE_STACK_FILE=.local/stack.json runs it against a stack that is already up (npm run
 * stack:up) instead of starting one: quicker while working on the page.
 */

/** Small, so the file refused in the browser is small too; config.json tells the page. */
const MAX_UPLOAD_BYTES = 2 * 1024 * 1024;
const PROCESSING_DEADLINE_MS = 90_000;

let running: ComposeStack | undefined;
let clients: ComposeStack['clients'];
let accessToken: string;
let maxUploadBytes: number;
let browser: RunningBrowser | undefined;
let stack: StackDescription;
let page: Page;
const demo = loadDemoConfig();
const requests: { method: string; url: string }[] = [];
const pageErrors: string[] = [];
const files: { name: string; mimeType: string; buffer: Buffer }[] = [];
const imageIds = new Map<string, string>();

beforeAll(async () => {
  const [photo, logo] = await Promise.all([portraitPhotoWithOrientation6(), logoWithTransparency()]);
  files.push(
    { name: 'sunset.jpg', mimeType: 'image/jpeg', buffer: photo },
    { name: 'logo.png', mimeType: 'image/png', buffer: logo },
    // Bytes of a web page under an image's name: the browser believes the name, the processor reads the bytes.
    { name: 'invoice.png', mimeType: 'image/png', buffer: Buffer.from('<!doctype html><html><body><h1>Invoice 2026-117</h1></body></html>') },
  );
  const existing = process.env.BROWSER_SUITE_STACK_FILE;
  if (existing) {
    stack = readStackFile(existing);
    clients = stackClients(stack.endpoints);
    ({ accessToken } = await signIn(clients.cognito, stack.userPoolClientId, demo.username, demo.password));
  } else {
    running = await startComposeStack({ MAX_UPLOAD_BYTES: String(MAX_UPLOAD_BYTES) });
    ({ stack, clients, accessToken } = running);
  }
  maxUploadBytes = stack.uploadLimits.maxUploadBytes;
  browser = await launchChromium();
  page = browser.page;
  page.on('request', (request) => requests.push({ method: request.method(), url: request.url() }));
  page.on('pageerror', (error) => pageErrors.push(error.message));
});

afterAll(async () => {
  await browser?.close();
  await running?.down();
});

const screenshot = (name: string, target: Page | Locator = page) => target.screenshot({ path: join(ARTIFACTS_DIR, `${name}.png`) });
const uploadRow = (name: string) => page.locator('li.upload').filter({ has: page.locator('.file-name', { hasText: new RegExp(`^${name.replace('.', '\\.')}$`) }) });
const tile = (name: string) => page.locator(`.gallery li[data-image-id="${imageIds.get(name)}"] button`);
const activeElementText = () => page.evaluate(() => document.activeElement?.textContent?.trim() ?? document.activeElement?.id);
const countRecords = async () => (await clients.dynamoDb.send(new ScanCommand({ TableName: stack.imagesTable, Select: 'COUNT' }))).Count ?? 0;

/** Every image of these rows loaded and painted: decoded with a real size, not a broken icon. */
async function loadedImages(selector: string): Promise<{ alt: string; width: number; height: number }[]> {
  await page.waitForFunction(
    (css) => {
      const images = [...document.querySelectorAll<HTMLImageElement>(css)];
      return images.length > 0 && images.every((image) => image.complete && image.naturalWidth > 0);
    },
    selector,
    { timeout: 20_000 },
  );
  return page.$$eval(selector, (images) => (images as HTMLImageElement[]).map((image) => ({ alt: image.alt, width: image.naturalWidth, height: image.naturalHeight })));
}

describe('the web app in a real browser', () => {
  it('signs in as the demo user, after saying in words that a wrong password is wrong', async () => {
    await page.goto(stack.endpoints.gateway);
    await page.getByLabel('Username').fill(demo.username);
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'The username or password is not correct.' }).waitFor();
    expect(await page.getByLabel('Password').getAttribute('aria-invalid')).toBe('true');
    await screenshot('sign-in-refused');

    await page.getByLabel('Password').fill(demo.password);
    await page.getByRole('button', { name: 'Sign in' }).click();

    await page.getByText(`Signed in as ${demo.username}`).waitFor();
    // The next step is choosing files: the focus is there.
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('file-input');
  });

  it('uploads three files chosen in one go, each with a progress bar that reaches 100 %', async () => {
    await page.locator('#file-input').setInputFiles(files);

    await page.waitForFunction(
      (count) => {
        const bars = [...document.querySelectorAll<HTMLProgressElement>('li.upload progress')];
        return bars.length === count && bars.every((bar) => bar.max > 0 && bar.value === bar.max);
      },
      files.length,
      { timeout: 30_000 },
    );
    for (const file of files) {
      const bar = uploadRow(file.name).locator('progress');
      // Bytes sent of the file's own size.
      expect([file.name, await bar.evaluate((element: HTMLProgressElement) => [element.value, element.max])]).toEqual([file.name, [file.buffer.length, file.buffer.length]]);
    }
    const uploads = requests.filter((request) => request.method === 'PUT' && request.url.startsWith(stack.endpoints.s3));
    expect(uploads).toHaveLength(3);
  });

  it('ends with two images done, their thumbnails displayed (the oriented one portrait), and the third rejected in words', async () => {
    await page.waitForFunction(
      () => [...document.querySelectorAll('li.upload')].every((row) => ['done', 'rejected', 'failed'].includes((row as HTMLElement).dataset.phase ?? '')),
      undefined,
      { timeout: PROCESSING_DEADLINE_MS },
    );
    const phases = Object.fromEntries(await Promise.all(files.map(async (file) => [file.name, await uploadRow(file.name).getAttribute('data-phase')])));
    expect(phases).toEqual({ 'sunset.jpg': 'done', 'logo.png': 'done', 'invoice.png': 'rejected' });
    expect(await uploadRow('invoice.png').locator('.upload-status').textContent()).toBe('Rejected: This file is not an image.');

    const thumbnails = await loadedImages('li.upload img');
    expect(thumbnails).toEqual([
      // Newest row first.
      { alt: 'Thumbnail of logo.png', width: 256, height: 192 },
      // Stored 1200 × 900 with EXIF orientation 6: shown upright, portrait.
      { alt: 'Thumbnail of sunset.jpg', width: 192, height: 256 },
    ]);

    // The gallery shows them too, newest first, without a reload.
    for (const item of await page.locator('.gallery li').all()) {
      imageIds.set((await item.locator('.tile-name').textContent())!, (await item.getAttribute('data-image-id'))!);
    }
    expect([...imageIds.keys()].sort()).toEqual(['invoice.png', 'logo.png', 'sunset.jpg']);
    const galleryThumbnails = await loadedImages('.gallery img');
    expect(galleryThumbnails.map((image) => image.alt).sort()).toEqual(['logo.png', 'sunset.jpg']);
    expect(galleryThumbnails.find((image) => image.alt === 'sunset.jpg')).toMatchObject({ width: 192, height: 256 });
    expect(await tile('invoice.png').textContent()).toContain('This file is not an image.');

    await screenshot('uploads');
    await screenshot('gallery', page.locator('section', { has: page.locator('#gallery-heading') }));
  });

  it('opens an image from the keyboard: the large rendition, its dimensions and size; Escape returns to the tile', async () => {
    await tile('sunset.jpg').focus();
    await page.keyboard.press('Enter');

    const dialog = page.getByRole('dialog', { name: 'sunset.jpg' });
    await dialog.waitFor();
    const [large] = await loadedImages('dialog[open] img.large');
    expect(large).toEqual({ alt: 'sunset.jpg, 900 × 1200 pixels', width: 900, height: 1200 });
    const details = await dialog.locator('dl').innerText();
    expect(details).toContain('Dimensions\n900 × 1200 pixels');
    expect(details).toContain(`Size\n${formatBytes(files[0]!.buffer.length)}`);
    expect(details).toContain('Format\nJPEG');
    expect(await activeElementText()).toBe('Close');
    await screenshot('image-dialog');

    await page.keyboard.press('Escape');

    await dialog.waitFor({ state: 'hidden' });
    expect(await tile('sunset.jpg').evaluate((button) => button === document.activeElement)).toBe(true);
  });

  it('deletes an image after a confirmation, and it is gone after a reload', async () => {
    const logoId = imageIds.get('logo.png')!;
    await tile('logo.png').click();
    await page.getByRole('dialog', { name: 'logo.png' }).getByRole('button', { name: 'Delete…' }).click();
    const confirmation = page.getByRole('alertdialog', { name: 'Delete logo.png?' });
    await confirmation.waitFor();
    // The safe choice has the focus.
    expect(await activeElementText()).toBe('Cancel');
    await screenshot('delete-confirmation');

    await confirmation.getByRole('button', { name: 'Delete', exact: true }).click();

    await page.locator(`.gallery li[data-image-id="${logoId}"]`).waitFor({ state: 'detached' });
    await page.getByTestId('announcer').filter({ hasText: 'logo.png was deleted.' }).waitFor({ state: 'attached' });
    // The API agrees: the image is gone.
    const gone = await fetch(`${stack.endpoints.gateway}/images/${logoId}`, { headers: { Authorization: `Bearer ${accessToken}` } });
    expect(gone.status).toBe(404);

    await page.reload();

    // Still signed in (the session lives in the tab), and the gallery no longer has it.
    await tile('sunset.jpg').waitFor();
    await loadedImages('.gallery img');
    expect(await page.locator('.gallery li').evaluateAll((items) => items.map((item) => item.getAttribute('data-image-id')))).toEqual(
      expect.not.arrayContaining([logoId]),
    );
    expect(await page.locator('.gallery li').count()).toBe(2);
  });

  it('refuses a file over the size limit in the browser, before any request', async () => {
    const recordsBefore = await countRecords();
    const sent = requests.length;
    const huge = { name: 'huge.jpg', mimeType: 'image/jpeg', buffer: Buffer.alloc(maxUploadBytes + 1, 0xff) };

    await page.locator('#file-input').setInputFiles([huge]);

    await uploadRow('huge.jpg').waitFor();
    expect(await uploadRow('huge.jpg').getAttribute('data-phase')).toBe('refused');
    const bytes = (count: number) => `${count.toLocaleString('en-US')} bytes`;
    expect(await uploadRow('huge.jpg').locator('.upload-status').textContent()).toBe(
      `Not uploaded: This file is ${bytes(maxUploadBytes + 1)}; files up to ${bytes(maxUploadBytes)} (${formatBytes(maxUploadBytes)}) are accepted.`,
    );
    expect(await uploadRow('huge.jpg').locator('progress').count()).toBe(0);
    // A request the page makes now is logged after anything the choice of file could have started.
    expect(await page.evaluate(() => fetch('/health').then((response) => response.status))).toBe(200);
    expect(requests.slice(sent).map((request) => `${request.method} ${request.url}`)).toEqual([`GET ${stack.endpoints.gateway}/health`]);
    expect(await countRecords()).toBe(recordsBefore);
  });

  it('fits a phone-sized screen', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.reload();
    await loadedImages('.gallery img');

    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBe(0);
    await screenshot('phone');
    await page.setViewportSize({ width: 1280, height: 860 });
  });

  it('asks to sign in again when the API refuses the session, never showing an error page', async () => {
    // A token the API cannot verify any more (as after the pool's keys change): same claims, other signature.
    await page.evaluate(() => {
      const session = JSON.parse(sessionStorage.getItem('imgproc.session')!) as { accessToken: string };
      const [header, payload] = session.accessToken.split('.');
      sessionStorage.setItem('imgproc.session', JSON.stringify({ ...session, accessToken: `${header}.${payload}.AAAA` }));
    });

    await page.reload();

    await page.getByText('Your session has expired. Sign in again to continue.').waitFor();
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('username');
    await screenshot('session-expired');
    await page.getByLabel('Username').fill(demo.username);
    await page.getByLabel('Password').fill(demo.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await tile('sunset.jpg').waitFor();
  });

  it('signs out: the session is forgotten and its refresh token revoked', async () => {
    const refreshToken = await page.evaluate(() => (JSON.parse(sessionStorage.getItem('imgproc.session')!) as { refreshToken: string }).refreshToken);

    await page.getByRole('button', { name: 'Sign out' }).click();

    await page.getByText('You have signed out.').waitFor();
    expect(await page.evaluate(() => sessionStorage.getItem('imgproc.session'))).toBeNull();
    await expect(
      clients.cognito.send(new InitiateAuthCommand({ AuthFlow: 'REFRESH_TOKEN_AUTH', ClientId: stack.userPoolClientId, AuthParameters: { REFRESH_TOKEN: refreshToken } })),
    ).rejects.toMatchObject({ name: 'NotAuthorizedException' });
    await page.reload();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();

    // Nothing along the way reached the person as a script error.
    expect(pageErrors).toEqual([]);
    expect(await page.locator('#unexpected').count()).toBe(0);
  });
});
