// Belt and braces after the run: make sure the embedded PostgreSQL/Redis of this run's data
// folder are stopped (even if the server was killed), then drop the folder.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export default async function globalTeardown() {
	const dataDir = process.env.VG_E2E_DATA_DIR;
	if (!dataDir || !fs.existsSync(dataDir)) return;
	const repoRoot = path.resolve(__dirname, '..');
	try {
		execFileSync(path.join(repoRoot, '.venv/bin/python'), ['-m', 'voelgoed', 'stop-services', '--data-dir', dataDir], {
			cwd: repoRoot,
			stdio: 'ignore',
			timeout: 60_000
		});
	} catch {
		// Already stopped, or the backend cannot say: nothing more to do here.
	}
	if (!process.env.VG_E2E_KEEP_DATA) fs.rmSync(dataDir, { recursive: true, force: true });
}
