import { defineConfig } from 'vitest/config';

// Unit tests of the client in Node (its own fetch, Request and Response): no server, a fake fetch.
export default defineConfig({
	test: { environment: 'node', include: ['src/**/*.test.ts'] }
});
