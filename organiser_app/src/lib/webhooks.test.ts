import { describe, expect, it } from 'vitest';
import { SUBSCRIBABLE, eventTypesSummary, groupedEventTypes } from './webhooks';

describe('webhook event types', () => {
	it('never offers the test event for subscription', () => {
		expect(SUBSCRIBABLE).not.toContain('webhook.test');
		expect(SUBSCRIBABLE).toContain('order.paid');
	});

	it('groups by resource in catalogue order', () => {
		const groups = groupedEventTypes();
		expect(groups.map((g) => g.label)).toEqual(['Orders', 'Tickets', 'Events', 'Refunds']);
		expect(groups.flatMap((g) => g.types)).toEqual(SUBSCRIBABLE);
	});

	it('summarises a subscription', () => {
		expect(eventTypesSummary(SUBSCRIBABLE)).toBe('All events');
		expect(eventTypesSummary(['order.paid'])).toBe('order.paid');
		expect(eventTypesSummary(['order.paid', 'order.created', 'ticket.issued', 'refund.failed'])).toBe('order.paid, order.created, ticket.issued +1 more');
	});
});
