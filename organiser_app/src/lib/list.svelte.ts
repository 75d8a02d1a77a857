// The loading scaffolding of the organiser's list pages, in one place.
// PagedList: a server-paged list with a debounced search box, filters and a page number (events,
// venues, orders). ItemList: a whole list loaded at once and edited in place (ticket types, coupons).
import { errorMessage } from './forms.svelte';

/** Pause after the last key press before the search goes to the server. */
const SEARCH_DELAY_MS = 300;

/** What a paged list endpoint returns (its items are the page's own type). */
export interface Paged {
	items: unknown[];
	page: number;
	page_size: number;
	total: number;
}

/** What a PagedList asks its fetch function for. */
export interface PageQuery<F> {
	/** The trimmed search text, '' for none. */
	q: string;
	filters: F;
	page: number;
}

/**
 * A server-paged list. Create it while the page component initialises: it starts an effect that
 * loads the page whenever the search, a filter or the page number changes. State the fetch function
 * reads before its first await (the organisation id from the URL, say) reloads the list too.
 * A response that arrives after a newer request was sent is dropped.
 */
export class PagedList<P extends Paged, F extends Record<string, unknown>> {
	/** The search box as typed. */
	q = $state('');
	/** The search as sent: `q` trimmed, SEARCH_DELAY_MS after the last key press. */
	search = $state('');
	filters: F;
	page = $state(1);
	result = $state<P | null>(null);
	error = $state('');
	loading = $state(false);

	#seq = 0;
	#timer: ReturnType<typeof setTimeout> | undefined;

	constructor(
		private fetch: (query: PageQuery<F>) => Promise<P>,
		init: { filters: F; q?: string }
	) {
		this.filters = $state(init.filters);
		this.q = init.q ?? '';
		this.search = this.q.trim();
		$effect(() => {
			void this.#load({ q: this.search, filters: { ...this.filters }, page: this.page });
		});
	}

	/** For the search box's oninput: search again (from page 1) once typing pauses. */
	onSearch = () => {
		clearTimeout(this.#timer);
		this.#timer = setTimeout(() => {
			this.search = this.q.trim();
			this.page = 1;
		}, SEARCH_DELAY_MS);
	};

	/** For a filter's onchange: the filter is bound to `filters`; start again at page 1. */
	onFilter = () => {
		this.page = 1;
	};

	/** For Pagination's onpage. */
	goTo = (page: number) => {
		this.page = page;
	};

	async #load(query: PageQuery<F>) {
		const mine = ++this.#seq;
		this.loading = true;
		try {
			const data = await this.fetch(query);
			if (mine === this.#seq) {
				this.result = data;
				this.error = '';
			}
		} catch (e) {
			if (mine === this.#seq) this.error = errorMessage(e);
		} finally {
			if (mine === this.#seq) this.loading = false;
		}
	}
}

/**
 * A whole list loaded at once (`items` is null until the first load succeeds) and then kept in step
 * with the page's own changes. `error` is the page's banner: loading sets it, and so may actions.
 */
export class ItemList<T extends { id: string }> {
	items = $state<T[] | null>(null);
	error = $state('');

	constructor(private fetch: () => Promise<T[]>) {}

	/** Load (or reload) the list; a failure shows in `error` and leaves the items as they were. */
	load = async () => {
		try {
			this.items = await this.fetch();
			this.error = '';
		} catch (e) {
			this.error = errorMessage(e);
		}
	};

	add(item: T) {
		this.items = [...(this.items ?? []), item];
	}

	/** Put the saved version of an item in place of the one with its id. */
	replace(item: T) {
		this.items = (this.items ?? []).map((x) => (x.id === item.id ? item : x));
	}

	remove(id: string) {
		this.items = (this.items ?? []).filter((x) => x.id !== id);
	}
}
