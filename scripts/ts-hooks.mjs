// Node module hooks that let plain `node` run the project's TypeScript sources directly
// (benchmarks, fixture builders): extensionless relative imports resolve to .ts/.tsx files,
// and .ts files are transpiled by esbuild on load. import.meta.url stays the source file's.
import { transform } from 'esbuild';
import { readFile } from 'node:fs/promises';
import { existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const EXTENSIONS = ['.ts', '.tsx', '/index.ts'];

export async function resolve(specifier, context, nextResolve) {
  const relative = specifier.startsWith('./') || specifier.startsWith('../') || specifier.startsWith('/') || specifier.startsWith('file:');
  if (relative && context.parentURL?.startsWith('file:') && !/\.(m?js|cjs|json|node)$/.test(specifier)) {
    const base = new URL(specifier, context.parentURL);
    const path = fileURLToPath(base);
    // A directory (or nothing) at that path: look for the .ts file or the folder's index.ts.
    if (!existsSync(path) || statSync(path).isDirectory()) {
      for (const ext of EXTENSIONS) {
        const candidate = new URL(base.href.replace(/\/$/, '') + ext);
        if (existsSync(fileURLToPath(candidate))) return { url: candidate.href, shortCircuit: true, format: 'module' };
      }
    }
  }
  return nextResolve(specifier, context);
}

export async function load(url, context, nextLoad) {
  if (url.startsWith('file:') && /\.tsx?$/.test(url)) {
    const source = await readFile(fileURLToPath(url), 'utf8');
    const { code } = await transform(source, {
      loader: url.endsWith('.tsx') ? 'tsx' : 'ts',
      format: 'esm',
      target: 'node20',
      sourcemap: 'inline',
      sourcefile: fileURLToPath(url),
    });
    return { format: 'module', source: code, shortCircuit: true };
  }
  return nextLoad(url, context);
}
