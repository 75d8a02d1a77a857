import type { Reason, Result, Verdict } from './verify/types';

// Keyed by the spec's closed sets (verify/types.ts): a verdict or reason the server adds fails the
// type check here until it has words (verdicts.test.ts checks the same against openapi.json).
export const RESULT_TITLE = {
	ok: 'OK',
	already_redeemed: 'Already scanned',
	not_inside: 'Not inside',
	invalid: 'Invalid ticket',
	revoked: 'Ticket revoked',
	cancelled: 'Order cancelled',
	unpaid: 'Not paid',
	wrong_gate: 'Wrong gate',
	wrong_ticket_type: 'Wrong ticket type',
	outside_window: 'Outside entry times',
	event_not_live: 'Event not live'
} satisfies Record<Result, string>;

/** null: the reason word itself is the text (an event or order status, e.g. "draft", "expired"). */
export const REASON_TEXT = {
	malformed: 'Not a ticket code (a typed code is the 20 letters and digits under the QR)',
	bad_signature: 'Forged or damaged code (signature does not match)',
	unknown_key: 'Signed by an unknown key (another event?)',
	other_event: 'A ticket of another event',
	unknown_ticket: 'Ticket not known for this event (typed? check for a typo)',
	too_long: 'Code far too long to be a ticket',
	unsupported_version: 'Unknown ticket code version',
	inside: 'Already inside',
	no_reentry: 'Admitted before; re-entry not allowed',
	not_this_device: 'This device is bound to another gate',
	not_event_venue: 'This gate is not at the event venue',
	exit_not_allowed: 'Exit not allowed here',
	entry_not_allowed: 'Entry not allowed here',
	too_early: 'Too early',
	too_late: 'Too late',
	refused_on_device: null,
	draft: null,
	closed: null,
	cancelled: null,
	reserved: null,
	awaiting_payment: null,
	expired: null
} satisfies Record<Reason, string | null>;

export function tone(v: Verdict): 'ok' | 'warn' | 'bad' {
	if (v.result === 'ok') return 'ok';
	if (v.result === 'already_redeemed' || v.result === 'not_inside') return 'warn';
	return 'bad';
}

export function reasonText(reason: Reason | null): string | null {
	if (!reason) return null;
	return REASON_TEXT[reason] ?? reason;
}

export function when(iso: string | null | undefined): string {
	if (!iso) return 'earlier';
	const d = new Date(iso);
	if (isNaN(d.getTime())) return 'earlier';
	return d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}
