import { defineConfig } from 'vitest/config';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// Unit tests run in Node: WebCrypto from globalThis.crypto, IndexedDB from fake-indexeddb;
// components render with svelte/server (i18n.test.ts renders a verdict).
export default defineConfig({
	plugins: [svelte()],
	test: { environment: 'node', include: ['src/**/*.test.ts'] }
});
