// The organiser app's messages: every language has every key of en.json with the same
// placeholders, and the shell's words come from the catalogue (with the English label as the
// default for a tab or menu entry that has no message yet).
import { beforeAll, describe, expect, it } from 'vitest';
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

describe('organiser messages', () => {
	beforeAll(() => setupI18n('en'));

	it('every language has every English message', () => {
		const english = flatten(MESSAGES.en as Record<string, unknown>);
		expect(Object.keys(english).length).toBeGreaterThan(40);
		for (const code of Object.keys(LOCALES)) {
			const messages = flatten(MESSAGES[code] as Record<string, unknown>);
			expect(Object.keys(messages).sort(), code).toEqual(Object.keys(english).sort());
			for (const [key, text] of Object.entries(messages)) expect(placeholders(text), `${code} ${key}`).toEqual(placeholders(english[key]));
		}
	});

	it('reads the shell words from the catalogue, with the label as the default for new entries', () => {
		expect(t('nav.audit-log')).toBe('Audit log');
		expect(t('tabs.check-in')).toBe('Check-in');
		expect(t('tabs.waiting-list', { default: 'Waiting list' })).toBe('Waiting list');
		expect(supported('en-ZA')).toBe('en');
		expect(supported('xx')).toBeNull();
	});
});
