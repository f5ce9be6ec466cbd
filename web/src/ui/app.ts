import { createApiClient } from '../api/client';
import { SignInError } from '../auth/cognito';
import type { Session, SessionEndedError, SessionManager } from '../auth/session';
import { plural } from '../format';
import { Gallery } from '../gallery/gallery';
import type { SiteConfig } from '../site-config';
import type { UploadLimits } from '../uploads/check-file';
import { type PutObject, type UploadItem, UploadQueue } from '../uploads/upload-queue';
import { Announcer, h, setChildren } from './dom';
import { GalleryView, imageName } from './gallery-view';
import { ImageDialog } from './image-dialog';
import { signInView } from './sign-in-view';
import { UploadsView } from './uploads-view';

export interface AppOptions {
  readonly root: HTMLElement;
  readonly config: SiteConfig;
  readonly session: SessionManager;
  readonly putObject: PutObject;
}

/** The page: the sign-in form, or the uploads and the gallery of the signed-in user. */
export class App {
  private readonly announcer = new Announcer();
  private readonly limits: UploadLimits;
  private queue: UploadQueue | undefined;

  constructor(private readonly options: AppOptions) {
    this.limits = options.config;
  }

  async start(): Promise<void> {
    const stored = this.options.session.current();
    if (!stored) return this.showSignIn();
    try {
      // Renews the access token if it expired since the last visit; ends the session if it cannot.
      await this.options.session.accessToken();
      this.showMain(this.options.session.current() ?? stored, false);
    } catch (error) {
      // Renewal refused: the session is over. Cognito unreachable: say so; signing in needs it too.
      this.showSignIn(error instanceof SignInError ? error.message : 'Your session has expired. Sign in again to continue.');
    }
  }

  private showSignIn(notice?: string): void {
    this.queue?.stop();
    this.queue = undefined;
    document.title = 'Sign in · Image uploads';
    setChildren(
      this.options.root,
      signInView({
        ...(notice !== undefined ? { notice } : {}),
        signIn: (username, password) => this.options.session.signIn(username, password),
        onSignedIn: (session) => this.showMain(session, true),
      }),
      this.announcer.element,
    );
  }

  private endSession(error: SessionEndedError): void {
    this.options.session.expire();
    this.showSignIn(error.message);
  }

  private showMain(session: Session, justSignedIn: boolean): void {
    const { session: manager, config } = this.options;
    const api = createApiClient({ apiUrl: config.apiUrl, accessToken: () => manager.accessToken() });
    const onSessionEnded = (error: SessionEndedError) => this.endSession(error);

    const gallery = new Gallery({ api, onChange: (state) => galleryView.render(state), onSessionEnded });
    const galleryView = new GalleryView({
      limits: this.limits,
      onOpen: (image, opener) => void dialog.open(image, opener),
      onLoadMore: () => void gallery.loadMore(),
    });
    const dialog = new ImageDialog({
      limits: this.limits,
      loadImage: (imageId) => api.getImage(imageId),
      deleteImage: (imageId) => api.deleteImage(imageId),
      onSessionEnded,
      onDeleted: (image) => {
        const next = galleryView.neighbourOf(image.imageId);
        gallery.remove(image.imageId);
        (next ?? galleryView.heading).focus();
        this.announcer.say(`${imageName(image)} was deleted.`);
      },
    });

    const queue = new UploadQueue({
      api,
      putObject: this.options.putObject,
      limits: this.limits,
      onChange: (item) => {
        uploadsView.render(item);
        this.announce(item);
      },
      onFinished: (image) => gallery.upsert(image),
      onSessionEnded,
    });
    this.queue = queue;
    const uploadsView = new UploadsView({
      limits: this.limits,
      onFiles: (files) => {
        const items = queue.add(files.map((file) => ({ name: file.name, size: file.size, type: file.type, body: file })));
        const refused = items.filter((item) => item.phase === 'refused').length;
        this.announcer.say(
          `${plural(items.length - refused, 'file')} added to the uploads${refused > 0 ? `; ${plural(refused, 'file')} not accepted` : ''}.`,
        );
      },
      onRetry: (key) => queue.retry(key),
    });

    const signOut = h('button', { type: 'button', class: 'button', onclick: () => void this.signOut() }, 'Sign out');
    document.title = 'Image uploads';
    setChildren(
      this.options.root,
      h(
        'header',
        { class: 'top-bar' },
        h('h1', {}, 'Image uploads'),
        h('div', { class: 'account' }, h('p', { class: 'who' }, 'Signed in as ', h('strong', {}, session.username)), signOut),
      ),
      h('main', { id: 'main' }, uploadsView.element, galleryView.element),
      dialog.element,
      dialog.confirm,
      this.announcer.element,
    );
    galleryView.render(gallery.state());
    void gallery.reload();
    // After signing in, the next step is choosing files; after a reload, the page starts at the top.
    if (justSignedIn) uploadsView.fileInput.focus();
  }

  private async signOut(): Promise<void> {
    this.queue?.stop();
    await this.options.session.signOut();
    this.showSignIn('You have signed out.');
  }

  private announce(item: UploadItem): void {
    if (item.phase === 'done') this.announcer.say(`${item.fileName} is uploaded and ready.`);
    else if (item.phase === 'rejected') this.announcer.say(`${item.fileName} was rejected: ${item.message ?? ''}`);
    else if (item.phase === 'failed') this.announcer.say(`${item.fileName} failed: ${item.message ?? ''}`);
    else if (item.phase === 'refused') this.announcer.say(`${item.fileName} was not uploaded: ${item.message ?? ''}`);
  }
}
