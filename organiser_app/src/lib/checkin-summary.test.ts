import { describe, expect, it } from 'vitest';
import { gateSentence, listOf, windowPhrase, type RulesView } from './checkin-summary';

const TZ = 'Africa/Johannesburg';
const names = new Map([
	['g', 'General'],
	['v', 'VIP']
]);
const rules = (over: Partial<RulesView> = {}): RulesView => ({
	exit_allowed: true,
	reentry_allowed: true,
	from: '2026-12-12T15:00:00Z', // 17:00 SAST
	until: '2026-12-12T21:30:00Z', // 23:30 SAST
	gates: [],
	...over
});
const gate = { gate_id: '1', gate_code: 'A', gate_name: 'North', entry: true, exit: true, ticket_type_ids: ['g', 'v'] };

describe('check-in summary', () => {
	it('joins names as people write them', () => {
		expect(listOf(['General'])).toBe('General');
		expect(listOf(['General', 'VIP'])).toBe('General and VIP');
		expect(listOf(['General', 'VIP', 'Student'])).toBe('General, VIP and Student');
	});

	it('says the window in the event zone, with the day again only past midnight', () => {
		expect(windowPhrase('2026-12-12T15:00:00Z', '2026-12-12T21:30:00Z', TZ)).toBe('from Sat 12 Dec 17:00 to 23:30 SAST');
		expect(windowPhrase('2026-12-12T15:00:00Z', '2026-12-12T23:30:00Z', TZ)).toBe('from Sat 12 Dec 17:00 to Sun 13 Dec 01:30 SAST');
	});

	it('says what happens at a gate', () => {
		expect(gateSentence(rules(), gate, names, TZ)).toBe(
			'North (A): admits General and VIP from Sat 12 Dec 17:00 to 23:30 SAST; a ticket can come back in after leaving.'
		);
		expect(gateSentence(rules({ reentry_allowed: false }), { ...gate, ticket_type_ids: null }, names, TZ)).toBe(
			'North (A): admits every ticket type from Sat 12 Dec 17:00 to 23:30 SAST; a ticket gets in once and cannot come back in after leaving.'
		);
		expect(gateSentence(rules(), { ...gate, entry: false }, names, TZ)).toBe('North (A): exit only; nobody is let in here.');
		expect(gateSentence(rules({ exit_allowed: false }), { ...gate, ticket_type_ids: [] }, names, TZ)).toContain('admits no ticket type');
	});

	it('names the seat sections a gate is limited to', () => {
		const sections = new Map([
			['stalls', 'Stalls'],
			['balcony', 'Balcony']
		]);
		expect(gateSentence(rules(), { ...gate, ticket_type_ids: null, sections: ['stalls', 'balcony'] }, names, TZ, sections)).toBe(
			'North (A): admits every ticket type, reserved seats only in Stalls and Balcony from Sat 12 Dec 17:00 to 23:30 SAST; a ticket can come back in after leaving.'
		);
		expect(gateSentence(rules(), { ...gate, sections: null }, names, TZ, sections)).not.toContain('reserved seats');
	});
});
