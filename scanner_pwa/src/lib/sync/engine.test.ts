import 'fake-indexeddb/auto';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ScannerEngine } from './engine';
import { newKeyPair, sealRecord, signPayload } from '../verify/encode';
import type { Snapshot } from '../verify/types';

const EVENT = 'e0000000-0000-4000-8000-000000000001';
const GATE = 'a0000000-0000-4000-8000-00000000000a';
const KEY_ID = '0a0b0c0d0e0f';

interface Call {
	method: string;
	path: string;
	body: unknown;
}

let payloads: string[] = [];
let snapshot: Snapshot;

beforeAll(async () => {
	const kp = await newKeyPair();
	const tickets = [];
	payloads = [];
	for (let i = 0; i < 3; i++) {
		const serial = crypto.getRandomValues(new Uint8Array(12));
		payloads.push(await signPayload({ keyId: KEY_ID, serial, typeRef: '01020304' }, kp.privateKey));
		tickets.push({ ...(await sealRecord(serial, { n: `Guest ${i}`, t: 'General', i: 'tt' })), s: 'v', a: 0 });
	}
	const now = Date.now();
	snapshot = {
		format: 1,
		event_id: EVENT,
		cursor: 10,
		server_time: new Date().toISOString(),
		event: {
			id: EVENT,
			name: 'Fest',
			status: 'published',
			starts_at: new Date(now - 3600e3).toISOString(),
			ends_at: new Date(now + 3600e3).toISOString(),
			timezone: 'UTC'
		},
		keys: [{ key_id: KEY_ID, public_key: kp.publicKey, alg: 'Ed25519' }],
		rules: null,
		revoked: [],
		tickets
	};
});

/** A fake server: `offline` makes every request fail like a dropped network. */
function fakeServer() {
	const calls: Call[] = [];
	const state = { offline: false, revoked: false, uploaded: [] as string[] };
	const fetchMock = vi.fn(async (request: Request) => {
		const u = new URL(request.url);
		const text = await request.text();
		const body = text ? JSON.parse(text) : null;
		calls.push({ method: request.method, path: u.pathname, body });
		if (state.offline) throw new TypeError('Failed to fetch');
		if (state.revoked && u.pathname.startsWith('/api/checkin/'))
			return new Response(JSON.stringify({ status: 401, title: 'Unauthorized' }), { status: 401, headers: { 'Content-Type': 'application/problem+json' } });
		const json = (status: number, data: unknown) => new Response(JSON.stringify(data), { status, headers: { 'Content-Type': 'application/json' } });
		const session = {
			device_id: 'dev1',
			organization_id: 'org',
			name: 'Phone',
			gate_id: null,
			events: [
				{
					id: EVENT,
					name: 'Fest',
					status: 'published',
					starts_at: snapshot.event.starts_at,
					ends_at: snapshot.event.ends_at,
					timezone: 'UTC',
					venue_id: 'v',
					gates: [{ id: GATE, code: 'A', name: 'Gate A' }]
				}
			]
		};
		switch (u.pathname) {
			case '/api/devices/pair':
				return json(201, { ...session, token: 'vgd_t' });
			case '/api/checkin/device':
				return json(200, session);
			case '/api/checkin/snapshot':
				return json(200, snapshot);
			case '/api/checkin/changes':
				return json(200, { cursor: 11, more: false, server_time: '', tickets: [], rules: null, keys: null });
			case '/api/checkin/offline-scans': {
				const scans = (body as { scans: { client_scan_id: string }[] }).scans;
				state.uploaded.push(...scans.map((s) => s.client_scan_id));
				return json(200, {
					server_time: '',
					results: scans.map((s) => ({ client_scan_id: s.client_scan_id, scan_id: 'x', result: 'ok', reason: null, offline_duplicate: false, replayed: false }))
				});
			}
			case '/api/checkin/device/gate':
				return json(200, { gate_id: body.gate_id, gate: null });
			case '/api/checkin/scans':
				return json(200, {
					result: 'ok',
					reason: null,
					scan_id: 's',
					client_scan_id: body.client_scan_id,
					direction: body.direction,
					ticket: null,
					admitted: null,
					server_time: '',
					replayed: false
				});
		}
		return json(404, {});
	});
	vi.stubGlobal('fetch', fetchMock);
	return { calls, state };
}

afterEach(() => vi.unstubAllGlobals());

describe('the sync engine', () => {
	it('falls back to offline, queues, and uploads the queue first on reconnect', async () => {
		const server = fakeServer();
		const engine = new ScannerEngine('http://scanner.test', `engine-${Date.now()}`);
		await engine.init();
		await engine.pair('ABCD-EFGH-JKLM');
		await engine.sync();
		expect(engine.status.tickets).toBe(3);
		expect(engine.status.settings.gate_id).toBe(GATE); // the only gate is chosen

		server.state.offline = true;
		server.calls.length = 0;
		const v1 = await engine.scan(payloads[0]);
		const v2 = await engine.scan(payloads[0]);
		const v3 = await engine.scan(payloads[1]);
		expect([v1.result, v2.result, v3.result]).toEqual(['ok', 'already_redeemed', 'ok']);
		expect(v1.offline && v2.offline && v3.offline).toBe(true);
		expect(v3.ticket?.holder_name).toBe('Guest 1');
		expect(engine.status.queued).toBe(3);
		expect(engine.status.online).toBe(false);
		// Only the first scan waited for the network; the next ones decided at once.
		expect(server.calls.filter((c) => c.path === '/api/checkin/scans')).toHaveLength(1);

		// A reload keeps the queue and the local redemption.
		const again = new ScannerEngine('http://scanner.test', engine.store.name);
		await again.init();
		expect(again.status.queued).toBe(3);
		expect((await again.scan(payloads[1])).result).toBe('already_redeemed');

		server.state.offline = false;
		server.calls.length = 0;
		await again.sync();
		expect(again.status.queued).toBe(0);
		expect(server.state.uploaded).toEqual([v1.client_scan_id, v2.client_scan_id, v3.client_scan_id, expect.any(String)]);
		const order = server.calls.map((c) => c.path);
		expect(order.indexOf('/api/checkin/offline-scans')).toBeLessThan(order.indexOf('/api/checkin/changes'));
		const uploaded = server.calls.find((c) => c.path === '/api/checkin/offline-scans')!.body as { scans: { local_verdict: string }[] };
		expect(uploaded.scans.map((s) => s.local_verdict)).toEqual(['ok', 'already_redeemed', 'ok', 'already_redeemed']);
	});

	it('reports the gate chosen on the device to the server, once, and on the next sync when offline', async () => {
		const server = fakeServer();
		const engine = new ScannerEngine('http://scanner.test', `engine-${Date.now()}-gate`);
		await engine.init();
		await engine.pair('ABCD-EFGH-JKLM');
		await engine.sync();
		const reports = () => server.calls.filter((c) => c.path === '/api/checkin/device/gate');
		expect(engine.status.settings.gate_id).toBe(GATE); // the only gate, chosen for the person
		expect(reports().map((c) => [c.method, c.body])).toEqual([['POST', { gate_id: GATE }]]);
		await engine.sync();
		await engine.setSettings({ gate_id: GATE });
		expect(reports()).toHaveLength(1); // nothing new to tell

		// Restarted while offline: the report waits for the next sync that reaches the server.
		server.state.offline = true;
		const again = new ScannerEngine('http://scanner.test', engine.store.name);
		await again.init();
		await again.setSettings({ gate_id: GATE });
		await again.sync(); // tried, did not reach the server
		server.state.offline = false;
		server.calls.length = 0;
		await again.sync();
		expect(reports().map((c) => c.body)).toEqual([{ gate_id: GATE }]);
		await again.sync();
		expect(reports()).toHaveLength(1);
	});

	it('a network drop mid-upload loses nothing; a retry is idempotent', async () => {
		const server = fakeServer();
		const engine = new ScannerEngine('http://scanner.test', `engine-${Date.now()}-b`);
		await engine.init();
		await engine.pair('ABCD-EFGH-JKLM');
		await engine.sync();
		server.state.offline = true;
		await engine.scan(payloads[2]);
		await engine.sync(); // fails: still queued
		expect(engine.status.queued).toBe(1);
		server.state.offline = false;
		await engine.sync();
		await engine.sync();
		expect(engine.status.queued).toBe(0);
		expect(server.state.uploaded.length).toBe(1);
	});

	it('online verdicts come from the server and are not queued', async () => {
		fakeServer();
		const engine = new ScannerEngine('http://scanner.test', `engine-${Date.now()}-c`);
		await engine.init();
		await engine.pair('ABCD-EFGH-JKLM');
		const v = await engine.scan(payloads[0]);
		expect(v.offline).toBe(false);
		expect(engine.status.queued).toBe(0);
	});

	it('a revoked token sends the device back to pairing and keeps the unsynced queue', async () => {
		const server = fakeServer();
		const engine = new ScannerEngine('http://scanner.test', `engine-${Date.now()}-d`);
		await engine.init();
		await engine.pair('ABCD-EFGH-JKLM');
		await engine.sync();
		server.state.offline = true;
		await engine.scan(payloads[0]);
		server.state.offline = false;
		server.state.revoked = true;
		await engine.sync();
		expect(engine.status.phase).toBe('unpaired');
		expect(engine.status.notice).toMatch(/Pair it again/);
		expect(engine.status.queued).toBe(1);
		expect(engine.records.size).toBe(0); // event data dropped with the token
		expect(await engine.store.getDevice()).toBeNull();
		// Paired again: the kept scan uploads.
		server.state.revoked = false;
		await engine.pair('ABCD-EFGH-JKLM');
		await engine.sync();
		expect(engine.status.queued).toBe(0);
		expect(server.state.uploaded).toHaveLength(1);
	});
});
