import { type Image, NetworkError, UnauthorizedError } from '../api/client';
import { SessionEndedError } from '../auth/session';
import { formatBytes, formatDateTime, formatDimensions } from '../format';
import type { UploadLimits } from '../uploads/check-file';
import { statusMessage } from '../uploads/messages';
import { h, setChildren } from './dom';
import { imageName } from './gallery-view';

export interface ImageDialogOptions {
  readonly limits: UploadLimits;
  /** Fresh details and rendition URLs (they are short-lived). */
  readonly loadImage: (imageId: string) => Promise<Image>;
  readonly deleteImage: (imageId: string) => Promise<void>;
  /** The image is gone; the caller moves the focus and says so. */
  readonly onDeleted: (image: Image) => void;
  readonly onSessionEnded: (error: SessionEndedError) => void;
}

/** Rendition URLs this close to expiry are renewed before showing. */
const URL_MARGIN_MS = 30_000;

/**
 * One image, large, with its dimensions and size, in a modal dialog (keyboard: Escape closes, the
 * focus stays inside and returns to the tile afterwards). Deleting asks for confirmation in a
 * second dialog whose safe choice, Cancel, has the focus.
 */
export class ImageDialog {
  readonly element: HTMLDialogElement;
  readonly confirm: HTMLDialogElement;
  private image: Image | undefined;
  private opener: HTMLElement | undefined;
  private deleted = false;

  constructor(private readonly options: ImageDialogOptions) {
    this.element = h('dialog', { class: 'image-dialog', 'aria-labelledby': 'image-dialog-title' });
    this.element.addEventListener('close', () => {
      if (!this.deleted) this.opener?.focus();
    });
    this.confirm = h('dialog', { class: 'confirm-dialog', role: 'alertdialog', 'aria-labelledby': 'confirm-title', 'aria-describedby': 'confirm-text' });
  }

  async open(image: Image, opener: HTMLElement): Promise<void> {
    this.opener = opener;
    this.deleted = false;
    this.show(image, undefined);
    this.element.showModal();
    const expiresAt = image.urlsExpireAt ? Date.parse(image.urlsExpireAt) : Number.POSITIVE_INFINITY;
    if (image.status === 'PENDING' || expiresAt - URL_MARGIN_MS < Date.now()) {
      try {
        this.show(await this.options.loadImage(image.imageId), undefined);
      } catch (error) {
        if (this.sessionEnded(error)) return;
        this.show(image, 'The latest details could not be loaded. The picture may not show; close and open it again.');
      }
    }
  }

  private show(image: Image, problem: string | undefined): void {
    this.image = image;
    const name = imageName(image);
    const renditions = image.status === 'DONE' ? (image.renditions ?? []) : [];
    const large = renditions.reduce<(typeof renditions)[number] | undefined>((best, rendition) => (!best || rendition.width > best.width ? rendition : best), undefined);
    const details: [string, string][] = [
      ...(image.width && image.height ? [['Dimensions', formatDimensions(image.width, image.height)] as [string, string]] : []),
      ...(image.bytes !== undefined ? [['Size', formatBytes(image.bytes)] as [string, string]] : []),
      ...(image.format ? [['Format', image.format.toUpperCase()] as [string, string]] : []),
      ['Uploaded', formatDateTime(image.createdAt)],
      ['Status', statusMessage(image, this.options.limits)],
    ];
    const close = h('button', { type: 'button', class: 'button', autofocus: true, onclick: () => this.element.close() }, 'Close');
    setChildren(
      this.element,
      h(
        'div',
        { class: 'dialog-body' },
        h('h2', { id: 'image-dialog-title' }, name),
        large
          ? h('img', { class: 'large', src: large.url, alt: `${name}, ${formatDimensions(large.width, large.height)}`, width: large.width, height: large.height })
          : undefined,
        h('dl', { class: 'details' }, details.map(([term, value]) => h('div', {}, h('dt', {}, term), h('dd', {}, value)))),
        problem ? h('p', { class: 'form-error', role: 'alert' }, problem) : undefined,
        h(
          'div',
          { class: 'actions' },
          h('button', { type: 'button', class: 'button danger', onclick: () => this.askToDelete() }, 'Delete…'),
          close,
        ),
      ),
    );
    close.focus();
  }

  private askToDelete(): void {
    const image = this.image;
    if (!image) return;
    const name = imageName(image);
    const error = h('p', { class: 'form-error', role: 'alert' });
    const cancel = h('button', { type: 'button', class: 'button', onclick: () => this.confirm.close() }, 'Cancel');
    const remove = h('button', { type: 'button', class: 'button danger' }, 'Delete');
    remove.addEventListener('click', () => {
      remove.disabled = true;
      remove.textContent = 'Deleting…';
      error.textContent = '';
      this.options.deleteImage(image.imageId).then(
        () => {
          this.deleted = true;
          this.confirm.close();
          this.element.close();
          this.options.onDeleted(image);
        },
        (failure: unknown) => {
          if (this.sessionEnded(failure)) return;
          remove.disabled = false;
          remove.textContent = 'Delete';
          error.textContent =
            failure instanceof NetworkError
              ? 'The image was not deleted: the network connection failed. Check your connection, then try again.'
              : 'The image was not deleted because of a problem on the server. Try again in a moment.';
          remove.focus();
        },
      );
    });
    setChildren(
      this.confirm,
      h(
        'div',
        { class: 'dialog-body' },
        h('h2', { id: 'confirm-title' }, `Delete ${name}?`),
        h('p', { id: 'confirm-text' }, 'The image and all its sizes are deleted for good. This cannot be undone.'),
        error,
        h('div', { class: 'actions' }, remove, cancel),
      ),
    );
    this.confirm.showModal();
    cancel.focus();
  }

  private sessionEnded(error: unknown): boolean {
    if (!(error instanceof UnauthorizedError || error instanceof SessionEndedError)) return false;
    this.confirm.close();
    this.deleted = true;
    this.element.close();
    this.options.onSessionEnded(error instanceof SessionEndedError ? error : new SessionEndedError('expired'));
    return true;
  }
}
