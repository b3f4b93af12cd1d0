import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The docs are a README and reference pages beside the code they describe (README "Documentation").
 * Every relative link in them must reach a file that exists and, with `#anchor`, a heading of that
 * file (GitHub's slugs), so a page that moves or a heading that is renamed breaks this test.
 */
const ROOT = resolve(import.meta.dirname, '../..');
const SKIP = new Set(['node_modules', '.git', '.burnrate', 'cdk.out', 'coverage']);

function markdownFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    if (SKIP.has(name)) return [];
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return markdownFiles(path);
    return name.endsWith('.md') ? [path] : [];
  });
}

/** Lines outside fenced code blocks. */
function prose(text: string): string[] {
  let fence = false;
  return text.split('\n').filter((line) => {
    if (line.startsWith('```')) fence = !fence;
    return !fence && !line.startsWith('```');
  });
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function anchors(text: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const line of prose(text)) {
    const m = /^#{1,6} (.*)$/.exec(line);
    if (!m?.[1]) continue;
    const base = m[1]
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N}_\- ]/gu, '')
      .replaceAll(' ', '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

function links(text: string): string[] {
  // Markdown links and images, and the HTML <img src> the README uses for a sized picture.
  return prose(text).flatMap((line) =>
    [...line.matchAll(/\]\(([^)\s]+)\)|<img src="([^"]+)"/g)].map((m) => m[1] ?? m[2] ?? ''),
  );
}

const files = markdownFiles(ROOT);

describe('documentation links', () => {
  it('finds the README and the reference pages', () => {
    const names = files.map((f) => relative(ROOT, f));
    expect(names).toEqual(expect.arrayContaining(['README.md', 'infra/README.md', 'shared/core/LEDGER.md']));
  });

  it('the README lists every reference page', () => {
    const listed = new Set(links(readFileSync(join(ROOT, 'README.md'), 'utf8')));
    const pages = files
      .map((f) => relative(ROOT, f))
      .filter((f) => f.endsWith('README.md') && f !== 'README.md');
    expect(pages.filter((p) => !listed.has(p))).toEqual([]);
  });

  it.each(files.map((f) => [relative(ROOT, f), f]))('every relative link in %s resolves', (_name, file) => {
    const text = readFileSync(file, 'utf8');
    const broken: string[] = [];
    for (const target of links(text)) {
      if (/^[a-z]+:/i.test(target)) continue; // https:, mailto:
      const [path = '', anchor] = target.split('#');
      const to = path === '' ? file : resolve(dirname(file), path);
      if (!existsSync(to)) {
        broken.push(`${target}: no such file`);
        continue;
      }
      if (anchor !== undefined && to.endsWith('.md') && !anchors(readFileSync(to, 'utf8')).has(anchor))
        broken.push(`${target}: no such heading`);
    }
    expect(broken).toEqual([]);
  });

  it('reads an <img src> as a link', () => {
    expect(links('<img src="approval-page.png" alt="x">')).toEqual(['approval-page.png']);
  });

  it('anchors follow GitHub: punctuation dropped, repeats numbered', () => {
    expect(
      anchors('# Guard: stopping a runaway\n## IAM, least privilege\n## Projects\n## Projects\n'),
    ).toEqual(new Set(['guard-stopping-a-runaway', 'iam-least-privilege', 'projects', 'projects-1']));
  });
});
