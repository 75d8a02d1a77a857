/**
 * The scanner's brain, free of UI: pairing, scanning with automatic online/offline fallback,
 * the unsynced queue and the sync loop (upload queued scans first, then pull changes by cursor).
 */
import { ScannerStore, type DeviceRecord, type EventData, type Settings, type StoredTicket } from '../store/db';
import { parsePayload, SERVER_MAX_LEN } from '../verify/payload';
import { importPublicKey, nextLocalState, verifyOffline, type OfflineEvent, type VerifyContext } from '../verify/verifier';
import type { DeviceSession, Direction, LocalState, Verdict } from '../verify/types';
import { Api, ApiError, NetworkError, type UploadScan } from './api';

// What the engine tells the person at the gate (Status.notice), in English; the screens show it in
// their language through noticeText (messages notice.<key> in i18n/<lang>.json).
export const NOTICES = {
	rebuilt: 'The local store was damaged and has been rebuilt; downloading the tickets again.',
	signed_out: 'This device was signed out (token revoked or unknown). Pair it again; unsynced scans are kept.'
} as const;

export function noticeText(notice: string, tr: (id: string) => string): string {
	const key = (Object.keys(NOTICES) as (keyof typeof NOTICES)[]).find((k) => NOTICES[k] === notice);
	return key ? tr(`notice.${key}`) : notice;
}

export const ONLINE_TIMEOUT_MS = 800;
export const SYNC_INTERVAL_MS = 15_000;
/** After a network failure, scans skip the online attempt this long (no 800 ms wait per scan). */
export const OFFLINE_BACKOFF_MS = 10_000;

export interface Status {
	phase: 'loading' | 'unpaired' | 'ready';
	session: DeviceSession | null;
	settings: Settings;
	/** The server answered our last request. */
	online: boolean;
	queued: number;
	syncing: boolean;
	lastSyncAt: string | null;
	lastError: string | null;
	tickets: number;
	/** Why we are back at pairing (token revoked...). */
	notice: string | null;
}

export function uuid(): string {
	if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
	const b = crypto.getRandomValues(new Uint8Array(16));
	b[6] = (b[6] & 0x0f) | 0x40;
	b[8] = (b[8] & 0x3f) | 0x80;
	const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
	return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export class ScannerEngine {
	readonly api: Api;
	store!: ScannerStore;
	status: Status = {
		phase: 'loading',
		session: null,
		settings: { gate_id: null, direction: 'entry' },
		online: typeof navigator === 'undefined' ? true : navigator.onLine,
		queued: 0,
		syncing: false,
		lastSyncAt: null,
		lastError: null,
		tickets: 0,
		notice: null
	};
	private device: DeviceRecord | null = null;
	private eventData = new Map<string, EventData>();
	readonly records = new Map<string, StoredTicket>();
	readonly local = new Map<string, LocalState>();
	readonly ctx: VerifyContext;
	private listeners = new Set<(s: Status) => void>();
	private timer: ReturnType<typeof setInterval> | null = null;
	private syncing: Promise<void> | null = null;
	private skipOnlineUntil = 0;
	/** The gate the server last acknowledged as chosen here (null: not reported since start). */
	private reportedGateId: string | null = null;
	private onlineHandler = () => {
		this.skipOnlineUntil = 0;
		void this.sync();
	};

	constructor(
		base: string,
		private dbName?: string
	) {
		this.api = new Api(base);
		this.ctx = {
			keys: new Map(),
			events: new Map(),
			deviceGateId: null,
			record: (h) => this.records.get(h),
			local: (h) => this.local.get(h)
		};
	}

	subscribe(fn: (s: Status) => void): () => void {
		this.listeners.add(fn);
		fn(this.status);
		return () => this.listeners.delete(fn);
	}

	private emit(patch: Partial<Status> = {}) {
		this.status = { ...this.status, ...patch };
		for (const fn of this.listeners) fn(this.status);
	}

	async init(): Promise<void> {
		this.store = await ScannerStore.open(this.dbName);
		const data = await this.store.load();
		this.device = data.device;
		this.api.token = data.device?.token ?? null;
		for (const ev of data.events) this.eventData.set(ev.event_id, ev);
		for (const t of data.tickets) this.records.set(t.h, t);
		for (const l of data.local) this.local.set(l.h, l);
		await this.rebuildContext();
		this.emit({
			phase: data.device ? 'ready' : 'unpaired',
			session: data.device?.session ?? null,
			settings: this.fixSettings(data.settings),
			queued: await this.store.queueCount(),
			tickets: this.records.size,
			notice: data.recovered ? NOTICES.rebuilt : null
		});
	}

	start(): void {
		if (typeof window !== 'undefined') window.addEventListener('online', this.onlineHandler);
		this.timer = setInterval(() => {
			if (typeof navigator === 'undefined' || navigator.onLine) void this.sync();
		}, SYNC_INTERVAL_MS);
		void this.sync();
	}

	stop(): void {
		if (typeof window !== 'undefined') window.removeEventListener('online', this.onlineHandler);
		if (this.timer) clearInterval(this.timer);
		this.timer = null;
	}

	private fixSettings(s: Settings): Settings {
		const session = this.device?.session;
		if (!session) return s;
		const gates = this.gatesOf(session);
		let gate_id = session.gate_id ?? s.gate_id;
		if (gate_id && !gates.some((g) => g.id === gate_id)) gate_id = null;
		if (!gate_id && gates.length === 1) gate_id = gates[0].id;
		return { gate_id, direction: s.direction === 'exit' ? 'exit' : 'entry' };
	}

	gatesOf(session: DeviceSession | null = this.status.session) {
		const seen = new Map<string, { id: string; code: string; name: string }>();
		for (const ev of session?.events ?? []) for (const g of ev.gates ?? []) seen.set(g.id, g);
		const all = [...seen.values()];
		return session?.gate_id ? all.filter((g) => g.id === session.gate_id) : all;
	}

	gateName(id: string | null): string | null {
		if (!id) return null;
		return this.gatesOf().find((g) => g.id === id)?.name ?? null;
	}

	private async rebuildContext(): Promise<void> {
		const session = this.device?.session ?? null;
		this.ctx.deviceGateId = session?.gate_id ?? null;
		this.ctx.keys.clear();
		this.ctx.events.clear();
		for (const [eventId, data] of this.eventData) {
			const sev = session?.events.find((e) => e.id === eventId);
			if (!sev) continue;
			const ev: OfflineEvent = {
				id: eventId,
				status: sev.status ?? data.event.status,
				starts_at: data.event.starts_at,
				ends_at: data.event.ends_at,
				gate_ids: new Set(sev.gates.map((g) => g.id)),
				rules: data.rules
			};
			this.ctx.events.set(eventId, ev);
			for (const k of data.keys) {
				try {
					this.ctx.keys.set(k.key_id, { key: await importPublicKey(k), eventId });
				} catch {
					/* a key this browser cannot use: its tickets verify online only */
				}
			}
		}
	}

	// --- pairing ------------------------------------------------------------------------------

	async pair(code: string, deviceName?: string): Promise<void> {
		const res = await this.api.pair(code.trim(), deviceName || undefined);
		const { token, ...session } = res;
		this.device = { token, session, paired_at: new Date().toISOString() };
		this.api.token = token;
		await this.store.setDevice(this.device);
		const settings = this.fixSettings(await this.store.getSettings());
		await this.store.setSettings(settings);
		await this.rebuildContext();
		this.emit({ phase: 'ready', session, settings, online: true, notice: null });
		void this.sync();
	}

	async unpair(notice: string | null = null): Promise<void> {
		this.device = null;
		this.reportedGateId = null;
		this.api.token = null;
		this.eventData.clear();
		this.records.clear();
		this.local.clear();
		await this.store.clearDevice();
		await this.rebuildContext();
		this.emit({ phase: 'unpaired', session: null, tickets: 0, notice, queued: await this.store.queueCount() });
	}

	async setSettings(patch: Partial<Settings>): Promise<void> {
		const settings = this.fixSettings({ ...this.status.settings, ...patch });
		await this.store.setSettings(settings);
		this.emit({ settings });
		// Tell the server at once; offline, the next sync round sends it.
		void this.reportGate().catch(() => undefined);
	}

	/** Report the chosen gate when the server does not know it yet (devices paired for any gate). */
	private async reportGate(): Promise<void> {
		const gateId = this.status.settings.gate_id;
		if (!this.device || this.device.session.gate_id || !gateId || gateId === this.reportedGateId) return;
		try {
			await this.api.reportGate(gateId);
		} catch (e) {
			// Refused (a gate removed meanwhile...): scanning goes on; the scan sessions still tell.
			if (!(e instanceof ApiError) || e.status === 401) throw e;
		}
		this.reportedGateId = gateId;
	}

	// --- scanning -----------------------------------------------------------------------------

	/** Decide locally only (the offline path; also what the benchmark times). */
	async decideOffline(payload: string, gateId: string, direction: Direction, at = new Date(), clientScanId = uuid()) {
		return verifyOffline({ payload, gateId, direction, at, clientScanId }, this.ctx);
	}

	async scan(payload: string): Promise<Verdict> {
		const gateId = this.status.settings.gate_id;
		if (!gateId) throw new Error('choose a gate first');
		const direction = this.status.settings.direction;
		const clientScanId = uuid();
		const at = new Date();
		const body = { payload, gate_id: gateId, direction, client_scan_id: clientScanId, client_time: at.toISOString() };
		const parsed = parsePayload(payload);
		const eventId = typeof parsed === 'string' ? null : (this.ctx.keys.get(parsed.claims.keyId)?.eventId ?? null);

		const tryOnline = Date.now() >= this.skipOnlineUntil && (typeof navigator === 'undefined' || navigator.onLine);
		if (this.device && tryOnline) {
			try {
				const v = await this.api.scan(body, ONLINE_TIMEOUT_MS);
				const verdict: Verdict = { ...v, offline: false };
				this.skipOnlineUntil = 0;
				const h = verdict.ticket?.serial_hash;
				const ticketEvent = eventId ?? (h ? this.records.get(h)?.ev : undefined); // typed codes: by record
				if (h && ticketEvent) await this.recordLocal(verdict, h, ticketEvent, gateId, true);
				this.emit({ online: true });
				return verdict;
			} catch (e) {
				if (e instanceof ApiError && e.status === 401) {
					await this.unpair(NOTICES.signed_out);
				} else if (e instanceof ApiError) {
					// The server refused the request itself (e.g. 400/413): decide locally, not queued.
					const out = await this.decideOffline(payload, gateId, direction, at, clientScanId);
					return out.verdict;
				} else {
					this.skipOnlineUntil = Date.now() + OFFLINE_BACKOFF_MS;
					this.emit({ online: false });
				}
			}
		} else {
			this.emit({ online: false });
		}
		// Offline: decide locally; the local state and the queued scan (same client_scan_id) are
		// written in one transaction before the verdict shows, so nothing shown is ever lost.
		const out = await this.decideOffline(payload, gateId, direction, at, clientScanId);
		let state: LocalState | null = null;
		if (out.h && out.eventId) {
			state = nextLocalState(this.local.get(out.h), out.verdict, out.h, out.eventId, { id: gateId, name: this.gateName(gateId) }, false);
			if (state) this.local.set(out.h, state);
		}
		if (payload.length <= SERVER_MAX_LEN) {
			const added = await this.store.recordOffline(state, {
				client_scan_id: clientScanId,
				payload,
				gate_id: gateId,
				direction,
				client_time: body.client_time,
				local_verdict: out.verdict.result,
				h: out.h
			});
			if (added) this.emit({ queued: this.status.queued + 1 });
		} else if (state) {
			await this.store.putLocal(state);
		}
		return out.verdict;
	}

	private async recordLocal(v: Verdict, h: string, eventId: string, gateId: string, acked: boolean) {
		const next = nextLocalState(this.local.get(h), v, h, eventId, { id: gateId, name: this.gateName(gateId) }, acked);
		if (!next) return;
		this.local.set(h, next);
		await this.store.putLocal(next);
	}

	// --- sync ---------------------------------------------------------------------------------

	/** One sync round; concurrent callers share the running one. */
	sync(): Promise<void> {
		if (!this.syncing) {
			this.syncing = this.syncRound().finally(() => {
				this.syncing = null;
			});
		}
		return this.syncing;
	}

	private async syncRound(): Promise<void> {
		if (!this.device) return;
		this.emit({ syncing: true });
		try {
			await this.uploadQueue();
			// Refresh the session (events, gates, event status) now and then.
			try {
				const session = await this.api.session();
				if (this.device) {
					this.device = { ...this.device, session };
					await this.store.setDevice(this.device);
					this.emit({ session, settings: this.fixSettings(this.status.settings) });
				}
			} catch (e) {
				if (e instanceof ApiError && e.status === 401) throw e;
			}
			await this.reportGate();
			const pullStart = new Date().toISOString();
			for (const ev of this.device?.session.events ?? []) await this.pullEvent(ev.id);
			for (const h of await this.store.dropAckedLocal(pullStart)) this.local.delete(h);
			await this.rebuildContext();
			this.skipOnlineUntil = 0;
			this.emit({ online: true, lastSyncAt: new Date().toISOString(), lastError: null, tickets: this.records.size });
		} catch (e) {
			if (e instanceof ApiError && e.status === 401) {
				await this.unpair(NOTICES.signed_out);
			} else if (e instanceof NetworkError) {
				this.skipOnlineUntil = Date.now() + OFFLINE_BACKOFF_MS;
				this.emit({ online: false, lastError: e.message });
			} else {
				this.emit({ lastError: (e as Error)?.message ?? String(e) });
			}
		} finally {
			this.emit({ syncing: false, queued: await this.store.queueCount() });
		}
	}

	private async uploadQueue(): Promise<void> {
		for (;;) {
			const batch = await this.store.listQueue(500);
			if (!batch.length) break;
			const scans: UploadScan[] = batch.map((q) => ({
				client_scan_id: q.client_scan_id,
				payload: q.payload,
				gate_id: q.gate_id,
				direction: q.direction,
				client_time: q.client_time,
				local_verdict: q.local_verdict
			}));
			const res = await this.api.upload(scans);
			await this.store.removeQueued(res.results.map((r) => r.client_scan_id));
			this.emit({ online: true, queued: await this.store.queueCount() });
			if (res.results.length === 0) break;
		}
		const acked = await this.store.ackLocalNotQueued();
		for (const h of acked) {
			const l = this.local.get(h);
			if (l) this.local.set(h, { ...l, acked: true });
		}
	}

	private async pullEvent(eventId: string): Promise<void> {
		let data = this.eventData.get(eventId);
		if (!data) {
			const snap = await this.api.snapshot(eventId);
			await this.store.saveSnapshot({ event_id: eventId, event: snap.event, keys: snap.keys, rules: snap.rules, cursor: snap.cursor }, snap.tickets);
			for (const [h, t] of this.records) if (t.ev === eventId) this.records.delete(h);
			for (const t of snap.tickets) this.records.set(t.h, { ...t, ev: eventId });
			data = await this.store.getEvent(eventId);
			if (data) this.eventData.set(eventId, data);
			return;
		}
		for (;;) {
			let page;
			try {
				page = await this.api.changes(eventId, data.cursor);
			} catch (e) {
				if (e instanceof ApiError && e.status === 400) {
					// A cursor the server does not know (reset server, other event): start from a snapshot.
					this.eventData.delete(eventId);
					return this.pullEvent(eventId);
				}
				throw e;
			}
			data = await this.store.applyChanges(eventId, page);
			this.eventData.set(eventId, data);
			for (const t of page.tickets) this.records.set(t.h, { ...t, ev: eventId });
			if (!page.more) break;
		}
	}
}
