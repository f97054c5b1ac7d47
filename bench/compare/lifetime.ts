import type { ChildProcess } from 'node:child_process';

/**
 * Children of the harness that must not outlive it, even when it dies of an uncaught error:
 * killed from the harness's `exit` handler (synchronous, so it runs whatever ended the process).
 */
const children = new Set<ChildProcess>();
let hooked = false;

export function killOnExit(child: ChildProcess): void {
  children.add(child);
  child.once('exit', () => children.delete(child));
  if (hooked) return;
  hooked = true;
  process.once('exit', () => {
    for (const c of children) c.kill('SIGKILL');
  });
}

/**
 * In a child spawned with a stdin pipe: exit when the pipe closes, i.e. when the parent is gone
 * (even by SIGKILL, which runs no handler in the parent).
 */
export function exitWithParent(): void {
  process.stdin.on('data', () => undefined);
  process.stdin.once('end', () => process.exit(0));
}
