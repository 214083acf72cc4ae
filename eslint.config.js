// Lint: typescript-eslint's recommended rules, plus the layer boundaries of ARCHITECTURE.md
// (codecs and libraries never import application roles).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const appRoles = ['connector', 'router', 'tserver', 'web', 'app', 'cli', 'uc', 'stats', 'reporting'];
const noAppImports = (layer) => ({
  files: [`src/${layer}/**/*.ts`],
  rules: {
    'no-restricted-imports': ['error', {
      patterns: appRoles.map((r) => ({ group: [`**/${r}/**`, `**/${r}/index.ts`], message: `${layer}/ must not import ${r}/ (imports point inward).` })),
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
  noAppImports('tlib'),
  noAppImports('lib'),
  noAppImports('config'),
  noAppImports('store'),
);
