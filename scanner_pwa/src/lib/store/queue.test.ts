import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { ScannerStore, type DeviceRecord } from './db';

let n = 0;
const freshName = () => `test-db-${Date.now()}-${n++}`;

function scan(id: string, payload = 'VG1:AAAA') {
	return {
		client_scan_id: id,
		payload,
		gate_id: 'g1',
		direction: 'entry' as const,
		client_time: new Date().toISOString(),
		local_verdict: 'ok' as const,
		h: null
	};
}

const device: DeviceRecord = {
	token: 'vgd_secret',
	paired_at: new Date().toISOString(),
	session: { device_id: 'd1', organization_id: 'o1', name: 'Phone', gate_id: null, events: [] }
};

describe('the queue of unsynced scans', () => {
	it('is idempotent by client_scan_id', async () => {
		const store = await ScannerStore.open(freshName());
		expect(await store.enqueue(scan('b-1'))).toBe(true);
		expect(await store.enqueue(scan('b-1', 'VG1:OTHER'))).toBe(false);
		expect(await store.queueCount()).toBe(1);
		expect((await store.listQueue())[0].payload).toBe('VG1:AAAA');
		store.close();
	});

	it('keeps scanning order, whatever the ids', async () => {
		const store = await ScannerStore.open(freshName());
		const ids = ['zz', 'aa', 'mm', '00', 'ff'];
		for (const id of ids) await store.enqueue(scan(id));
		expect((await store.listQueue()).map((q) => q.client_scan_id)).toEqual(ids);
		expect((await store.listQueue(2)).map((q) => q.client_scan_id)).toEqual(['zz', 'aa']);
		await store.removeQueued(['aa', 'mm']);
		await store.enqueue(scan('new'));
		expect((await store.listQueue()).map((q) => q.client_scan_id)).toEqual(['zz', '00', 'ff', 'new']);
		store.close();
	});

	it('survives a reload (closing and opening the database)', async () => {
		const name = freshName();
		const a = await ScannerStore.open(name);
		await a.setDevice(device);
		await a.enqueue(scan('one'));
		await a.enqueue(scan('two'));
		a.close();
		const b = await ScannerStore.open(name);
		const loaded = await b.load();
		expect(loaded.recovered).toBe(false);
		expect(loaded.device?.token).toBe('vgd_secret');
		expect((await b.listQueue()).map((q) => q.client_scan_id)).toEqual(['one', 'two']);
		// Numbering goes on after the reload.
		await b.enqueue(scan('three'));
		expect((await b.listQueue()).map((q) => q.client_scan_id)).toEqual(['one', 'two', 'three']);
		b.close();
	});

	it('survives a corrupted store: records dropped, queue and token kept', async () => {
		const name = freshName();
		const s = await ScannerStore.open(name);
		await s.setDevice(device);
		await s.saveSnapshot(
			{ event_id: 'ev', event: { id: 'ev', name: 'E', status: 'published', starts_at: '', ends_at: '', timezone: 'UTC' }, keys: [], rules: null, cursor: 5 },
			[{ h: 'h1', s: 'v', a: 0, e: 'x' }]
		);
		await s.enqueue(scan('keep-me'));
		await s.rawPut('tickets', { h: 'h2', s: 42, nonsense: true });
		await s.rawPut('queue', { client_scan_id: 'broken', n: 'x' });
		const loaded = await s.load();
		expect(loaded.recovered).toBe(true);
		expect(loaded.tickets).toEqual([]);
		expect(loaded.events).toEqual([]);
		expect(loaded.device?.token).toBe('vgd_secret');
		expect((await s.listQueue()).map((q) => q.client_scan_id)).toEqual(['keep-me']);
		expect(await s.ticketCount()).toBe(0);
		// And it works normally afterwards.
		const again = await s.load();
		expect(again.recovered).toBe(false);
		s.close();
	});

	it('applies changes as upserts and moves the cursor', async () => {
		const s = await ScannerStore.open(freshName());
		const event = { id: 'ev', name: 'E', status: 'published' as const, starts_at: '', ends_at: '', timezone: 'UTC' };
		await s.saveSnapshot({ event_id: 'ev', event, keys: [], rules: null, cursor: 5 }, [
			{ h: 'h1', s: 'v', a: 0, e: 'x' },
			{ h: 'h2', s: 'v', a: 0, e: 'y' }
		]);
		const next = await s.applyChanges('ev', {
			cursor: 9,
			tickets: [
				{ h: 'h2', s: 'r', a: 0, e: 'y' },
				{ h: 'h3', s: 'v', a: 1, e: 'z' }
			],
			rules: null,
			keys: null
		});
		expect(next.cursor).toBe(9);
		const loaded = await s.load();
		expect(Object.fromEntries(loaded.tickets.map((t) => [t.h, t.s]))).toEqual({ h1: 'v', h2: 'r', h3: 'v' });
		// A new snapshot replaces the event's records.
		await s.saveSnapshot({ event_id: 'ev', event, keys: [], rules: null, cursor: 20 }, [{ h: 'h9', s: 'v', a: 0, e: 'q' }]);
		expect((await s.load()).tickets.map((t) => t.h)).toEqual(['h9']);
		s.close();
	});
});
