/**
 * Offline ticket records (docs/scanning-protocol.md, "Offline records"): `h` is a one-way hash of
 * the serial, `e` the holder name and ticket type sealed with AES-256-GCM under a key derived from
 * the serial (HKDF-SHA256). Only scanning the ticket yields the key, so nothing readable rests on
 * the device.
 */
import { ascii, base64urlDecode, buf, concat, toHex } from './codec';

const HASH_PREFIX = ascii('voelgoed/checkin/h1');
const KDF_SALT = ascii('voelgoed/checkin/v1');
const KDF_INFO = ascii('ticket-details');

export interface Details {
	n: string | null; // holder name
	t: string; // ticket type name
	i: string; // ticket type id
	/** A reserved seat: [section key, section name, row, seat]; absent for general admission. */
	s?: [string, string, string, string] | null;
}

export async function serialHash(serial: Uint8Array): Promise<string> {
	const digest = await crypto.subtle.digest('SHA-256', buf(concat(HASH_PREFIX, serial)));
	return toHex(new Uint8Array(digest)).slice(0, 32);
}

export async function detailsKey(serial: Uint8Array, extractable = false): Promise<CryptoKey> {
	const ikm = await crypto.subtle.importKey('raw', buf(serial), 'HKDF', false, ['deriveKey']);
	return crypto.subtle.deriveKey(
		{ name: 'HKDF', hash: 'SHA-256', salt: buf(KDF_SALT), info: buf(KDF_INFO) },
		ikm,
		{ name: 'AES-GCM', length: 256 },
		extractable,
		['decrypt', 'encrypt']
	);
}

/** Decrypt a record's `e`; null when it does not open (wrong ticket, damaged record). */
export async function openRecord(serial: Uint8Array, h: string, e: string): Promise<Details | null> {
	try {
		const raw = base64urlDecode(e);
		if (raw.length < 12 + 16) return null;
		const key = await detailsKey(serial);
		const plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: buf(raw.subarray(0, 12)), additionalData: buf(ascii(h)) }, key, buf(raw.subarray(12)));
		const d = JSON.parse(new TextDecoder().decode(plain)) as Details;
		if (typeof d !== 'object' || d === null || typeof d.t !== 'string') return null;
		if (d.s != null && !(Array.isArray(d.s) && d.s.length === 4 && d.s.every((x) => typeof x === 'string'))) d.s = null;
		return d;
	} catch {
		return null;
	}
}
