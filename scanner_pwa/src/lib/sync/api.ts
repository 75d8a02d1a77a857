/** HTTP client of the scanning protocol (docs/scanning-protocol.md), with short timeouts. */
import { ApiError, problemOf } from '../../../../shared_schemas/problem';
import type { Changes, DeviceSession, Direction, Reason, Result, Snapshot, Verdict } from '../verify/types';

export class NetworkError extends Error {
	constructor(message = 'network unreachable') {
		super(message);
		this.name = 'NetworkError';
	}
}

export { ApiError } from '../../../../shared_schemas/problem';

export interface PairResult extends DeviceSession {
	token: string;
}

export interface UploadScan {
	client_scan_id: string;
	payload: string;
	gate_id: string;
	direction: Direction;
	client_time: string;
	local_verdict: Result;
}

export interface UploadResult {
	client_scan_id: string;
	scan_id: string | null;
	result: Result;
	reason: Reason | null;
	offline_duplicate: boolean;
	replayed: boolean;
}

export class Api {
	constructor(
		public base: string,
		public token: string | null = null
	) {}

	private async req<T>(method: string, path: string, body?: unknown, timeoutMs = 15_000): Promise<T> {
		const ctrl = new AbortController();
		const timer = setTimeout(() => ctrl.abort(), timeoutMs);
		let res: Response;
		try {
			const headers: Record<string, string> = { Accept: 'application/json' };
			if (body !== undefined) headers['Content-Type'] = 'application/json';
			if (this.token) headers.Authorization = `Bearer ${this.token}`;
			res = await fetch(this.base.replace(/\/$/, '') + path, {
				method,
				headers,
				body: body === undefined ? undefined : JSON.stringify(body),
				signal: ctrl.signal,
				cache: 'no-store',
				credentials: 'omit'
			});
		} catch (e) {
			throw new NetworkError(ctrl.signal.aborted ? 'timed out' : String((e as Error)?.message ?? e));
		} finally {
			clearTimeout(timer);
		}
		if (!res.ok) {
			let body: unknown = null;
			try {
				body = await res.json();
			} catch {
				/* not JSON */
			}
			// A gateway without the backend behind it is the network failing, not a verdict.
			if (res.status >= 500) throw new NetworkError(`server error ${res.status}`);
			throw new ApiError(res.status, problemOf(body, res.statusText));
		}
		return (await res.json()) as T;
	}

	pair(code: string, deviceName?: string): Promise<PairResult> {
		return this.req('POST', '/api/devices/pair', deviceName ? { code, device_name: deviceName } : { code });
	}

	session(): Promise<DeviceSession> {
		return this.req('GET', '/api/checkin/device', undefined, 5000);
	}

	/** The gate a person picked on this device (paired for any gate): the organiser's Devices list shows it. */
	reportGate(gateId: string | null): Promise<{ gate_id: string | null }> {
		return this.req('POST', '/api/checkin/device/gate', { gate_id: gateId }, 5000);
	}

	scan(body: UploadScan extends infer U ? Omit<U, 'local_verdict'> : never, timeoutMs: number): Promise<Verdict> {
		return this.req('POST', '/api/checkin/scans', body, timeoutMs);
	}

	snapshot(eventId: string): Promise<Snapshot> {
		return this.req('GET', `/api/checkin/snapshot?event_id=${encodeURIComponent(eventId)}`, undefined, 120_000);
	}

	changes(eventId: string, cursor: number, limit = 2000): Promise<Changes> {
		return this.req('GET', `/api/checkin/changes?event_id=${encodeURIComponent(eventId)}&cursor=${cursor}&limit=${limit}`);
	}

	upload(scans: UploadScan[]): Promise<{ results: UploadResult[]; server_time: string }> {
		return this.req('POST', '/api/checkin/offline-scans', { device_time: new Date().toISOString(), scans }, 30_000);
	}
}
