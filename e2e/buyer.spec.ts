import { expect, request as playwrightRequest, test, type APIRequestContext } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { PYTHON, localInput, qrPayloadsOfPdf, shot } from './support';

// A buyer on a phone buys two tickets on the checkout site with the simulated provider; the
// e-mail with the PDF arrives in the local mailbox, and each QR in the PDF decodes to a payload
// whose Ed25519 signature verifies with the event's public key.
//
// QR decoding runs in the project's virtualenv: pypdfium2 renders the PDF pages and zxing-cpp
// reads the codes (both pip wheels from the dev dependencies; no system packages needed).

test.use({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 1 });

/** The organiser's side through the JSON API: session cookie plus the X-CSRF-Token header. */
async function organiserApi(baseURL: string) {
	const api: APIRequestContext = await playwrightRequest.newContext({ baseURL });
	const stamp = Date.now().toString(36);
	const signUp = await api.post('/api/auth/sign-up', {
		data: {
			email: `organiser-${stamp}@example.test`,
			password: 'a-long-and-unguessable-passphrase',
			name: 'Thandi Mokoena',
			organization_name: `Karoo Sounds ${stamp}`
		}
	});
	expect(signUp.status(), await signUp.text()).toBe(201);
	const me = await signUp.json();
	const csrf: string = me.csrf_token;
	const org = `/api/organizations/${me.memberships[0].organization_id}`;
	const send = async (url: string, data?: unknown) => {
		const r = await api.post(url, { data, headers: { 'X-CSRF-Token': csrf } });
		expect(r.ok(), `${url}: ${r.status()} ${await r.text()}`).toBeTruthy();
		return r.json();
	};
	return { api, org, send, stamp };
}

function base32Decode(text: string): Buffer {
	const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
	let bits = 0;
	let value = 0;
	const out: number[] = [];
	for (const ch of text) {
		const idx = alphabet.indexOf(ch);
		if (idx < 0) throw new Error(`not base32: ${ch}`);
		value = (value << 5) | idx;
		bits += 5;
		if (bits >= 8) {
			out.push((value >>> (bits - 8)) & 0xff);
			bits -= 8;
		}
	}
	return Buffer.from(out);
}

/** The attachment named `*.pdf` of a captured .eml (base64 MIME part), written to a file. */
function pdfFromEml(emlPath: string, outPath: string): void {
	const script = `
import email, email.policy, sys
msg = email.message_from_bytes(open(sys.argv[1], 'rb').read(), policy=email.policy.default)
part = next(p for p in msg.iter_attachments() if (p.get_filename() or '').endswith('.pdf'))
open(sys.argv[2], 'wb').write(part.get_content())
`;
	execFileSync(PYTHON, ['-c', script, emlPath, outPath]);
}

test('a buyer on a phone buys two tickets and gets a PDF whose QR codes verify', async ({ page, baseURL }) => {
	// --- organiser: venue, event with two ticket types, published ---
	const { api, org, send, stamp } = await organiserApi(baseURL!);
	const venue = await send(`${org}/venues`, {
		name: 'Oude Libertas Amphitheatre',
		address_line1: 'Adam Tas Road',
		city: 'Stellenbosch',
		province: 'Western Cape',
		capacity: 1200
	});
	const event = await send(`${org}/events`, {
		name: `Boeremusiek Aand ${stamp}`,
		description: 'An evening of music under the stars. Bring a blanket.',
		venue_id: venue.id,
		starts_at: localInput(30, 19),
		ends_at: localInput(30, 23),
		capacity: 500
	});
	await send(`${org}/events/${event.id}/ticket-types`, { name: 'General', price_cents: 25000, quantity: 300, sort_order: 1 });
	await send(`${org}/events/${event.id}/ticket-types`, { name: 'VIP', price_cents: 60000, quantity: 20, max_per_order: 4, sort_order: 2 });
	await send(`${org}/events/${event.id}/publish`);

	// --- buyer: the event page ---
	const buyerEmail = `buyer-${stamp}@example.test`;
	await page.goto('/');
	await page.getByRole('link', { name: event.name }).click();
	await expect(page).toHaveURL(new RegExp(`/events/${event.slug}$`));
	await expect(page.getByRole('heading', { level: 1, name: event.name })).toBeVisible();
	await expect(page.getByText('19:00 SAST')).toBeVisible();
	await expect(page.getByText('R 250.00')).toBeVisible();
	await expect(page.getByText('R 600.00')).toBeVisible();
	await shot(page, 'checkout-event.png');

	await page.getByLabel('Quantity of General', { exact: true }).selectOption('2');
	await page.getByRole('button', { name: 'Reserve tickets' }).click();

	// --- buyer details ---
	await expect(page).toHaveURL(/\/checkout\/VG-[A-Z0-9]+$/);
	const reference = page.url().split('/').pop()!;
	await expect(page.getByRole('heading', { name: 'Your details' })).toBeVisible();
	await expect(page.getByText('held until')).toBeVisible();
	await expect(page.getByRole('cell', { name: 'R 500.00' }).first()).toBeVisible();
	await page.getByLabel('Full name', { exact: true }).fill('Sipho Ndlovu');
	await page.getByLabel('E-mail address', { exact: true }).fill(buyerEmail);
	await page.getByLabel('Mobile number (optional)', { exact: true }).fill('082 123 4567');
	await expect(page.getByRole('radio', { name: /Test payment/ })).toBeChecked();
	await expect(page.getByRole('link', { name: 'How we use your information (POPIA)' })).toBeVisible();
	await shot(page, 'checkout-details.png');
	await page.getByRole('button', { name: 'Continue to payment' }).click();

	// --- the simulated provider ---
	await expect(page).toHaveURL(/\/pay\/simulated\//);
	await page.getByRole('button', { name: 'Pay', exact: true }).click();

	// --- confirmation ---
	await expect(page).toHaveURL(new RegExp(`/orders/${reference}\\?token=`));
	await expect(page.getByText('Paid. Thank you!')).toBeVisible();
	await expect(page.getByText(buyerEmail)).toBeVisible();
	await expect(page.getByRole('link', { name: 'Download tickets (PDF)' })).toBeVisible();
	await shot(page, 'checkout-confirmation.png');

	// --- the e-mail with the PDF, in the local mailbox ---
	let attachments: string[] = [];
	await expect
		.poll(
			async () => {
				const r = await api.get('/dev/mail/messages');
				const messages: { to: string; attachments: string[] }[] = await r.json();
				attachments = messages.find((m) => m.to.includes(buyerEmail))?.attachments ?? [];
				return attachments.some((a) => a.endsWith('.pdf'));
			},
			{ timeout: 30_000 }
		)
		.toBe(true);
	const mailDir = path.join(process.env.VG_E2E_DATA_DIR!, 'mail');
	const eml = fs
		.readdirSync(mailDir)
		.filter((f) => f.endsWith('.eml'))
		.map((f) => path.join(mailDir, f))
		.find((f) => fs.readFileSync(f, 'utf8').includes(buyerEmail) && fs.readFileSync(f, 'utf8').includes('.pdf'));
	expect(eml, 'the captured e-mail file').toBeTruthy();
	const pdfPath = path.join(process.env.VG_E2E_DATA_DIR!, `tickets-${reference}.pdf`);
	pdfFromEml(eml!, pdfPath);

	// --- each QR verifies with the event's public key ---
	const payloads = qrPayloadsOfPdf(pdfPath);
	expect(payloads).toHaveLength(2);
	const keyResponse = await api.get(`/api/public/events/${event.slug}/signing-key`);
	expect(keyResponse.ok()).toBeTruthy();
	const key = await keyResponse.json();
	const publicKey = crypto.createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: key.public_key_base64url }, format: 'jwk' });
	for (const text of payloads) {
		expect(text.startsWith('VG1:')).toBeTruthy();
		const bytes = base32Decode(text.slice(4));
		expect(bytes[0]).toBe(1); // version
		expect(bytes.subarray(1, 7).toString('hex')).toBe(key.key_id);
		const signed = bytes.subarray(0, bytes.length - 64);
		const signature = bytes.subarray(bytes.length - 64);
		expect(crypto.verify(null, signed, publicKey, signature)).toBe(true);
		// One flipped bit anywhere and it no longer verifies.
		const tampered = Buffer.from(signed);
		tampered[8] ^= 0x01;
		expect(crypto.verify(null, tampered, publicKey, signature)).toBe(false);
	}
	expect(new Set(payloads).size).toBe(2);
	await api.dispose();
});

/** WCAG relative luminance contrast of two computed CSS colours (`rgb(r, g, b)`). */
function contrast(a: string, b: string): number {
	const lum = (css: string) => {
		const [r, g, bl] = (css.match(/[\d.]+/g) ?? []).slice(0, 3).map((v) => {
			const c = Number(v) / 255;
			return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
		});
		return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
	};
	const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
	return (hi + 0.05) / (lo + 0.05);
}

test('a secret link unlocks a hidden type; errors take focus; the header focus ring is visible', async ({ page, baseURL }) => {
	const { api, org, send, stamp } = await organiserApi(baseURL!);
	const venue = await send(`${org}/venues`, { name: 'Boskloof Farm', address_line1: 'Boskloof Road', city: 'Clanwilliam', province: 'Western Cape' });
	const event = await send(`${org}/events`, {
		name: `Braai ${stamp}`,
		venue_id: venue.id,
		starts_at: localInput(25, 18),
		ends_at: localInput(25, 23)
	});
	await send(`${org}/events/${event.id}/ticket-types`, { name: 'General', price_cents: 15000, quantity: 100 });
	const crew = await send(`${org}/events/${event.id}/ticket-types`, { name: 'Crew', price_cents: 0, quantity: 10, hidden: true });
	expect(crew.access_code).toMatch(/^[A-Z2-9]{12}$/);
	await send(`${org}/events/${event.id}/publish`);

	// --- the focus ring in the dark header: at least 3:1 against the header (WCAG 2.2, 1.4.11) ---
	await page.goto(`/events/${event.slug}`);
	await expect(page.getByRole('heading', { name: 'Crew' })).toHaveCount(0);
	const headerBg = await page.locator('header.site').evaluate((h) => getComputedStyle(h).backgroundColor);
	// The event page's header carries the organiser's name (and logo), linking to its page (docs/branding.md).
	for (const name of ['Skip to content', `Karoo Sounds ${stamp}`]) {
		await page.keyboard.press('Tab');
		await expect(page.getByRole('link', { name, exact: true }).first()).toBeFocused();
		const ring = await page.evaluate(() => {
			const s = getComputedStyle(document.activeElement!);
			return { color: s.outlineColor, style: s.outlineStyle, width: parseFloat(s.outlineWidth) };
		});
		expect(ring.style).toBe('solid');
		expect(ring.width).toBeGreaterThanOrEqual(2);
		expect(contrast(ring.color, headerBg), `${name}: ${ring.color} on ${headerBg}`).toBeGreaterThanOrEqual(3);
	}

	// --- a wrong code is told at its field; the right one shows the hidden type ---
	await page.getByText('Have an access code?').click();
	await page.getByLabel('Access code', { exact: true }).fill('NOT-THE-CODE');
	await page.getByRole('button', { name: 'Show tickets' }).click();
	await expect(page.getByLabel('Access code', { exact: true })).toHaveAttribute('aria-invalid', 'true');
	await expect(page.locator('#access-error')).toHaveText('This access code is not valid for this event.');
	await expect(page.getByRole('heading', { name: 'Crew' })).toHaveCount(0);

	const link = new URL(crew.access_link);
	expect(link.pathname + link.search).toBe(`/events/${event.slug}?access=${crew.access_code}`);
	await page.goto(link.pathname + link.search);
	await expect(page.getByRole('heading', { level: 3, name: 'Crew' })).toBeVisible();
	await expect(page.getByText('Unlocked by your access code')).toBeVisible();
	await shot(page, 'checkout-access-code.png');
	await page.getByLabel('Quantity of Crew', { exact: true }).selectOption('2');
	await page.getByRole('button', { name: 'Reserve tickets' }).click();
	await expect(page).toHaveURL(/\/checkout\/VG-[A-Z0-9]+$/);
	await expect(page.getByRole('cell', { name: /Crew/ })).toBeVisible();

	// --- a failed checkout submit moves focus to the error summary ---
	await page.getByLabel('E-mail address', { exact: true }).fill('not-an-address');
	await page.getByRole('button', { name: 'Get my tickets' }).click();
	await expect(page.locator('#form-error')).toBeVisible();
	await shot(page, 'checkout-error-summary.png');
	await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('form-error');
	await expect(page.locator('#buyer_email')).toHaveAttribute('aria-invalid', 'true');
	await api.dispose();
});
