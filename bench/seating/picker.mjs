#!/usr/bin/env node
// Seat picker weight and time to interactive, in headless Chromium (Debian's /usr/bin/chromium via
// playwright-core) with 4x CPU throttling (CDP Emulation.setCPUThrottlingRate), as in
// e2e/seat-picker.spec.ts's 5,000-seat test. Per event: a fresh context (nothing cached), open
// /events/{slug}/seats, wait until seats.js has drawn the map (it sets `data-drawn` on
// [data-seat-map] to performance.now() in ms since navigation start), then count the bytes on the
// wire (response body as transferred, i.e. gzipped, plus headers) of the page, seats.js and map.json
// (none when the page carries the map's data itself: map_encoding "in page").
//
// With --runs N each page is loaded N times (a fresh context each time) and the median is reported
// as drawn_ms (all in drawn_runs_ms): on a shared machine one load can be far off.
//
// Usage: node bench/seating/picker.mjs --url http://127.0.0.1:8000 [--runs N] --event=name:slug:seats [...]
// Prints one line per event and `JSON [...]` (read by bench/seating/run.py).

import { chromium } from 'playwright-core';

const argv = process.argv.slice(2);
const base = argv[argv.indexOf('--url') + 1];
const events = argv
	.filter((a) => a.startsWith('--event='))
	.map((a) => {
		const [name, slug, seats] = a.slice('--event='.length).split(':');
		return { name, slug, seats: Number(seats) };
	});
const runs = argv.includes('--runs') ? Math.max(1, Number(argv[argv.indexOf('--runs') + 1])) : 1;
const CHROMIUM = process.env.VG_CHROMIUM ?? '/usr/bin/chromium';

const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
const results = [];
try {
	for (const ev of events) {
		const tries = [];
		for (let run = 0; run < runs; run++) tries.push(await load(ev));
		const times = tries.map((r) => r.drawn_ms);
		for (const t of tries) console.log(`  ${ev.name} run: drawn ${t.drawn_ms} ms`, t.nav);
		const r = { ...tries[0], drawn_ms: [...times].sort((a, b) => a - b)[Math.floor((times.length - 1) / 2)], drawn_runs_ms: times };
		console.log(
			`${ev.name}: ${ev.seats} seats, ${(r.total_bytes / 1024).toFixed(1)} KB transferred, map drawn ${r.drawn_ms} ms (4x CPU; runs ${times.join(', ')}), ${r.circles} circles`,
			r.bytes
		);
		results.push(r);
	}
} finally {
	await browser.close();
}
console.log('JSON ' + JSON.stringify(results));

async function load(ev) {
	const context = await browser.newContext({ baseURL: base, viewport: { width: 390, height: 844 } });
	const page = await context.newPage();
	const bytes = {};
	let mapEncoding = 'identity';
	const pending = [];
	page.on('requestfinished', (request) => {
		pending.push(
			(async () => {
				const sizes = await request.sizes();
				const pathname = new URL(request.url()).pathname;
				const key = pathname.endsWith('/map.json')
					? 'map.json'
					: /\/seats(\.[0-9a-f]+)?\.js$/.test(pathname)
						? 'seats.js'
						: pathname.endsWith('/seats')
							? 'page'
							: pathname;
				bytes[key] = (bytes[key] ?? 0) + sizes.responseBodySize + sizes.responseHeadersSize;
				if (key === 'map.json') mapEncoding = (await request.response())?.headers()['content-encoding'] ?? 'identity';
			})()
		);
	});
	const cdp = await context.newCDPSession(page);
	await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
	await page.goto(`/events/${ev.slug}/seats`);
	await page.locator('[data-seat-map][data-drawn]').waitFor({ state: 'attached', timeout: 120_000 });
	const drawn = Number(await page.locator('[data-seat-map]').getAttribute('data-drawn'));
	// where the time went: the page's first byte and end of parsing (navigation timing, ms)
	const nav = await page.evaluate(() => {
		const n = performance.getEntriesByType('navigation')[0];
		return { response_start: Math.round(n.responseStart), response_end: Math.round(n.responseEnd), dom_interactive: Math.round(n.domInteractive) };
	});
	await cdp.send('Emulation.setCPUThrottlingRate', { rate: 1 });
	const circles = await page.locator('svg.map circle').count();
	const inline = (await page.locator('#seat-map-data').count()) > 0; // the map's data in the page, no map.json
	for (let i = 0; i < 50 && !inline && !('map.json' in bytes); i++) await page.waitForTimeout(100);
	await Promise.all(pending);
	const total = Object.values(bytes).reduce((a, b) => a + b, 0);
	await context.close();
	return { name: ev.name, seats: ev.seats, total_bytes: total, bytes, map_encoding: inline ? 'in page' : mapEncoding, drawn_ms: drawn, nav, circles };
}
