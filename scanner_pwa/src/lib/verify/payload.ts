/**
 * The signed ticket QR payload "VG1" (docs/scanning-protocol.md, "QR payload";
 * backend/voelgoed/domain/tickets/payload.py). All integers big-endian:
 *
 *   version(1)=0x01 key_id(6) serial(12) type_ref(4) flags(1) [valid_from u32] [valid_until u32] sig(64)
 *
 * Version 2 ("VG2:", version byte 0x02), for reserved seats: the same layout with, after the
 * validity times, one length byte n (1..120) and n bytes of UTF-8 "section_key US row US seat"
 * (US = 0x1F), signed like the rest. General-admission tickets stay version 1, byte for byte.
 *
 * Text form: "VG1:" (or "VG2:") + upper-case base32 without padding. The Ed25519 signature covers every byte
 * before it. Nothing parsed here is trusted before the signature has been checked.
 *
 * One ticket has exactly one code: any character outside ASCII is refused before anything is
 * trimmed or upper-cased, because toUpperCase() turns "ſ" into "S" and "ı" into "I", the Kelvin
 * sign lower-cases to "k", and trim() drops no-break spaces and byte order marks. The text vectors
 * in docs/scanning-protocol.md hold this and the server to the same answers.
 */
import { base32Decode, toHex } from './codec';

export const PREFIX = 'VG1:';
export const VERSION = 1;
export const SEAT_PREFIX = 'VG2:';
export const SEAT_VERSION = 2;
export const SEAT_SEPARATOR = '\x1f';
export const MAX_SEAT_BYTES = 120;
const KEY_ID_LEN = 6;
const SERIAL_LEN = 12;
const TYPE_REF_LEN = 4;
const SIG_LEN = 64;
const HEADER_LEN = 1 + KEY_ID_LEN + SERIAL_LEN + TYPE_REF_LEN + 1;
const MIN_BYTES = HEADER_LEN + SIG_LEN;
const MAX_BYTES = MIN_BYTES + 8;
export const MAX_TEXT_LEN = PREFIX.length + Math.floor((MAX_BYTES * 8 + 4) / 5);
/** A version 2 payload may be longer by the seat (length byte + at most 120 bytes). */
export const MAX_SEAT_TEXT_LEN = SEAT_PREFIX.length + Math.floor(((MAX_BYTES + 1 + MAX_SEAT_BYTES) * 8 + 4) / 5);
/** The server does not parse payloads longer than this: invalid/too_long. */
export const SERVER_MAX_LEN = 512;

export interface Claims {
	keyId: string; // 12 lower-case hex
	serial: Uint8Array; // 12 raw bytes
	typeRef: string; // 8 lower-case hex
	validFrom: number | null; // Unix seconds
	validUntil: number | null;
	/** A reserved seat (version 2): section key, row, seat; null for general admission. */
	seat?: { sectionKey: string; row: string; seat: string } | null;
}

export interface Parsed {
	claims: Claims;
	body: Uint8Array;
	signature: Uint8Array;
}

export type ParseError = 'malformed' | 'too_long' | 'unsupported_version';

// eslint-disable-next-line no-control-regex -- the range starts at NUL on purpose: anything outside ASCII
const NON_ASCII = /[^\x00-\x7f]/;
/** ASCII white space only (what the server's trim removes); trim() would also drop Unicode spaces. */
const EDGE_SPACE = /^[ \t\n\r\v\f]+|[ \t\n\r\v\f]+$/g;

/** `text` without ASCII white space at either end; any other character is left for the verifier. */
export function trimAscii(text: string): string {
	return text.replace(EDGE_SPACE, '');
}

/** `text` trimmed of ASCII white space, or null when it has any non-ASCII character at all. */
export function asciiText(text: string): string | null {
	return NON_ASCII.test(text) ? null : trimAscii(text);
}

export function parsePayload(text: unknown): Parsed | ParseError {
	if (typeof text !== 'string') return 'malformed';
	if (text.length > SERVER_MAX_LEN) return 'too_long';
	const t = asciiText(text);
	if (t === null) return 'malformed';
	const prefix = t.slice(0, PREFIX.length).toUpperCase();
	if (t.length > (prefix === SEAT_PREFIX ? MAX_SEAT_TEXT_LEN : MAX_TEXT_LEN)) return 'malformed';
	if (prefix !== PREFIX && prefix !== SEAT_PREFIX) {
		if (t.slice(0, 2).toUpperCase() === 'VG' && t.slice(3, 4) === ':') return 'unsupported_version';
		return 'malformed';
	}
	const version = prefix === PREFIX ? VERSION : SEAT_VERSION;
	const raw = base32Decode(t.slice(PREFIX.length).toUpperCase());
	if (!raw || raw.length < MIN_BYTES) return 'malformed';
	if (raw[0] !== version) return 'unsupported_version';
	const flags = raw[HEADER_LEN - 1];
	if (flags & ~0x03) return 'malformed';
	let bodyLen = HEADER_LEN + 4 * ((flags & 1) + ((flags >> 1) & 1));
	let seat: Claims['seat'] = null;
	if (version === SEAT_VERSION) {
		if (raw.length <= bodyLen) return 'malformed';
		const seatLen = raw[bodyLen];
		if (seatLen < 1 || seatLen > MAX_SEAT_BYTES || raw.length < bodyLen + 1 + seatLen) return 'malformed';
		const parts = decodeSeat(raw.subarray(bodyLen + 1, bodyLen + 1 + seatLen));
		if (!parts) return 'malformed';
		seat = parts;
		bodyLen += 1 + seatLen;
	}
	if (raw.length !== bodyLen + SIG_LEN) return 'malformed';
	const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
	let pos = HEADER_LEN;
	let validFrom: number | null = null;
	let validUntil: number | null = null;
	if (flags & 1) {
		validFrom = view.getUint32(pos);
		pos += 4;
	}
	if (flags & 2) {
		validUntil = view.getUint32(pos);
	}
	return {
		claims: {
			keyId: toHex(raw.subarray(1, 7)),
			serial: raw.slice(7, 19),
			typeRef: toHex(raw.subarray(19, 23)),
			validFrom,
			validUntil,
			seat
		},
		body: raw.slice(0, bodyLen),
		signature: raw.slice(bodyLen)
	};
}

function decodeSeat(bytes: Uint8Array): Claims['seat'] {
	let text: string;
	try {
		text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
	} catch {
		return null;
	}
	const parts = text.split(SEAT_SEPARATOR);
	if (parts.length !== 3 || parts.some((p) => p === '')) return null;
	return { sectionKey: parts[0], row: parts[1], seat: parts[2] };
}

/**
 * A ticket code typed by hand: the 20-character serial printed under the QR ("ABCDE-FGHIJ-…").
 * Any case and grouping; the digits 0, 1 and 8 (not in the alphabet) are read as O, I and B.
 * Mirrors backend `serial_from_code`. Returns the 12 serial bytes, or null.
 */
export function serialFromCode(text: string): Uint8Array | null {
	if (typeof text !== 'string' || text.length > 64) return null;
	const ascii = asciiText(text);
	if (ascii === null) return null;
	const compact = ascii
		.replace(/[ \t\n\r\v\f\-_.]+/g, '')
		.toUpperCase()
		.replace(/0/g, 'O')
		.replace(/1/g, 'I')
		.replace(/8/g, 'B');
	if (compact.length !== 20) return null;
	const raw = base32Decode(compact);
	return raw && raw.length === SERIAL_LEN ? raw : null;
}

/** Typed codes are short and never start like a payload ("VG1:"); mirrors the server's test. */
export function isTicketCode(text: string): boolean {
	const t = trimAscii(text);
	return t.length <= 64 && t.charAt(2) !== ':' && t.charAt(3) !== ':';
}

/**
 * What the manual-entry field shows while a person types a ticket code: upper case, grouped in
 * fives ("abcde fgh" -> "ABCDE-FGH"). Anything that looks like a pasted payload ("VG1:…"), is
 * longer than a code, or has a character other than letters, digits and the separators
 * `serialFromCode` drops is left exactly as it is: a look-alike ("ſ", a no-break space) is not
 * quietly tidied into a real code, the verifier refuses it.
 */
export function formatTypedCode(text: string): string {
	if (text.includes(':') || text.length > 30 || /[^A-Za-z0-9 \t\n\r\v\f\-_.]/.test(text)) return text;
	const compact = text.replace(/[^A-Za-z0-9]/g, '').toUpperCase();
	if (compact.length > 20) return text;
	return (compact.match(/.{1,5}/g) ?? []).join('-');
}
