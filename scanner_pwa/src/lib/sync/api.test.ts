import { afterEach, describe, expect, it, vi } from 'vitest';
import { Api, ApiError, NetworkError } from './api';

const EVENT = 'e0000000-0000-4000-8000-000000000001';

function serve(answer: (request: Request) => Promise<Response> | Response) {
	const seen: Request[] = [];
	vi.stubGlobal(
		'fetch',
		vi.fn(async (request: Request) => {
			seen.push(request);
			return answer(request);
		})
	);
	return seen;
}

afterEach(() => vi.unstubAllGlobals());

describe('the scanner API client', () => {
	it('sends the device token as a bearer token, without cookies or the HTTP cache', async () => {
		const seen = serve(() => Response.json({ cursor: 3, more: false, server_time: '', tickets: [], rules: null, keys: null }));
		const api = new Api('http://scanner.test/');
		api.token = 'vgd_token';
		const page = await api.changes(EVENT, 2);
		expect(page.cursor).toBe(3);
		expect(seen[0].url).toBe(`http://scanner.test/api/checkin/changes?event_id=${EVENT}&cursor=2&limit=2000`);
		expect(seen[0].headers.get('Authorization')).toBe('Bearer vgd_token');
		expect(seen[0].headers.get('X-CSRF-Token')).toBeNull();
		expect([seen[0].credentials, seen[0].cache]).toEqual(['omit', 'no-store']);
	});

	it('a refusal is an ApiError (the engine acts on it); a 5xx is the network failing', async () => {
		const problem = { type: 'about:blank', title: 'Unauthorized', status: 401, detail: 'Unknown device token.' };
		serve(() => new Response(JSON.stringify(problem), { status: 401, headers: { 'Content-Type': 'application/problem+json' } }));
		const refused = await new Api('http://scanner.test').session().catch((e) => e);
		expect(refused).toBeInstanceOf(ApiError);
		expect([refused.status, refused.detail]).toEqual([401, 'Unknown device token.']);

		serve(() => new Response('<h1>502 Bad Gateway</h1>', { status: 502 }));
		const gateway = await new Api('http://scanner.test').session().catch((e) => e);
		expect(gateway).toBeInstanceOf(NetworkError);
		expect(gateway.message).toBe('server error 502');
	});

	it('an answer slower than the deadline is a NetworkError that says it timed out', async () => {
		serve(
			(request) =>
				new Promise<Response>((_, reject) => {
					if (request.signal.aborted) reject(request.signal.reason);
					request.signal.addEventListener('abort', () => reject(request.signal.reason));
				})
		);
		const api = new Api('http://scanner.test');
		api.token = 'vgd_token';
		const started = Date.now();
		const e = await api
			.scan({ payload: 'x', gate_id: EVENT, direction: 'entry', client_scan_id: EVENT, client_time: new Date().toISOString() }, 50)
			.catch((x) => x);
		expect(e).toBeInstanceOf(NetworkError);
		expect(e.message).toBe('timed out');
		expect(Date.now() - started).toBeLessThan(2000);
	});

	it('pairing returns the session and the token it carries', async () => {
		const session = { device_id: 'd', organization_id: 'o', name: 'Phone', gate_id: null, events: [], server_time: '' };
		const seen = serve(() => Response.json({ ...session, token: 'vgd_new' }, { status: 201 }));
		const paired = await new Api('http://scanner.test').pair('ABCD-EFGH', 'Phone');
		expect(paired.token).toBe('vgd_new');
		expect(await seen[0].json()).toEqual({ code: 'ABCD-EFGH', device_name: 'Phone' });
		expect(seen[0].headers.get('Authorization')).toBeNull();
	});
});
