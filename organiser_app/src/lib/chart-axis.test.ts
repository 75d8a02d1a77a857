import { describe, expect, it } from 'vitest';
import { axisTicks, tickLabel } from './chart-axis';

describe('axisTicks', () => {
	it('gives an empty money axis a 0..R 1 baseline, not fractions of a cent', () => {
		const axis = axisTicks([0, 0, 0], 'cents');
		expect(axis.ticks).toEqual([0, 100]);
		expect(axis.ticks.map((v) => tickLabel(v, 'cents'))).toEqual(['R 0', 'R 1']);
	});

	it('puts money ticks on whole rand amounts', () => {
		for (const max of [1, 99, 250, 12_345, 2_500_000, 987_654_321]) {
			const axis = axisTicks([0, max], 'cents');
			expect(axis.max).toBeGreaterThanOrEqual(max);
			for (const t of axis.ticks) expect(t % 100).toBe(0);
			expect(axis.ticks.length).toBeLessThanOrEqual(11);
		}
		expect(tickLabel(125_000, 'cents')).toBe('R 1 250');
	});

	it('counts orders in whole numbers only', () => {
		const axis = axisTicks([0, 1, 2], 'count');
		expect(axis.ticks.every(Number.isInteger)).toBe(true);
		expect(axis.ticks).toEqual([0, 1, 2]);
		expect(axisTicks([0, 0], 'count').ticks).toEqual([0, 1]);
		for (const max of [3, 7, 13, 999, 12_001]) {
			const big = axisTicks([max], 'count');
			expect(big.ticks.every(Number.isInteger)).toBe(true);
			expect(big.max).toBeGreaterThanOrEqual(max);
			expect(big.ticks.length).toBeLessThanOrEqual(11);
		}
	});
});
