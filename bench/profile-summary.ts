/**
 * Self time by function and by module from a V8 .cpuprofile (bench/profile-dispatcher.ts):
 * `npx tsx bench/profile-summary.ts <file.cpuprofile> [top]`.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
}
interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

const [file, topText] = process.argv.slice(2);
if (file === undefined || file === '--help') {
  process.stdout.write('npx tsx bench/profile-summary.ts <file.cpuprofile> [top]\n');
  process.exit(file === undefined ? 1 : 0);
}
const top = Number(topText ?? '30');
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const selfUs = new Map<number, number>();
profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
const byFunction = new Map<string, number>();
const byModule = new Map<string, number>();
for (const [id, us] of selfUs) {
  const frame = byId.get(id)?.callFrame;
  if (frame === undefined) continue;
  const module = frame.url
    .replace(/^.*node_modules\//, 'node_modules/')
    .replace(/^file:\/\/.*?\/(src|bench)\//, '$1/');
  const name = `${frame.functionName || '(anonymous)'} ${module}:${frame.lineNumber + 1}`;
  byFunction.set(name, (byFunction.get(name) ?? 0) + us);
  const key = module.startsWith('node_modules/')
    ? module.split('/').slice(0, 2).join('/')
    : module || '(native)';
  byModule.set(key, (byModule.get(key) ?? 0) + us);
}
const print = (title: string, map: Map<string, number>): void => {
  process.stdout.write(`${title}\n`);
  for (const [name, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top))
    process.stdout.write(`  ${((100 * us) / total).toFixed(1).padStart(5)} %  ${name}\n`);
};
print(`self time by module (total ${(total / 1e6).toFixed(1)} s)`, byModule);
print('self time by function', byFunction);
