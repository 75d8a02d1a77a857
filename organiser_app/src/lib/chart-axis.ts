// The value axis of the bar charts, computed here rather than left to Chart.js: its automatic
// ticks put an empty revenue chart at "R 0.01, R 0.00 ..." (fractions of a cent) and count orders
// in fractions (0.4, 0.8). Ticks here are whole units: whole rand for money, whole numbers for counts.
import { formatRand } from './money';

/** `cents`: values are integer cents shown as rand; `count`: whole things (orders, tickets, scans). */
export type AxisUnit = 'count' | 'cents';

export interface Axis {
	max: number;
	stepSize: number;
	ticks: number[];
}

const UNIT: Record<AxisUnit, number> = { count: 1, cents: 100 };
const TARGET_TICKS = 5;

/** The smallest "nice" step (1, 2 or 5 times a power of ten) of at least `raw`, and at least 1. */
function niceStep(raw: number): number {
	if (raw <= 1) return 1;
	const power = 10 ** Math.floor(Math.log10(raw));
	for (const m of [1, 2, 5, 10]) if (m * power >= raw) return m * power;
	return 10 * power;
}

/** An axis from 0 covering `values`, with about five ticks on whole units; 0..1 unit when all are 0. */
export function axisTicks(values: number[], unit: AxisUnit): Axis {
	const size = UNIT[unit];
	const top = Math.max(0, ...values.filter(Number.isFinite));
	const units = Math.ceil(top / size);
	const step = niceStep(units / TARGET_TICKS);
	const max = Math.max(1, Math.ceil(units / step)) * step * size;
	const ticks: number[] = [];
	for (let v = 0; v <= max; v += step * size) ticks.push(v);
	return { max, stepSize: step * size, ticks };
}

/** A tick's label: "R 1 250" for money (ticks are whole rand), "1 250" for counts. */
export function tickLabel(value: number, unit: AxisUnit): string {
	if (unit === 'cents') return formatRand(value).replace(/\.00$/, '');
	return value.toLocaleString('en-ZA');
}
