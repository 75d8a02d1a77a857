// ESLint for the two frontends, their API client package (packages/api-client) and the Playwright specs; formatting is Prettier's (`npm run format`),
// so eslint-config-prettier switches off the rules that would fight it.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import ts from 'typescript-eslint';
import organiserSvelteConfig from './organiser_app/svelte.config.js';
import scannerSvelteConfig from './scanner_pwa/svelte.config.js';

export default ts.config(
	{ ignores: ['**/build/', '**/dist/', '**/.svelte-kit/', 'packages/api-client/src/schema.d.ts'] },
	js.configs.recommended,
	...ts.configs.recommended,
	...svelte.configs.recommended,
	prettier,
	...svelte.configs.prettier,
	{
		languageOptions: { globals: { ...globals.browser, ...globals.node } },
		rules: {
			// Both apps build their links as `{base}/...` with `base` from $app/paths (the scanner is not
			// SvelteKit and has no resolve()); moving every link to resolve() is a change of its own.
			'svelte/no-navigation-without-resolve': 'off'
		}
	},
	{
		files: ['**/*.svelte', '**/*.svelte.ts', '**/*.svelte.js'],
		languageOptions: { parserOptions: { parser: ts.parser, extraFileExtensions: ['.svelte'] } }
	},
	{
		files: ['organiser_app/**/*.svelte', 'organiser_app/**/*.svelte.ts'],
		languageOptions: { parserOptions: { svelteConfig: organiserSvelteConfig } }
	},
	{
		files: ['scanner_pwa/**/*.svelte', 'scanner_pwa/**/*.svelte.ts'],
		languageOptions: { parserOptions: { svelteConfig: scannerSvelteConfig } }
	}
);
