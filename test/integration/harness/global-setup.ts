import type { TestProject } from 'vitest/node';
import { resolveStack, type StackSource } from './resolve-stack.js';

declare module 'vitest' {
  export interface ProvidedContext {
    kretryBrokers: string;
    kretryRegistryUrl: string;
    kretryStackSource: StackSource;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const stack = await resolveStack();
  project.provide('kretryBrokers', stack.brokers);
  project.provide('kretryRegistryUrl', stack.registryUrl);
  project.provide('kretryStackSource', stack.source);
  return stack.teardown;
}
