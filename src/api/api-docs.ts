import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Route } from './http.js';

/**
 * Interactive API documentation at `/docs`: Swagger UI from the `swagger-ui-dist` package, served by
 * the API itself (no CDN: an operator's network may have no way out), reading `/openapi.json`.
 * Like `/openapi.json` it needs no token: it shows the contract, and every call made from it still
 * carries the token the user enters under "Authorize".
 */
export function apiDocsRoutes(): readonly Route[] {
  const dist = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  const cache = new Map<string, string>();
  const file = (name: string): string => {
    let text = cache.get(name);
    if (text === undefined) {
      text = readFileSync(join(dist, name), 'utf8');
      cache.set(name, text);
    }
    return text;
  };
  return [
    {
      method: 'GET',
      path: '/docs',
      auth: false,
      handler: () => ({ status: 200, body: DOCS_PAGE, contentType: 'text/html; charset=utf-8' }),
    },
    {
      method: 'GET',
      path: '/docs/swagger-ui.css',
      auth: false,
      handler: () => ({ status: 200, body: file('swagger-ui.css'), contentType: 'text/css; charset=utf-8' }),
    },
    {
      method: 'GET',
      path: '/docs/swagger-ui-bundle.js',
      auth: false,
      handler: () => ({
        status: 200,
        body: file('swagger-ui-bundle.js'),
        contentType: 'text/javascript; charset=utf-8',
      }),
    },
    {
      method: 'GET',
      path: '/docs/init.js',
      auth: false,
      handler: () => ({ status: 200, body: INIT_SCRIPT, contentType: 'text/javascript; charset=utf-8' }),
    },
  ];
}

const INIT_SCRIPT = `window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#swagger-ui', deepLinking: true });\n`;

const DOCS_PAGE = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>kretry admin API</title>
    <link rel="stylesheet" href="/docs/swagger-ui.css" />
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="/docs/swagger-ui-bundle.js"></script>
    <script src="/docs/init.js"></script>
  </body>
</html>
`;
