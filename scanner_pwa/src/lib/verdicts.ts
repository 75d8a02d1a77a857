import type { Reason, Result, Verdict } from './verify/types';

import { t as currentT, type Translate } from './i18n';

// Keyed by the spec's closed sets (verify/types.ts): a verdict or reason the server adds fails the
// type check here until it has a message (verdicts.test.ts checks the same against openapi.json,
// i18n.test.ts that every language has the message). The words are in i18n/<lang>.json.
export const RESULT_TITLE = {
	ok: 'result.ok',
	already_redeemed: 'result.already_redeemed',
	not_inside: 'result.not_inside',
	invalid: 'result.invalid',
	revoked: 'result.revoked',
	cancelled: 'result.cancelled',
	unpaid: 'result.unpaid',
	wrong_gate: 'result.wrong_gate',
	wrong_ticket_type: 'result.wrong_ticket_type',
	outside_window: 'result.outside_window',
	event_not_live: 'result.event_not_live'
} satisfies Record<Result, string>;

/** Reasons that are an event or order status ("draft", "expired") are messages too. */
export const REASON_TEXT = {
	malformed: 'reason.malformed',
	bad_signature: 'reason.bad_signature',
	unknown_key: 'reason.unknown_key',
	other_event: 'reason.other_event',
	unknown_ticket: 'reason.unknown_ticket',
	too_long: 'reason.too_long',
	unsupported_version: 'reason.unsupported_version',
	inside: 'reason.inside',
	no_reentry: 'reason.no_reentry',
	not_this_device: 'reason.not_this_device',
	not_event_venue: 'reason.not_event_venue',
	exit_not_allowed: 'reason.exit_not_allowed',
	entry_not_allowed: 'reason.entry_not_allowed',
	too_early: 'reason.too_early',
	too_late: 'reason.too_late',
	refused_on_device: 'reason.refused_on_device',
	wrong_section: 'reason.wrong_section',
	draft: 'reason.draft',
	closed: 'reason.closed',
	cancelled: 'reason.cancelled',
	reserved: 'reason.reserved',
	awaiting_payment: 'reason.awaiting_payment',
	expired: 'reason.expired'
} satisfies Record<Reason, string>;

/** The verdict's headline in the current language (`tr`: a component's `$_`, so it follows a switch). */
export function resultTitle(v: Pick<Verdict, 'result' | 'direction'>, tr: Translate = currentT): string {
	if (v.result === 'ok') return tr(v.direction === 'exit' ? 'verdict.ok_exit' : 'verdict.ok_admit');
	return tr(RESULT_TITLE[v.result]);
}

export function tone(v: Verdict): 'ok' | 'warn' | 'bad' {
	if (v.result === 'ok') return 'ok';
	if (v.result === 'already_redeemed' || v.result === 'not_inside') return 'warn';
	return 'bad';
}

export function reasonText(reason: Reason | null, tr: Translate = currentT): string | null {
	if (!reason) return null;
	return REASON_TEXT[reason] ? tr(REASON_TEXT[reason]) : reason;
}

/** A time of day for people, in `lang` (English: the device's own format, as before). */
export function when(iso: string | null | undefined, tr: Translate = currentT, lang?: string | null): string {
	if (!iso) return tr('verdict.earlier');
	const d = new Date(iso);
	if (isNaN(d.getTime())) return tr('verdict.earlier');
	return d.toLocaleTimeString(lang && lang !== 'en' ? [lang] : [], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

/** "Admitted 19:02:11 at North (Phone 2)", each variant one whole message. */
export function admittedText(v: Verdict, tr: Translate = currentT, lang?: string | null): string {
	const values = { when: when(v.admitted?.at, tr, lang), gate: v.admitted?.gate_name ?? '', device: v.admitted?.device_name ?? '' };
	const key = v.admitted?.gate_name
		? v.admitted?.device_name
			? 'verdict.admitted_at_device'
			: 'verdict.admitted_at'
		: v.admitted?.device_name
			? 'verdict.admitted_device'
			: 'verdict.admitted';
	return tr(key, { values });
}

/** "Section Stalls · Row B · Seat 12" in the current language; null without a reserved seat. */
export function seatText(v: Pick<Verdict, 'ticket'>, tr: Translate = currentT): string | null {
	const s = v.ticket?.seat;
	if (!s) return null;
	return tr('verdict.seat', { values: { section: s.section, row: s.row, seat: s.seat } });
}
