/** Small byte codecs: strict RFC 4648 base32 (no padding), base64url, hex, ASCII. */

const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const B32_INDEX = new Int8Array(128).fill(-1);
for (let i = 0; i < B32.length; i++) B32_INDEX[B32.charCodeAt(i)] = i;

/** Decode upper-case base32 without padding; null unless canonical (unused trailing bits zero). */
export function base32Decode(text: string): Uint8Array | null {
	const n = text.length;
	if (n === 0) return null;
	const rem = n % 8;
	if (rem === 1 || rem === 3 || rem === 6) return null;
	const out = new Uint8Array(Math.floor((n * 5) / 8));
	let buffer = 0;
	let bits = 0;
	let pos = 0;
	for (let i = 0; i < n; i++) {
		const c = text.charCodeAt(i);
		const v = c < 128 ? B32_INDEX[c] : -1;
		if (v < 0) return null;
		buffer = ((buffer << 5) | v) & 0xffff;
		bits += 5;
		if (bits >= 8) {
			bits -= 8;
			out[pos++] = (buffer >> bits) & 0xff;
		}
	}
	// Leftover bits must be zero: another spelling of the same bytes is refused.
	if (bits > 0 && (buffer & ((1 << bits) - 1)) !== 0) return null;
	return out;
}

export function base32Encode(data: Uint8Array): string {
	let out = '';
	let buffer = 0;
	let bits = 0;
	for (const byte of data) {
		buffer = ((buffer << 8) | byte) & 0xffff;
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			out += B32[(buffer >> bits) & 31];
		}
	}
	if (bits > 0) out += B32[(buffer << (5 - bits)) & 31];
	return out;
}

export function base64urlDecode(text: string): Uint8Array {
	const b64 = text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4);
	const bin = atob(b64);
	const out = new Uint8Array(bin.length);
	for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
	return out;
}

export function base64urlEncode(data: Uint8Array): string {
	let bin = '';
	for (const byte of data) bin += String.fromCharCode(byte);
	return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function toHex(data: Uint8Array): string {
	let out = '';
	for (const byte of data) out += HEX[byte];
	return out;
}

export function fromHex(text: string): Uint8Array {
	if (text.length % 2 || /[^0-9a-fA-F]/.test(text)) throw new Error('not hex');
	const out = new Uint8Array(text.length / 2);
	for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(i * 2, i * 2 + 2), 16);
	return out;
}

export function ascii(text: string): Uint8Array {
	return new TextEncoder().encode(text);
}

export function concat(...parts: Uint8Array[]): Uint8Array {
	const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
	let pos = 0;
	for (const p of parts) {
		out.set(p, pos);
		pos += p.length;
	}
	return out;
}

/** Copy into a fresh ArrayBuffer-backed array (what WebCrypto's BufferSource type wants). */
export function buf(data: Uint8Array): Uint8Array<ArrayBuffer> {
	const out = new Uint8Array(new ArrayBuffer(data.length));
	out.set(data);
	return out;
}
