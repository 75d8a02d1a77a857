import { defineConfig } from 'vitest/config';

// Unit tests of plain TypeScript helpers (money, chart axes, formatting) in Node; pages are tested in e2e/.
export default defineConfig({
	test: { environment: 'node', include: ['src/**/*.test.ts'] }
});
