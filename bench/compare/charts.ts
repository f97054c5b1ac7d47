import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { PhaseResult } from './metrics.js';
import type { Charts } from './report.js';
import type { SummaryRow } from './summary.js';

const run = promisify(execFile);
const PLOT = fileURLToPath(new URL('./plot.py', import.meta.url));

/**
 * A Python venv with matplotlib, created once and reused (~/.cache/kretry/bench-venv unless
 * BENCH_COMPARE_VENV says otherwise); pip runs only when matplotlib does not import.
 */
export async function ensureVenv(dir: string | undefined, log: (line: string) => void): Promise<string> {
  const venv =
    dir ?? join(process.env['XDG_CACHE_HOME'] ?? join(homedir(), '.cache'), 'kretry', 'bench-venv');
  const python = join(venv, 'bin', 'python');
  if (!existsSync(python)) {
    log(`creating the plotting venv in ${venv}…`);
    await mkdir(venv, { recursive: true });
    await run('python3', ['-m', 'venv', venv]);
  }
  try {
    await run(python, ['-c', 'import matplotlib']);
  } catch {
    log('installing matplotlib into the plotting venv…');
    await run(python, ['-m', 'pip', 'install', '--quiet', 'matplotlib'], { maxBuffer: 16 * 1024 * 1024 });
  }
  return python;
}

/**
 * Renders the PNGs next to the markdown (`<outDir>/<stem>-throughput.png` …) and returns their
 * file names relative to it, for the markdown's image links.
 */
export async function renderCharts(
  python: string,
  outDir: string,
  stem: string,
  rows: readonly SummaryRow[],
  results: readonly PhaseResult[],
): Promise<Charts> {
  const out = {
    throughput: join(outDir, `${stem}-throughput.png`),
    lateness: join(outDir, `${stem}-lateness.png`),
    rss: join(outDir, `${stem}-rss.png`),
  };
  const input = join(outDir, `${stem}.plot.json`);
  await writeFile(input, JSON.stringify({ rows, results, out }));
  const { stdout } = await run(python, [PLOT, input]);
  const written = JSON.parse(stdout) as Record<string, string>;
  const relative = (key: string): string | undefined =>
    written[key] === undefined ? undefined : basename(written[key]);
  const charts: { throughput?: string; lateness?: string; rss?: string } = {};
  const throughput = relative('throughput');
  const lateness = relative('lateness');
  const rss = relative('rss');
  if (throughput !== undefined) charts.throughput = throughput;
  if (lateness !== undefined) charts.lateness = lateness;
  if (rss !== undefined) charts.rss = rss;
  return charts;
}
