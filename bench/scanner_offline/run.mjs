#!/usr/bin/env node
// Offline verifier benchmark of the scanner PWA, in headless Chromium on the built app.
//
// Serves scanner_pwa/dist with `vite preview`, opens /scanner/, fills the running app's offline
// state (keys, rules, N sealed ticket records) with generated data, then times in the page:
//   1. decideOffline(): parse + Ed25519 verify (WebCrypto) + h lookup + decrypt + rules/state,
//   2. scan() with no network: the above plus the local-redemption and queue writes (IndexedDB),
//   3. a raw baseline: bare crypto.subtle.verify on the same payloads, same page.
// Prints a text report and a JSON line (also written with --json FILE).
//
// Usage: node bench/scanner_offline/run.mjs [--scans 5000] [--tickets 5000] [--json out.json]

import { chromium } from 'playwright-core';
import { preview } from 'vite';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { webcrypto as wc } from 'node:crypto';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../..');
const args = Object.fromEntries(
	process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), [])
);
const SCANS = Number(args.scans ?? 5000);
const TICKETS = Number(args.tickets ?? 5000);
const FULL_SCANS = Math.min(Number(args['full-scans'] ?? 1000), SCANS);
const CHROMIUM = process.env.VG_CHROMIUM ?? '/usr/bin/chromium';

// --- data, made the way the server makes it (docs/scanning-protocol.md) ---------------------
const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
function b32(data) {
	let out = '', buffer = 0, bits = 0;
	for (const byte of data) {
		buffer = ((buffer << 8) | byte) & 0xffff;
		bits += 8;
		while (bits >= 5) { bits -= 5; out += B32[(buffer >> bits) & 31]; }
	}
	if (bits > 0) out += B32[(buffer << (5 - bits)) & 31];
	return out;
}
const b64url = (u8) => Buffer.from(u8).toString('base64url');
const hex = (u8) => Buffer.from(u8).toString('hex');
const enc = new TextEncoder();

async function makeData() {
	const kp = await wc.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify']);
	const pub = new Uint8Array(await wc.subtle.exportKey('raw', kp.publicKey));
	const keyId = wc.getRandomValues(new Uint8Array(6));
	const typeId = crypto.randomUUID();
	const typeRef = new Uint8Array(await wc.subtle.digest('SHA-256', Buffer.from(typeId.replace(/-/g, ''), 'hex'))).slice(0, 4);
	const tickets = [];
	const payloads = [];
	for (let i = 0; i < TICKETS; i++) {
		const serial = wc.getRandomValues(new Uint8Array(12));
		const body = new Uint8Array([1, ...keyId, ...serial, ...typeRef, 0]);
		const sig = new Uint8Array(await wc.subtle.sign('Ed25519', kp.privateKey, body));
		payloads.push('VG1:' + b32(new Uint8Array([...body, ...sig])));
		const h = hex(new Uint8Array(await wc.subtle.digest('SHA-256', new Uint8Array([...enc.encode('voelgoed/checkin/h1'), ...serial])))).slice(0, 32);
		const ikm = await wc.subtle.importKey('raw', serial, 'HKDF', false, ['deriveKey']);
		const key = await wc.subtle.deriveKey(
			{ name: 'HKDF', hash: 'SHA-256', salt: enc.encode('voelgoed/checkin/v1'), info: enc.encode('ticket-details') },
			ikm, { name: 'AES-GCM', length: 256 }, false, ['encrypt']
		);
		const nonce = wc.getRandomValues(new Uint8Array(12));
		const ct = new Uint8Array(await wc.subtle.encrypt({ name: 'AES-GCM', iv: nonce, additionalData: enc.encode(h) }, key,
			enc.encode(JSON.stringify({ n: `Guest ${i}`, t: 'General admission', i: typeId }))));
		// 2 % revoked, the rest valid and not yet admitted.
		tickets.push({ h, s: i % 50 === 7 ? 'r' : 'v', a: 0, e: b64url(new Uint8Array([...nonce, ...ct])) });
	}
	return { keyId: hex(keyId), publicKey: b64url(pub), tickets, payloads, typeId };
}

function pct(sorted, p) {
	if (!sorted.length) return null;
	return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}
const round = (x, d = 3) => (x == null ? null : Math.round(x * 10 ** d) / 10 ** d);

const t0 = Date.now();
const data = await makeData();
const genS = (Date.now() - t0) / 1000;

const server = await preview({
	root: path.join(repo, 'scanner_pwa'),
	logLevel: 'warn',
	preview: { port: Number(process.env.BENCH_PORT ?? 4319), host: '127.0.0.1', strictPort: false, open: false }
});
const url = server.resolvedUrls.local[0];
const browser = await chromium.launch({
	executablePath: CHROMIUM,
	args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-dev-shm-usage']
});
let result;
try {
	const page = await (await browser.newContext()).newPage();
	await page.goto(url.endsWith('/scanner/') ? url : new URL('/scanner/', url).href);
	await page.waitForFunction(() => globalThis.__scanner?.status?.phase === 'unpaired', null, { timeout: 20_000 });
	const ua = await page.evaluate(() => navigator.userAgent);

	result = await page.evaluate(
		async ({ data, SCANS, FULL_SCANS }) => {
			const eng = globalThis.__scanner;
			eng.stop();
			const GATE = 'a0000000-0000-4000-8000-00000000000a';
			const EVENT = 'e0000000-0000-4000-8000-000000000001';
			const now = Date.now();
			const raw = Uint8Array.from(atob(data.publicKey.replace(/-/g, '+').replace(/_/g, '/') + '='), (c) => c.charCodeAt(0));
			const key = await crypto.subtle.importKey('raw', raw, { name: 'Ed25519' }, false, ['verify']);
			eng.ctx.keys.set(data.keyId, { key, eventId: EVENT });
			eng.ctx.events.set(EVENT, {
				id: EVENT, status: 'published',
				starts_at: new Date(now - 3600e3).toISOString(), ends_at: new Date(now + 3600e3).toISOString(),
				gate_ids: new Set([GATE]), gate_names: new Map([[GATE, 'Gate A']]), rules: null
			});
			for (const t of data.tickets) eng.records.set(t.h, { ...t, ev: EVENT });

			// The scan mix: 90 % valid tickets of the snapshot (a tenth of them repeated, so some are
			// already_redeemed once local state exists), 5 % forged signatures, 5 % garbage.
			const scans = [];
			for (let i = 0; i < SCANS; i++) {
				const r = i % 20;
				const p = data.payloads[i % data.payloads.length];
				if (r === 0) scans.push(p.slice(0, -4) + (p.endsWith('AAAA') ? 'BBBA' : 'AAAA'));
				else if (r === 1) scans.push('https://example.com/not-a-ticket/' + i);
				else scans.push(p);
			}
			// Local state for a tenth of the tickets: admitted here earlier.
			for (let i = 0; i < data.tickets.length; i += 10) {
				eng.local.set(data.tickets[i].h, { h: data.tickets[i].h, event_id: EVENT, inside: true, entries: 1,
					admitted: { at: new Date().toISOString(), gate_id: GATE, gate_name: 'Gate A' }, updated_at: new Date().toISOString(), acked: false });
			}

			// Warm-up (JIT, key caches).
			for (let i = 0; i < 200; i++) await eng.decideOffline(scans[i % scans.length], GATE, 'entry');

			// 1. decideOffline, one at a time (as at a gate).
			const per = {};
			const all = [];
			let start = performance.now();
			for (const s of scans) {
				const a = performance.now();
				const out = await eng.decideOffline(s, GATE, 'entry');
				const ms = performance.now() - a;
				all.push(ms);
				(per[out.verdict.result] ??= []).push(ms);
			}
			const verifySecs = (performance.now() - start) / 1000;

			// 2. The whole offline scan(): verdict + local state + queue write (IndexedDB).
			eng.device = null; // no token: the offline path at once
			eng.status = { ...eng.status, settings: { gate_id: GATE, direction: 'entry' } };
			const full = [];
			start = performance.now();
			for (let i = 0; i < FULL_SCANS; i++) {
				const a = performance.now();
				await eng.scan(scans[(i * 7) % scans.length]);
				full.push(performance.now() - a);
			}
			const fullSecs = (performance.now() - start) / 1000;

			// 3. Baseline: bare crypto.subtle.verify of the same payloads, one at a time.
			const B = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
			const bodies = data.payloads.slice(0, Math.min(2000, data.payloads.length)).map((p) => {
				const t = p.slice(4); const out = new Uint8Array(Math.floor((t.length * 5) / 8));
				let buf = 0, bits = 0, pos = 0;
				for (const c of t) { buf = ((buf << 5) | B.indexOf(c)) & 0xffff; bits += 5; if (bits >= 8) { bits -= 8; out[pos++] = (buf >> bits) & 0xff; } }
				return [out.slice(0, out.length - 64), out.slice(out.length - 64)];
			});
			let ok = 0;
			start = performance.now();
			for (let i = 0; i < SCANS; i++) {
				const [body, sig] = bodies[i % bodies.length];
				if (await crypto.subtle.verify('Ed25519', key, sig, body)) ok++;
			}
			const bareSecs = (performance.now() - start) / 1000;
			return { per, all, verifySecs, full, fullSecs, bareSecs, bareOk: ok, queued: await eng.store.queueCount() };
		},
		{ data, SCANS, FULL_SCANS }
	);
	result.userAgent = ua;
} finally {
	await browser.close();
	await server.close();
}

const sort = (a) => [...a].sort((x, y) => x - y);
const all = sort(result.all);
const full = sort(result.full);
const perVerdict = Object.fromEntries(
	Object.entries(result.per).map(([k, v]) => {
		const s = sort(v);
		return [k, { n: s.length, p50_ms: round(pct(s, 50)), p99_ms: round(pct(s, 99)) }];
	})
);
const summary = {
	bench: 'scanner_offline',
	browser: result.userAgent.match(/(Headless)?Chrome\/[\d.]+/)?.[0] ?? result.userAgent,
	tickets_in_snapshot: TICKETS,
	scans: SCANS,
	verifier: {
		verifications_per_s: Math.round(SCANS / result.verifySecs),
		p50_ms: round(pct(all, 50)),
		p99_ms: round(pct(all, 99)),
		max_ms: round(all[all.length - 1]),
		per_verdict: perVerdict
	},
	offline_scan_with_storage: {
		scans: FULL_SCANS,
		per_s: Math.round(FULL_SCANS / result.fullSecs),
		p50_ms: round(pct(full, 50)),
		p99_ms: round(pct(full, 99)),
		queued: result.queued
	},
	baseline_bare_verify_per_s: Math.round(SCANS / result.bareSecs),
	ratio_verifier_to_bare_verify: round(SCANS / result.verifySecs / (SCANS / result.bareSecs), 3),
	target_offline_verdict_ms: 5,
	target_met: pct(all, 99) < 5,
	target_met_including_storage: pct(full, 99) < 5,
	data_generation_s: round(genS, 1)
};

console.log(`Scanner offline verifier — ${summary.browser}, ${TICKETS} sealed records, ${SCANS} scans`);
console.log(`  verifier (decideOffline):   ${summary.verifier.verifications_per_s} verifications/s, p50 ${summary.verifier.p50_ms} ms, p99 ${summary.verifier.p99_ms} ms, max ${summary.verifier.max_ms} ms`);
for (const [k, v] of Object.entries(perVerdict)) console.log(`    ${k.padEnd(18)} n=${String(v.n).padEnd(6)} p50 ${v.p50_ms} ms  p99 ${v.p99_ms} ms`);
console.log(`  full offline scan (+IndexedDB queue/state): ${summary.offline_scan_with_storage.per_s}/s, p50 ${summary.offline_scan_with_storage.p50_ms} ms, p99 ${summary.offline_scan_with_storage.p99_ms} ms (${FULL_SCANS} scans)`);
console.log(`  baseline bare crypto.subtle.verify: ${summary.baseline_bare_verify_per_s}/s; verifier/bare = ${summary.ratio_verifier_to_bare_verify}`);
console.log(`  target: offline verdict p99 < 5 ms -> ${summary.target_met ? 'met' : 'NOT met'} (verdict); ${summary.target_met_including_storage ? 'met' : 'NOT met'} including the durable IndexedDB write`);
console.log(JSON.stringify(summary));
if (args.json) fs.writeFileSync(args.json, JSON.stringify(summary, null, 2) + '\n');
