import { describe, expect, it } from 'vitest';
import { contrastWithWhite, parseHexColour } from './colours';

describe('brand colours', () => {
	it('reads #rrggbb in either case, with or without #', () => {
		expect(parseHexColour('#1F3A5F')).toBe('#1f3a5f');
		expect(parseHexColour('0b6e4f')).toBe('#0b6e4f');
		expect(parseHexColour('blue')).toBeNull();
		expect(parseHexColour('#12345')).toBeNull();
	});
	it('computes the WCAG contrast of white text like the server', () => {
		expect(contrastWithWhite('#000000')).toBeCloseTo(21, 5);
		expect(contrastWithWhite('#ffffff')).toBeCloseTo(1, 5);
		expect(contrastWithWhite('#1f3a5f')).toBeGreaterThan(4.5);
		expect(contrastWithWhite('#ffff00')).toBeLessThan(4.5);
	});
});
