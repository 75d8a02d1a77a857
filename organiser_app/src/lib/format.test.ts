import { describe, expect, it } from 'vitest';
import { plural } from './format';

describe('plural', () => {
	it('says "1 event" and "2 events"', () => {
		expect(plural(1, 'event', 'events')).toBe('1 event');
		expect(plural(0, 'event', 'events')).toBe('0 events');
		expect(plural(2, 'paid order', 'paid orders')).toBe('2 paid orders');
	});

	it('groups thousands as the rest of the app does', () => {
		expect(plural(1234, 'ticket', 'tickets')).toBe(`${(1234).toLocaleString('en-ZA')} tickets`);
	});
});
