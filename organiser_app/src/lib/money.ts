// Money is integer cents everywhere; these helpers only display it and read what an organiser
// types. Display follows South African use: "R 1 250.00" (space between thousands, point for
// cents). Reading parses the text itself, never through floating point, and accepts ASCII digits
// 0-9 only (spelled [0-9], never \p{Nd}): "²00" or "٢٠٠" is refused, as the backend's one money
// reader (backend/voelgoed/lib/money.py) refuses it.

/** "R 1 250.00" from integer cents; "-R 50.00" for negative amounts. */
export function formatRand(cents: number | null | undefined): string {
	if (cents === null || cents === undefined || !Number.isFinite(cents)) return '';
	const negative = cents < 0;
	const abs = Math.abs(Math.trunc(cents));
	const whole = Math.floor(abs / 100).toString();
	const fraction = (abs % 100).toString().padStart(2, '0');
	const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ' ');
	return `${negative ? '-' : ''}R ${grouped}.${fraction}`;
}

/** The amount in rand for an input ("1250.5" -> "1250.50"), without a currency sign. */
export function centsToInput(cents: number | null | undefined): string {
	if (cents === null || cents === undefined) return '';
	const abs = Math.abs(Math.trunc(cents));
	return `${cents < 0 ? '-' : ''}${Math.floor(abs / 100)}.${(abs % 100).toString().padStart(2, '0')}`;
}

/**
 * Cents from a rand amount as typed: "150", "150.5", "150,50", "R 1 250.00", "1,250.00".
 * Returns null for anything else (negative, more than two decimals, letters, empty, digits
 * other than ASCII 0-9).
 */
export function parseRand(text: string): number | null {
	let s = text.trim().replace(/^R\s*/i, '');
	s = s.replace(/[\s\u00a0\u202f]/g, '');
	if (!s) return null;
	let whole: string;
	let frac: string;
	let m = /^([0-9]+)(?:[.,]([0-9]{1,2}))?$/.exec(s);
	if (m) {
		whole = m[1];
		frac = m[2] ?? '';
	} else {
		// Thousands separated by commas, decimals after a point: "1,250.00".
		m = /^([0-9]{1,3}(?:,[0-9]{3})+)(?:\.([0-9]{1,2}))?$/.exec(s);
		if (!m) return null;
		whole = m[1].replace(/,/g, '');
		frac = m[2] ?? '';
	}
	whole = whole.replace(/^0+(?=[0-9])/, '');
	if (whole.length > 13) return null; // keeps the result a safe integer
	return Number(whole) * 100 + Number(frac.padEnd(2, '0'));
}
