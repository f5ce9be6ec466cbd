import type { Image } from '../api/client';
import { formatDateTime } from '../format';
import type { GalleryState } from '../gallery/gallery';
import type { UploadLimits } from '../uploads/check-file';
import { statusMessage } from '../uploads/messages';
import { h, setChildren } from './dom';

export interface GalleryViewOptions {
  readonly limits: UploadLimits;
  readonly onOpen: (image: Image, opener: HTMLElement) => void;
  readonly onLoadMore: () => void;
}

/** A readable name for an image: its file name, or when it was uploaded. */
export const imageName = (image: Pick<Image, 'fileName' | 'createdAt'>): string => image.fileName ?? `Image uploaded ${formatDateTime(image.createdAt)}`;

/**
 * The user's images as a grid of buttons, newest first: a thumbnail for finished ones, the status
 * in words for the others. "Show more" loads the next page and keeps the focus in the grid.
 */
export class GalleryView {
  readonly element: HTMLElement;
  readonly heading: HTMLHeadingElement;
  private readonly grid: HTMLUListElement;
  private readonly status: HTMLParagraphElement;
  private readonly more: HTMLButtonElement;
  private readonly tiles = new Map<string, { image: Image; item: HTMLLIElement }>();

  constructor(private readonly options: GalleryViewOptions) {
    this.heading = h('h2', { id: 'gallery-heading', tabindex: -1 }, 'Your images');
    this.grid = h('ul', { class: 'gallery', 'aria-labelledby': 'gallery-heading' });
    this.status = h('p', { class: 'gallery-status', role: 'status' });
    this.more = h('button', { type: 'button', class: 'button', hidden: true, onclick: () => options.onLoadMore() }, 'Show more images');
    this.element = h('section', { class: 'panel', 'aria-labelledby': 'gallery-heading' }, this.heading, this.status, this.grid, this.more);
  }

  render(state: GalleryState): void {
    const items = state.images.map((image) => this.tile(image));
    // Appended in order; existing nodes move rather than being re-created, so loaded thumbnails stay.
    items.forEach((item, index) => {
      if (this.grid.children[index] !== item) this.grid.insertBefore(item, this.grid.children[index] ?? null);
    });
    while (this.grid.children.length > items.length) this.grid.lastElementChild!.remove();
    const ids = new Set(state.images.map((image) => image.imageId));
    for (const id of [...this.tiles.keys()]) if (!ids.has(id)) this.tiles.delete(id);

    this.grid.setAttribute('aria-busy', String(state.loading));
    this.more.hidden = !state.hasMore || !state.loaded;
    this.more.disabled = state.loading;
    this.more.textContent = state.loading && state.loaded ? 'Loading…' : 'Show more images';
    if (state.error) {
      setChildren(this.status, state.error, ' ', h('button', { type: 'button', class: 'button link', onclick: () => this.options.onLoadMore() }, 'Try again'));
      this.status.classList.add('error');
    } else {
      this.status.classList.remove('error');
      this.status.textContent = !state.loaded ? 'Loading your images…' : state.images.length === 0 ? 'No images yet. Upload some above.' : '';
    }
  }

  /** The tile that follows (or else precedes) an image, to move the focus to after it is deleted. */
  neighbourOf(imageId: string): HTMLElement | undefined {
    const item = this.tiles.get(imageId)?.item;
    const next = (item?.nextElementSibling ?? item?.previousElementSibling) as HTMLElement | null | undefined;
    return next?.querySelector('button') ?? undefined;
  }

  tileButton(imageId: string): HTMLButtonElement | undefined {
    return this.tiles.get(imageId)?.item.querySelector('button') ?? undefined;
  }

  private tile(image: Image): HTMLLIElement {
    const known = this.tiles.get(image.imageId);
    if (known && known.image === image) return known.item;
    const item = known?.item ?? h('li', { 'data-image-id': image.imageId });
    const name = imageName(image);
    const thumbnail = image.status === 'DONE' ? image.renditions?.[0] : undefined;
    const button = h(
      'button',
      { type: 'button', class: `tile${thumbnail ? '' : ' tile-status'}`, 'data-status': image.status },
      thumbnail
        ? h('span', { class: 'thumb' }, h('img', { src: thumbnail.url, alt: name, width: thumbnail.width, height: thumbnail.height, loading: 'lazy', decoding: 'async' }))
        : h('span', { class: 'thumb placeholder', 'aria-hidden': 'true' }, image.status === 'PENDING' ? '…' : '!'),
      h('span', { class: 'tile-name', 'aria-hidden': thumbnail ? 'true' : undefined }, name),
      thumbnail ? undefined : h('span', { class: 'tile-note' }, statusMessage(image, this.options.limits)),
    );
    button.addEventListener('click', () => this.options.onOpen(this.tiles.get(image.imageId)?.image ?? image, button));
    setChildren(item, button);
    this.tiles.set(image.imageId, { image, item });
    return item;
  }
}
