import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { SingleBar } from 'cli-progress';
import { Command } from 'commander';
import { KretryError } from '../errors.js';
import { PARTITIONER } from '../kafka/kafka-client.js';
import type { DeliveryRequestValue } from '../kafka/records.js';
import { parseDeliveryInput } from '../operator/delivery-input.js';
import {
  EXIT_CODES_HELP,
  progress,
  withCommonOptions,
  withDeployment,
  writeJson,
  type CommonFlags,
} from './common.js';

interface SendFlags extends CommonFlags {
  endpoint?: string;
  url?: string;
  data?: string;
  dataFile?: string;
  header: string[];
  method?: string;
  contentType?: string;
  id?: string;
  maxAttempts?: string;
  maxAge?: string;
  file?: string;
  stdin?: boolean;
  json?: boolean;
}

const BATCH = 500;

/** Inputs, one by one, with where each came from (for error messages). */
type Input = { readonly where: string; readonly value: unknown };

function fromFlags(flags: SendFlags): Input {
  if (flags.endpoint === undefined) {
    throw new KretryError(
      'KRETRY_USAGE',
      "give --endpoint (and --url, or set the endpoint's url), or --file, or JSON lines on stdin",
    );
  }
  const headers = Object.fromEntries(
    flags.header.map((h) => {
      const at = h.indexOf(':');
      if (at <= 0) throw new KretryError('KRETRY_USAGE', `--header "${h}" must look like "Name: value"`);
      return [h.slice(0, at).trim(), h.slice(at + 1).trim()];
    }),
  );
  const text = flags.dataFile !== undefined ? readFileSync(flags.dataFile, 'utf8') : flags.data;
  let body: unknown = text;
  if (text !== undefined && (flags.contentType ?? 'application/json') === 'application/json') {
    try {
      body = JSON.parse(text);
    } catch {
      throw new KretryError('KRETRY_USAGE', '--data is not JSON; pass --content-type for another format');
    }
  }
  return {
    where: 'flags',
    value: {
      endpointId: flags.endpoint,
      ...(flags.url !== undefined && { url: flags.url }),
      ...(flags.id !== undefined && { deliveryId: flags.id }),
      ...(flags.method !== undefined && { method: flags.method }),
      ...(flags.contentType !== undefined && { contentType: flags.contentType }),
      ...(Object.keys(headers).length > 0 && { headers }),
      ...(body !== undefined && { body }),
      ...((flags.maxAttempts !== undefined || flags.maxAge !== undefined) && {
        policy: {
          ...(flags.maxAttempts !== undefined && { maxAttempts: Number(flags.maxAttempts) }),
          ...(flags.maxAge !== undefined && { maxAge: flags.maxAge }),
        },
      }),
    },
  };
}

function fromFile(path: string): Input[] {
  const text = readFileSync(path, 'utf8');
  try {
    const parsed: unknown = JSON.parse(text);
    const list: unknown[] = Array.isArray(parsed) ? (parsed as unknown[]) : [parsed];
    return list.map((value, i) => ({
      where: `${path} [${i}]`,
      value,
    }));
  } catch {
    // Not one JSON document: JSON lines.
    return text
      .split('\n')
      .map((line, i) => ({ line, i }))
      .filter(({ line }) => line.trim() !== '')
      .map(({ line, i }) => ({ where: `${path}:${i + 1}`, value: parseLine(line) }));
  }
}

const NOT_JSON = Symbol('not JSON');

function parseLine(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return NOT_JSON;
  }
}

async function* fromStdin(): AsyncGenerator<Input> {
  let n = 0;
  for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) {
    n++;
    if (line.trim() === '') continue;
    yield { where: `stdin:${n}`, value: parseLine(line) };
  }
}

export function sendCommand(): Command {
  return withCommonOptions(new Command('send'))
    .description(
      'Produce deliveries to the ingest topic: one from flags, many from --file (a JSON object, an array, or JSON lines), or JSON lines on stdin. Prints each deliveryId (its webhook-id).',
    )
    .option('-e, --endpoint <id>', 'endpoint id (the Kafka key)')
    .option('-u, --url <url>', "target URL (default: the endpoint's configured url)")
    .option('-d, --data <text>', 'request body (JSON unless --content-type says otherwise)')
    .option('--data-file <file>', 'read the request body from a file')
    .option(
      '-H, --header <header>',
      'extra header "Name: value" (repeatable)',
      (v: string, all: string[]) => [...all, v],
      [],
    )
    .option('-X, --method <method>', 'HTTP method (default POST)')
    .option('--content-type <type>', 'content type (default application/json)')
    .option('--id <deliveryId>', 'delivery id (default: a new msg_… id)')
    .option('--max-attempts <n>', "this delivery's own attempt limit")
    .option('--max-age <duration>', "this delivery's own age limit, e.g. 1h")
    .option('-f, --file <file>', 'deliveries from a JSON file (object, array or JSON lines)')
    .option(
      '--stdin',
      'read JSON lines from stdin (the default when stdin is not a terminal and no --endpoint or --file is given)',
    )
    .option('--json', 'print one JSON object per delivery instead of bare ids')
    .addHelpText(
      'after',
      `
A delivery in a file or on stdin: {"endpointId": "acme", "url": "https://…", "body": {…},
"headers": {…}, "method": "POST", "deliveryId": "…", "policy": {"maxAttempts": 5, "maxAge": "1h"},
"retryUnsafe": true}   (retryUnsafe: retry a PATCH or other non-idempotent method after a timeout too)
Invalid entries are reported with their line and skipped; the others are sent (exit code 1 then).
${EXIT_CODES_HELP}

Examples:
  kretry send -e acme -u https://example.com/hooks -d '{"type":"invoice.paid","id":42}'
  kretry send --file deliveries.json
  jq -c '.[]' events.json | kretry send --json > sent.jsonl`,
    )
    .action(async (flags: SendFlags) => {
      const bulk = flags.endpoint === undefined && flags.file === undefined;
      const useStdin = flags.stdin === true || (bulk && !process.stdin.isTTY);
      if (!useStdin && flags.file === undefined) fromFlags(flags); // usage errors before connecting
      await withDeployment(flags, async (d) => {
        const producer = d.kafka.producer({
          createPartitioner: PARTITIONER,
          idempotent: true,
          maxInFlightRequests: 1,
        });
        await producer.connect();
        const showBar = process.stderr.isTTY && (useStdin || flags.file !== undefined);
        const bar = new SingleBar({
          format: 'sending |{bar}| {value} sent, {invalid} invalid',
          stream: process.stderr,
          hideCursor: true,
        });
        let sent = 0;
        let invalid = 0;
        let pending: DeliveryRequestValue[] = [];
        const flush = async (): Promise<void> => {
          if (pending.length === 0) return;
          await producer.send({
            topic: d.topology.ingest,
            messages: pending.map((r) => ({ key: r.endpointId, value: d.codecs.ingest.encode(r) })),
          });
          for (const r of pending) {
            if (flags.json === true) writeJson({ deliveryId: r.deliveryId, endpointId: r.endpointId });
            else process.stdout.write(`${r.deliveryId}\n`);
          }
          sent += pending.length;
          pending = [];
          if (showBar) bar.update(sent, { invalid });
        };
        if (showBar) bar.start(0, 0, { invalid: 0 });
        try {
          const inputs: AsyncIterable<Input> | Iterable<Input> = useStdin
            ? fromStdin()
            : flags.file !== undefined
              ? fromFile(flags.file)
              : [fromFlags(flags)];
          for await (const input of inputs) {
            const parsed =
              input.value === NOT_JSON
                ? { problem: 'not a JSON object' }
                : parseDeliveryInput(input.value, Date.now());
            if ('problem' in parsed) {
              invalid++;
              if (showBar) bar.setTotal(sent + pending.length + invalid);
              process.stderr.write(`${showBar ? '\n' : ''}kretry: ${input.where}: ${parsed.problem}\n`);
              continue;
            }
            pending.push(parsed.request);
            if (showBar) bar.setTotal(sent + pending.length + invalid);
            if (pending.length >= BATCH) await flush();
          }
          await flush();
        } finally {
          if (showBar) bar.stop();
          await producer.disconnect();
        }
        progress(
          `sent ${sent} deliver${sent === 1 ? 'y' : 'ies'} to ${d.topology.ingest}${invalid > 0 ? `; ${invalid} invalid skipped` : ''}`,
        );
        if (invalid > 0) process.exitCode = 1;
      });
    });
}
