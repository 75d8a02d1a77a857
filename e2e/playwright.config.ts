import { defineConfig } from '@playwright/test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const repoRoot = path.resolve(__dirname, '..');
const port = Number(process.env.VG_E2E_PORT ?? 8765);

// One fresh data directory per run; workers re-read this file, so keep it in the environment.
if (!process.env.VG_E2E_DATA_DIR) {
	process.env.VG_E2E_DATA_DIR = fs.mkdtempSync(path.join(os.tmpdir(), 'vg-e2e-'));
}

export default defineConfig({
	testDir: '.',
	testMatch: '**/*.spec.ts',
	fullyParallel: false,
	workers: 1,
	retries: 0,
	timeout: 90_000,
	expect: { timeout: 10_000 },
	forbidOnly: !!process.env.CI,
	reporter: [['list']],
	globalTeardown: './global-teardown.ts',
	outputDir: path.join(repoRoot, 'test-results'),
	use: {
		baseURL: `http://127.0.0.1:${port}`,
		browserName: 'chromium',
		viewport: { width: 1280, height: 800 },
		trace: 'retain-on-failure',
		screenshot: 'only-on-failure',
		launchOptions: {
			// Debian's chromium: Playwright's own browser downloads are not available here.
			executablePath: process.env.VG_CHROMIUM ?? '/usr/bin/chromium',
			args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-dev-shm-usage']
		}
	},
	webServer: {
		command: `${path.join(repoRoot, '.venv/bin/python')} -m voelgoed run --port ${port} --data-dir ${process.env.VG_E2E_DATA_DIR} --no-demo`,
		cwd: repoRoot,
		url: `http://127.0.0.1:${port}/health`,
		timeout: 120_000,
		reuseExistingServer: false,
		// Let `voelgoed run` stop its embedded PostgreSQL/Redis instead of being killed outright.
		gracefulShutdown: { signal: 'SIGTERM', timeout: 20_000 },
		stdout: 'pipe',
		stderr: 'pipe'
	}
});
