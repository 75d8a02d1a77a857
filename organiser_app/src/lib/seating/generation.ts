// Generating a seated section from rows x seats, in the browser: the same rules as the backend's
// pure helpers (backend/voelgoed/domain/seating/generation.py), which the API does not expose.
// generation.test.ts mirrors its unit tests; change both together.
import type { PlanRow, PlanSection } from '@voelgoed/api-client';

export const NUMBERING_SCHEMES = [
	'left_to_right',
	'right_to_left',
	'odd_left_to_right',
	'odd_right_to_left',
	'even_left_to_right',
	'even_right_to_left',
	'odd_even_from_centre'
] as const;
export type NumberingScheme = (typeof NUMBERING_SCHEMES)[number];
export type RowLabelStyle = 'letters' | 'numbers';

function numbers(count: number, start: number, step: number, skip: Set<number>): number[] {
	const out: number[] = [];
	for (let n = start; out.length < count; n += step) if (!skip.has(n)) out.push(n);
	return out;
}

const firstOfParity = (start: number, odd: boolean) => ((Math.abs(start) % 2 === 1) === odd ? start : start + 1);

/** Labels of `count` seats in drawing order (left to right) under `scheme`; `skip` numbers are passed over. */
export function seatNumbers(count: number, scheme: NumberingScheme = 'left_to_right', start = 1, skip: number[] = []): string[] {
	if (count < 0) throw new Error('count must not be negative');
	const s = new Set(skip);
	let nums: number[];
	if (scheme === 'left_to_right') nums = numbers(count, start, 1, s);
	else if (scheme === 'right_to_left') nums = numbers(count, start, 1, s).reverse();
	else if (scheme === 'odd_left_to_right' || scheme === 'odd_right_to_left') {
		nums = numbers(count, firstOfParity(start, true), 2, s);
		if (scheme === 'odd_right_to_left') nums.reverse();
	} else if (scheme === 'even_left_to_right' || scheme === 'even_right_to_left') {
		nums = numbers(count, firstOfParity(start, false), 2, s);
		if (scheme === 'even_right_to_left') nums.reverse();
	} else {
		const odd = numbers(Math.ceil(count / 2), firstOfParity(start, true), 2, s);
		const even = numbers(Math.floor(count / 2), firstOfParity(start, false), 2, s);
		nums = [...odd.reverse(), ...even];
	}
	return nums.map(String);
}

/** Row labels nearest the stage first: A B C ... without I and O, then AA AB ...; or numbers from `start`. */
export function rowLabels(count: number, style: RowLabelStyle = 'letters', start = 1): string[] {
	if (style === 'numbers') return Array.from({ length: count }, (_, i) => String(start + i));
	const letters = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZ'].filter((c) => c !== 'I' && c !== 'O');
	const out: string[] = [];
	let level = [''];
	while (out.length < count) {
		level = level.flatMap((head) => letters.map((l) => head + l));
		for (const label of level) {
			out.push(label);
			if (out.length === count) break;
		}
	}
	return out;
}

export interface Layout {
	x: number;
	y: number;
	rotation: number; // degrees
	curve: number; // -1..1: a row's ends move towards the stage for a positive curve
	seatSpacing: number;
	rowSpacing: number;
}
export const DEFAULT_SPACING = { seatSpacing: 10, rowSpacing: 12 };

const round2 = (n: number) => Math.round(n * 100) / 100;

/** Place every seat of `rows` by its row and position (generation.py's geometry); labels, categories and flags are kept. */
export function layRows(rows: PlanRow[], l: Layout): PlanRow[] {
	const widest = Math.max(0, ...rows.map((r) => r.seats.length));
	const halfWidth = Math.max(((widest - 1) * l.seatSpacing) / 2, l.seatSpacing);
	const turn = (l.rotation * Math.PI) / 180;
	const cos = Math.cos(turn);
	const sin = Math.sin(turn);
	return rows.map((row, r) => ({
		...row,
		seats: row.seats.map((seat, i) => {
			const dx = (i - (row.seats.length - 1) / 2) * l.seatSpacing;
			const dy = r * l.rowSpacing - l.curve * l.rowSpacing * (dx / halfWidth) ** 2;
			return { ...seat, x: round2(l.x + dx * cos - dy * sin), y: round2(l.y + dx * sin + dy * cos) };
		})
	}));
}

export interface SectionSpec {
	key: string;
	name: string;
	rows: number;
	seatsPerRow: number;
	category: string;
	numbering: NumberingScheme;
	start: number;
	skip: number[];
	labels: RowLabelStyle;
	layout: Layout;
}

/** A seated section of rows x seats, as generation.py's generate_section makes it. */
export function generateSection(spec: SectionSpec): PlanSection {
	const labels = rowLabels(spec.rows, spec.labels);
	const rows: PlanRow[] = labels.map((label) => ({
		label,
		seats: seatNumbers(spec.seatsPerRow, spec.numbering, spec.start, spec.skip).map((n) => ({
			label: n,
			x: 0,
			y: 0,
			category: spec.category,
			accessible: false,
			restricted_view: false
		}))
	}));
	const { x, y, rotation, curve } = spec.layout;
	return { key: spec.key, name: spec.name, kind: 'seated', x, y, rotation, curve, rows: layRows(rows, spec.layout) };
}

/** "13, 4" -> [13, 4] (numbers to skip); anything else is left out. */
export function parseSkip(text: string): number[] {
	return text
		.split(/[\s,;]+/)
		.map((t) => Number(t))
		.filter((n) => Number.isInteger(n) && n > 0);
}
