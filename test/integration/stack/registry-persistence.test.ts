import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { processEnv } from '../../../src/config/env.js';
import { stackOptionsFrom } from '../../../src/config/stack-options.js';
import type { DeliveryRequestValue } from '../../../src/kafka/records.js';
import { schema } from '../../../src/kafka/schemas.js';
import { createRegistryClient, registerValueCodec } from '../../../src/kafka/value-codec.js';
import { stackLayout } from '../../../src/stack/layout.js';
import {
  anyFreePort,
  runningPid,
  startDetached,
  stopProcess,
  waitUntilExited,
} from '../../../src/stack/processes.js';
import { registryAnswers } from '../../../src/stack/readiness.js';
import { registryHealthUrl, registryProcess, registryStartArgs } from '../../../src/stack/registry-node.js';
import { APICURIO_VERSION } from '../../../src/stack/versions.js';
import { waitFor } from '../harness/context.js';

const cached = stackLayout(stackOptionsFrom(processEnv()));

/**
 * The registry exactly as `stack up` starts it (same arguments, from the same cached jar), but in
 * a home of its own on a free port, so the test can kill it without touching the shared stack.
 */
describe.runIf(inject('kretryStackSource') === 'local' && existsSync(cached.registryJar))(
  'the local stack registry',
  () => {
    let home = '';

    afterAll(async () => {
      if (home === '') return;
      await stopProcess(registryProcess(stackLayout({ ...cached.options, home })), 10_000);
      await rm(home, { recursive: true, force: true });
    });

    it('keeps its schemas across a kill -9 and a restart: records written before decode after', async () => {
      home = await mkdtemp(join(tmpdir(), 'kretry-registry-'));
      const layout = stackLayout({ ...cached.options, home, registryPort: await anyFreePort() });
      await symlink(cached.registryHome, join(home, `apicurio-registry-${APICURIO_VERSION}`));
      await mkdir(layout.runDir, { recursive: true });
      const start = async (): Promise<void> => {
        await startDetached(registryProcess(layout), {
          command: 'java',
          args: registryStartArgs(layout),
          cwd: layout.registryHome,
          logFile: layout.registryLog,
        });
        await waitFor(() => registryAnswers(registryHealthUrl(layout)), {
          what: 'the registry to answer',
          timeoutMs: 90_000,
        });
      };

      await start();
      const request: DeliveryRequestValue = {
        deliveryId: 'persisted_1',
        endpointId: 'ep',
        url: 'https://example.test/hook',
        method: 'POST',
        headers: { 'x-tenant': 't1' },
        body: Buffer.from('{"n":1}'),
        contentType: 'application/json',
        createdAt: 1_700_000_000_000,
        policy: null,
        retryUnsafe: null,
        backoff: null,
      };
      // A schema registered under another subject first, so the record's schema id is not 1.
      await registerValueCodec(createRegistryClient(layout.registryUrl), 'other', schema('DeadLetter'));
      const writer = await registerValueCodec<DeliveryRequestValue>(
        createRegistryClient(layout.registryUrl),
        'persisted.ingest',
        schema('DeliveryRequest'),
      );
      const written = writer.encode(request);

      // SIGKILL: no shutdown hook gets to flush anything.
      const pid = runningPid(registryProcess(layout));
      expect(pid).toBeDefined();
      process.kill(pid as number, 'SIGKILL');
      await waitFor(() => runningPid(registryProcess(layout)) === undefined, { what: 'the registry to die' });
      // The command line goes before the listening port does; see waitUntilExited.
      await waitUntilExited(pid as number, 10_000);
      await start();

      // A fresh client: nothing cached, every id is asked of the restarted registry.
      const reader = await registerValueCodec<DeliveryRequestValue>(
        createRegistryClient(layout.registryUrl),
        'persisted.ingest',
        schema('DeliveryRequest'),
      );
      expect(await reader.decode(written)).toEqual(request);
    });
  },
);
