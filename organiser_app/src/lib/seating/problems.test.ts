import { describe, expect, it } from 'vitest';
import { ApiError, type SeatingPlanDocument } from '@voelgoed/api-client';
import { describePath, planError, planProblems } from './problems';
import { generateSection } from './generation';

describe('describePath', () => {
	const stalls = generateSection({
		key: 'stalls',
		name: 'Stalls',
		rows: 2,
		seatsPerRow: 3,
		category: 'A',
		numbering: 'left_to_right',
		start: 1,
		skip: [],
		labels: 'letters',
		layout: { x: 0, y: 0, rotation: 0, curve: 0, seatSpacing: 10, rowSpacing: 12 }
	});
	const doc: SeatingPlanDocument = {
		format: 'voelgoed-seating',
		format_version: 1,
		name: 'Hall',
		width: 1000,
		height: 1000,
		categories: [{ key: 'A', name: 'Front', color: '#000000' }],
		sections: [stalls]
	};
	it('names the section, row and seat of a path', () => {
		expect(describePath(doc, 'sections.0.rows.1.seats.2.label')).toBe('“Stalls”, row B, seat 3 (label)');
		expect(describePath(doc, 'sections.0.rows.0.label')).toBe('“Stalls”, row A (label)');
		expect(describePath(doc, 'sections.0.capacity')).toBe('“Stalls” (capacity)');
		expect(describePath(doc, 'categories.0.key')).toBe('category “Front”');
		expect(describePath(doc, 'name')).toBe('name');
	});
	it('says a 422 in words, and leaves other failures to the page', () => {
		const e = new ApiError(422, { detail: 'x', errors: [{ field: 'sections.0.rows.0.seats.1.label', message: "Seat '1' is in this row twice." }] });
		expect(planProblems(doc, e)).toBe("The plan was not saved: “Stalls”, row A, seat 2 (label): Seat '1' is in this row twice.");
		expect(planProblems(doc, new ApiError(409, { detail: 'x' }))).toBeNull();
	});
	it('throws a 422 as an Error in words and any other failure as it was', () => {
		const e = new ApiError(422, { detail: 'x', errors: [{ field: 'sections.0.capacity', message: 'Too many.' }] });
		expect((planError(doc, e) as Error).message).toBe('The plan was not saved: “Stalls” (capacity): Too many.');
		const conflict = new ApiError(409, { detail: 'x' });
		expect(planError(doc, conflict)).toBe(conflict);
	});
});
