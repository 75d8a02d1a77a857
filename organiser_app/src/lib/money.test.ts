import { describe, expect, it } from 'vitest';
import { centsToInput, formatRand, parseRand } from './money';

// Escaped on purpose: each looks like (or, to some parsers, is) 200.
const NON_ASCII_DIGITS: Record<string, string> = {
	superscript: '\u00b200.00',
	'superscript in the cents': '200.0\u00b2',
	'Arabic-Indic': '\u0662\u0660\u0660.\u0660\u0660',
	fullwidth: '\uff12\uff10\uff10.\uff10\uff10',
	Devanagari: '\u0968\u0966\u0966',
	'mathematical bold': '\u{1d7d0}\u{1d7ce}\u{1d7ce}'
};

describe('parseRand: what an organiser types, as integer cents', () => {
	it.each([
		['150', 15000],
		['150.5', 15050],
		['150,50', 15050],
		['R 1 250.00', 125000],
		['1,250.00', 125000],
		['0.05', 5]
	])('%s -> %i', (text, cents) => {
		expect(parseRand(text)).toBe(cents);
		expect(parseRand(centsToInput(cents))).toBe(cents);
	});

	it.each(Object.entries(NON_ASCII_DIGITS))('refuses %s digits (the backend does too)', (_name, text) => {
		expect(parseRand(text)).toBeNull();
		expect(parseRand(`R ${text}`)).toBeNull();
	});

	it.each(['', '-5', '1.234', '1e3', 'abc', '1,25,0', '0x10'])('refuses %j', (text) => {
		expect(parseRand(text)).toBeNull();
	});
});

describe('formatRand', () => {
	it('groups thousands with spaces', () => {
		expect(formatRand(125050)).toBe('R 1 250.50');
		expect(formatRand(-5000)).toBe('-R 50.00');
	});
});
