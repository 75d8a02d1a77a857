// The one place that talks HTTP: openapi-fetch over the generated schema, plus the session
// cookie, the CSRF header and problem+json errors turned into ApiError.
import createClient, { type Middleware } from 'openapi-fetch';
import { goto } from '$app/navigation';
import { base } from '$app/paths';
import type { paths } from './schema';

import { ApiError, problemOf } from '../../../../shared_schemas/problem';

export { ApiError, type FieldError } from '../../../../shared_schemas/problem';

export function readCookie(name: string): string | null {
	if (typeof document === 'undefined') return null;
	for (const part of document.cookie.split(';')) {
		const [k, ...v] = part.trim().split('=');
		if (k === name) return decodeURIComponent(v.join('='));
	}
	return null;
}

const PUBLIC_PREFIXES = ['/sign-in', '/sign-up', '/forgot-password', '/reset-password', '/invitations/'];

/** True on pages that work without a session (a 401 there is an answer, not a redirect). */
export function onPublicPage(): boolean {
	if (typeof location === 'undefined') return true;
	const path = location.pathname.startsWith(base) ? location.pathname.slice(base.length) : location.pathname;
	return PUBLIC_PREFIXES.some((p) => path.startsWith(p));
}

const sessionMiddleware: Middleware = {
	onRequest({ request }) {
		if (request.method !== 'GET' && request.method !== 'HEAD') {
			const csrf = readCookie('vg_csrf');
			if (csrf) request.headers.set('X-CSRF-Token', csrf);
		}
		return request;
	},
	onResponse({ response }) {
		if (response.status === 401 && !onPublicPage()) {
			const next = location.pathname + location.search;
			void goto(`${base}/sign-in?next=${encodeURIComponent(next)}`);
		}
		return response;
	}
};

export const api = createClient<paths>({ baseUrl: '', credentials: 'include' });
api.use(sessionMiddleware);

type Result = { data?: unknown; error?: unknown; response: Response };

function toApiError(result: Result): ApiError {
	return new ApiError(result.response.status, problemOf(result.error, result.response.statusText));
}

async function settle<R extends Result>(request: Promise<R>): Promise<R> {
	let result: R;
	try {
		result = await request;
	} catch {
		throw new ApiError(0, { detail: 'Cannot reach the server. Check your connection and try again.' });
	}
	if (!result.response.ok) throw toApiError(result);
	return result;
}

/** Await an api call and return its data, or throw ApiError. */
export async function call<R extends Result>(request: Promise<R>): Promise<Exclude<R['data'], undefined>> {
	const result = await settle(request);
	return result.data as Exclude<R['data'], undefined>;
}

/** Await an api call that answers with no body (204/202), or throw ApiError. */
export async function send(request: Promise<Result>): Promise<void> {
	await settle(request);
}
