import { readFileSync } from 'node:fs';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApiPath } from '../../../src/api/routes.js';
import { startEngineFixture, type EngineFixture } from '../harness/engine-fixture.js';

/**
 * Schema-driven fuzzing of every route of the admin API against openapi/openapi.json, on a real
 * engine: requests generated from the document (valid ones, and invalid ones made by breaking
 * it), each answered status checked against the operation's documented responses and each JSON
 * body against the documented schema. Every request the document calls invalid must get a 4xx,
 * and no request may get a 5xx. The seed is fixed so a failure reproduces; the count is printed.
 */

const TOKEN = 'fuzz-token-0123456789';

interface Operation {
  readonly parameters?: readonly { name: string; in: string; required?: boolean; schema: unknown }[];
  readonly requestBody?: { required?: boolean; content: Record<string, { schema: unknown }> };
  readonly responses: Record<string, { $ref?: string; content?: Record<string, { schema: unknown }> }>;
  readonly security?: readonly unknown[];
}

const doc = JSON.parse(readFileSync(openApiPath(), 'utf8')) as {
  paths: Record<string, Record<string, Operation>>;
  components: { responses: Record<string, { content?: Record<string, { schema: unknown }> }> };
};
const DOC_ID = 'kretry-openapi';
const ajv = new Ajv2020({ strict: false, validateFormats: false, validateSchema: false });
ajv.addSchema({ ...doc, $id: DOC_ID });

const compiled = new Map<string, ValidateFunction>();

/** A validator for a schema of the document, its `$ref`s resolved against the document. */
function validatorFor(schema: unknown): ValidateFunction {
  const text = JSON.stringify(schema).replaceAll('"#/components/', `"${DOC_ID}#/components/`);
  let validate = compiled.get(text);
  if (validate === undefined) {
    validate = ajv.compile(JSON.parse(text) as object);
    compiled.set(text, validate);
  }
  return validate;
}

const aString = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.constantFrom('', ' ', '%', '%ZZ', '..', 'ep-1', 'a'.repeat(300), '\u0000', 'ep\nx', '%00', '%0A'),
);
const aQueryValue = fc.oneof(
  aString,
  fc.integer().map(String),
  fc.constantFrom('open', 'closed', '0', '-1', '1001'),
);
const aJson = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.record(
    {
      url: fc.oneof(fc.webUrl(), aString, fc.constant(null)),
      secrets: fc.oneof(
        fc.array(fc.constantFrom('whsec_c2VjcmV0', 'env:SECRET_A', 'plain', ''), { maxLength: 12 }),
        aString,
      ),
      policy: fc.oneof(
        fc.constant(null),
        fc.record(
          {
            maxAttempts: fc.oneof(fc.integer({ min: -5, max: 60 }), fc.constant(null), aString),
            maxAge: fc.oneof(
              fc.constantFrom('10h', '73h', '0s', '5x', '2m'),
              fc.integer(),
              fc.constant(null),
            ),
            tiers: fc.oneof(
              fc.array(fc.constantFrom('1s', '2s', '3s', 1000, 2000, 'x'), { maxLength: 3 }),
              fc.constant(null),
            ),
            extra: fc.anything({ maxDepth: 1 }),
          },
          { requiredKeys: [] },
        ),
      ),
      disableOn404: fc.oneof(fc.boolean(), fc.constant(null), aString),
      deliveryId: aString,
      endpointId: aString,
      reason: fc.constantFrom('exhausted', 'max_attempts', 'max_age', 'permanent_failure', 'nope'),
      by: fc.oneof(aString, fc.constant('ops')),
      note: aString,
    },
    { requiredKeys: [] },
  ),
);

interface Generated {
  readonly path: string;
  readonly query: Record<string, string>;
  readonly body: { readonly present: boolean; readonly value: unknown; readonly raw?: string };
  readonly token: string | null;
}

function requestsFor(template: string, op: Operation): fc.Arbitrary<Generated> {
  const params = op.parameters ?? [];
  const pathParams = params.filter((p) => p.in === 'path');
  const queryParams = params.filter((p) => p.in === 'query');
  return fc.record({
    // '', '.' and '..' as a path segment are not a request to this route: the URL itself changes
    // (`/endpoints//config`, `/config`), and the answer is that of another path.
    path: fc
      .tuple(...pathParams.map(() => aString.filter((v) => v !== '' && v !== '.' && v !== '..')))
      .map((values) =>
        pathParams.reduce(
          (path, p, i) => path.replace(`{${p.name}}`, encodeURIComponent(values[i] ?? '')),
          template,
        ),
      ),
    query: fc
      .tuple(...queryParams.map(() => fc.option(aQueryValue, { nil: undefined })))
      .map((values) =>
        Object.fromEntries(
          queryParams.flatMap((p, i) => (values[i] === undefined ? [] : [[p.name, values[i]]])),
        ),
      ),
    body: fc.oneof(
      fc.constant({ present: false, value: undefined }),
      aJson.map((value) => ({ present: true, value })),
      fc.constantFrom('{', 'null', '[]', '"x"').map((raw) => ({ present: true, value: undefined, raw })),
    ),
    token: fc.oneof(
      { weight: 8, arbitrary: fc.constant(TOKEN) },
      fc.constantFrom(null, 'wrong-token-000000000'),
    ),
  });
}

/** What the document says about a request: is it one the document allows? */
function requestIsValid(op: Operation, request: Generated): boolean {
  const needsToken = op.security === undefined || op.security.length > 0;
  if (needsToken && request.token !== TOKEN) return false;
  for (const p of op.parameters ?? []) {
    const value = p.in === 'path' ? decodeURIComponentSafe(request.path, p.name) : request.query[p.name];
    if (value === undefined) {
      if (p.required === true) return false;
      continue;
    }
    const schema = p.schema as { type?: string };
    const typed = schema.type === 'integer' && /^-?\d+$/.test(value) ? Number(value) : value;
    if (!validatorFor(p.schema)(typed)) return false;
  }
  const body = op.requestBody;
  if (body === undefined) return true;
  if (!request.body.present) return body.required !== true;
  if (request.body.raw !== undefined) return false;
  const schema = body.content['application/json']?.schema;
  return schema === undefined || validatorFor(schema)(request.body.value);
}

/** The raw path segment a parameter got, decoded (the router decodes it the same way). */
function decodeURIComponentSafe(path: string, _name: string): string | undefined {
  const segment = path.split('/')[2];
  if (segment === undefined) return undefined;
  try {
    return decodeURIComponent(segment);
  } catch {
    return '\u0000'; // undecodable: invalid whatever the schema says
  }
}

describe('admin API contract (schema-driven fuzzing)', () => {
  let fx: EngineFixture;
  let base: string;
  let requests = 0;
  const violations: string[] = [];

  beforeAll(async () => {
    fx = await startEngineFixture({ KRETRY_TIERS: '1s,2s', KRETRY_API_TOKEN: TOKEN });
    base = fx.engine?.apiUrl ?? '';
  });

  afterAll(async () => {
    process.stderr.write(`[contract fuzz] ${requests} requests, ${violations.length} contract violations\n`);
    await fx.stop();
  });

  const operations = Object.entries(doc.paths).flatMap(([template, ops]) =>
    Object.entries(ops).map(([method, op]) => ({ template, method: method.toUpperCase(), op })),
  );

  it.each(operations.map((o) => [`${o.method} ${o.template}`, o] as const))(
    '%s: documented answers only, 4xx for what the document refuses, never 5xx',
    async (_name, { template, method, op }) => {
      // Writes (config, resolve) reach Kafka: fewer runs keep the suite short.
      const runs = method === 'GET' ? 120 : 60;
      await fc.assert(
        fc.asyncProperty(requestsFor(template, op), async (request) => {
          requests++;
          const url = new URL(`${base}${request.path}`);
          for (const [k, v] of Object.entries(request.query)) url.searchParams.set(k, v);
          const headers: Record<string, string> = {};
          if (request.token !== null) headers['authorization'] = `Bearer ${request.token}`;
          let body: string | undefined;
          if (request.body.present && method !== 'GET') {
            headers['content-type'] = 'application/json';
            body = request.body.raw ?? JSON.stringify(request.body.value);
          }
          const response = await fetch(url, { method, headers, ...(body !== undefined && { body }) });
          const text = await response.text();
          const where = `${method} ${url.pathname}${url.search} ${body ?? ''} → ${response.status} ${text.slice(0, 200)}`;
          const problems: string[] = [];
          if (response.status >= 500) problems.push('a 5xx');
          // A GET sends no body whatever was generated.
          const sent: Generated =
            body === undefined ? { ...request, body: { present: false, value: undefined } } : request;
          const valid = requestIsValid(op, sent);
          if (!valid && (response.status < 400 || response.status >= 500))
            problems.push('the document refuses this request, but the server did not answer 4xx');
          const documented = op.responses[String(response.status)];
          if (documented === undefined) problems.push(`status ${response.status} is not documented`);
          const content =
            documented?.$ref !== undefined
              ? doc.components.responses[documented.$ref.split('/').pop() ?? '']?.content
              : documented?.content;
          const schema = content?.['application/json']?.schema;
          if (schema !== undefined) {
            const check = validatorFor(schema);
            if (!check(JSON.parse(text) as unknown))
              problems.push(`the body does not match the document: ${ajv.errorsText(check.errors)}`);
          }
          if (problems.length > 0) violations.push(`${where}: ${problems.join('; ')}`);
          expect(problems, where).toEqual([]);
        }),
        { numRuns: runs, seed: 20261124, endOnFailure: true },
      );
    },
    120_000,
  );
});
