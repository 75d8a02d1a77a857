// The organiser app's API client: @voelgoed/api-client with the session cookie and CSRF header,
// plus what only this app does: a 401 outside the public pages sends the person to sign-in, and a
// request with no answer shows as an ApiError (status 0) so every form and banner handles one type.
import { goto } from '$app/navigation';
import { base } from '$app/paths';
import { ApiError, createApiClient, unwrap, type Middleware } from '@voelgoed/api-client';

export { ApiError, type FieldError } from '@voelgoed/api-client';

const PUBLIC_PREFIXES = ['/sign-in', '/sign-up', '/forgot-password', '/reset-password', '/invitations/'];

/** True on pages that work without a session (a 401 there is an answer, not a redirect). */
export function onPublicPage(): boolean {
	if (typeof location === 'undefined') return true;
	const path = location.pathname.startsWith(base) ? location.pathname.slice(base.length) : location.pathname;
	return PUBLIC_PREFIXES.some((p) => path.startsWith(p));
}

const signInOn401: Middleware = {
	onResponse({ response }) {
		if (response.status === 401 && !onPublicPage()) {
			const next = location.pathname + location.search;
			void goto(`${base}/sign-in?next=${encodeURIComponent(next)}`);
		}
		return response;
	}
};

export const api = createApiClient({ auth: { kind: 'session' } });
api.use(signInOn401);

type Result = { data?: unknown; error?: unknown; response: Response };

async function settle<R extends Result>(request: Promise<R>): Promise<Exclude<R['data'], undefined>> {
	try {
		return await unwrap(request);
	} catch (e) {
		// NetworkError (or an unreadable answer): one kind of failure for the person, as before.
		if (e instanceof ApiError) throw e;
		throw new ApiError(0, { detail: 'Cannot reach the server. Check your connection and try again.' });
	}
}

/** Await an api call and return its data, or throw ApiError. */
export async function call<R extends Result>(request: Promise<R>): Promise<Exclude<R['data'], undefined>> {
	return settle(request);
}

/** Await an api call that answers with no body (204/202), or throw ApiError. */
export async function send(request: Promise<Result>): Promise<void> {
	await settle(request);
}
