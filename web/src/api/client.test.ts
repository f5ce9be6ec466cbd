import { ApiError, createApiClient, NetworkError, UnauthorizedError } from './client';

const IMAGE_ID = '0b5c3f3e-8a7d-4b7e-9d3c-1f2e3d4c5b6a';

function fakeApi(...answers: (Response | Error)[]) {
  const requests: Request[] = [];
  const client = createApiClient({
    apiUrl: 'https://api.example.com',
    accessToken: async () => 'token-1',
    fetch: async (request) => {
      requests.push(request);
      const answer = answers.shift();
      if (!answer) throw new Error('no more answers');
      if (answer instanceof Error) throw answer;
      return answer;
    },
  });
  return { client, requests };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json', ...headers } });

describe('the API client', () => {
  it('asks for an upload URL with the access token and the file facts', async () => {
    const grant = { upload_url: 'https://s3/put', file_path: `user-uploads/u/${IMAGE_ID}.png`, image_id: IMAGE_ID, expires_in: 300, headers: { 'Content-Type': 'image/png' } };
    const { client, requests } = fakeApi(json(201, grant));

    const result = await client.createUpload({ contentType: 'image/png', contentLength: 10, fileName: 'a.png' });

    expect(result).toEqual(grant);
    const [request] = requests;
    expect(request!.method).toBe('POST');
    expect(request!.url).toBe('https://api.example.com/uploads');
    expect(request!.headers.get('authorization')).toBe('Bearer token-1');
    expect(await request!.json()).toEqual({ contentType: 'image/png', contentLength: 10, fileName: 'a.png' });
  });

  it('lists a page with the cursor of the previous one, and reads one image', async () => {
    const { client, requests } = fakeApi(json(200, { items: [], nextCursor: 'next' }), json(200, { imageId: IMAGE_ID, status: 'PENDING', createdAt: '2026-12-01T12:00:00Z' }));

    await expect(client.listImages({ limit: 12, cursor: 'abc/+=' })).resolves.toEqual({ items: [], nextCursor: 'next' });
    await expect(client.getImage(IMAGE_ID)).resolves.toMatchObject({ status: 'PENDING' });

    expect(requests.map((request) => `${request.method} ${request.url}`)).toEqual([
      'GET https://api.example.com/images?cursor=abc%2F%2B%3D&limit=12',
      `GET https://api.example.com/images/${IMAGE_ID}`,
    ]);
  });

  it('deletes an image, and takes one already gone (404 NOT_FOUND) as deleted', async () => {
    const { client, requests } = fakeApi(new Response(null, { status: 204 }), json(404, { error: { code: 'NOT_FOUND', message: 'No such image.' } }));

    await client.deleteImage(IMAGE_ID);
    await client.deleteImage(IMAGE_ID);

    expect(requests.map((request) => request.method)).toEqual(['DELETE', 'DELETE']);
  });

  it('does not take a 404 of a route that does not exist as a deletion', async () => {
    const { client } = fakeApi(json(404, { message: 'Not Found' }));

    await expect(client.deleteImage(IMAGE_ID)).rejects.toMatchObject({ status: 404, code: undefined });
  });

  it('turns an error answer into ApiError with its code, quota and Retry-After', async () => {
    const { client } = fakeApi(
      json(429, { error: { code: 'TOO_MANY_REQUESTS', message: 'Too many pending uploads.', quota: { name: 'pendingUploads', limit: 20 } } }, { 'Retry-After': '7' }),
    );

    const error = await client.createUpload({ contentType: 'image/png', contentLength: 1 }).catch((failure: unknown) => failure);

    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 429, code: 'TOO_MANY_REQUESTS', retryAfterSeconds: 7, quota: { name: 'pendingUploads', limit: 20 } });
  });

  it("reads API Gateway's own error answers, which have no code", async () => {
    const { client } = fakeApi(json(413, { message: 'Request Entity Too Large' }));

    await expect(client.createUpload({ contentType: 'image/png', contentLength: 1 })).rejects.toMatchObject({ status: 413, code: undefined, message: 'Request Entity Too Large' });
  });

  it('says a refused token (401) apart from other errors', async () => {
    const { client } = fakeApi(json(401, { message: 'Unauthorized' }));

    await expect(client.listImages()).rejects.toBeInstanceOf(UnauthorizedError);
  });

  it('turns a request that cannot be sent into NetworkError', async () => {
    const { client } = fakeApi(new TypeError('Failed to fetch'));

    await expect(client.getImage(IMAGE_ID)).rejects.toEqual(new NetworkError(false));
  });

  it('sends nothing when no token can be had (the session ended)', async () => {
    const requests: Request[] = [];
    const client = createApiClient({
      apiUrl: 'https://api.example.com',
      accessToken: async () => {
        throw new Error('session ended');
      },
      fetch: async (request) => {
        requests.push(request);
        return json(200, {});
      },
    });

    await expect(client.listImages()).rejects.toThrow('session ended');
    expect(requests).toEqual([]);
  });
});
