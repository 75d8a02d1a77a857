// The typed client: openapi-fetch over the generated `paths`, plus the credentials each kind of
// caller sends (docs/api.md, "Authentication") and one way to turn an answer into data or an error.
import createClient, { type Client, type Middleware } from 'openapi-fetch';
import { ApiError, NetworkError, problemOf } from './problem';
import type { paths } from './schema';

/** How a caller proves who it is; the names follow the spec's security schemes. */
export type Auth =
	/** The organiser app in a browser: the `vg_session` cookie, and on writes the CSRF header read from the `vg_csrf` cookie. */
	| { kind: 'session'; csrfToken?: () => string | null | undefined }
	/** A paired scanner: `Authorization: Bearer <device token>` (read per request: pairing sets it later). */
	| { kind: 'deviceToken'; token: () => string | null | undefined }
	/** An integrator: `Authorization: Bearer vg_...`; no cookies and no CSRF header. */
	| { kind: 'apiKey'; key: string }
	/** Public operations only (sign-in, the buyer's pages). */
	| { kind: 'none' };

export interface ApiClientOptions {
	/** Where the API is: '' for the same origin (the apps), or e.g. 'https://tickets.example.com'. */
	baseUrl?: string;
	auth?: Auth;
	/** Defaults to the global fetch, looked up per request (so a test's stub or a later polyfill applies). */
	fetch?: (request: Request) => Promise<Response>;
	/** The HTTP cache mode of every request (the scanner: 'no-store', verdicts must be live). */
	cache?: RequestCache;
}

export type ApiClient = Client<paths>;

export const CSRF_COOKIE = 'vg_csrf';
export const CSRF_HEADER = 'X-CSRF-Token';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** A cookie of this page (null outside a browser or when unset). */
export function readCookie(name: string): string | null {
	if (typeof document === 'undefined') return null;
	for (const part of document.cookie.split(';')) {
		const [k, ...v] = part.trim().split('=');
		if (k === name) return decodeURIComponent(v.join('='));
	}
	return null;
}

/** Sets the credentials of `auth` on every request (exported for clients made by hand). */
export function authMiddleware(auth: Auth): Middleware {
	return {
		onRequest({ request }) {
			if (auth.kind === 'session') {
				// Double-submit CSRF: only writes need it; reads stay simple (and cacheable).
				if (!SAFE_METHODS.has(request.method)) {
					const csrf = (auth.csrfToken ?? (() => readCookie(CSRF_COOKIE)))();
					if (csrf) request.headers.set(CSRF_HEADER, csrf);
				}
			} else if (auth.kind === 'deviceToken' || auth.kind === 'apiKey') {
				const token = auth.kind === 'apiKey' ? auth.key : auth.token();
				if (token) request.headers.set('Authorization', `Bearer ${token}`);
			}
			return request;
		}
	};
}

/**
 * A client of the whole API, typed by path and method:
 * `const { data, error } = await api.GET('/api/organizations/{organization_id}/events', { params: { path: { organization_id } } })`,
 * or `await unwrap(api.GET(...))` for the data or a thrown ApiError / NetworkError.
 */
export function createApiClient(options: ApiClientOptions = {}): ApiClient {
	const auth = options.auth ?? { kind: 'none' };
	const client = createClient<paths>({
		baseUrl: options.baseUrl ?? '',
		// Cookies only for the session; a bearer caller must not ride on a browser session too.
		credentials: auth.kind === 'session' ? 'include' : 'omit',
		cache: options.cache,
		// No default Accept: some answers are CSV, PDF or an event stream (per-call `headers`, `parseAs`).
		fetch: options.fetch ?? ((request) => globalThis.fetch(request))
	});
	client.use(authMiddleware(auth));
	return client;
}

type Answer = { data?: unknown; error?: unknown; response: Response };

/** The data of an answer, once it is known to be a success. */
export type DataOf<R extends Answer> = Exclude<R['data'], undefined>;

/** The ApiError of a failed answer, from its problem+json body (or its status line). */
export function errorOf(answer: Answer): ApiError {
	return new ApiError(answer.response.status, problemOf(answer.error, answer.response.statusText));
}

/**
 * Await a call and return its data (undefined for 204/202 without a body); a 4xx/5xx answer
 * throws ApiError, no answer at all (network down, aborted by a timeout) throws NetworkError.
 */
export async function unwrap<R extends Answer>(request: Promise<R>): Promise<DataOf<R>> {
	let answer: R;
	try {
		answer = await request;
	} catch (e) {
		// A 200 whose body is not JSON (a captive portal's page) is not a network failure.
		if (e instanceof SyntaxError) throw e;
		const name = (e as { name?: unknown } | null)?.name;
		const aborted = name === 'AbortError' || name === 'TimeoutError';
		throw new NetworkError(aborted ? 'timed out' : String((e as Error)?.message ?? e));
	}
	if (!answer.response.ok) throw errorOf(answer);
	return answer.data as DataOf<R>;
}
