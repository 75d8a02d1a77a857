// Times arrive as `*_local` ISO strings already in the event's time zone: show their wall-clock
// parts as they are, never converted to the browser's zone.

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const ISO = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/;

/** "Sat 12 Dec 2026, 19:00" from a local ISO string, without time-zone conversion. */
export function formatLocal(iso: string | null | undefined): string {
	if (!iso) return '';
	const m = ISO.exec(iso);
	if (!m) return iso;
	const [, y, mo, d, h, mi] = m;
	const weekday = DAYS[new Date(Date.UTC(+y, +mo - 1, +d)).getUTCDay()];
	return `${weekday} ${+d} ${MONTHS[+mo - 1]} ${y}, ${h}:${mi}`;
}

/** The offset part of a local ISO string, as "UTC+02:00". */
export function offsetOf(iso: string | null | undefined): string {
	const m = iso ? ISO.exec(iso) : null;
	if (!m || !m[7]) return '';
	if (m[7] === 'Z') return 'UTC';
	const o = m[7].includes(':') ? m[7] : `${m[7].slice(0, 3)}:${m[7].slice(3)}`;
	return `UTC${o}`;
}

/** The value for a datetime-local input ("YYYY-MM-DDTHH:MM") from a local ISO string. */
export function toInputValue(iso: string | null | undefined): string {
	const m = iso ? ISO.exec(iso) : null;
	if (!m) return '';
	return `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}`;
}

/** A naive local time for the API from a datetime-local value; the server applies the zone. */
export function fromInputValue(value: string): string {
	if (!value) return value;
	return value.length === 16 ? `${value}:00` : value;
}

/** A UTC timestamp shown in the browser's zone (invitation expiry: not event times; the audit log uses the organisation's zone). */
export function formatStamp(iso: string | null | undefined): string {
	if (!iso) return '';
	const d = new Date(iso);
	if (Number.isNaN(d.getTime())) return iso;
	return d.toLocaleString('en-ZA', { dateStyle: 'medium', timeStyle: 'short' });
}

const PLURAL_RULES = new Intl.PluralRules('en-ZA');

/** "1 event", "2 events", "1 234 tickets": a count with its noun in the right number. */
export function plural(n: number, one: string, other: string): string {
	return `${n.toLocaleString('en-ZA')} ${PLURAL_RULES.select(n) === 'one' ? one : other}`;
}

export const TIMEZONES: string[] = (() => {
	try {
		return (Intl as unknown as { supportedValuesOf(k: string): string[] }).supportedValuesOf('timeZone');
	} catch {
		return ['Africa/Johannesburg', 'UTC'];
	}
})();
