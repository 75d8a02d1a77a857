/**
 * IndexedDB storage of the scanner (via `idb`): device token and session, per-event snapshot
 * data (keys, rules, cursor), ticket records (`h`, status, admission, sealed details), the queue
 * of unsynced scans and this device's own redemptions. Nothing readable about a person is stored:
 * ticket details stay sealed; queued scans hold the QR text only until the server has them.
 *
 * A corrupted store (unreadable, wrong shapes) is cleared and rebuilt: the snapshot is downloaded
 * again, and the unsynced queue and device token are kept when they can still be read.
 */
import { openDB, deleteDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { DeviceSession, Direction, LocalState, PublicKey, Result, Rules, SnapshotEvent, TicketRecord } from '../verify/types';

export const DB_NAME = 'voelgoed-scanner';
const DB_VERSION = 1;

export interface DeviceRecord {
	token: string;
	session: DeviceSession;
	paired_at: string;
}

export interface Settings {
	gate_id: string | null;
	direction: Direction;
}

export interface EventData {
	event_id: string;
	event: SnapshotEvent;
	keys: PublicKey[];
	rules: Rules | null;
	cursor: number;
	synced_at: string;
}

export interface StoredTicket extends TicketRecord {
	ev: string;
}

export interface QueuedScan {
	client_scan_id: string;
	payload: string;
	gate_id: string;
	direction: Direction;
	client_time: string;
	local_verdict: Result;
	/** The ticket's serial hash when the scan identified one (to know when its local state is synced). */
	h: string | null;
	/** Order of scanning on this device. */
	n: number;
}

interface Schema extends DBSchema {
	meta: { key: string; value: unknown };
	events: { key: string; value: EventData };
	tickets: { key: string; value: StoredTicket; indexes: { ev: string } };
	queue: { key: string; value: QueuedScan; indexes: { n: number } };
	local: { key: string; value: LocalState };
}

type DB = IDBPDatabase<Schema>;

function upgrade(db: DB) {
	if (!db.objectStoreNames.contains('meta')) db.createObjectStore('meta');
	if (!db.objectStoreNames.contains('events')) db.createObjectStore('events', { keyPath: 'event_id' });
	if (!db.objectStoreNames.contains('tickets')) {
		db.createObjectStore('tickets', { keyPath: 'h' }).createIndex('ev', 'ev');
	}
	if (!db.objectStoreNames.contains('queue')) {
		db.createObjectStore('queue', { keyPath: 'client_scan_id' }).createIndex('n', 'n');
	}
	if (!db.objectStoreNames.contains('local')) db.createObjectStore('local', { keyPath: 'h' });
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

function validQueued(v: unknown): v is QueuedScan {
	return (
		isObj(v) &&
		typeof v.client_scan_id === 'string' &&
		typeof v.payload === 'string' &&
		typeof v.gate_id === 'string' &&
		(v.direction === 'entry' || v.direction === 'exit') &&
		typeof v.client_time === 'string' &&
		typeof v.n === 'number'
	);
}

function validDevice(v: unknown): v is DeviceRecord {
	return isObj(v) && typeof v.token === 'string' && isObj(v.session) && Array.isArray(v.session.events);
}

function validEvent(v: unknown): v is EventData {
	return isObj(v) && typeof v.event_id === 'string' && isObj(v.event) && Array.isArray(v.keys) && typeof v.cursor === 'number';
}

function validTicket(v: unknown): v is StoredTicket {
	return isObj(v) && typeof v.h === 'string' && typeof v.s === 'string' && typeof v.a === 'number' && typeof v.e === 'string' && typeof v.ev === 'string';
}

function validLocal(v: unknown): v is LocalState {
	return isObj(v) && typeof v.h === 'string' && typeof v.inside === 'boolean' && typeof v.entries === 'number';
}

export interface LoadedData {
	device: DeviceRecord | null;
	settings: Settings;
	events: EventData[];
	tickets: StoredTicket[];
	local: LocalState[];
	/** The store was found corrupted and rebuilt (snapshot must be downloaded again). */
	recovered: boolean;
}

export class ScannerStore {
	private queueN: number | undefined;

	private constructor(
		private db: DB,
		readonly name: string
	) {}

	static async open(name = DB_NAME): Promise<ScannerStore> {
		try {
			return new ScannerStore(await openDB<Schema>(name, DB_VERSION, { upgrade }), name);
		} catch {
			// Unopenable (e.g. a newer/foreign version): start over, nothing can be salvaged through idb.
			await deleteDB(name).catch(() => undefined);
			return new ScannerStore(await openDB<Schema>(name, DB_VERSION, { upgrade }), name);
		}
	}

	close() {
		this.db.close();
	}

	/** Read everything the app keeps in memory; rebuild the store if any of it is corrupted. */
	async load(): Promise<LoadedData> {
		try {
			const [device, settings, events, tickets, local] = await Promise.all([
				this.db.get('meta', 'device'),
				this.db.get('meta', 'settings'),
				this.db.getAll('events'),
				this.db.getAll('tickets'),
				this.db.getAll('local')
			]);
			if (device !== undefined && !validDevice(device)) throw new Error('corrupt device');
			if (!events.every(validEvent) || !tickets.every(validTicket) || !local.every(validLocal)) {
				throw new Error('corrupt records');
			}
			const queue = await this.db.getAll('queue');
			if (!queue.every(validQueued)) throw new Error('corrupt queue');
			return {
				device: (device as DeviceRecord | undefined) ?? null,
				settings: isObj(settings) ? (settings as unknown as Settings) : { gate_id: null, direction: 'entry' },
				events,
				tickets,
				local,
				recovered: false
			};
		} catch {
			await this.recover();
			const device = await this.getDevice();
			return { device, settings: await this.getSettings(), events: [], tickets: [], local: [], recovered: true };
		}
	}

	/** Clear a corrupted store; keep what is still readable of the queue and the device token. */
	async recover(): Promise<void> {
		let queue: QueuedScan[] = [];
		let device: DeviceRecord | null = null;
		let settings: Settings | null = null;
		try {
			queue = (await this.db.getAll('queue')).filter(validQueued);
		} catch {
			/* unreadable queue: nothing to keep */
		}
		try {
			const d = await this.db.get('meta', 'device');
			if (validDevice(d)) device = d;
			const s = await this.db.get('meta', 'settings');
			if (isObj(s)) settings = s as unknown as Settings;
		} catch {
			/* unreadable */
		}
		this.db.close();
		await deleteDB(this.name);
		this.queueN = undefined;
		this.db = await openDB<Schema>(this.name, DB_VERSION, { upgrade });
		const tx = this.db.transaction(['queue', 'meta'], 'readwrite');
		for (const q of queue) await tx.objectStore('queue').put(q);
		if (device) await tx.objectStore('meta').put(device, 'device');
		if (settings) await tx.objectStore('meta').put(settings, 'settings');
		await tx.done;
	}

	// --- device and settings -----------------------------------------------------------------

	async getDevice(): Promise<DeviceRecord | null> {
		const d = await this.db.get('meta', 'device');
		return validDevice(d) ? d : null;
	}

	async setDevice(device: DeviceRecord): Promise<void> {
		await this.db.put('meta', device, 'device');
	}

	/** Unpair: drop the token and the event data, keep the unsynced queue. */
	async clearDevice(): Promise<void> {
		const tx = this.db.transaction(['meta', 'events', 'tickets', 'local'], 'readwrite');
		await tx.objectStore('meta').delete('device');
		await tx.objectStore('events').clear();
		await tx.objectStore('tickets').clear();
		await tx.objectStore('local').clear();
		await tx.done;
	}

	async getSettings(): Promise<Settings> {
		const s = await this.db.get('meta', 'settings');
		return isObj(s) ? (s as unknown as Settings) : { gate_id: null, direction: 'entry' };
	}

	async setSettings(s: Settings): Promise<void> {
		await this.db.put('meta', { ...s }, 'settings');
	}

	// --- snapshot and changes ----------------------------------------------------------------

	async getEvent(eventId: string): Promise<EventData | undefined> {
		return this.db.get('events', eventId);
	}

	/** Replace an event's data with a snapshot, in one transaction. */
	async saveSnapshot(data: Omit<EventData, 'synced_at'>, tickets: TicketRecord[]): Promise<void> {
		const tx = this.db.transaction(['events', 'tickets'], 'readwrite');
		const ts = tx.objectStore('tickets');
		let cursor = await ts.index('ev').openKeyCursor(IDBKeyRange.only(data.event_id));
		while (cursor) {
			ts.delete(cursor.primaryKey);
			cursor = await cursor.continue();
		}
		for (const t of tickets) ts.put({ h: t.h, s: t.s, a: t.a, e: t.e, ev: data.event_id });
		await tx.objectStore('events').put({ ...data, synced_at: new Date().toISOString() });
		await tx.done;
	}

	/** Apply one changes page and move the cursor, atomically. */
	async applyChanges(
		eventId: string,
		page: { cursor: number; tickets: TicketRecord[]; rules: Rules | null; keys: PublicKey[] | null; event?: SnapshotEvent | null }
	): Promise<EventData> {
		const tx = this.db.transaction(['events', 'tickets'], 'readwrite');
		const events = tx.objectStore('events');
		const current = await events.get(eventId);
		if (!current) throw new Error('no snapshot for this event');
		const ts = tx.objectStore('tickets');
		for (const t of page.tickets) ts.put({ h: t.h, s: t.s, a: t.a, e: t.e, ev: eventId });
		const next: EventData = {
			...current,
			cursor: page.cursor,
			rules: page.rules ?? current.rules,
			keys: page.keys ?? current.keys,
			event: page.event ?? current.event,
			synced_at: new Date().toISOString()
		};
		await events.put(next);
		await tx.done;
		return next;
	}

	async ticketCount(): Promise<number> {
		return this.db.count('tickets');
	}

	// --- the queue of unsynced scans ---------------------------------------------------------

	/** Add a scan; a second call with the same client_scan_id changes nothing. Returns true if added. */
	enqueue(scan: Omit<QueuedScan, 'n'>): Promise<boolean> {
		return this.recordOffline(null, scan);
	}

	/** An offline scan in one transaction: the local redemption state (if any) and the queued scan. */
	async recordOffline(state: LocalState | null, scan: Omit<QueuedScan, 'n'>): Promise<boolean> {
		const tx = this.db.transaction(['queue', 'meta', 'local'], 'readwrite');
		if (state) tx.objectStore('local').put(state);
		const q = tx.objectStore('queue');
		let added = false;
		if (!(await q.getKey(scan.client_scan_id))) {
			// The counter is cached in memory after the first read (one fewer round trip per scan).
			const n = (this.queueN ??= ((await tx.objectStore('meta').get('queue_n')) as number | undefined) ?? 0) + 1;
			this.queueN = n;
			tx.objectStore('meta').put(n, 'queue_n');
			q.add({ ...scan, n });
			added = true;
		}
		try {
			await tx.done;
		} catch (e) {
			this.queueN = undefined;
			throw e;
		}
		return added;
	}

	/** The oldest `limit` queued scans, in scanning order. */
	async listQueue(limit = 500): Promise<QueuedScan[]> {
		const out: QueuedScan[] = [];
		let cursor = await this.db.transaction('queue').store.index('n').openCursor();
		while (cursor && out.length < limit) {
			out.push(cursor.value);
			cursor = await cursor.continue();
		}
		return out;
	}

	async removeQueued(ids: string[]): Promise<void> {
		const tx = this.db.transaction('queue', 'readwrite');
		for (const id of ids) tx.store.delete(id);
		await tx.done;
	}

	async queueCount(): Promise<number> {
		return this.db.count('queue');
	}

	// --- this device's own redemptions ---------------------------------------------------------

	async putLocal(state: LocalState): Promise<void> {
		await this.db.put('local', state);
	}

	/** Drop local states the server now reflects: acked, and last changed before `before` (ISO). */
	async dropAckedLocal(before: string): Promise<string[]> {
		const tx = this.db.transaction('local', 'readwrite');
		const dropped: string[] = [];
		let cursor = await tx.store.openCursor();
		while (cursor) {
			if (cursor.value.acked && cursor.value.updated_at < before) {
				dropped.push(cursor.value.h);
				cursor.delete();
			}
			cursor = await cursor.continue();
		}
		await tx.done;
		return dropped;
	}

	/** Mark acknowledged every local state with no scan left in the queue. */
	async ackLocalNotQueued(): Promise<string[]> {
		const queued = new Set((await this.db.getAll('queue')).map((q) => q.h));
		const tx = this.db.transaction('local', 'readwrite');
		const acked: string[] = [];
		let cursor = await tx.store.openCursor();
		while (cursor) {
			if (!cursor.value.acked && !queued.has(cursor.value.h)) {
				acked.push(cursor.value.h);
				cursor.update({ ...cursor.value, acked: true });
			}
			cursor = await cursor.continue();
		}
		await tx.done;
		return acked;
	}

	/** Test helper / fault injection: write anything into a store. */
	async rawPut(store: 'events' | 'tickets' | 'local' | 'queue', value: unknown): Promise<void> {
		await this.db.put(store, value as never);
	}
}
