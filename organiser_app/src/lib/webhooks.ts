// Groups and summaries for the webhook screens. The words are in labels.ts: an event type the
// backend adds fails `npm run check` until it has a label there, and then shows up in the form's
// checkboxes by itself.
import type { SubscribableEventType, WebhookEventType } from '@voelgoed/api-client';
import { WEBHOOK_EVENT_LABEL } from './labels';

/** The test event is sent by the button only; every other type can be subscribed to. */
export function isSubscribable(t: WebhookEventType): t is SubscribableEventType {
	return t !== 'webhook.test';
}

export const SUBSCRIBABLE: SubscribableEventType[] = (Object.keys(WEBHOOK_EVENT_LABEL) as WebhookEventType[]).filter(isSubscribable);

const RESOURCE_LABEL: Record<string, string> = { order: 'Orders', ticket: 'Tickets', event: 'Events', refund: 'Refunds' };

export interface EventTypeGroup {
	resource: string;
	label: string;
	types: SubscribableEventType[];
}

/** The subscribable types grouped by their resource (the word before the dot), in catalogue order. */
export function groupedEventTypes(types: readonly SubscribableEventType[] = SUBSCRIBABLE): EventTypeGroup[] {
	const groups: EventTypeGroup[] = [];
	for (const t of types) {
		const resource = t.split('.')[0];
		let group = groups.find((g) => g.resource === resource);
		if (!group) {
			group = { resource, label: RESOURCE_LABEL[resource] ?? resource, types: [] };
			groups.push(group);
		}
		group.types.push(t);
	}
	return groups;
}

/** A short line for a list cell: the first few types (their API names) and how many more. */
export function eventTypesSummary(types: readonly WebhookEventType[], shown = 3): string {
	if (types.length === SUBSCRIBABLE.length) return 'All events';
	const words = types.slice(0, shown);
	return types.length > shown ? `${words.join(', ')} +${types.length - shown} more` : words.join(', ');
}
