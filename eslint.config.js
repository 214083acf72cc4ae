// Lint: typescript-eslint's recommended rules, plus the layer boundaries of ARCHITECTURE.md
// (codecs and libraries never import application roles; the two wire protocols share lib/, never
// each other).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const appRoles = ['connector', 'router', 'tserver', 'web', 'app', 'cli', 'uc', 'stats', 'reporting'];
/** `layer` must not import an application role, nor any of `also` (sibling layers it must not reach). */
const noAppImports = (layer, also = []) => ({
  files: [`src/${layer}/**/*.ts`],
  rules: {
    'no-restricted-imports': ['error', {
      patterns: [
        ...appRoles.map((r) => ({ group: [`**/${r}/**`, `**/${r}/index.ts`], message: `${layer}/ must not import ${r}/ (imports point inward).` })),
        ...also.map((r) => ({ group: [`**/${r}/**`, `**/${r}/index.ts`], message: `${layer}/ must not import ${r}/ (what both need lives in lib/).` })),
      ],
    }],
  },
});

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'client/dist/**', 'artifacts/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { console: 'readonly', process: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setImmediate: 'readonly', URL: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  noAppImports('sip'),
  noAppImports('presence'),
  noAppImports('tlib', ['preview']),
  // What T-Lib and the preview protocol share (KV lists, value rules, ReferenceIDs, the framed-JSON
  // wire kit) lives in lib/.
  noAppImports('preview', ['tlib']),
  noAppImports('lib', ['tlib', 'preview']),
  noAppImports('config'),
  noAppImports('store'),
);
