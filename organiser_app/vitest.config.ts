import { defineConfig } from 'vitest/config';

// Unit tests of plain TypeScript helpers, in Node (the app itself is tested in e2e/).
export default defineConfig({
	test: { environment: 'node', include: ['src/**/*.test.ts'] }
});
