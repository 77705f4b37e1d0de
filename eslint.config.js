import { dirname, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const ROOT = dirname(fileURLToPath(import.meta.url));

/**
 * The direction of dependencies between the top-level directories (docs/wiring.md): the wiring and the event
 * contracts sit at the bottom, `shared/` above them, the deployables (`functions/`, `infra/`) on top. For each
 * directory, the ones it must not import, with why.
 */
const FORBIDDEN_IMPORTS = {
  shared: { functions: 'a handler is a deployable, not a library', infra: 'the CDK app and the local runtime are not part of any Lambda' },
  wiring: {
    shared: 'the wiring sits below shared/ (move what both need into wiring/)',
    functions: 'the wiring names function entries by path, it never imports them',
    infra: 'the CDK app and the local runtime read the wiring, not the other way round',
  },
  events: {
    shared: 'event contracts sit below shared/ (move what both need into events/)',
    functions: 'a contract is not a handler',
    infra: 'a contract is not deployment code',
  },
  functions: { functions: 'a function imports no other function (move what they share into shared/)' },
};

/** The top-level directory a file lies in, relative to the repository; undefined outside it. */
const topDirectoryOf = (file) => {
  const path = relative(ROOT, file);
  return path.startsWith('..') || !path.includes(sep) ? undefined : path.split(sep)[0];
};

/** `smartshelf/layer-imports`: a relative import (or re-export, or dynamic import) across a forbidden direction. */
const layerImports = {
  meta: { type: 'problem', messages: { forbidden: '{{from}}/ must not import {{to}}/ ({{importPath}}): {{why}}.' }, schema: [] },
  create(context) {
    const from = topDirectoryOf(context.filename);
    const forbidden = from === undefined ? undefined : FORBIDDEN_IMPORTS[from];
    if (!forbidden) return {};
    const check = (source) => {
      if (!source || typeof source.value !== 'string' || !source.value.startsWith('.')) return;
      const to = topDirectoryOf(resolve(dirname(context.filename), source.value));
      const why = to === undefined ? undefined : forbidden[to];
      if (why) context.report({ node: source, messageId: 'forbidden', data: { from, to, importPath: source.value, why } });
    };
    return {
      ImportDeclaration: (node) => check(node.source),
      ExportNamedDeclaration: (node) => check(node.source),
      ExportAllDeclaration: (node) => check(node.source),
      ImportExpression: (node) => check(node.source.type === 'Literal' ? node.source : undefined),
    };
  },
};

export default tseslint.config(
  { ignores: ['node_modules/**', 'cdk.out/**', '.smartshelf/**', 'bench/results/**', 'bench/.work/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly' } },
    plugins: { smartshelf: { rules: { 'layer-imports': layerImports } } },
    rules: {
      'smartshelf/layer-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': ['error', { allow: ['warn', 'error'] }],
    },
  },
  {
    files: ['infra/local/**', 'infra/scripts/**', 'bench/**', 'test/**'],
    rules: { 'no-console': 'off' },
  },
  {
    // The staff console runs in the browser.
    files: ['console/src/**'],
    languageOptions: {
      globals: {
        window: 'readonly',
        document: 'readonly',
        location: 'readonly',
        history: 'readonly',
        navigator: 'readonly',
        fetch: 'readonly',
        crypto: 'readonly',
        sessionStorage: 'readonly',
        localStorage: 'readonly',
        addEventListener: 'readonly',
        removeEventListener: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        URLSearchParams: 'readonly',
        TextEncoder: 'readonly',
        Intl: 'readonly',
        Blob: 'readonly',
        btoa: 'readonly',
      },
    },
  },
);
