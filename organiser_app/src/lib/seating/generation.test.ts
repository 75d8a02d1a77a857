// Mirrors backend/tests/unit tests of generation.py: the same numbers and labels for the same input.
import { describe, expect, it } from 'vitest';
import { generateSection, layRows, parseSkip, rowLabels, seatNumbers } from './generation';

describe('seatNumbers', () => {
	it('numbers a row under each scheme', () => {
		expect(seatNumbers(6)).toEqual(['1', '2', '3', '4', '5', '6']);
		expect(seatNumbers(6, 'right_to_left')).toEqual(['6', '5', '4', '3', '2', '1']);
		expect(seatNumbers(4, 'odd_left_to_right')).toEqual(['1', '3', '5', '7']);
		expect(seatNumbers(4, 'odd_right_to_left')).toEqual(['7', '5', '3', '1']);
		expect(seatNumbers(4, 'even_left_to_right')).toEqual(['2', '4', '6', '8']);
		expect(seatNumbers(4, 'even_right_to_left')).toEqual(['8', '6', '4', '2']);
		expect(seatNumbers(6, 'odd_even_from_centre')).toEqual(['5', '3', '1', '2', '4', '6']);
		expect(seatNumbers(5, 'odd_even_from_centre')).toEqual(['5', '3', '1', '2', '4']);
	});
	it('starts where asked and passes over skipped numbers', () => {
		expect(seatNumbers(3, 'left_to_right', 11, [13])).toEqual(['11', '12', '14']);
		expect(seatNumbers(3, 'odd_left_to_right', 10, [13])).toEqual(['11', '15', '17']);
		expect(seatNumbers(2, 'even_left_to_right', 11)).toEqual(['12', '14']);
		expect(seatNumbers(0)).toEqual([]);
		expect(() => seatNumbers(-1)).toThrow();
	});
});

describe('rowLabels', () => {
	it('letters without I and O, then two letters; or numbers', () => {
		expect(rowLabels(9)).toEqual(['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'J']);
		const many = rowLabels(26);
		expect(many.slice(23)).toEqual(['Z', 'AA', 'AB']);
		expect(many).not.toContain('O');
		expect(rowLabels(3, 'numbers')).toEqual(['1', '2', '3']);
	});
});

describe('generateSection', () => {
	const spec = {
		key: 'stalls',
		name: 'Stalls',
		rows: 3,
		seatsPerRow: 6,
		category: 'A',
		numbering: 'odd_even_from_centre' as const,
		start: 1,
		skip: [],
		labels: 'letters' as const,
		layout: { x: 500, y: 100, rotation: 0, curve: 0, seatSpacing: 10, rowSpacing: 12 }
	};
	it('lays rows x seats around the origin, row 0 nearest the stage', () => {
		const s = generateSection(spec);
		expect(s.rows?.map((r) => r.label)).toEqual(['A', 'B', 'C']);
		const a = s.rows![0].seats;
		expect(a.map((x) => x.label)).toEqual(['5', '3', '1', '2', '4', '6']);
		expect(a[0]).toMatchObject({ x: 475, y: 100, category: 'A' });
		expect(a[5]).toMatchObject({ x: 525, y: 100 });
		expect(s.rows![2].seats[0].y).toBe(124);
	});
	it('bends rows towards the stage with a curve and turns them with a rotation', () => {
		const curved = generateSection({ ...spec, layout: { ...spec.layout, curve: 0.5 } });
		const row = curved.rows![0].seats;
		expect(row[0].y).toBeLessThan(row[2].y); // the ends come forward
		expect(row[0].y).toBe(94); // 100 - 0.5 * 12 * (−25/25)^2
		const turned = layRows(curved.rows!, { ...spec.layout, rotation: 90 });
		expect(turned[0].seats[0]).toMatchObject({ x: 500, y: 75 }); // (-25, 0) turned a quarter: (0, -25)
		expect(turned[0].seats[0].label).toBe('5');
	});
	it('reads the numbers to skip', () => {
		expect(parseSkip('13, 4;x 0')).toEqual([13, 4]);
	});
});
