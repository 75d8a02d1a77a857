import { chromium, expect, test } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { PYTHON, localInput, python, qrPayloadsOfPdf, shot, ticketCodesOfPdf } from './support';

// Attendee details end to end, all on 390 px wide screens: the organiser adds a checkout question
// and asks a name per ticket in the app; a buyer on a phone answers it and names both tickets;
// the names are on the PDF; the organiser sees the answer in the order detail and changes one
// ticket's holder; the buyer's PDF then carries the new name, and the scanner's verdict shows
// each ticket's holder (the buyer's name for one, read by the camera; the new name for the other,
// typed in).

const CHROMIUM = process.env.VG_CHROMIUM ?? '/usr/bin/chromium';

test.use({ viewport: { width: 390, height: 844 } });

/** A 640x480 Y4M video showing `text` as a QR code, for Chromium's fake camera (as scanner.spec.ts). */
function qrVideo(text: string, out: string): void {
	const script = `
import sys, segno
qr = segno.make_qr(sys.argv[1], error='m')
W, H, scale = 640, 480, 8
rows = [list(r) for r in qr.matrix_iter(scale=scale, border=4)]
y = bytearray([235]) * (W * H)
top, left = (H - len(rows)) // 2, (W - len(rows[0])) // 2
for i, row in enumerate(rows):
    for j, dark in enumerate(row):
        if dark:
            y[(top + i) * W + left + j] = 16
chroma = bytes([128]) * (W * H // 4)
with open(sys.argv[2], 'wb') as f:
    f.write(b'YUV4MPEG2 W640 H480 F10:1 Ip A1:1 C420jpeg\\n')
    for _ in range(20):
        f.write(b'FRAME\\n' + bytes(y) + chroma + chroma)
`;
	execFileSync(PYTHON, ['-c', script, text, out]);
}

function pdfText(pdfPath: string): string {
	return python(
		`import sys, pypdfium2
pdf = pypdfium2.PdfDocument(sys.argv[1])
print(" ".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf))))`,
		pdfPath
	);
}

/** No horizontal page scroll at this width. */
async function fitsTheWidth(page: import('@playwright/test').Page): Promise<void> {
	const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
	expect(overflow).toBeLessThanOrEqual(0);
}

test('a question and ticket names: asked in the app, answered on a phone, on the PDF and the scanner', async ({ page, baseURL }) => {
	test.setTimeout(240_000);
	const stamp = Date.now().toString(36);
	const signUp = await page.request.post('/api/auth/sign-up', {
		data: {
			email: `questions-${stamp}@example.test`,
			password: 'a-long-and-unguessable-passphrase',
			name: 'Refilwe Mokoena',
			organization_name: `Karoo Sounds ${stamp}`
		}
	});
	expect(signUp.status(), await signUp.text()).toBe(201);
	const me = await signUp.json();
	const orgId: string = me.memberships[0].organization_id;
	const org = `/api/organizations/${orgId}`;
	const call = async (method: 'post' | 'put' | 'get', url: string, data?: unknown) => {
		const r = await page.request[method](url, { data, headers: { 'X-CSRF-Token': me.csrf_token } });
		expect(r.ok(), `${method} ${url}: ${r.status()} ${await r.text()}`).toBeTruthy();
		return r.json();
	};
	const venue = await call('post', `${org}/venues`, { name: 'Oude Libertas', address_line1: 'Adam Tas Road', city: 'Stellenbosch' });
	await call('post', `${org}/venues/${venue.id}/gates`, { code: 'N1', name: 'North entrance' });
	await call('post', `${org}/venues/${venue.id}/gates`, { code: 'S1', name: 'South entrance' });
	const event = await call('post', `${org}/events`, {
		name: `Vastrap Nights ${stamp}`,
		venue_id: venue.id,
		starts_at: localInput(30, 19),
		ends_at: localInput(30, 23),
		capacity: 200
	});
	await call('post', `${org}/events/${event.id}/ticket-types`, { name: 'General', price_cents: 25000, quantity: 100 });
	await call('post', `${org}/events/${event.id}/publish`);
	await call('put', `${org}/events/${event.id}/checkin-config`, {
		exit_allowed: true,
		reentry_allowed: false,
		valid_from: new Date(Date.now() - 3600_000).toISOString(),
		valid_until: new Date(Date.now() + 40 * 86_400_000).toISOString(),
		gates: []
	});

	// --- organiser, in the app: names per ticket required, and a question ---
	await page.goto(`/app/orgs/${orgId}/events/${event.id}`);
	await page.getByRole('navigation', { name: 'Event' }).getByRole('link', { name: 'Questions' }).click();
	await expect(page.getByRole('heading', { name: 'Questions' })).toBeVisible();
	await expect(page.getByText('No questions yet')).toBeVisible();
	await page.getByLabel('Name on each ticket', { exact: true }).selectOption('required');
	await page.getByTestId('holder-names-form').getByRole('button', { name: 'Save' }).click();
	await expect(page.getByText('Ticket names setting saved.')).toBeVisible();

	await page.getByRole('button', { name: 'Add question' }).click();
	const form = page.getByTestId('question-form');
	await form.getByLabel('Question', { exact: true }).fill('Dietary requirements');
	await form.getByLabel('Answered with', { exact: true }).selectOption('choice');
	await form.getByLabel('Asked', { exact: true }).selectOption('ticket');
	await form.getByLabel('Why you ask', { exact: true }).fill('So the caterer can plan a meal for each guest.');
	// One option only: refused before anything is sent, at the field.
	await form.getByLabel('Options', { exact: true }).fill('None');
	await form.getByRole('button', { name: 'Add question' }).click();
	await expect(form.getByLabel('Options', { exact: true })).toHaveAttribute('aria-invalid', 'true');
	await form.getByLabel('Options', { exact: true }).fill('None\nVegetarian\nHalaal');
	await form.getByLabel('Required', { exact: true }).check();
	await shot(page, 'organiser-question-form.png');
	await form.getByRole('button', { name: 'Add question' }).click();
	const row = page.getByTestId('question-row');
	await expect(row).toHaveCount(1);
	await expect(row).toContainText('Dietary requirements');
	await expect(row).toContainText('For each ticket');
	await expect(row).toContainText('None · Vegetarian · Halaal');
	await fitsTheWidth(page);
	await shot(page, 'organiser-questions.png');

	// --- a buyer on a phone: two tickets, each named, each answered ---
	const phone = await page
		.context()
		.browser()!
		.newContext({ baseURL, viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
	const buyer = await phone.newPage();
	await buyer.goto(`/events/${event.slug}`);
	await buyer.getByLabel('Quantity of General', { exact: true }).selectOption('2');
	await buyer.getByRole('button', { name: 'Reserve tickets' }).click();
	await expect(buyer).toHaveURL(/\/checkout\/VG-[A-Z0-9]+$/);
	const reference = buyer.url().split('/').pop()!;
	await buyer.getByLabel('Full name', { exact: true }).fill('Sipho Ndlovu');
	await buyer.getByLabel('E-mail address', { exact: true }).fill(`sipho-${stamp}@example.test`);
	await expect(buyer.getByText('Why we ask: So the caterer can plan a meal for each guest.').first()).toBeVisible();
	const first = buyer.getByRole('group', { name: 'General, ticket 1' });
	const second = buyer.getByRole('group', { name: 'General, ticket 2' });
	await first.getByLabel('Name of the person using this ticket').fill('Anna Botha');
	await first.getByLabel('Dietary requirements').selectOption('Vegetarian');
	// The second ticket left without a name or answer: both refused at their fields, nothing lost.
	await buyer.getByRole('button', { name: 'Continue to payment' }).click();
	await expect(buyer.getByRole('alert')).toContainText('Please correct the details below.');
	await expect(second.getByLabel('Name of the person using this ticket')).toHaveAttribute('aria-invalid', 'true');
	await expect(second.getByLabel('Dietary requirements')).toHaveAttribute('aria-invalid', 'true');
	await expect(first.getByLabel('Name of the person using this ticket')).toHaveValue('Anna Botha');
	await shot(buyer, 'checkout-attendee-errors.png');
	await second.getByLabel('Name of the person using this ticket').fill('Lerato Molefe');
	await second.getByLabel('Dietary requirements').selectOption('Halaal');
	await fitsTheWidth(buyer);
	await second.scrollIntoViewIfNeeded();
	await shot(buyer, 'checkout-attendee-details.png');
	await buyer.getByRole('button', { name: 'Continue to payment' }).click();
	await expect(buyer).toHaveURL(/\/pay\/simulated\//);
	await buyer.getByRole('button', { name: 'Pay', exact: true }).click();
	await expect(buyer).toHaveURL(new RegExp(`/orders/${reference}\\?token=`));
	await expect(buyer.getByText('Anna Botha')).toBeVisible();
	const token = new URL(buyer.url()).searchParams.get('token')!;

	const work = fs.mkdtempSync(path.join(process.env.VG_E2E_DATA_DIR ?? '/tmp', 'questions-'));
	const pdfPath = path.join(work, 'tickets.pdf');
	const download = async () => {
		const pdf = await buyer.request.get(`/orders/${reference}/tickets.pdf?token=${encodeURIComponent(token)}`);
		expect(pdf.status()).toBe(200);
		fs.writeFileSync(pdfPath, await pdf.body());
		return pdfText(pdfPath);
	};
	const before = await download();
	expect(before).toContain('Anna Botha');
	expect(before).toContain('Lerato Molefe');
	const payloads = qrPayloadsOfPdf(pdfPath);
	const codes = ticketCodesOfPdf(pdfPath);
	expect(payloads).toHaveLength(2);

	// --- organiser: the order detail shows the answers; Lerato's ticket goes to Johan ---
	const orders = await call('get', `${org}/orders?q=${reference}`);
	await page.goto(`/app/orgs/${orgId}/events/${event.id}/orders/${orders.items[0].id}`);
	const tickets = page.getByTestId('ticket-row');
	await expect(tickets).toHaveCount(2);
	const lerato = tickets.filter({ hasText: 'Lerato Molefe' });
	await expect(lerato).toContainText('Dietary requirements: Halaal');
	await expect(tickets.filter({ hasText: 'Anna Botha' })).toContainText('Dietary requirements: Vegetarian');
	await lerato.getByRole('button', { name: /Change the holder/ }).click();
	await page.getByTestId('holder-form').getByRole('textbox').fill('Johan van Wyk');
	await page.getByTestId('holder-form').getByRole('button', { name: 'Save' }).click();
	await expect(page.getByText(/now carries the name Johan van Wyk/)).toBeVisible();
	await expect(tickets.filter({ hasText: 'Johan van Wyk' })).toHaveCount(1);
	await fitsTheWidth(page);
	await shot(page, 'organiser-order-answers.png');
	const after = await download();
	expect(after).toContain('Johan van Wyk');
	expect(after).not.toContain('Lerato Molefe');
	const renamedCode = codes[before.indexOf('Anna Botha') < before.indexOf('Lerato Molefe') ? 1 : 0];
	const annaPayload = payloads[before.indexOf('Anna Botha') < before.indexOf('Lerato Molefe') ? 0 : 1];

	// --- the scanner: the camera reads Anna's ticket, Johan's code is typed in ---
	const video = path.join(work, 'ticket.y4m');
	qrVideo(annaPayload, video);
	const pairing = await call('post', `${org}/devices/pairing-codes`, { event_ids: [event.id], gate_id: null, device_name: 'North phone' });
	const browser = await chromium.launch({
		executablePath: CHROMIUM,
		args: [
			'--no-sandbox',
			'--disable-gpu',
			'--disable-dev-shm-usage',
			'--use-fake-ui-for-media-stream',
			'--use-fake-device-for-media-stream',
			`--use-file-for-fake-video-capture=${video}`
		]
	});
	try {
		const context = await browser.newContext({ baseURL, permissions: ['camera'], viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
		const scanner = await context.newPage();
		await scanner.goto('/scanner/');
		await scanner.getByLabel('Pairing code').fill(pairing.code);
		await scanner.getByRole('button', { name: 'Pair device' }).click();
		await scanner.getByRole('button', { name: /North entrance/ }).click();
		const verdict = scanner.getByTestId('verdict');
		await expect(verdict).toHaveAttribute('data-result', 'ok', { timeout: 20_000 });
		await expect(verdict).toContainText('Anna Botha');
		await shot(scanner, 'scanner-verdict-holder.png');
		await verdict.click();
		await expect(verdict).toBeHidden();
		await scanner.getByLabel('Ticket code').fill(renamedCode);
		await scanner.getByRole('button', { name: 'Check' }).click();
		await expect(verdict).toHaveAttribute('data-result', 'ok');
		await expect(verdict).toContainText('Johan van Wyk');
	} finally {
		await browser.close();
		await phone.close();
	}
});
