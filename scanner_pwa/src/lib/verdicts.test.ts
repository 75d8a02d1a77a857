// The scanner must have words for every verdict and reason the server can give: the lists are read
// from the OpenAPI spec the backend generates (shared_schemas/openapi.json), not from a copy.
import { beforeAll, describe, expect, it } from 'vitest';
import en from './i18n/en.json';
import { setupI18n } from './i18n';
import specText from '../../../shared_schemas/openapi.json?raw';
import { REASON_TEXT, RESULT_TITLE, reasonText, tone } from './verdicts';
import type { Result } from './verify/types';

const schemas = JSON.parse(specText).components.schemas as Record<string, { enum?: string[] }>;
const words = (name: string): string[] => {
	const list = schemas[name]?.enum;
	if (!list?.length) throw new Error(`openapi.json has no enum ${name}`);
	return [...list].sort();
};

describe('verdict words', () => {
	beforeAll(() => setupI18n('en'));

	it('has a title and a tone for every verdict of the spec', () => {
		expect(Object.keys(RESULT_TITLE).sort()).toEqual(words('ScanResult'));
		for (const result of words('ScanResult')) {
			expect(RESULT_TITLE[result as Result]).toBe(`result.${result}`);
			expect(en.result[result as keyof typeof en.result]).toBeTruthy();
			expect(['ok', 'warn', 'bad']).toContain(tone({ result: result as Result } as Parameters<typeof tone>[0]));
		}
	});

	it('has text for every reason of the spec', () => {
		expect(Object.keys(REASON_TEXT).sort()).toEqual(words('ScanReason'));
		expect(reasonText('no_reentry')).toBe('Admitted before; re-entry not allowed');
		expect(reasonText('draft')).toBe('draft');
		expect(reasonText(null)).toBeNull();
	});
});
