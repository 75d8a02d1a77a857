// The one client-side form of a failed API call, for the organiser app, the scanner and
// integrators: every error the backend sends is an RFC 9457 problem+json body (type, title,
// status, detail, and `errors` naming request fields). A request that got no answer at all is a
// NetworkError instead: the scanner decides offline on it, the organiser app shows "cannot reach".

export type FieldError = { field: string; message: string };

/** The problem fields of an error body, as far as the body has them (parsed leniently). */
export type Problem = Partial<{ type: string; title: string; status: number; detail: string; errors: FieldError[]; request_id: string }>;

/** The problem fields of a parsed response body; anything that is not a problem gives {}. */
export function problemOf(body: unknown, statusText = ''): Problem {
	const b = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
	return {
		type: typeof b.type === 'string' ? b.type : undefined,
		title: typeof b.title === 'string' ? b.title : statusText || undefined,
		status: typeof b.status === 'number' ? b.status : undefined,
		detail: typeof b.detail === 'string' ? b.detail : undefined,
		errors: Array.isArray(b.errors) ? (b.errors as FieldError[]) : undefined,
		request_id: typeof b.request_id === 'string' ? b.request_id : undefined
	};
}

/** A failed API call, from an RFC 9457 problem+json answer (status 0: an app's form of no answer). */
export class ApiError extends Error {
	readonly status: number;
	readonly title: string;
	readonly detail: string;
	readonly type: string;
	readonly errors: FieldError[];
	/** The server's request id (quote it to support); '' when the answer had none. */
	readonly requestId: string;

	constructor(status: number, problem: Problem) {
		const title = problem.title || (status === 0 ? 'Cannot reach the server' : `Request failed (${status})`);
		super(problem.detail || title);
		this.name = 'ApiError';
		this.status = status;
		this.title = title;
		this.detail = problem.detail || '';
		this.type = problem.type || 'about:blank';
		this.errors = Array.isArray(problem.errors) ? problem.errors : [];
		this.requestId = problem.request_id || '';
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

/** No answer from the server: the network failed, or the request timed out (aborted). */
export class NetworkError extends Error {
	constructor(message = 'network unreachable') {
		super(message);
		this.name = 'NetworkError';
	}
}
