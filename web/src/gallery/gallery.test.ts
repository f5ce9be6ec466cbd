import { ApiError, type Image, type ImagePage, NetworkError, UnauthorizedError } from '../api/client';
import type { SessionEndedError } from '../auth/session';
import { Gallery, type GalleryState } from './gallery';

const image = (n: number): Image => ({ imageId: `00000000-0000-4000-8000-0000000000${String(n).padStart(2, '0')}`, status: 'DONE', createdAt: `2026-12-01T12:${String(60 - n).padStart(2, '0')}:00Z` });

function setUp(...answers: (ImagePage | Error)[]) {
  const asked: { cursor?: string; limit?: number }[] = [];
  const states: GalleryState[] = [];
  const ended: SessionEndedError[] = [];
  const gallery = new Gallery({
    api: {
      async listImages(options = {}) {
        asked.push(options);
        const answer = answers.shift();
        if (!answer) throw new Error('no more pages');
        if (answer instanceof Error) throw answer;
        return answer;
      },
    },
    pageSize: 2,
    onChange: (state) => states.push(state),
    onSessionEnded: (error) => ended.push(error),
  });
  return { gallery, asked, states, ended };
}

const ids = (state: GalleryState) => state.images.map((known) => known.imageId.slice(-2));

describe('the gallery', () => {
  it('loads pages newest first with the cursor of the previous page, until there is none', async () => {
    const { gallery, asked } = setUp({ items: [image(1), image(2)], nextCursor: 'c1' }, { items: [image(3)] });

    await gallery.reload();
    expect(gallery.state()).toMatchObject({ hasMore: true, loaded: true, loading: false });
    await gallery.loadMore();
    await gallery.loadMore();

    expect(ids(gallery.state())).toEqual(['01', '02', '03']);
    expect(gallery.state().hasMore).toBe(false);
    expect(asked).toEqual([{ limit: 2 }, { limit: 2, cursor: 'c1' }]);
  });

  it('puts a newly finished image first, replaces a known one, and never shows one twice', async () => {
    const { gallery } = setUp({ items: [image(2), image(3)], nextCursor: 'c1' }, { items: [image(1), image(4)] });
    await gallery.reload();

    gallery.upsert(image(1));
    gallery.upsert({ ...image(2), status: 'REJECTED' });
    await gallery.loadMore();

    expect(ids(gallery.state())).toEqual(['01', '02', '03', '04']);
    expect(gallery.state().images[1]!.status).toBe('REJECTED');
  });

  it('takes out a deleted image', async () => {
    const { gallery } = setUp({ items: [image(1), image(2)] });
    await gallery.reload();

    gallery.remove(image(1).imageId);

    expect(ids(gallery.state())).toEqual(['02']);
  });

  it('says in words why a page could not be loaded, and loads it when asked again', async () => {
    const { gallery } = setUp(new NetworkError(false), new ApiError(500, 'INTERNAL_ERROR', 'x'), { items: [image(1)] });

    await gallery.reload();
    expect(gallery.state().error).toBe('Your images could not be loaded: the network connection failed. Check your connection, then try again.');
    await gallery.loadMore();
    expect(gallery.state().error).toBe('Your images could not be loaded because of a problem on the server. Try again in a moment.');
    await gallery.loadMore();

    expect(gallery.state().error).toBeUndefined();
    expect(ids(gallery.state())).toEqual(['01']);
  });

  it('ends the session when the token is refused', async () => {
    const { gallery, ended } = setUp(new UnauthorizedError());

    await gallery.reload();

    expect(ended.map((error) => error.reason)).toEqual(['expired']);
  });

  it('asks for one page at a time', async () => {
    const { gallery, asked } = setUp({ items: [image(1)], nextCursor: 'c' }, { items: [] });

    await Promise.all([gallery.reload(), gallery.loadMore()]);

    expect(asked).toHaveLength(1);
  });
});
