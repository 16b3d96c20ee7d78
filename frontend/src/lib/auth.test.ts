import { describe, expect, it } from 'vitest';
import { base64url, codeChallenge, cognitoBaseUrl, safeNext } from './auth.ts';
import { parseConfig } from './config.ts';

describe('PKCE', () => {
  it('derives the S256 challenge of RFC 7636 appendix B', async () => {
    expect(await codeChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
  });

  it('encodes base64url without padding', () => {
    expect(base64url(new Uint8Array([251, 255, 191]))).toBe('-_-_');
    expect(base64url(new Uint8Array([1]))).toBe('AQ');
  });
});

describe('sign-in helpers', () => {
  it('accepts only same-site paths as the place to return to', () => {
    expect(safeNext('/organizations/acme/issues/1/')).toBe('/organizations/acme/issues/1/');
    expect(safeNext('//evil.example/')).toBe('/');
    expect(safeNext('https://evil.example/')).toBe('/');
    expect(safeNext('/\\evil.example')).toBe('/');
    expect(safeNext(null)).toBe('/');
  });

  it('accepts a hosted-UI domain with or without its scheme', () => {
    const auth = { kind: 'cognito' as const, region: 'eu-west-1', userPoolId: 'p', clientId: 'c', domain: 'ferret.auth.eu-west-1.amazoncognito.com' };
    expect(cognitoBaseUrl(auth)).toBe('https://ferret.auth.eu-west-1.amazoncognito.com');
    expect(cognitoBaseUrl({ ...auth, domain: 'https://login.example.com/' })).toBe('https://login.example.com');
  });
});

describe('parseConfig', () => {
  it('reads a local configuration with a same-origin API', () => {
    expect(parseConfig({ apiUrl: '', dsnBaseUrl: 'http://localhost:3000', auth: { kind: 'local' } })).toEqual({
      apiUrl: '',
      dsnBaseUrl: 'http://localhost:3000',
      auth: { kind: 'local' },
    });
  });

  it('names the missing Cognito field', () => {
    expect(() => parseConfig({ apiUrl: '', auth: { kind: 'cognito', region: 'eu-west-1', userPoolId: 'p', domain: 'd' } })).toThrow(
      /auth\.clientId/,
    );
  });

  it('rejects an unknown sign-in kind', () => {
    expect(() => parseConfig({ apiUrl: '', auth: { kind: 'saml' } })).toThrow(/auth\.kind/);
  });
});
