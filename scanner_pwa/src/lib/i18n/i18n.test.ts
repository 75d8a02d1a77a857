// The scanner's languages: every language has every message (with the same placeholders), and a
// verdict is shown in the chosen language.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { render } from 'svelte/server';
import { locale } from 'svelte-i18n';
import Verdict from '../screens/Verdict.svelte';
import { REASON_TEXT, RESULT_TITLE, reasonText, resultTitle } from '../verdicts';
import type { Verdict as VerdictT } from '../verify/types';
import { LOCALES, MESSAGES, setupI18n, supported, t } from '.';

function flatten(tree: Record<string, unknown>, prefix = ''): Record<string, string> {
	const out: Record<string, string> = {};
	for (const [key, value] of Object.entries(tree)) {
		if (typeof value === 'string') out[prefix + key] = value;
		else Object.assign(out, flatten(value as Record<string, unknown>, `${prefix}${key}.`));
	}
	return out;
}
const placeholders = (text: string): string[] => [...text.matchAll(/\{(\w+)/g)].map((m) => m[1]).sort();

const english = flatten(MESSAGES.en as Record<string, unknown>);

describe('scanner messages', () => {
	beforeAll(() => setupI18n('en'));
	afterAll(() => locale.set('en'));

	it('every language has every English message, with the same placeholders', () => {
		expect(Object.keys(english).length).toBeGreaterThan(80);
		for (const code of Object.keys(LOCALES) as (keyof typeof LOCALES)[]) {
			const messages = flatten(MESSAGES[code] as Record<string, unknown>);
			expect(Object.keys(messages).sort(), code).toEqual(Object.keys(english).sort());
			for (const [key, text] of Object.entries(messages)) {
				expect(text.trim(), `${code} ${key}`).not.toBe('');
				expect(placeholders(text), `${code} ${key}`).toEqual(placeholders(english[key]));
			}
		}
	});

	it('every verdict and reason has a message', () => {
		for (const key of [...Object.values(RESULT_TITLE), ...Object.values(REASON_TEXT)]) expect(english[key], key).toBeTruthy();
	});

	it('picks a language we speak from a browser tag', () => {
		expect(supported('af-ZA')).toBe('af');
		expect(supported('en_GB')).toBe('en');
		expect(supported('zu-ZA')).toBeNull();
		expect(supported(null)).toBeNull();
	});

	it('says verdicts in Afrikaans', async () => {
		await locale.set('af');
		expect(resultTitle({ result: 'already_redeemed', direction: 'entry' })).toBe('Reeds geskandeer');
		expect(resultTitle({ result: 'ok', direction: 'exit' })).toBe('OK — laat uit');
		expect(reasonText('no_reentry')).toBe('Reeds ingelaat; herbetreding word nie toegelaat nie');
		expect(t('scan.unsynced', { values: { count: 3 } })).toBe('3 nie gesinchroniseer nie');
		await locale.set('en');
		expect(resultTitle({ result: 'already_redeemed', direction: 'entry' })).toBe('Already scanned');
	});

	it('renders the verdict screen in Afrikaans', async () => {
		const verdict = {
			result: 'already_redeemed',
			reason: 'inside',
			direction: 'entry',
			offline: true,
			ticket: { ticket_type_name: 'Algemeen', holder_name: 'Anrie Botha' },
			admitted: { at: '2026-12-12T17:02:11Z', gate_name: 'Noord', device_name: 'Foon 2' }
		} as unknown as VerdictT;
		await locale.set('af');
		const { body } = render(Verdict, { props: { verdict, ondismiss: () => undefined } });
		expect(body).toContain('Reeds geskandeer');
		expect(body).toMatch(/Ingelaat .+ by Noord \(Foon 2\)/);
		expect(body).toContain('Ingang · vanlyn besluit, sal sinchroniseer');
		expect(body).toContain('Tik om die volgende te skandeer');
		expect(body).not.toContain('Tap to scan next');
		await locale.set('en');
		expect(render(Verdict, { props: { verdict, ondismiss: () => undefined } }).body).toContain('Tap to scan next');
	});
});

describe('the seat on the verdict screen', () => {
	it('shows section, row and seat in English and Afrikaans, and nothing for GA', async () => {
		const verdict = {
			result: 'ok',
			reason: null,
			direction: 'entry',
			offline: false,
			ticket: { ticket_type_name: 'Stalls', holder_name: 'Anrie Botha', seat: { section: 'Stalls', row: 'B', seat: '12', section_key: 'stalls' } },
			admitted: null
		} as unknown as VerdictT;
		await locale.set('en');
		expect(render(Verdict, { props: { verdict, ondismiss: () => undefined } }).body).toContain('Section Stalls · Row B · Seat 12');
		await locale.set('af');
		expect(render(Verdict, { props: { verdict, ondismiss: () => undefined } }).body).toContain('Seksie Stalls · Ry B · Sitplek 12');
		await locale.set('en');
		const ga = { ...verdict, ticket: { ticket_type_name: 'General', holder_name: null } } as unknown as VerdictT;
		expect(render(Verdict, { props: { verdict: ga, ondismiss: () => undefined } }).body).not.toContain('data-testid="seat"');
	});
});
