// The backend names what is wrong in a plan by its path in the document
// ("sections.0.rows.1.seats.2.label"); the organiser sees the section, row and seat instead.
import type { SeatingPlanDocument } from '@voelgoed/api-client';
import { ApiError } from '@voelgoed/api-client';

/** "sections.0.rows.1.seats.2.label" -> "Stalls, row B, seat 3 (label)". */
export function describePath(doc: SeatingPlanDocument, path: string): string {
	const m = /^sections\.(\d+)(?:\.rows\.(\d+)(?:\.seats\.(\d+))?)?(?:\.(\w+))?$/.exec(path);
	if (m) {
		const section = doc.sections[Number(m[1])];
		const row = m[2] !== undefined ? section?.rows?.[Number(m[2])] : undefined;
		const seat = m[3] !== undefined ? row?.seats[Number(m[3])] : undefined;
		const parts = [section ? `“${section.name}”` : `section ${Number(m[1]) + 1}`];
		if (row) parts.push(`row ${row.label}`);
		if (seat) parts.push(`seat ${seat.label}`);
		return parts.join(', ') + (m[4] ? ` (${m[4].replace('_', ' ')})` : '');
	}
	const c = /^categories\.(\d+)(?:\.(\w+))?$/.exec(path);
	if (c) return `category “${doc.categories[Number(c[1])]?.name ?? Number(c[1]) + 1}”`;
	return path;
}

/** A 422's field errors in words, each with the place it names; null for any other failure. */
export function planProblems(doc: SeatingPlanDocument, e: unknown): string | null {
	if (e instanceof ApiError && e.status === 422 && e.errors.length) {
		return `The plan was not saved: ${e.errors.map((x) => `${describePath(doc, x.field)}: ${x.message}`).join(' · ')}`;
	}
	return null;
}

/** What to throw for a failed save: a 422 about seats and rows as an Error in words (the banner
 * shows its message), any other failure as it was. */
export function planError(doc: SeatingPlanDocument, e: unknown): unknown {
	const words = planProblems(doc, e);
	return words ? new Error(words) : e;
}
