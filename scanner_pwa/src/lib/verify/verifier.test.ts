import { describe, expect, it, beforeAll } from 'vitest';
import { base32Decode, base32Encode, base64urlEncode, fromHex, toHex } from './codec';
import { formatTypedCode, isTicketCode, parsePayload, PREFIX, serialFromCode } from './payload';
import { openRecord, serialHash, detailsKey } from './records';
import { newKeyPair, privateKeyFromSeed, sealRecord, signPayload, ticketCode, typeRefOf } from './encode';
import { importPublicKey, nextLocalState, verifyOffline, type OfflineEvent, type VerifyContext } from './verifier';
import type { EventStatus, LocalState, Rules, TicketRecord } from './types';
// The text vectors live in the protocol document itself; the backend's unit tests read the same block.
import protocolDoc from '../../../../docs/scanning-protocol.md?raw';

// The VG1 test vector (backend/tests/unit/test_ticket_payload.py; docs/scanning-protocol.md).
const VECTOR_SEED = Uint8Array.from({ length: 32 }, (_, i) => i);
const VECTOR_PUBLIC_KEY = '03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8';
const VECTOR_KEY_ID = 'a1b2c3d4e5f6';
const VECTOR_SERIAL = '00112233445566778899aabb';
const VECTOR_TICKET_TYPE = '0192f5e4-7b3a-7cde-8f01-23456789abcd';
const VECTOR_TYPE_REF = 'a939b790';
const VECTOR_PAYLOAD =
	'VG1:AGQ3FQ6U4X3AAEJCGNCFKZTXRCM2VO5JHG3ZAAB7UUE675OYZYD3C53N2ZEJYSQ4PS5AR3N6DBGMGKZJHR4B2DEM' + 'T5SJ6GHLZKICHD3OKHAKDHJLA6M2A6AMXLRTAB5WG2ZU2OM5ZDOAY';

// The offline-record test vector (docs/scanning-protocol.md, "Offline records").
const REC = {
	serial: '0102030405060708090a0b0c',
	h: '8dd404bd57a558d6fa0f5bf5b127871f',
	key: '2e82789a0efcf046db9ef229625d1ced259bf8c7a284492d79066c1e1feca8be',
	plaintext: '{"n":"Thandi Nkosi","t":"General admission","i":"0b6f7e52-3f7a-4c1e-9a55-2d0c3b1f4e77"}',
	e: 'ZGVmZ2hpamtsbW5vuHMpNQfmpf2XswSFE7rX9FGkjulouI3uuzo8I0GF6UKHMMpKu09R23haOdVj8fZ2WYyKKKTDgwZUYNBJmrzLe4O2n3HnhM4Mz6uaM1OEJNKALawpZedFsU2wwUm0cj3PjCj_1fh1Zg'
};

// docs/scanning-protocol.md, "Text vectors": spellings of the test vector's ticket to accept or refuse.
interface TextVector {
	text: string;
	note: string;
}
const TEXT_VECTORS: { serial: string; accepted: TextVector[]; refused: TextVector[] } = JSON.parse(
	/```json text-vectors\n([\s\S]*?)\n```/.exec(protocolDoc)![1]
);

const EVENT = 'e0000000-0000-4000-8000-000000000001';
const GATE_A = 'a0000000-0000-4000-8000-00000000000a';
const GATE_B = 'a0000000-0000-4000-8000-00000000000b';
const OTHER_VENUE_GATE = 'a0000000-0000-4000-8000-0000000000ff';
const VIP_TYPE = '11111111-1111-4111-8111-111111111111';
const NOW = new Date('2030-06-01T18:00:00Z');

function setup(over: { rules?: Rules | null; status?: EventStatus; records?: TicketRecord[]; deviceGate?: string | null } = {}) {
	const records = new Map<string, TicketRecord>();
	const local = new Map<string, LocalState>();
	const ev: OfflineEvent = {
		id: EVENT,
		status: over.status ?? 'published',
		starts_at: '2030-06-01T17:00:00Z',
		ends_at: '2030-06-01T23:00:00Z',
		gate_ids: new Set([GATE_A, GATE_B]),
		rules: over.rules ?? null
	};
	const ctx: VerifyContext = {
		keys: new Map(),
		events: new Map([[EVENT, ev]]),
		deviceGateId: over.deviceGate ?? null,
		record: (h) => records.get(h),
		local: (h) => local.get(h)
	};
	for (const r of over.records ?? []) records.set(r.h, r);
	return { ctx, records, local, ev };
}

let vectorRecord: TicketRecord;
let ctxBase: ReturnType<typeof setup>;

async function scan(ctx: VerifyContext, payload: string, o: { gate?: string; direction?: 'entry' | 'exit'; at?: Date } = {}) {
	return verifyOffline({ payload, gateId: o.gate ?? GATE_A, direction: o.direction ?? 'entry', at: o.at ?? NOW, clientScanId: crypto.randomUUID() }, ctx);
}

async function withVectorKey(s: ReturnType<typeof setup>) {
	const pub = base64urlEncode(fromHex(VECTOR_PUBLIC_KEY));
	s.ctx.keys.set(VECTOR_KEY_ID, { key: await importPublicKey({ key_id: VECTOR_KEY_ID, public_key: pub, alg: 'Ed25519' }), eventId: EVENT });
	return s;
}

beforeAll(async () => {
	const sealed = await sealRecord(fromHex(VECTOR_SERIAL), { n: 'Thandi Nkosi', t: 'General', i: VECTOR_TICKET_TYPE });
	vectorRecord = { h: sealed.h, s: 'v', a: 0, e: sealed.e };
	ctxBase = await withVectorKey(setup({ records: [vectorRecord] }));
});

describe('codecs and the payload layout', () => {
	it('base32 round-trips and refuses other spellings', () => {
		const bytes = fromHex(VECTOR_SERIAL);
		expect(base32Encode(bytes)).toBe('AAISEM2EKVTHPCEZVK5Q');
		expect(toHex(base32Decode('AAISEM2EKVTHPCEZVK5Q')!)).toBe(VECTOR_SERIAL);
		expect(base32Decode('AAISEM2EKVTHPCEZVK5R')).toBeNull(); // non-zero unused bits
		expect(base32Decode('AAISEM2EKVTHPCEZVK5q')).toBeNull();
		expect(base32Decode('A')).toBeNull();
		expect(base32Decode('')).toBeNull();
	});

	it('parses the test vector as documented', async () => {
		const p = parsePayload(VECTOR_PAYLOAD);
		if (typeof p === 'string') throw new Error(p);
		expect(VECTOR_PAYLOAD.length).toBe(145);
		expect(p.claims.keyId).toBe(VECTOR_KEY_ID);
		expect(toHex(p.claims.serial)).toBe(VECTOR_SERIAL);
		expect(p.claims.typeRef).toBe(VECTOR_TYPE_REF);
		expect(await typeRefOf(VECTOR_TICKET_TYPE)).toBe(VECTOR_TYPE_REF);
		expect(p.claims.validFrom).toBeNull();
		expect(p.body.length).toBe(24);
		expect(p.signature.length).toBe(64);
	});

	it('signs exactly like the server (same seed, same payload)', async () => {
		const key = await privateKeyFromSeed(VECTOR_SEED);
		const payload = await signPayload({ keyId: VECTOR_KEY_ID, serial: fromHex(VECTOR_SERIAL), typeRef: VECTOR_TYPE_REF }, key);
		expect(payload).toBe(VECTOR_PAYLOAD);
	});

	it('reads validity times', async () => {
		const key = await privateKeyFromSeed(VECTOR_SEED);
		const payload = await signPayload(
			{ keyId: VECTOR_KEY_ID, serial: fromHex(VECTOR_SERIAL), typeRef: VECTOR_TYPE_REF, validFrom: 1_767_225_600, validUntil: 1_767_312_000 },
			key
		);
		const p = parsePayload(payload);
		if (typeof p === 'string') throw new Error(p);
		expect([p.claims.validFrom, p.claims.validUntil]).toEqual([1_767_225_600, 1_767_312_000]);
	});

	it('refuses truncated, trailing, garbage, other versions and huge input', () => {
		expect(parsePayload(VECTOR_PAYLOAD.slice(0, 100))).toBe('malformed');
		expect(parsePayload(VECTOR_PAYLOAD.slice(0, -8))).toBe('malformed');
		expect(parsePayload(VECTOR_PAYLOAD + 'AAAAAAAA')).toBe('malformed');
		expect(parsePayload('hello world')).toBe('malformed');
		expect(parsePayload('')).toBe('malformed');
		expect(parsePayload('VG1:')).toBe('malformed');
		expect(parsePayload('VG1:!!!!')).toBe('malformed');
		expect(parsePayload('VG2:' + VECTOR_PAYLOAD.slice(4))).toBe('unsupported_version');
		expect(parsePayload('X'.repeat(100_000))).toBe('too_long');
		expect(parsePayload(42 as unknown as string)).toBe('malformed');
		expect(parsePayload(`  ${VECTOR_PAYLOAD.toLowerCase()}\n`)).not.toBeTypeOf('string');
	});
});

describe('offline records', () => {
	it('match the documented test vector', async () => {
		const serial = fromHex(REC.serial);
		expect(await serialHash(serial)).toBe(REC.h);
		const key = await detailsKey(serial, true);
		expect(toHex(new Uint8Array(await crypto.subtle.exportKey('raw', key)))).toBe(REC.key);
		const d = await openRecord(serial, REC.h, REC.e);
		expect(JSON.stringify(d)).toBe(REC.plaintext);
	});

	it('do not open with another serial or another h', async () => {
		expect(await openRecord(fromHex(VECTOR_SERIAL), REC.h, REC.e)).toBeNull();
		expect(await openRecord(fromHex(REC.serial), vectorRecord.h, REC.e)).toBeNull();
		expect(await openRecord(fromHex(REC.serial), REC.h, 'garbage')).toBeNull();
	});
});

describe('the offline verifier', () => {
	it('admits the test vector ticket and reveals its details', async () => {
		const s = await withVectorKey(setup({ records: [vectorRecord] }));
		const { verdict, h } = await scan(s.ctx, VECTOR_PAYLOAD);
		expect(verdict.result).toBe('ok');
		expect(verdict.offline).toBe(true);
		expect(h).toBe(vectorRecord.h);
		expect(verdict.ticket).toMatchObject({ holder_name: 'Thandi Nkosi', ticket_type_name: 'General', ticket_type_id: VECTOR_TICKET_TYPE });
	});

	it('refuses a wrong signature', async () => {
		const raw = base32Decode(VECTOR_PAYLOAD.slice(4))!;
		raw[raw.length - 1] ^= 0x01;
		const v = await scan(ctxBase.ctx, PREFIX + base32Encode(raw));
		expect([v.verdict.result, v.verdict.reason]).toEqual(['invalid', 'bad_signature']);
		expect(v.verdict.ticket).toBeNull();
	});

	it('refuses a changed body under the original signature', async () => {
		const raw = base32Decode(VECTOR_PAYLOAD.slice(4))!;
		raw[10] ^= 0xff; // inside the serial
		const v = await scan(ctxBase.ctx, PREFIX + base32Encode(raw));
		expect([v.verdict.result, v.verdict.reason]).toEqual(['invalid', 'bad_signature']);
	});

	it("refuses another event's key: unknown key id, and our key id signed by another key", async () => {
		const other = await newKeyPair();
		const foreign = await signPayload({ keyId: 'ffeeddccbbaa', serial: fromHex(VECTOR_SERIAL), typeRef: VECTOR_TYPE_REF }, other.privateKey);
		expect((await scan(ctxBase.ctx, foreign)).verdict).toMatchObject({ result: 'invalid', reason: 'unknown_key' });
		const forged = await signPayload({ keyId: VECTOR_KEY_ID, serial: fromHex(VECTOR_SERIAL), typeRef: VECTOR_TYPE_REF }, other.privateKey);
		expect((await scan(ctxBase.ctx, forged)).verdict).toMatchObject({ result: 'invalid', reason: 'bad_signature' });
	});

	it('refuses truncated, garbage and huge codes without throwing', async () => {
		for (const [payload, reason] of [
			[VECTOR_PAYLOAD.slice(0, 60), 'malformed'],
			['https://example.com/not-a-ticket', 'malformed'],
			['\u0000\uffff💥'.repeat(20), 'malformed'],
			['VG1:' + 'A'.repeat(10_000_000), 'too_long']
		] as const) {
			expect((await scan(ctxBase.ctx, payload)).verdict).toMatchObject({ result: 'invalid', reason });
		}
	});

	it('knows unknown, revoked, cancelled and unpaid tickets', async () => {
		const s = await withVectorKey(setup({ records: [] }));
		expect((await scan(s.ctx, VECTOR_PAYLOAD)).verdict).toMatchObject({ result: 'invalid', reason: 'unknown_ticket' });
		for (const [st, result] of [
			['r', 'revoked'],
			['c', 'cancelled'],
			['u', 'unpaid']
		] as const) {
			s.records.set(vectorRecord.h, { ...vectorRecord, s: st });
			const v = (await scan(s.ctx, VECTOR_PAYLOAD)).verdict;
			expect(v.result).toBe(result);
			expect(v.ticket?.holder_name).toBe('Thandi Nkosi'); // the gate can tell the person why
		}
	});

	it('checks event status, gates, ticket types and the window', async () => {
		const closed = await withVectorKey(setup({ records: [vectorRecord], status: 'closed' }));
		expect((await scan(closed.ctx, VECTOR_PAYLOAD)).verdict).toMatchObject({ result: 'event_not_live', reason: 'closed' });

		const bound = await withVectorKey(setup({ records: [vectorRecord], deviceGate: GATE_B }));
		expect((await scan(bound.ctx, VECTOR_PAYLOAD)).verdict).toMatchObject({ result: 'wrong_gate', reason: 'not_this_device' });
		expect((await scan(ctxBase.ctx, VECTOR_PAYLOAD, { gate: OTHER_VENUE_GATE })).verdict).toMatchObject({
			result: 'wrong_gate',
			reason: 'not_event_venue'
		});

		const rules: Rules = {
			exit_allowed: false,
			reentry_allowed: false,
			effective_valid_from: '2030-06-01T15:00:00Z',
			effective_valid_until: '2030-06-01T23:00:00Z',
			gates: [{ gate_id: GATE_B, entry: true, exit: true, ticket_type_ids: [VIP_TYPE], type_refs: [await typeRefOf(VIP_TYPE)] }]
		};
		const r = await withVectorKey(setup({ records: [vectorRecord], rules }));
		expect((await scan(r.ctx, VECTOR_PAYLOAD, { gate: GATE_B })).verdict.result).toBe('wrong_ticket_type');
		expect((await scan(r.ctx, VECTOR_PAYLOAD, { direction: 'exit' })).verdict).toMatchObject({ result: 'wrong_gate', reason: 'exit_not_allowed' });
		expect((await scan(r.ctx, VECTOR_PAYLOAD, { at: new Date('2030-06-01T14:00:00Z') })).verdict).toMatchObject({
			result: 'outside_window',
			reason: 'too_early'
		});
		expect((await scan(r.ctx, VECTOR_PAYLOAD, { at: new Date('2030-06-02T00:00:00Z') })).verdict).toMatchObject({
			result: 'outside_window',
			reason: 'too_late'
		});
		// Default window without rules: start - 3 h .. end.
		expect((await scan(ctxBase.ctx, VECTOR_PAYLOAD, { at: new Date('2030-06-01T13:59:00Z') })).verdict.reason).toBe('too_early');

		// The payload's own validity.
		const key = await privateKeyFromSeed(VECTOR_SEED);
		const expired = await signPayload(
			{ keyId: VECTOR_KEY_ID, serial: fromHex(VECTOR_SERIAL), typeRef: VECTOR_TYPE_REF, validUntil: Math.floor(NOW.getTime() / 1000) - 60 },
			key
		);
		expect((await scan(ctxBase.ctx, expired)).verdict).toMatchObject({ result: 'outside_window', reason: 'too_late' });
	});

	it('keeps local redemption state: the same ticket twice offline is already_redeemed', async () => {
		const s = await withVectorKey(setup({ records: [vectorRecord] }));
		const first = await scan(s.ctx, VECTOR_PAYLOAD);
		expect(first.verdict.result).toBe('ok');
		const st = nextLocalState(undefined, first.verdict, first.h!, EVENT, { id: GATE_A, name: 'Gate A' }, false)!;
		s.local.set(st.h, st);
		const second = await scan(s.ctx, VECTOR_PAYLOAD);
		expect(second.verdict).toMatchObject({ result: 'already_redeemed', reason: 'inside' });
		expect(second.verdict.admitted?.gate_name).toBe('Gate A');

		// Out, then in again: no re-entry by default, re-entry when the rules allow it.
		const out = await scan(s.ctx, VECTOR_PAYLOAD, { direction: 'exit' });
		expect(out.verdict.result).toBe('ok');
		s.local.set(st.h, nextLocalState(st, out.verdict, st.h, EVENT, { id: GATE_A, name: 'Gate A' }, false)!);
		expect((await scan(s.ctx, VECTOR_PAYLOAD)).verdict).toMatchObject({ result: 'already_redeemed', reason: 'no_reentry' });
		s.ev.rules = { exit_allowed: true, reentry_allowed: true, gates: [] };
		expect((await scan(s.ctx, VECTOR_PAYLOAD)).verdict.result).toBe('ok');
		expect((await scan(s.ctx, VECTOR_PAYLOAD, { direction: 'exit' })).verdict.result).toBe('not_inside');
	});

	it('uses the admission state the server sent', async () => {
		const s = await withVectorKey(setup({ records: [{ ...vectorRecord, a: 1 }] }));
		expect((await scan(s.ctx, VECTOR_PAYLOAD)).verdict).toMatchObject({ result: 'already_redeemed', reason: 'inside' });
		s.records.set(vectorRecord.h, { ...vectorRecord, a: 2 });
		expect((await scan(s.ctx, VECTOR_PAYLOAD)).verdict).toMatchObject({ result: 'already_redeemed', reason: 'no_reentry' });
	});

	it('admits a typed ticket code like its QR, from the snapshot alone', async () => {
		const code = ticketCode(fromHex(VECTOR_SERIAL));
		expect(code).toBe('AAISE-M2EKV-THPCE-ZVK5Q');
		expect(toHex(serialFromCode('aaise m2ekv thpce zvk5q')!)).toBe(VECTOR_SERIAL);
		expect(toHex(serialFromCode('AA1SE-M2EKV-THPCE-ZVK5Q')!)).toBe(VECTOR_SERIAL); // a one for an I
		expect(serialFromCode('AAISE-M2EKV-THPCE')).toBeNull();
		expect(serialFromCode('AAISE-M2EKV-THPCE-ZVK5R')).toBeNull(); // non-canonical last character
		expect(isTicketCode(VECTOR_PAYLOAD)).toBe(false);
		expect(isTicketCode(code)).toBe(true);
		// The field groups what a person types, and leaves a pasted payload alone.
		expect(formatTypedCode('aaise m2ek')).toBe('AAISE-M2EK');
		expect(formatTypedCode('aaisem2ekvthpcezvk5q')).toBe(code);
		expect(formatTypedCode(VECTOR_PAYLOAD)).toBe(VECTOR_PAYLOAD);
		expect(formatTypedCode('VG1:AGQ')).toBe('VG1:AGQ');

		const s = await withVectorKey(setup({ records: [{ ...vectorRecord, ev: EVENT }] }));
		const typed = await scan(s.ctx, code.toLowerCase());
		expect(typed.verdict).toMatchObject({ result: 'ok', ticket: { holder_name: 'Thandi Nkosi' } });
		expect(typed.h).toBe(vectorRecord.h);
		expect(typed.eventId).toBe(EVENT);
		s.local.set(typed.h!, nextLocalState(undefined, typed.verdict, typed.h!, EVENT, { id: GATE_A, name: 'Gate A' }, false)!);
		// The QR of the same ticket now finds it inside: one admission state for both ways in.
		expect((await scan(s.ctx, VECTOR_PAYLOAD)).verdict).toMatchObject({ result: 'already_redeemed', reason: 'inside' });

		// Unknown to this device's snapshot, or not a code at all: invalid, nothing revealed.
		expect((await scan(s.ctx, ticketCode(fromHex(REC.serial)))).verdict).toMatchObject({ result: 'invalid', reason: 'unknown_ticket', ticket: null });
		expect((await scan(s.ctx, 'ABCDE-12345')).verdict).toMatchObject({ result: 'invalid', reason: 'malformed' });
		// Rules still apply: a closed event.
		const closed = setup({ records: [vectorRecord], status: 'closed' });
		expect((await scan(closed.ctx, code)).verdict).toMatchObject({ result: 'event_not_live' });
	});
});

describe('the text vectors (one ticket, one code)', () => {
	it.each(TEXT_VECTORS.accepted)('accepts $note', async ({ text }) => {
		const s = await withVectorKey(setup({ records: [{ ...vectorRecord, ev: EVENT }] }));
		const { verdict, h } = await scan(s.ctx, text);
		expect(verdict).toMatchObject({ result: 'ok', reason: null });
		expect(h).toBe(vectorRecord.h);
		const serial = isTicketCode(text) ? serialFromCode(text) : (parsePayload(text) as { claims: { serial: Uint8Array } }).claims.serial;
		expect(toHex(serial!)).toBe(TEXT_VECTORS.serial);
	});

	it.each(TEXT_VECTORS.refused)('refuses $note', async ({ text }) => {
		expect(parsePayload(text)).toBe('malformed');
		expect(serialFromCode(text)).toBeNull();
		const s = await withVectorKey(setup({ records: [{ ...vectorRecord, ev: EVENT }] }));
		const { verdict, h } = await scan(s.ctx, text);
		expect(verdict).toMatchObject({ result: 'invalid', reason: 'malformed', ticket: null });
		expect(h).toBeNull();
		// The manual-entry field does not tidy a look-alike into the real code either.
		if (isTicketCode(text)) expect(formatTypedCode(text)).toBe(text);
	});
});
