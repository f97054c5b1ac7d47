import { describe, expect, it } from 'vitest';
import { serverProperties } from '../../../src/stack/kafka-node.js';
import { stackLayout } from '../../../src/stack/layout.js';

describe('the local broker configuration', () => {
  const layout = stackLayout({
    home: '/tmp/kretry-home',
    host: '127.0.0.1',
    kafkaPort: 19092,
    controllerPort: 19093,
    registryPort: 18081,
  });
  const properties = new Map(
    serverProperties(layout)
      .split('\n')
      .filter((line) => line.includes('='))
      .map((line) => line.split('=', 2) as [string, string]),
  );

  it('runs one combined KRaft node on the configured ports', () => {
    expect(properties.get('process.roles')).toBe('broker,controller');
    expect(properties.get('listeners')).toBe('PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19093');
    expect(properties.get('advertised.listeners')).toBe('PLAINTEXT://127.0.0.1:19092');
    expect(properties.get('log.dirs')).toBe('/tmp/kretry-home/run/kafka-data');
  });

  it('lets transactions initialise on a single node', () => {
    expect(properties.get('offsets.topic.replication.factor')).toBe('1');
    expect(properties.get('transaction.state.log.replication.factor')).toBe('1');
    expect(properties.get('transaction.state.log.min.isr')).toBe('1');
  });

  it('derives the client addresses from the options', () => {
    expect(layout.bootstrap).toBe('127.0.0.1:19092');
    expect(layout.registryUrl).toBe('http://127.0.0.1:18081/apis/ccompat/v7');
  });
});
