import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../../../src/package-root.js';

/**
 * Nothing in the repository may point outside it: a clone has no sibling folders and no one's home
 * directory. The patterns are assembled so this file does not match itself.
 */
const root = packageRoot();
const OUTSIDE = [
  new RegExp(['\\.\\.', 'shared'].join('/')),
  new RegExp(['', 'work', ''].join('/')),
  new RegExp(['', 'home', '[a-z_][a-z0-9_-]*', ''].join('/')),
  new RegExp(['', 'root', ''].join('/')),
  new RegExp(['', 'Users', '[^/\\s]+', ''].join('/')),
];

function trackedFiles(): string[] {
  return execFileSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8' })
    .split('\0')
    .filter((path) => path !== '' && !path.startsWith('node_modules/') && path !== 'package-lock.json')
    .filter((path) => existsSync(join(root, path)));
}

/** Markdown links and images `[text](target)` and reference definitions `[id]: target`. */
function links(markdown: string): string[] {
  const withoutCode = markdown.replace(/^```[\s\S]*?^```/gm, '');
  const inline = [...withoutCode.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)];
  const references = [...withoutCode.matchAll(/^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/gm)];
  return [...inline, ...references].map((m) => m[1] ?? '');
}

const isRelative = (target: string): boolean => !/^([a-z][a-z0-9+.-]*:|#|\/\/)/i.test(target);

function markdownFiles(): string[] {
  const docs = existsSync(join(root, 'docs'))
    ? readdirSync(join(root, 'docs'))
        .filter((name) => name.endsWith('.md'))
        .map((name) => join('docs', name))
    : [];
  return ['README.md', ...docs];
}

describe('links and paths', () => {
  it('no tracked file points outside the repository', () => {
    const hits: string[] = [];
    for (const path of trackedFiles()) {
      const text = readFileSync(join(root, path), 'utf8');
      text.split('\n').forEach((line, i) => {
        if (OUTSIDE.some((pattern) => pattern.test(line))) hits.push(`${path}:${i + 1}: ${line.trim()}`);
      });
    }
    expect(hits).toEqual([]);
  });

  it('the outside-path patterns catch what they are meant to', () => {
    for (const sample of [
      `see [design](${['..', 'shared', 'DESIGN.md'].join('/')})`,
      ['', 'work', 'main', 'x'].join('/'),
      ['', 'home', 'alice', '.cache'].join('/'),
      ['', 'Users', 'bob', 'x'].join('/'),
    ]) {
      expect(
        OUTSIDE.some((p) => p.test(sample)),
        sample,
      ).toBe(true);
    }
    expect(OUTSIDE.some((p) => p.test('docs/architecture.md'))).toBe(false);
  });

  it('finds the markdown links it checks', () => {
    expect(links('a [x](docs/a.md#b) b ![i](img.png) [y]: other.md\n[w](https://x.y)')).toEqual([
      'docs/a.md#b',
      'img.png',
      'https://x.y',
    ]);
  });

  it('every relative link in README.md and docs/*.md resolves to a file in the repository', () => {
    const broken: string[] = [];
    const files = markdownFiles();
    expect(files.length).toBeGreaterThan(1);
    for (const file of files) {
      for (const target of links(readFileSync(join(root, file), 'utf8')).filter(isRelative)) {
        const path = decodeURIComponent(target.split('#')[0] ?? '');
        if (path === '') continue;
        const absolute = resolve(dirname(join(root, file)), path);
        const inside = !relative(root, absolute).startsWith(`..${sep}`) && relative(root, absolute) !== '..';
        if (!inside || !existsSync(absolute)) broken.push(`${file}: ${target}`);
      }
    }
    expect(broken).toEqual([]);
  });
});
