import { cognitoEndpointOf, parseSiteConfig, SiteConfigError } from './site-config';

const valid = {
  apiUrl: 'https://abc123.execute-api.eu-west-1.amazonaws.com/',
  region: 'eu-west-1',
  userPoolId: 'eu-west-1_AbC123',
  userPoolClientId: '4tq1example0client0id0abcd',
  cognitoEndpoint: 'https://cognito-idp.eu-west-1.amazonaws.com/',
  maxUploadBytes: 26_214_400,
  allowedContentTypes: ['image/jpeg', 'IMAGE/PNG'],
  maxInputPixels: 50_000_000,
};

describe('site configuration (config.json)', () => {
  it('accepts a deployment description, without trailing slashes and with lower-case types', () => {
    const config = parseSiteConfig(valid);

    expect(config).toEqual({
      ...valid,
      apiUrl: 'https://abc123.execute-api.eu-west-1.amazonaws.com',
      cognitoEndpoint: 'https://cognito-idp.eu-west-1.amazonaws.com',
      allowedContentTypes: ['image/jpeg', 'image/png'],
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('accepts the local pool ids of cognito-local', () => {
    expect(parseSiteConfig({ ...valid, userPoolId: 'local_6o3tbbRJ', apiUrl: 'http://localhost:3000', cognitoEndpoint: 'http://localhost:9229' }).userPoolId).toBe('local_6o3tbbRJ');
  });

  it('lists every problem at once', () => {
    const attempt = () =>
      parseSiteConfig({ ...valid, apiUrl: 'javascript:alert(1)', region: 'Europe', maxUploadBytes: -1, allowedContentTypes: ['text/html'], userPoolClientId: undefined });

    expect(attempt).toThrow(SiteConfigError);
    expect(attempt).toThrow(/apiUrl must be an http\(s\) URL; .*region must match.*userPoolClientId.*maxUploadBytes must be a positive whole number.*allowedContentTypes/s);
  });

  it('refuses what is not an object', () => {
    expect(() => parseSiteConfig([])).toThrow('not a JSON object');
    expect(() => parseSiteConfig(null)).toThrow('not a JSON object');
  });

  it('knows where Cognito answers in a region', () => {
    expect(cognitoEndpointOf('us-east-1')).toBe('https://cognito-idp.us-east-1.amazonaws.com/');
  });
});
