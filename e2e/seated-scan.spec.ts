import { chromium, expect, request as playwrightRequest, test } from '@playwright/test';
import { apiOrganiser, payAndSavePdf } from './organiser-seed';
import { localInput, qrPayloadsOfPdf, shot, ticketCodesOfPdf } from './support';

// Reserved seats at the gate (docs/seating.md, "Tickets and scanning"): an organiser sells a small
// seated event; a buyer takes two seats and pays with the simulated provider. The PDF's QR codes
// are version 2 payloads carrying the seat. On a 390 px phone the scanner shows the seat online
// (the pasted payload) and offline (the other ticket's typed code, opened from the sealed record).

const CHROMIUM = process.env.VG_CHROMIUM ?? '/usr/bin/chromium';

test('the scanner shows the seat online and offline (390 px)', async ({ baseURL }) => {
	test.setTimeout(120_000);
	const { api, org, call, stamp } = await apiOrganiser(baseURL!, 'seat-organiser');

	const venue = await call('post', `${org}/venues`, { name: 'Artscape Theatre', address_line1: 'DF Malan Street', city: 'Cape Town', capacity: 100 });
	await call('post', `${org}/venues/${venue.id}/gates`, { code: 'N1', name: 'North entrance' });
	await call('post', `${org}/venues/${venue.id}/gates`, { code: 'S1', name: 'South entrance' }); // two: the scanner asks which
	const seats = (labels: string[], y: number) => labels.map((label, i) => ({ label, x: 10 * i, y, category: 'A' }));
	const summary = await call('post', `${org}/venues/${venue.id}/seating-plans`, {
		name: 'Main stage',
		width: 100,
		height: 100,
		focus: { x: 20, y: -20 },
		categories: [{ key: 'A', name: 'Stalls' }],
		sections: [{ key: 'stalls', name: 'Stalls', kind: 'seated', rows: [{ label: 'B', seats: seats(['1', '2', '3', '4'], 10) }] }]
	});
	const plan = await call('get', `${org}/venues/${venue.id}/seating-plans/${summary.id}`);
	const seatIds = plan.sections[0].rows[0].seats.filter((s: { label: string }) => ['3', '4'].includes(s.label)).map((s: { id: string }) => s.id);
	const event = await call('post', `${org}/events`, {
		name: `Boesman en Lena ${stamp}`,
		venue_id: venue.id,
		starts_at: localInput(30, 19),
		ends_at: localInput(30, 22),
		capacity: 100
	});
	const type = await call('post', `${org}/events/${event.id}/ticket-types`, { name: 'Stalls seat', price_cents: 18000, quantity: 10 });
	await call('put', `${org}/events/${event.id}/seating`, { plan_id: summary.id, categories: [{ category: 'A', ticket_type_id: type.id }] });
	await call('post', `${org}/events/${event.id}/publish`);
	await call('put', `${org}/events/${event.id}/checkin-config`, {
		valid_from: new Date(Date.now() - 3600_000).toISOString(),
		valid_until: new Date(Date.now() + 40 * 86_400_000).toISOString(),
		gates: []
	});

	// --- a buyer takes B3 and B4 and pays with the simulated provider ---
	const buyer = await playwrightRequest.newContext({ baseURL });
	const held = await buyer.post(`/api/public/events/${event.slug}/seat-reservations`, { data: { seat_ids: seatIds } });
	expect(held.status(), await held.text()).toBe(201);
	const order = (await held.json()).reservation;
	const pdfPath = await payAndSavePdf(buyer, baseURL!, order, stamp, 'seated-');
	const payloads = qrPayloadsOfPdf(pdfPath);
	expect(payloads).toHaveLength(2);
	for (const p of payloads) expect(p).toMatch(/^VG2:[A-Z2-7]+$/);
	const codes = ticketCodesOfPdf(pdfPath);
	expect(codes).toHaveLength(2);

	const pairing = await call('post', `${org}/devices/pairing-codes`, { event_ids: [event.id], gate_id: null, device_name: 'Foyer phone' });
	const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
	const context = await browser.newContext({ baseURL, viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
	const page = await context.newPage();
	try {
		await page.goto('/scanner/');
		await page.getByLabel('Pairing code').fill(pairing.code);
		await page.getByRole('button', { name: 'Pair device' }).click();
		await page.getByRole('button', { name: /North entrance/ }).click();
		await expect(page.getByText('2 tickets offline')).toBeVisible({ timeout: 15_000 });

		// Online: the first ticket's QR payload, pasted: the server's verdict names the seat.
		const verdict = page.getByTestId('verdict');
		await page.getByLabel('Ticket code').fill(payloads[0]);
		await page.getByRole('button', { name: 'Check' }).click();
		await expect(verdict).toHaveAttribute('data-result', 'ok');
		await expect(verdict).toHaveAttribute('data-offline', 'false');
		await expect(page.getByTestId('seat')).toHaveText(/^Section Stalls · Row B · Seat [34]$/);
		await shot(page, 'scanner-verdict-seat.png');
		const box = await page.getByTestId('seat').boundingBox();
		expect(box!.x >= 0 && box!.x + box!.width <= 390).toBe(true); // fits the phone's width
		await verdict.click();

		// Offline: the other ticket's typed code; the seat comes from its sealed record.
		await page.evaluate(() => navigator.serviceWorker?.ready);
		await context.setOffline(true);
		await expect(page.getByTestId('net-status')).toHaveText('Offline');
		await page.getByLabel('Ticket code').fill(codes[1]);
		await page.getByRole('button', { name: 'Check' }).click();
		await expect(verdict).toHaveAttribute('data-result', 'ok');
		await expect(verdict).toHaveAttribute('data-offline', 'true');
		await expect(page.getByTestId('seat')).toHaveText(/^Section Stalls · Row B · Seat [34]$/);
		await verdict.click();
		await context.setOffline(false);
		await expect(page.getByTestId('queue-count')).toHaveText('All synced', { timeout: 20_000 });
	} finally {
		await browser.close();
		await buyer.dispose();
		await api.dispose();
	}
});
