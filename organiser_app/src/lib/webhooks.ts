// Words and groups for the webhook screens. The maps are keyed by the API's own closed sets
// (`satisfies Record<...>`): an event type the backend adds fails `npm run check` until it has a
// label here, and then shows up in the form's checkboxes by itself.
import type { SubscribableEventType, WebhookDeliveryStatus, WebhookEndpointStatus, WebhookEventType } from '@voelgoed/api-client';

export const EVENT_TYPE_LABEL = {
	'order.created': 'Order created (checkout started)',
	'order.paid': 'Order paid',
	'order.cancelled': 'Order cancelled',
	'order.expired': 'Order expired (never paid)',
	'order.refunded': 'Order wholly refunded',
	'ticket.issued': 'Ticket issued',
	'ticket.checked_in': 'Ticket checked in',
	'ticket.voided': 'Ticket voided',
	'event.published': 'Event published',
	'event.cancelled': 'Event cancelled',
	'refund.succeeded': 'Refund succeeded',
	'refund.failed': 'Refund failed',
	'webhook.test': 'Test event'
} satisfies Record<WebhookEventType, string>;

export const ENDPOINT_STATUS_LABEL = {
	enabled: 'Enabled',
	disabled: 'Disabled'
} satisfies Record<WebhookEndpointStatus, string>;

export const DELIVERY_STATUS_LABEL = {
	pending: 'Pending',
	succeeded: 'Delivered',
	failed: 'Failed',
	cancelled: 'Cancelled'
} satisfies Record<WebhookDeliveryStatus, string>;

/** The test event is sent by the button only; every other type can be subscribed to. */
export function isSubscribable(t: WebhookEventType): t is SubscribableEventType {
	return t !== 'webhook.test';
}

export const SUBSCRIBABLE: SubscribableEventType[] = (Object.keys(EVENT_TYPE_LABEL) as WebhookEventType[]).filter(isSubscribable);

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

/** A short line for a list cell: the labels of the first few types and how many more. */
export function eventTypesSummary(types: readonly WebhookEventType[], shown = 3): string {
	if (types.length === SUBSCRIBABLE.length) return 'All events';
	const words = types.slice(0, shown);
	return types.length > shown ? `${words.join(', ')} +${types.length - shown} more` : words.join(', ');
}
