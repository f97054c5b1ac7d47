// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    // The domain is pure: no I/O, no clock, no adapters (STYLE.md, "Folders show the architecture").
    files: ['src/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*'], message: 'src/domain is pure: no Node built-ins.' },
            {
              group: ['kafkajs', '@kafkajs/*', 'pino', 'avsc', 'undici', 'prom-client', 'zod', 'commander'],
              message: 'src/domain is pure: adapters depend on the domain, never the other way.',
            },
            {
              group: [
                '../kafka/*',
                '../delivery/*',
                '../roles/*',
                '../cli/*',
                '../config/*',
                '../stack/*',
                '../observability/*',
                '../api/*',
              ],
              message: 'src/domain must not import adapters.',
            },
          ],
          paths: ['fs', 'http', 'https', 'net', 'dns', 'child_process', 'os', 'crypto'],
        },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'process', message: 'src/domain is pure: pass configuration in.' },
        { name: 'setTimeout', message: 'src/domain is pure: no timers.' },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'Pass `now` in: the domain never reads the clock.' },
        {
          object: 'Math',
          property: 'random',
          message: 'Pass `random` in: the domain never draws randomness.',
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
);
