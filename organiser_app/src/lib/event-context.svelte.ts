// The event whose pages are open (ticket types, coupons, orders, sales, check-in, devices):
// loaded once by the event layout and shared with its pages through Svelte context.
import { getContext, setContext } from 'svelte';
import { api, call, ApiError } from './api/client';
import type { EventItem } from '@voelgoed/api-client';
import { errorMessage } from './forms.svelte';

const KEY = Symbol('event');

export class EventContext {
	ev = $state<EventItem | null>(null);
	error = $state('');
	loaded = $state(false);

	constructor(
		readonly orgId: string,
		readonly eventId: string
	) {}

	async load() {
		try {
			this.ev = await call(
				api.GET('/api/organizations/{organization_id}/events/{event_id}', {
					params: { path: { organization_id: this.orgId, event_id: this.eventId } }
				})
			);
			this.error = '';
		} catch (e) {
			this.error = e instanceof ApiError && e.status === 404 ? 'This event does not exist.' : errorMessage(e);
		} finally {
			this.loaded = true;
		}
	}

	/** The event's time zone (the organisation's default until the event has loaded). */
	get timezone(): string {
		return this.ev?.timezone ?? 'Africa/Johannesburg';
	}
}

export function provideEvent(ctx: EventContext): EventContext {
	return setContext(KEY, ctx);
}

export function eventContext(): EventContext {
	const ctx = getContext<EventContext | undefined>(KEY);
	if (!ctx) throw new Error('eventContext() outside the event layout');
	return ctx;
}
