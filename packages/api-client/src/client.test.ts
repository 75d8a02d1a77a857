import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError, NetworkError, createApiClient, unwrap, type Auth } from './index';

const BASE = 'https://tickets.example.test';
const ORG = '0b6f1f5e-0000-4000-8000-000000000001';
const EVENT = '0b6f1f5e-0000-4000-8000-0000000000e1';

/** A fake fetch that records each request and answers with `answer` (JSON 200 by default). */
function fakeFetch(answer: () => Response = () => Response.json({ items: [], total: 0 })) {
	const seen: Request[] = [];
	const fetch = vi.fn(async (request: Request) => {
		seen.push(request);
		return answer();
	});
	return { fetch, seen };
}

function client(auth: Auth, answer?: () => Response) {
	const fake = fakeFetch(answer);
	return { api: createApiClient({ baseUrl: `${BASE}/`, auth, fetch: fake.fetch }), seen: fake.seen };
}

const listEvents = { params: { path: { organization_id: ORG } } };
const createBody = { name: 'Fest', starts_at: '2027-01-01T18:00:00Z', ends_at: '2027-01-01T23:00:00Z', timezone: 'Africa/Johannesburg' };

afterEach(() => vi.unstubAllGlobals());

describe('credentials per kind of caller', () => {
	it('a session sends its cookie, and the CSRF header on writes only', async () => {
		const { api, seen } = client({ kind: 'session', csrfToken: () => 'csrf-1' });
		await api.GET('/api/organizations/{organization_id}/events', listEvents);
		await api.POST('/api/organizations/{organization_id}/events', { ...listEvents, body: createBody as never });
		await api.DELETE('/api/organizations/{organization_id}/events/{event_id}', { params: { path: { organization_id: ORG, event_id: EVENT } } });
		const [read, write, remove] = seen;
		expect(read.url).toBe(`${BASE}/api/organizations/${ORG}/events`);
		expect(read.credentials).toBe('include');
		expect(read.headers.get('X-CSRF-Token')).toBeNull();
		expect(write.method).toBe('POST');
		expect(write.headers.get('X-CSRF-Token')).toBe('csrf-1');
		expect(write.headers.get('Content-Type')).toBe('application/json');
		expect(remove.headers.get('X-CSRF-Token')).toBe('csrf-1');
		expect(seen.every((r) => r.headers.get('Authorization') === null)).toBe(true);
	});

	it('a session reads the CSRF token from the vg_csrf cookie by default', async () => {
		vi.stubGlobal('document', { cookie: 'theme=dark; vg_csrf=a%2Bb' });
		const { api, seen } = client({ kind: 'session' });
		await api.POST('/api/auth/sign-out');
		expect(seen[0].headers.get('X-CSRF-Token')).toBe('a+b');
	});

	it('an API key is a bearer token, with no cookies and no CSRF header', async () => {
		const { api, seen } = client({ kind: 'apiKey', key: 'vg_abcd1234_secret' });
		await api.GET('/api/organizations/{organization_id}/events', listEvents);
		await api.POST('/api/organizations/{organization_id}/events', { ...listEvents, body: createBody as never });
		for (const request of seen) {
			expect(request.headers.get('Authorization')).toBe('Bearer vg_abcd1234_secret');
			expect(request.headers.get('X-CSRF-Token')).toBeNull();
			expect(request.credentials).toBe('omit');
		}
	});

	it('a device token is read per request: none before pairing, then a bearer token', async () => {
		let token: string | null = null;
		const { api, seen } = client({ kind: 'deviceToken', token: () => token });
		await api.POST('/api/devices/pair', { body: { code: 'ABCD-EFGH' } });
		token = 'vgd_device';
		await api.POST('/api/checkin/scans', {
			body: { payload: 'x', gate_id: EVENT, direction: 'entry', client_scan_id: EVENT }
		});
		expect(seen[0].headers.get('Authorization')).toBeNull();
		expect(seen[1].headers.get('Authorization')).toBe('Bearer vgd_device');
		expect(seen[1].headers.get('X-CSRF-Token')).toBeNull();
		expect(seen[1].credentials).toBe('omit');
	});

	it('looks up the global fetch per request when none is given', async () => {
		const api = createApiClient({ baseUrl: BASE, auth: { kind: 'none' }, cache: 'no-store' });
		const fake = fakeFetch();
		vi.stubGlobal('fetch', fake.fetch);
		await api.GET('/api/organizations/{organization_id}/events', listEvents);
		expect(fake.seen).toHaveLength(1);
		expect(fake.seen[0].cache).toBe('no-store');
	});
});

describe('answers: data, ApiError from problem+json, NetworkError', () => {
	it('unwrap gives the typed data of a success', async () => {
		const { api } = client({ kind: 'apiKey', key: 'vg_k' }, () => Response.json({ items: [], total: 0, page: 1, per_page: 20 }));
		const page = await unwrap(api.GET('/api/organizations/{organization_id}/events', listEvents));
		expect(page.items).toEqual([]);
		expect(page.total).toBe(0);
	});

	it('unwrap gives undefined for an answer with no body (204)', async () => {
		const { api } = client({ kind: 'session', csrfToken: () => 't' }, () => new Response(null, { status: 204 }));
		await expect(unwrap(api.POST('/api/auth/sign-out'))).resolves.toBeUndefined();
	});

	it('a problem+json answer becomes a typed ApiError', async () => {
		const problem = {
			type: 'https://voelgoed.events/problems/validation',
			title: 'Unprocessable Content',
			status: 422,
			detail: 'The event is not valid.',
			errors: [
				{ field: 'name', message: 'Required.' },
				{ field: 'ends_at', message: 'Must be after the start.' }
			],
			request_id: 'req-42'
		};
		const answer = () => new Response(JSON.stringify(problem), { status: 422, headers: { 'Content-Type': 'application/problem+json' } });
		const { api } = client({ kind: 'apiKey', key: 'vg_k' }, answer);
		const error = await unwrap(api.POST('/api/organizations/{organization_id}/events', { ...listEvents, body: createBody as never })).catch((e) => e);
		expect(error).toBeInstanceOf(ApiError);
		const e = error as ApiError;
		expect([e.status, e.type, e.title, e.detail, e.requestId]).toEqual([422, problem.type, 'Unprocessable Content', 'The event is not valid.', 'req-42']);
		expect(e.fields).toEqual({ name: 'Required.', ends_at: 'Must be after the start.' });
		expect(e.bannerText(['name'])).toBe('The event is not valid. ends_at: Must be after the start.');
		expect(e.message).toBe('The event is not valid.');
	});

	it('an error answer that is not a problem keeps its status line', async () => {
		const { api } = client({ kind: 'none' }, () => new Response('<html>bad gateway</html>', { status: 502, statusText: 'Bad Gateway' }));
		const e = (await unwrap(api.GET('/api/organizations/{organization_id}/events', listEvents)).catch((x) => x)) as ApiError;
		expect(e).toBeInstanceOf(ApiError);
		expect([e.status, e.title, e.detail, e.type, e.errors]).toEqual([502, 'Bad Gateway', '', 'about:blank', []]);
	});

	it('no answer is a NetworkError; an aborted request says it timed out', async () => {
		const down = createApiClient({
			baseUrl: BASE,
			fetch: async () => {
				throw new TypeError('Failed to fetch');
			}
		});
		const e1 = await unwrap(down.GET('/api/organizations/{organization_id}/events', listEvents)).catch((x) => x);
		expect(e1).toBeInstanceOf(NetworkError);
		expect(e1).not.toBeInstanceOf(ApiError);
		expect((e1 as Error).message).toBe('Failed to fetch');

		// Like a real fetch: never answers, and rejects with the signal's AbortError once aborted.
		const hang = (request: Request) =>
			new Promise<Response>((_, reject) => {
				if (request.signal.aborted) reject(request.signal.reason);
				request.signal.addEventListener('abort', () => reject(request.signal.reason));
			});
		const slow = createApiClient({ baseUrl: BASE, fetch: hang });
		const ctrl = new AbortController();
		const pending = unwrap(slow.GET('/api/organizations/{organization_id}/events', { ...listEvents, signal: ctrl.signal }));
		ctrl.abort();
		const e2 = await pending.catch((x) => x);
		expect(e2).toBeInstanceOf(NetworkError);
		expect((e2 as Error).message).toBe('timed out');
	});
});
