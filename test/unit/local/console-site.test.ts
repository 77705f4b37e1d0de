import { describe, expect, it } from 'vitest';
import { CONSOLE_CSP, consoleResponse } from '../../../infra/local/console-site.js';

const FILES = new Map<string, Buffer>([
  ['index.html', Buffer.from('<!doctype html>')],
  ['assets/main.js', Buffer.from('import("./orders-ABCDEFGH.js")')],
  ['assets/orders-ABCDEFGH.js', Buffer.from('export default 1')],
  ['assets/styles.css', Buffer.from('body{}')],
]);

describe('the console site', () => {
  it('redirects /admin to /admin/ and serves index.html there and at /admin/index.html, never cached', () => {
    expect(consoleResponse(FILES, 'GET', '/admin')).toMatchObject({ status: 308, headers: { location: '/admin/' } });
    for (const path of ['/admin/', '/admin/index.html']) {
      const response = consoleResponse(FILES, 'GET', path)!;
      expect(response.status).toBe(200);
      expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(response.headers['cache-control']).toBe('no-cache');
      expect(String(response.body)).toBe('<!doctype html>');
    }
  });

  it('serves assets with their content type: hashed chunks immutable, the entry and the stylesheet revalidated', () => {
    expect(consoleResponse(FILES, 'GET', '/admin/assets/orders-ABCDEFGH.js')!.headers).toMatchObject({
      'content-type': 'text/javascript; charset=utf-8',
      'cache-control': 'public, max-age=31536000, immutable',
    });
    expect(consoleResponse(FILES, 'GET', '/admin/assets/main.js')!.headers).toMatchObject({ 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-cache' });
    expect(consoleResponse(FILES, 'HEAD', '/admin/assets/styles.css')!.headers).toMatchObject({ 'content-type': 'text/css; charset=utf-8', 'cache-control': 'no-cache' });
  });

  it('sends the CSP of the design and the API security headers on every file', () => {
    for (const path of ['/admin', '/admin/', '/admin/assets/main.js']) {
      const headers = consoleResponse(FILES, 'GET', path)!.headers;
      expect(headers['content-security-policy']).toBe(CONSOLE_CSP);
      expect(headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
      expect(headers['x-content-type-options']).toBe('nosniff');
      expect(headers['x-frame-options']).toBe('DENY');
    }
    expect(CONSOLE_CSP).toContain("script-src 'self'");
    expect(CONSOLE_CSP).toContain("frame-ancestors 'none'");
  });

  it('answers nothing (the gateway 404s) for unknown files, other paths and anything that climbs out of the build', () => {
    for (const path of [
      '/admin/assets/nope.js',
      '/admin/orders',
      '/admin/assets/../../package.json',
      '/admin/assets/..%2F..%2Fpackage.json',
      '/admin/assets/sub/main.js',
      '/admin/../package.json',
      '/administrator',
      '/adminassets/main.js',
      '/package.json',
    ]) {
      expect(consoleResponse(FILES, 'GET', path), path).toBeUndefined();
    }
  });

  it('refuses methods other than GET and HEAD on its files with 405 and Allow', () => {
    expect(consoleResponse(FILES, 'POST', '/admin/')).toMatchObject({ status: 405, headers: { allow: 'GET, HEAD' } });
    expect(consoleResponse(FILES, 'DELETE', '/admin/assets/main.js')).toMatchObject({ status: 405 });
  });
});
