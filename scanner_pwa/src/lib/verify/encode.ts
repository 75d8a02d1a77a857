/**
 * Making payloads and records the way the server does: for tests and the benchmark only (the
 * scanner itself never signs or seals anything). Tree-shaken out of the app bundle.
 */
import { ascii, base32Encode, base64urlEncode, buf, concat, fromHex } from './codec';
import { formatTypedCode, PREFIX, SEAT_PREFIX, SEAT_SEPARATOR } from './payload';
import { detailsKey, serialHash, type Details } from './records';

export interface ClaimsIn {
	keyId: string; // 12 hex
	serial: Uint8Array;
	typeRef: string; // 8 hex
	validFrom?: number | null;
	validUntil?: number | null;
	/** A reserved seat: the payload becomes version 2 ("VG2:"). */
	seat?: { sectionKey: string; row: string; seat: string } | null;
}

export function payloadBody(c: ClaimsIn): Uint8Array {
	const flags = (c.validFrom != null ? 1 : 0) | (c.validUntil != null ? 2 : 0);
	const times = new Uint8Array(4 * ((flags & 1) + ((flags >> 1) & 1)));
	const view = new DataView(times.buffer);
	let pos = 0;
	if (c.validFrom != null) {
		view.setUint32(pos, c.validFrom);
		pos += 4;
	}
	if (c.validUntil != null) view.setUint32(pos, c.validUntil);
	const head = concat(new Uint8Array([c.seat ? 2 : 1]), fromHex(c.keyId), c.serial, fromHex(c.typeRef), new Uint8Array([flags]), times);
	if (!c.seat) return head;
	const seat = new TextEncoder().encode([c.seat.sectionKey, c.seat.row, c.seat.seat].join(SEAT_SEPARATOR));
	return concat(head, new Uint8Array([seat.length]), seat);
}

export async function signPayload(c: ClaimsIn, privateKey: CryptoKey): Promise<string> {
	const body = payloadBody(c);
	const sig = new Uint8Array(await crypto.subtle.sign({ name: 'Ed25519' }, privateKey, buf(body)));
	return (c.seat ? SEAT_PREFIX : PREFIX) + base32Encode(concat(body, sig));
}

/** An Ed25519 private key from its 32-byte seed (PKCS#8 wrapping). */
export async function privateKeyFromSeed(seed: Uint8Array): Promise<CryptoKey> {
	const pkcs8 = concat(fromHex('302e020100300506032b657004220420'), seed);
	return crypto.subtle.importKey('pkcs8', buf(pkcs8), { name: 'Ed25519' }, true, ['sign']);
}

export async function newKeyPair(): Promise<{ privateKey: CryptoKey; publicKey: string }> {
	const kp = (await crypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify'])) as CryptoKeyPair;
	const raw = new Uint8Array(await crypto.subtle.exportKey('raw', kp.publicKey));
	return { privateKey: kp.privateKey, publicKey: base64urlEncode(raw) };
}

export async function sealRecord(serial: Uint8Array, details: Details, nonce?: Uint8Array): Promise<{ h: string; e: string }> {
	const h = await serialHash(serial);
	const key = await detailsKey(serial);
	const iv = nonce ?? crypto.getRandomValues(new Uint8Array(12));
	const ct = new Uint8Array(
		await crypto.subtle.encrypt({ name: 'AES-GCM', iv: buf(iv), additionalData: buf(ascii(h)) }, key, buf(ascii(JSON.stringify(details))))
	);
	return { h, e: base64urlEncode(concat(iv, ct)) };
}

export async function typeRefOf(ticketTypeId: string): Promise<string> {
	const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', buf(fromHex(ticketTypeId.replace(/-/g, '')))));
	return Array.from(digest.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** The ticket code printed under a ticket's QR (the serial in groups of five). */
export function ticketCode(serial: Uint8Array): string {
	return formatTypedCode(base32Encode(serial));
}
