// Times the API gives only in UTC (ticket type sales windows, coupon validity, orders, scans)
// shown in the event's time zone with the browser's Intl data; the server's `*_local` fields
// are preferred where they exist (see format.ts).
import { formatLocal, toInputValue } from './format';

const cache = new Map<string, Intl.DateTimeFormat>();

function formatter(tz: string): Intl.DateTimeFormat {
	let f = cache.get(tz);
	if (!f) {
		f = new Intl.DateTimeFormat('en-CA', {
			timeZone: tz,
			year: 'numeric',
			month: '2-digit',
			day: '2-digit',
			hour: '2-digit',
			minute: '2-digit',
			second: '2-digit',
			hourCycle: 'h23'
		});
		cache.set(tz, f);
	}
	return f;
}

/** "YYYY-MM-DDTHH:MM:SS" wall-clock time in `tz` of a UTC instant, or '' when unreadable. */
export function wallClock(iso: string | null | undefined, tz: string | null | undefined): string {
	if (!iso) return '';
	const d = new Date(iso);
	if (Number.isNaN(d.getTime())) return '';
	let parts: Intl.DateTimeFormatPart[];
	try {
		parts = formatter(tz || 'UTC').formatToParts(d);
	} catch {
		parts = formatter('UTC').formatToParts(d);
	}
	const p = Object.fromEntries(parts.map((x) => [x.type, x.value]));
	return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}:${p.second}`;
}

/** "Sat 12 Dec 2026, 19:00" in the event's zone. */
export function formatInZone(iso: string | null | undefined, tz: string | null | undefined): string {
	const local = wallClock(iso, tz);
	return local ? formatLocal(local) : '';
}

/** The zone's short name at that instant ("SAST", "GMT+1"), or the IANA name when Intl has none. */
export function zoneAbbreviation(iso: string | null | undefined, tz: string): string {
	const d = iso ? new Date(iso) : new Date();
	try {
		const parts = new Intl.DateTimeFormat('en-ZA', { timeZone: tz, timeZoneName: 'short' }).formatToParts(Number.isNaN(d.getTime()) ? new Date() : d);
		return parts.find((p) => p.type === 'timeZoneName')?.value || tz;
	} catch {
		return tz;
	}
}

/** "Mon 30 Nov 2026, 14:05 SAST": a UTC instant in `tz`, saying which zone (audit log). */
export function formatInZoneLabelled(iso: string | null | undefined, tz: string): string {
	const shown = formatInZone(iso, tz);
	return shown ? `${shown} ${zoneAbbreviation(iso, tz)}` : '';
}

/** "19:00:05" in the event's zone (scan feed). */
export function timeInZone(iso: string | null | undefined, tz: string | null | undefined): string {
	const local = wallClock(iso, tz);
	return local ? local.slice(11, 19) : '';
}

/** A datetime-local input value in the event's zone, from a UTC instant. */
export function zonedInputValue(iso: string | null | undefined, tz: string | null | undefined): string {
	return toInputValue(wallClock(iso, tz));
}
