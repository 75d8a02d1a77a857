// The one place that talks HTTP: openapi-fetch over the generated schema, plus the session
// cookie, the CSRF header and problem+json errors turned into ApiError.
import createClient, { type Middleware } from 'openapi-fetch';
import { goto } from '$app/navigation';
import { base } from '$app/paths';
import type { paths } from './schema';

export type FieldError = { field: string; message: string };

/** A failed API call, from an RFC 9457 problem+json answer (or a network failure, status 0). */
export class ApiError extends Error {
	readonly status: number;
	readonly title: string;
	readonly detail: string;
	readonly type: string;
	readonly errors: FieldError[];

	constructor(status: number, problem: Partial<{ type: string; title: string; detail: string; errors: FieldError[] }>) {
		const title = problem.title || (status === 0 ? 'Cannot reach the server' : `Request failed (${status})`);
		super(problem.detail || title);
		this.status = status;
		this.title = title;
		this.detail = problem.detail || '';
		this.type = problem.type || 'about:blank';
		this.errors = Array.isArray(problem.errors) ? problem.errors : [];
	}

	/** Messages keyed by request field, for showing at the inputs. */
	get fields(): Record<string, string> {
		const out: Record<string, string> = {};
		for (const e of this.errors) {
			const key = e.field || '';
			out[key] = out[key] ? `${out[key]} ${e.message}` : e.message;
		}
		return out;
	}

	/** The banner text: detail, plus any field errors that no input will show. */
	bannerText(shownFields: string[] = []): string {
		const extra = this.errors.filter((e) => !shownFields.includes(e.field)).map((e) => (e.field ? `${e.field}: ${e.message}` : e.message));
		const head = this.detail || this.title;
		return extra.length ? `${head} ${extra.join('; ')}` : head;
	}
}

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
	const body = (result.error && typeof result.error === 'object' ? result.error : {}) as Record<string, unknown>;
	return new ApiError(result.response.status, {
		type: typeof body.type === 'string' ? body.type : undefined,
		title: typeof body.title === 'string' ? body.title : result.response.statusText,
		detail: typeof body.detail === 'string' ? body.detail : undefined,
		errors: Array.isArray(body.errors) ? (body.errors as FieldError[]) : undefined
	});
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
