import { type ApiClient, type Image, NetworkError, UnauthorizedError } from '../api/client';
import { SessionEndedError } from '../auth/session';

/**
 * The user's images, newest first, a page at a time (GET /images with the cursor of the previous
 * page). Images finished in this tab are put in front without a reload; a deleted one is taken
 * out. Pages never show an image twice, whatever arrived in between.
 */
export interface GalleryState {
  readonly images: readonly Image[];
  /** Whether another page can be asked for. */
  readonly hasMore: boolean;
  readonly loading: boolean;
  /** Why the last page could not be loaded, in words. */
  readonly error?: string;
  /** Whether the first page has arrived. */
  readonly loaded: boolean;
}

export interface GalleryOptions {
  readonly api: Pick<ApiClient, 'listImages'>;
  readonly pageSize?: number;
  readonly onChange: (state: GalleryState) => void;
  readonly onSessionEnded: (error: SessionEndedError) => void;
}

export class Gallery {
  private images: Image[] = [];
  private cursor: string | undefined;
  private hasMore = true;
  private loading = false;
  private loaded = false;
  private error: string | undefined;

  constructor(private readonly options: GalleryOptions) {}

  state(): GalleryState {
    return {
      images: this.images,
      hasMore: this.hasMore,
      loading: this.loading,
      loaded: this.loaded,
      ...(this.error !== undefined ? { error: this.error } : {}),
    };
  }

  /** Loads the first page again, forgetting the others. */
  async reload(): Promise<void> {
    this.images = [];
    this.cursor = undefined;
    this.hasMore = true;
    this.loaded = false;
    await this.loadMore();
  }

  async loadMore(): Promise<void> {
    if (this.loading || !this.hasMore) return;
    this.loading = true;
    this.error = undefined;
    this.emit();
    try {
      const page = await this.options.api.listImages({ limit: this.options.pageSize ?? 12, ...(this.cursor !== undefined ? { cursor: this.cursor } : {}) });
      const known = new Set(this.images.map((image) => image.imageId));
      this.images = [...this.images, ...page.items.filter((image) => !known.has(image.imageId))];
      this.cursor = page.nextCursor;
      this.hasMore = page.nextCursor !== undefined;
      this.loaded = true;
    } catch (error) {
      if (error instanceof UnauthorizedError || error instanceof SessionEndedError) {
        this.loading = false;
        this.options.onSessionEnded(error instanceof SessionEndedError ? error : new SessionEndedError('expired'));
        return;
      }
      this.error =
        error instanceof NetworkError
          ? 'Your images could not be loaded: the network connection failed. Check your connection, then try again.'
          : 'Your images could not be loaded because of a problem on the server. Try again in a moment.';
    }
    this.loading = false;
    this.emit();
  }

  /** A new or changed image: replaced where it is, or put first (it is the newest). */
  upsert(image: Image): void {
    const index = this.images.findIndex((known) => known.imageId === image.imageId);
    this.images = index >= 0 ? this.images.map((known, i) => (i === index ? image : known)) : [image, ...this.images];
    this.emit();
  }

  remove(imageId: string): void {
    this.images = this.images.filter((image) => image.imageId !== imageId);
    this.emit();
  }

  private emit(): void {
    this.options.onChange(this.state());
  }
}
