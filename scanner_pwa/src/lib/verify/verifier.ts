/**
 * Offline verification: the same verdicts as the server's online check, from the snapshot.
 *
 * Order of checks follows the server (backend/voelgoed/domain/check_in/rules.py `precheck`):
 * payload -> key -> signature -> event live -> known ticket -> device gate -> venue gate ->
 * status -> direction -> ticket type -> window -> admission state (server `a` + local scans).
 * A typed ticket code skips the signature steps: its serial must be in the snapshot.
 */
import { base64urlDecode, buf } from './codec';
import { isTicketCode, parsePayload, serialFromCode, type Claims } from './payload';
import { openRecord, serialHash } from './records';
import type { Direction, EventStatus, LocalState, PublicKey, Reason, Result, Rules, SeatInfo, TicketInfo, TicketRecord, Verdict, Admitted } from './types';

export interface OfflineEvent {
	id: string;
	status: EventStatus;
	starts_at: string;
	ends_at: string;
	/** Gates of the event's venue. */
	gate_ids: Set<string>;
	rules: Rules | null;
}

export interface VerifyContext {
	keys: Map<string, { key: CryptoKey; eventId: string }>;
	events: Map<string, OfflineEvent>;
	deviceGateId: string | null;
	record(h: string): TicketRecord | undefined | Promise<TicketRecord | undefined>;
	local(h: string): LocalState | undefined | Promise<LocalState | undefined>;
}

export interface ScanInput {
	payload: string;
	gateId: string;
	direction: Direction;
	at: Date;
	clientScanId: string;
}

export interface OfflineOutcome {
	verdict: Verdict;
	/** Set when the ticket was identified (signature good, record found). */
	h: string | null;
	eventId: string | null;
}

export async function importPublicKey(k: PublicKey): Promise<CryptoKey> {
	const raw = base64urlDecode(k.public_key);
	if (raw.length !== 32) throw new Error('an Ed25519 public key is 32 bytes');
	return crypto.subtle.importKey('raw', buf(raw), { name: 'Ed25519' }, false, ['verify']);
}

export async function verifySignature(key: CryptoKey, body: Uint8Array, sig: Uint8Array): Promise<boolean> {
	try {
		return await crypto.subtle.verify({ name: 'Ed25519' }, key, buf(sig), buf(body));
	} catch {
		return false;
	}
}

function windowOf(ev: OfflineEvent): [number, number] {
	const r = ev.rules;
	const from = r?.effective_valid_from ?? r?.valid_from ?? null;
	const until = r?.effective_valid_until ?? r?.valid_until ?? null;
	return [from ? Date.parse(from) : Date.parse(ev.starts_at) - 3 * 3600_000, until ? Date.parse(until) : Date.parse(ev.ends_at)];
}

export async function verifyOffline(input: ScanInput, ctx: VerifyContext): Promise<OfflineOutcome> {
	const base = { direction: input.direction, client_scan_id: input.clientScanId, offline: true };
	const refuse = (
		result: Result,
		reason: Reason | null,
		ticket: TicketInfo | null = null,
		admitted: Admitted | null = null,
		h: string | null = null,
		eventId: string | null = null
	): OfflineOutcome => ({ verdict: { ...base, result, reason, ticket, admitted }, h, eventId });

	let claims: Claims;
	let ev: OfflineEvent | undefined;
	let h: string;
	let rec: TicketRecord | undefined;
	if (isTicketCode(input.payload)) {
		// A typed code has no signature: it names a ticket only if this device's snapshot has it.
		const serial = serialFromCode(input.payload);
		if (!serial) return refuse('invalid', 'malformed');
		claims = { keyId: '', serial, typeRef: '', validFrom: null, validUntil: null, seat: null };
		h = await serialHash(serial);
		rec = await ctx.record(h);
		const evId = rec?.ev ?? (ctx.events.size === 1 ? [...ctx.events.keys()][0] : undefined);
		ev = evId ? ctx.events.get(evId) : undefined;
		if (!rec || !ev) return refuse('invalid', 'unknown_ticket');
		if (ev.status !== 'published') return refuse('event_not_live', ev.status, { serial_hash: h });
	} else {
		const parsed = parsePayload(input.payload);
		if (typeof parsed === 'string') return refuse('invalid', parsed === 'too_long' ? 'too_long' : 'malformed');
		claims = parsed.claims;
		const signer = ctx.keys.get(claims.keyId);
		if (!signer) return refuse('invalid', 'unknown_key');
		if (!(await verifySignature(signer.key, parsed.body, parsed.signature))) return refuse('invalid', 'bad_signature');
		ev = ctx.events.get(signer.eventId);
		if (!ev) return refuse('invalid', 'other_event');

		h = await serialHash(claims.serial);
		if (ev.status !== 'published') return refuse('event_not_live', ev.status, { serial_hash: h });
		rec = await ctx.record(h);
		if (!rec) return refuse('invalid', 'unknown_ticket', { serial_hash: h });
	}

	// Only now, for this one scanned ticket, open its sealed details.
	const details = await openRecord(claims.serial, h, rec.e);
	// The seat: the sealed record names the section; a signed VG2 payload carries its key too.
	const sealedSeat = details?.s ?? null;
	const seat: SeatInfo | null = sealedSeat
		? { section_key: sealedSeat[0], section: sealedSeat[1], row: sealedSeat[2], seat: sealedSeat[3] }
		: claims.seat
			? { section_key: claims.seat.sectionKey, section: claims.seat.sectionKey, row: claims.seat.row, seat: claims.seat.seat }
			: null;
	const ticket: TicketInfo = {
		serial_hash: h,
		ticket_type_id: details?.i ?? null,
		ticket_type_name: details?.t ?? null,
		holder_name: details?.n ?? null,
		...(seat ? { seat } : {})
	};
	const out = (result: Result, reason: Reason | null, admitted: Admitted | null = null) => refuse(result, reason, ticket, admitted, h, ev.id);

	if (ctx.deviceGateId && input.gateId !== ctx.deviceGateId) return out('wrong_gate', 'not_this_device');
	if (!ev.gate_ids.has(input.gateId)) return out('wrong_gate', 'not_event_venue');
	if (rec.s === 'r') return out('revoked', null);
	if (rec.s === 'c') return out('cancelled', null);
	if (rec.s !== 'v') return out('unpaid', null); // 'u' (the snapshot does not say which unpaid status)

	const rules = ev.rules;
	const gate = rules?.gates.find((g) => g.gate_id === input.gateId);
	const exitAllowed = rules ? rules.exit_allowed : true;
	if (input.direction === 'exit' && !(exitAllowed && (gate?.exit ?? true))) return out('wrong_gate', 'exit_not_allowed');
	if (input.direction === 'entry' && !(gate?.entry ?? true)) return out('wrong_gate', 'entry_not_allowed');
	if (gate && gate.ticket_type_ids) {
		const byRef = gate.type_refs && claims.typeRef ? gate.type_refs.includes(claims.typeRef) : false;
		const byId = details ? gate.ticket_type_ids.includes(details.i) : false;
		if (!byRef && !byId) return out('wrong_ticket_type', null);
	}
	// A gate limited to seat sections (server: rules.py precheck); tickets without a seat pass.
	if (gate && gate.sections && seat && !gate.sections.includes(seat.section_key)) return out('wrong_gate', 'wrong_section');
	const at = input.at.getTime();
	const [from, until] = windowOf(ev);
	if (at < from || (claims.validFrom !== null && at / 1000 < claims.validFrom)) return out('outside_window', 'too_early');
	if (at > until || (claims.validUntil !== null && at / 1000 > claims.validUntil)) return out('outside_window', 'too_late');

	// Admission state: this device's own scans on top of what the server last told us.
	const local = await ctx.local(h);
	const inside = local ? local.inside : rec.a === 1;
	const admittedBefore = rec.a >= 1 || (local?.entries ?? 0) > 0;
	const admitted: Admitted | null = local?.admitted ?? (rec.a >= 1 ? { at: '', gate_id: null, gate_name: null } : null);
	if (input.direction === 'entry') {
		if (inside) return out('already_redeemed', 'inside', admitted);
		if (admittedBefore && !(rules?.reentry_allowed ?? false)) return out('already_redeemed', 'no_reentry', admitted);
		return out('ok', null);
	}
	if (!inside) return out('not_inside', null);
	return out('ok', null);
}

/** The local state after an `ok` verdict this device showed (or got from the server). */
export function nextLocalState(
	prev: LocalState | undefined,
	v: Verdict,
	h: string,
	eventId: string,
	gate: { id: string; name: string | null },
	acked: boolean
): LocalState | null {
	if (v.result !== 'ok') return null;
	const now = new Date().toISOString();
	const entry = v.direction === 'entry';
	return {
		h,
		event_id: eventId,
		inside: entry,
		entries: (prev?.entries ?? 0) + (entry ? 1 : 0),
		admitted: entry ? { at: now, gate_id: gate.id, gate_name: gate.name } : (prev?.admitted ?? null),
		updated_at: now,
		acked: acked && (prev?.acked ?? true)
	};
}
