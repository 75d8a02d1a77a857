// Submit state for a form: busy flag, errors at fields, and a banner for the rest.
import { ApiError } from './api/client';

export class FormState {
	busy = $state(false);
	fields = $state<Record<string, string>>({});
	banner = $state('');

	/** Field names this form shows errors next to; others go to the banner. */
	constructor(private shown: string[] = []) {}

	reset() {
		this.fields = {};
		this.banner = '';
	}

	/** Run a submit; returns its value, or undefined when it failed (errors are then shown). */
	async run<T>(fn: () => Promise<T>): Promise<T | undefined> {
		if (this.busy) return undefined;
		this.busy = true;
		this.reset();
		try {
			return await fn();
		} catch (e) {
			this.fail(e);
			return undefined;
		} finally {
			this.busy = false;
		}
	}

	fail(e: unknown) {
		if (e instanceof ApiError) {
			const all = e.fields;
			const shown: Record<string, string> = {};
			for (const [k, v] of Object.entries(all)) if (this.shown.includes(k)) shown[k] = v;
			this.fields = shown;
			if (e.status === 401) this.banner = 'Your session has ended. Please sign in again.';
			else if (Object.keys(shown).length && !e.errors.some((x) => !this.shown.includes(x.field))) {
				this.banner = 'Please correct the highlighted fields.';
			} else this.banner = e.bannerText(this.shown);
		} else {
			this.banner = e instanceof Error ? e.message : 'Something went wrong.';
		}
	}
}

/** A message for an error outside forms (loading a page, a button action). */
export function errorMessage(e: unknown): string {
	if (e instanceof ApiError) return e.bannerText();
	return e instanceof Error ? e.message : 'Something went wrong.';
}
