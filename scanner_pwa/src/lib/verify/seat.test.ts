// Reserved seats: the VG2 payload (docs/scanning-protocol.md, "Version 2: a reserved seat"), the
// seat in the sealed record, gates limited to sections offline, and old VG1 tickets unchanged.
import { beforeAll, describe, expect, it } from 'vitest';
import { base32Decode, base32Encode, base64urlEncode, fromHex } from './codec';
import { parsePayload } from './payload';
import { privateKeyFromSeed, sealRecord, signPayload } from './encode';
import { importPublicKey, verifyOffline, type OfflineEvent, type VerifyContext } from './verifier';
import type { Rules, TicketRecord } from './types';

// Same vector key and ticket as verifier.test.ts; the seated vector is backend/tests/unit/test_ticket_payload_seat.py's.
const VECTOR_SEED = Uint8Array.from({ length: 32 }, (_, i) => i);
const VECTOR_PUBLIC_KEY = '03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8';
const VECTOR_KEY_ID = 'a1b2c3d4e5f6';
const VECTOR_SERIAL = '00112233445566778899aabb';
const VECTOR_TYPE_REF = 'a939b790';
const VECTOR_TICKET_TYPE = '0192f5e4-7b3a-7cde-8f01-23456789abcd';
const VECTOR_PAYLOAD =
	'VG1:AGQ3FQ6U4X3AAEJCGNCFKZTXRCM2VO5JHG3ZAAB7UUE675OYZYD3C53N2ZEJYSQ4PS5AR3N6DBGMGKZJHR4B2DEM' + 'T5SJ6GHLZKICHD3OKHAKDHJLA6M2A6AMXLRTAB5WG2ZU2OM5ZDOAY';
const SEAT_VECTOR =
	'VG2:AKQ3FQ6U4X3AAEJCGNCFKZTXRCM2VO5JHG3ZAAALON2GC3DMOMPUCHZRGJTBNGSNHLOERBHIGT4E5CLDIKV4V3OO5OI7' +
	'HPLMG7AHFVQU24MPJZFTGOGE2PTMRHCBIQPWSKC3XMTLD3LE7VV6Y7YC6EMQPUAQYAIJ';

const EVENT = 'e0000000-0000-4000-8000-000000000001';
const STALLS_GATE = 'a0000000-0000-4000-8000-00000000000a';
const OPEN_GATE = 'a0000000-0000-4000-8000-00000000000b';
const NOW = new Date('2030-06-01T18:00:00Z');

async function context(record: TicketRecord, rules: Rules | null): Promise<VerifyContext> {
	const ev: OfflineEvent = {
		id: EVENT,
		status: 'published',
		starts_at: '2030-06-01T17:00:00Z',
		ends_at: '2030-06-01T23:00:00Z',
		gate_ids: new Set([STALLS_GATE, OPEN_GATE]),
		rules
	};
	const pub = base64urlEncode(fromHex(VECTOR_PUBLIC_KEY));
	const key = await importPublicKey({ key_id: VECTOR_KEY_ID, public_key: pub, alg: 'Ed25519' });
	return {
		keys: new Map([[VECTOR_KEY_ID, { key, eventId: EVENT }]]),
		events: new Map([[EVENT, ev]]),
		deviceGateId: null,
		record: (h) => (h === record.h ? record : undefined),
		local: () => undefined
	};
}

const scan = (ctx: VerifyContext, payload: string, gateId: string) =>
	verifyOffline({ payload, gateId, direction: 'entry', at: NOW, clientScanId: crypto.randomUUID() }, ctx);

const RULES: Rules = {
	exit_allowed: true,
	reentry_allowed: false,
	gates: [{ gate_id: STALLS_GATE, entry: true, exit: true, ticket_type_ids: null, sections: ['stalls'] }]
};

let seatedRecord: TicketRecord;
let gaRecord: TicketRecord;

beforeAll(async () => {
	const seated = await sealRecord(fromHex(VECTOR_SERIAL), { n: 'Thandi Nkosi', t: 'Seated', i: VECTOR_TICKET_TYPE, s: ['stalls', 'Stalls', 'A', '12'] });
	seatedRecord = { h: seated.h, s: 'v', a: 0, e: seated.e };
	const ga = await sealRecord(fromHex(VECTOR_SERIAL), { n: 'Thandi Nkosi', t: 'General', i: VECTOR_TICKET_TYPE });
	gaRecord = { h: ga.h, s: 'v', a: 0, e: ga.e };
});

describe('version 2 payloads (a reserved seat)', () => {
	it('parses and signs the seated vector exactly like the server', async () => {
		const p = parsePayload(SEAT_VECTOR);
		if (typeof p === 'string') throw new Error(p);
		expect(p.claims.seat).toEqual({ sectionKey: 'stalls', row: 'A', seat: '12' });
		expect(p.claims.typeRef).toBe(VECTOR_TYPE_REF);
		const key = await privateKeyFromSeed(VECTOR_SEED);
		const signed = await signPayload(
			{ keyId: VECTOR_KEY_ID, serial: fromHex(VECTOR_SERIAL), typeRef: VECTOR_TYPE_REF, seat: { sectionKey: 'stalls', row: 'A', seat: '12' } },
			key
		);
		expect(signed).toBe(SEAT_VECTOR);
	});

	it('still reads old VG1 tickets, with no seat', () => {
		const p = parsePayload(VECTOR_PAYLOAD);
		if (typeof p === 'string') throw new Error(p);
		expect(p.claims.seat).toBeNull();
	});

	it('refuses a prefix that disagrees with the version byte, bad seat lengths and other versions', () => {
		expect(parsePayload('VG2:' + VECTOR_PAYLOAD.slice(4))).toBe('unsupported_version');
		expect(parsePayload('VG1:' + SEAT_VECTOR.slice(4))).toBe('malformed'); // longer than any VG1
		expect(parsePayload('VG3:' + VECTOR_PAYLOAD.slice(4))).toBe('unsupported_version');
		expect(parsePayload(SEAT_VECTOR.slice(0, 60))).toBe('malformed');
	});

	it('refuses a changed seat under the original signature', async () => {
		const ctx = await context(seatedRecord, null);
		const p = parsePayload(SEAT_VECTOR);
		if (typeof p === 'string') throw new Error(p);
		const key = await privateKeyFromSeed(VECTOR_SEED);
		const other = await signPayload(
			{ keyId: VECTOR_KEY_ID, serial: fromHex(VECTOR_SERIAL), typeRef: VECTOR_TYPE_REF, seat: { sectionKey: 'stalls', row: 'A', seat: '13' } },
			key
		);
		const a = base32Decode(other.slice(4))!;
		const b = base32Decode(SEAT_VECTOR.slice(4))!;
		const spliced = new Uint8Array(a.length);
		spliced.set(a.subarray(0, a.length - 64));
		spliced.set(b.subarray(b.length - 64), a.length - 64); // the seat 13 body, the seat 12 signature
		const forged = 'VG2:' + base32Encode(spliced);
		const v = (await scan(ctx, forged, OPEN_GATE)).verdict;
		expect(v.result).toBe('invalid');
	});
});

describe('seats offline', () => {
	it('shows the seat from the sealed record and admits at a gate for its section', async () => {
		const ctx = await context(seatedRecord, RULES);
		const v = (await scan(ctx, SEAT_VECTOR, STALLS_GATE)).verdict;
		expect(v.result).toBe('ok');
		expect(v.ticket?.seat).toEqual({ section_key: 'stalls', section: 'Stalls', row: 'A', seat: '12' });
	});

	it('refuses a seat of another section at a gate limited to the stalls', async () => {
		const balcony = await sealRecord(fromHex(VECTOR_SERIAL), { n: null, t: 'Seated', i: VECTOR_TICKET_TYPE, s: ['balcony', 'Balcony', 'C', '3'] });
		const ctx = await context({ h: balcony.h, s: 'v', a: 0, e: balcony.e }, RULES);
		const v = (await scan(ctx, SEAT_VECTOR, STALLS_GATE)).verdict; // the record decides: balcony
		expect([v.result, v.reason]).toEqual(['wrong_gate', 'wrong_section']);
		expect((await scan(ctx, SEAT_VECTOR, OPEN_GATE)).verdict.result).toBe('ok');
	});

	it('lets general admission through a section gate, and a VG1 ticket shows no seat', async () => {
		const ctx = await context(gaRecord, RULES);
		const v = (await scan(ctx, VECTOR_PAYLOAD, STALLS_GATE)).verdict;
		expect(v.result).toBe('ok');
		expect(v.ticket?.seat).toBeUndefined();
	});
});
