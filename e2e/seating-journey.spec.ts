import { expect, test } from '@playwright/test';
import fs from 'node:fs';
import path from 'node:path';
import { seedEvent, signedInOrganiser } from './organiser-seed';
import { python, qrPayloadsOfPdf } from './support';

// Issue #15's journey on a 390 px phone (docs/seating.md): the organiser builds a small plan in
// the organiser app (Venue › Seating plans › New plan, one generated section), sells it at an
// event (Seating tab) and publishes it; a buyer picks a seat on the map of /events/{slug}/seats
// and pays with the simulated provider; the ticket PDF names section, row and seat; a paired
// scanner's verdict shows the seat. Last, the box office: the organiser allocates two seats to a
// person as a comp from the Seating tab and gets the order's reference as a link.

const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true };
test.use(PHONE);

function pdfText(pdfPath: string): string {
	return python(
		`import sys, pypdfium2
pdf = pypdfium2.PdfDocument(sys.argv[1])
print(" ".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf))))`,
		pdfPath
	);
}

test('an organiser builds a plan, a buyer picks a seat on a phone, the PDF and the scanner show it', async ({ page, browser, baseURL }) => {
	test.setTimeout(90_000);
	const o = await signedInOrganiser(page, 'journey');
	const { venue, event } = await seedEvent(o, { publish: false }); // General (R 250, 300) and VIP

	// --- the organiser: a plan of 2 rows x 4 seats ---
	await page.goto(`/app/orgs/${o.orgId}/venues/${venue.id}`);
	await page.getByRole('link', { name: 'Seating plans' }).last().click();
	await expect(page.getByRole('heading', { level: 1, name: 'Seating plans' })).toBeVisible();
	await page.getByRole('link', { name: 'New plan' }).click();
	await page.getByLabel('Plan name').fill('Klein Saal');
	await page.getByLabel('Section name').fill('Stalls');
	await page.getByLabel('Rows', { exact: true }).fill('2');
	await page.getByLabel('Seats per row').fill('4');
	await page.getByRole('button', { name: 'Add seated section' }).click();
	await expect(page.getByTestId('section')).toContainText('8 seats in 2 rows');
	await page.getByRole('button', { name: 'Create plan' }).click();
	await expect(page.getByTestId('banner-success')).toContainText('Plan created.');

	// --- the event sells it (Seating tab), then it is published ---
	await page.goto(`/app/orgs/${o.orgId}/events/${event.id}/seating`);
	await expect(page.getByRole('heading', { level: 1, name: 'Seating' })).toBeVisible();
	await page.getByLabel('Standard (STD) sells as').selectOption({ label: 'General · R 250.00 · 300 tickets' });
	await page.getByRole('button', { name: 'Save seating' }).click();
	await expect(page.getByTestId('seat-counts')).toContainText('Klein Saal v1: 8 available · 0 held · 0 sold · 0 blocked');
	await page.goto(`/app/orgs/${o.orgId}/events/${event.id}`);
	await page.getByRole('button', { name: 'Publish' }).click();
	await expect(page.getByTestId('status').first()).toHaveText('published');
	await o.call('put', `${o.org}/events/${event.id}/checkin-config`, {
		valid_from: new Date(Date.now() - 3600_000).toISOString(),
		valid_until: new Date(Date.now() + 40 * 86_400_000).toISOString(),
		gates: []
	});

	// --- a buyer on a phone: taps seat A2 on the map, pays with the simulated provider ---
	const buyerContext = await browser.newContext({ baseURL, ...PHONE });
	const scannerContext = await browser.newContext({ baseURL, ...PHONE });
	try {
		const buyer = await buyerContext.newPage();
		await buyer.goto(`/events/${event.slug}/seats`);
		const map = buyer.locator('svg.map');
		await expect(map.locator('circle')).toHaveCount(8);
		await map.locator('circle[data-p="1"]').tap(); // row A, the second seat from the left: A2
		await expect(buyer.getByText('Seats chosen: Stalls A2')).toBeVisible();
		await buyer.locator('[data-seat-submit]').click();
		await expect(buyer).toHaveURL(/\/checkout\/VG-[A-Z0-9]+$/);
		const reference = new URL(buyer.url()).pathname.split('/').pop()!;
		await buyer.getByLabel('Full name', { exact: true }).fill('Sipho Ndlovu');
		await buyer.getByLabel('E-mail address', { exact: true }).fill(`sipho-${o.stamp}@example.test`);
		await buyer.getByRole('button', { name: 'Continue to payment' }).click();
		await expect(buyer).toHaveURL(/\/pay\/simulated\//);
		await buyer.getByRole('button', { name: 'Pay', exact: true }).click();
		await expect(buyer.getByText('Paid. Thank you!')).toBeVisible();
		await expect(buyer.getByText('Section Stalls, Row A, Seat 2')).toBeVisible();
		const token = new URL(buyer.url()).searchParams.get('token')!;

		// --- the ticket PDF names the seat and carries it in its QR code ---
		const pdf = await buyer.request.get(`/orders/${reference}/tickets.pdf?token=${encodeURIComponent(token)}`);
		expect(pdf.status()).toBe(200);
		const work = fs.mkdtempSync(path.join(process.env.VG_E2E_DATA_DIR ?? '/tmp', 'journey-'));
		const pdfPath = path.join(work, 'tickets.pdf');
		fs.writeFileSync(pdfPath, await pdf.body());
		const text = pdfText(pdfPath);
		expect(text).toMatch(/SECTION\W+Stalls\W+ROW\W+A\W+SEAT\W+2\b/); // the three boxed cells
		const payloads = qrPayloadsOfPdf(pdfPath);
		expect(payloads).toHaveLength(1);
		expect(payloads[0]).toMatch(/^VG2:/);

		// --- the scanner, paired with a code: the verdict shows the seat ---
		const pairing = await o.call('post', `${o.org}/devices/pairing-codes`, { event_ids: [event.id], gate_id: null, device_name: 'Foyer phone' });
		const scanner = await scannerContext.newPage();
		await scanner.goto('/scanner/');
		await scanner.getByLabel('Pairing code').fill(pairing.code);
		await scanner.getByRole('button', { name: 'Pair device' }).click();
		await scanner.getByRole('button', { name: /North entrance/ }).click();
		await expect(scanner.getByText('1 tickets offline')).toBeVisible({ timeout: 15_000 });
		await scanner.getByLabel('Ticket code').fill(payloads[0]);
		await scanner.getByRole('button', { name: 'Check' }).click();
		await expect(scanner.getByTestId('verdict')).toHaveAttribute('data-result', 'ok');
		await expect(scanner.getByTestId('seat')).toHaveText('Section Stalls · Row A · Seat 2');
	} finally {
		await buyerContext.close();
		await scannerContext.close();
	}

	// --- the box office: two seats to a person as a comp, the order's reference as a link ---
	await page.goto(`/app/orgs/${o.orgId}/events/${event.id}/seating`);
	await expect(page.getByTestId('seat-counts')).toContainText('7 available · 0 held · 1 sold');
	await page.getByRole('button', { name: 'Stalls row B seat 1', exact: true }).tap();
	await page.getByRole('button', { name: 'Stalls row B seat 2', exact: true }).tap();
	await expect(page.getByTestId('block-bar')).toContainText('2 selected');
	await page.getByRole('button', { name: 'Allocate to a person' }).click();
	await page.getByLabel('Name', { exact: true }).fill('Thandi Mokoena');
	await page.getByLabel('E-mail', { exact: true }).fill(`thandi-${o.stamp}@example.test`);
	await expect(page.getByLabel('Complimentary (no charge)')).toBeChecked();
	await page.getByRole('button', { name: 'Allocate and send tickets' }).click();
	const done = page.getByTestId('allocated');
	await expect(done).toContainText('Allocated Stalls B1, Stalls B2 to Thandi Mokoena (complimentary)');
	await expect(page.getByTestId('seat-counts')).toContainText('5 available · 0 held · 3 sold');
	await done.getByRole('link', { name: /^VG-/ }).click();
	await expect(page).toHaveURL(/\/orders\/[0-9a-f-]{36}$/);
	await expect(page.getByText('Thandi Mokoena').first()).toBeVisible();
});
