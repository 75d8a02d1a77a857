import { defineConfig } from 'vitest/config';

// Unit tests run in Node: WebCrypto from globalThis.crypto, IndexedDB from fake-indexeddb.
export default defineConfig({
	test: { environment: 'node', include: ['src/**/*.test.ts'] }
});
