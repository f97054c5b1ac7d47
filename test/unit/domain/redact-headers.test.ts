import { describe, expect, it } from 'vitest';
import {
  DEFAULT_REDACTED_HEADERS,
  REDACTED,
  redactHeaders,
  redactUrl,
} from '../../../src/domain/redact-headers.js';

describe('redactHeaders', () => {
  const stored = {
    Authorization: 'Bearer abc',
    cookie: 'session=1',
    'Proxy-Authorization': 'Basic eA==',
    'X-API-Key': 'k',
    'X-Shop-Secret': 's',
    'x-refresh-token': 't',
    'X-Tenant': 't1',
    'content-type': 'application/json',
  };

  it('hides the default credential headers, and any name with secret or token, case-insensitively', () => {
    expect(redactHeaders(stored, DEFAULT_REDACTED_HEADERS)).toEqual({
      Authorization: REDACTED,
      cookie: REDACTED,
      'Proxy-Authorization': REDACTED,
      'X-API-Key': REDACTED,
      'X-Shop-Secret': REDACTED,
      'x-refresh-token': REDACTED,
      'X-Tenant': 't1',
      'content-type': 'application/json',
    });
  });

  it('follows a configured list, and never changes the stored headers', () => {
    const shown = redactHeaders(stored, ['x-tenant']);
    expect(shown['X-Tenant']).toBe(REDACTED);
    expect(shown['Authorization']).toBe('Bearer abc');
    expect(shown['x-refresh-token']).toBe(REDACTED);
    expect(stored['X-Tenant']).toBe('t1');
  });

  it('hides secret and token names even with an empty list, empty values included', () => {
    expect(redactHeaders({ 'X-Webhook-Token': 'v', 'x-secret-key': '', Accept: '*/*' }, [])).toEqual({
      'X-Webhook-Token': REDACTED,
      'x-secret-key': REDACTED,
      Accept: '*/*',
    });
    expect(redactHeaders({}, DEFAULT_REDACTED_HEADERS)).toEqual({});
  });
});

describe('redactUrl', () => {
  it('hides a userinfo password and key-like query values, keeping the rest as written', () => {
    expect(redactUrl('https://hook:s3cret@example.com/in?x=1')).toBe(
      `https://hook:${encodeURIComponent(REDACTED)}@example.com/in?x=1`,
    );
    expect(redactUrl('https://example.com/in?api_key=abc&tenant=t1&sig=zz')).toBe(
      `https://example.com/in?api_key=${encodeURIComponent(REDACTED)}&tenant=t1&sig=${encodeURIComponent(REDACTED)}`,
    );
  });

  it('leaves URLs without credentials, and non-URLs, exactly as they are', () => {
    for (const url of ['https://example.com/a/b?tenant=1', 'http://user@example.com/', '', 'not a url'])
      expect(redactUrl(url)).toBe(url);
  });
});
