import { defineConfig } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FAKE_PAYSTACK_KEY, FAKE_PAYSTACK_PORT } from './support';

const repoRoot = path.resolve(__dirname, '..');
const port = Number(process.env.VG_E2E_PORT ?? 8765);
const python = path.join(repoRoot, '.venv/bin/python');

// One fresh data directory per run; workers re-read this file, so keep it in the environment.
if (!process.env.VG_E2E_DATA_DIR) {
	const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vg-e2e-'));
	process.env.VG_E2E_DATA_DIR = dataDir;
	// After the web server has been stopped (so not in globalTeardown, which runs before that):
	// make sure the run's embedded PostgreSQL/Redis are down, then drop the folder.
	process.on('exit', () => {
		try {
			execFileSync(path.join(repoRoot, '.venv/bin/python'), ['-m', 'voelgoed', 'stop-services', '--data-dir', dataDir], {
				cwd: repoRoot,
				stdio: 'ignore',
				timeout: 60_000
			});
		} catch {
			// Already stopped.
		}
		if (!process.env.VG_E2E_KEEP_DATA) fs.rmSync(dataDir, { recursive: true, force: true });
	});
}

export default defineConfig({
	testDir: '.',
	testMatch: '**/*.spec.ts',
	fullyParallel: false,
	workers: 1,
	// One retry on CI only (Playwright's own recommendation): a slow shared machine must not sink a
	// whole run on one timing; a retried test is reported as "flaky" in the list and gets fixed.
	retries: process.env.CI ? 1 : 0,
	timeout: 90_000,
	expect: { timeout: 10_000 },
	forbidOnly: !!process.env.CI,
	reporter: [['list']],
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
	webServer: [
		// The fake Paystack (backend/tests/fakes/serve.py) for e2e/money-journey.spec.ts, with one
		// account whose webhook URL (what a merchant pastes into Paystack's dashboard) is our notify URL.
		{
			command: [
				`${python} -m tests.fakes.serve paystack --port ${FAKE_PAYSTACK_PORT} --secret-key ${FAKE_PAYSTACK_KEY}`,
				`--webhook-url http://127.0.0.1:${port}/api/payments/paystack/webhook`
			].join(' '),
			cwd: path.join(repoRoot, 'backend'),
			url: `http://127.0.0.1:${FAKE_PAYSTACK_PORT}/_fake/health`,
			timeout: 30_000,
			reuseExistingServer: false,
			stdout: 'pipe',
			stderr: 'pipe'
		},
		{
			command: `${python} -m voelgoed run --port ${port} --data-dir ${process.env.VG_E2E_DATA_DIR} --no-demo`,
			cwd: repoRoot,
			url: `http://127.0.0.1:${port}/health`,
			timeout: 120_000,
			reuseExistingServer: false,
			// Paystack's API is the fake above; its webhooks come from loopback (allowed here only).
			env: {
				PAYSTACK_API_URL: `http://127.0.0.1:${FAKE_PAYSTACK_PORT}`,
				PAYSTACK_ALLOWED_IPS: '127.0.0.1/32',
				// Every spec signs up its own organisers, all from 127.0.0.1: more than the 20 an hour
				// one real client may create.
				SIGN_UP_RATE_LIMIT: '1000'
			},
			// Let `voelgoed run` stop its embedded PostgreSQL/Redis instead of being killed outright.
			gracefulShutdown: { signal: 'SIGTERM', timeout: 20_000 },
			stdout: 'pipe',
			stderr: 'pipe'
		}
	]
});
