/**
 * The scanning protocol (docs/scanning-protocol.md) over @voelgoed/api-client: the device token as
 * a bearer token, short timeouts, and the scanner's rule that a 5xx is the network failing.
 */
import { ApiError, NetworkError, createApiClient, unwrap, type ApiClient, type OfflineResult, type OfflineScan } from '@voelgoed/api-client';
import type { Changes, DeviceSession, Snapshot, Verdict } from '../verify/types';

export { ApiError, NetworkError } from '@voelgoed/api-client';

export interface PairResult extends DeviceSession {
	token: string;
}

/** A queued scan as the server takes it back (its own verdict beside it). */
export type UploadScan = OfflineScan;
export type UploadResult = OfflineResult;

export class Api {
	/** Read by the client on every request: pairing sets it, unpairing clears it. */
	token: string | null = null;
	private readonly client: ApiClient;

	constructor(public base: string) {
		this.client = createApiClient({ baseUrl: base, auth: { kind: 'deviceToken', token: () => this.token }, cache: 'no-store' });
	}

	/** One call with a deadline; what the engine cannot act on as a refusal becomes a NetworkError. */
	private async run<R extends { data?: unknown; error?: unknown; response: Response }>(timeoutMs: number, send: (signal: AbortSignal) => Promise<R>) {
		const ctrl = new AbortController();
		const timer = setTimeout(() => ctrl.abort(), timeoutMs);
		try {
			return await unwrap(send(ctrl.signal));
		} catch (e) {
			// A gateway without the backend behind it is the network failing, not a verdict.
			if (e instanceof ApiError && e.status >= 500) throw new NetworkError(`server error ${e.status}`);
			if (e instanceof NetworkError && ctrl.signal.aborted) throw new NetworkError('timed out');
			throw e;
		} finally {
			clearTimeout(timer);
		}
	}

	async pair(code: string, deviceName?: string): Promise<PairResult> {
		const body = deviceName ? { code, device_name: deviceName } : { code };
		const { token, ...session } = await this.run(15_000, (signal) => this.client.POST('/api/devices/pair', { body, signal }));
		if (!token) throw new Error('The server paired this device but sent no token.');
		return { ...session, token };
	}

	session(): Promise<DeviceSession> {
		return this.run(5000, (signal) => this.client.GET('/api/checkin/device', { signal }));
	}

	/** The gate a person picked on this device (paired for any gate): the organiser's Devices list shows it. */
	reportGate(gateId: string | null): Promise<{ gate_id: string | null }> {
		return this.run(5000, (signal) => this.client.POST('/api/checkin/device/gate', { body: { gate_id: gateId }, signal }));
	}

	scan(body: Omit<UploadScan, 'local_verdict'>, timeoutMs: number): Promise<Omit<Verdict, 'offline'>> {
		return this.run(timeoutMs, (signal) => this.client.POST('/api/checkin/scans', { body, signal }));
	}

	// The spec does not type these two answers yet (issue 14 declares them); the verifier's shapes
	// in verify/types.ts are what the server sends (docs/scanning-protocol.md).
	async snapshot(eventId: string): Promise<Snapshot> {
		const data: unknown = await this.run(120_000, (signal) => this.client.GET('/api/checkin/snapshot', { params: { query: { event_id: eventId } }, signal }));
		return data as Snapshot;
	}

	async changes(eventId: string, cursor: number, limit = 2000): Promise<Changes> {
		const data: unknown = await this.run(15_000, (signal) =>
			this.client.GET('/api/checkin/changes', { params: { query: { event_id: eventId, cursor, limit } }, signal })
		);
		return data as Changes;
	}

	upload(scans: UploadScan[]): Promise<{ results: UploadResult[]; server_time: string }> {
		return this.run(30_000, (signal) => this.client.POST('/api/checkin/offline-scans', { body: { device_time: new Date().toISOString(), scans }, signal }));
	}
}
