import { chromium, expect, request as playwrightRequest, test } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { apiOrganiser, payAndSavePdf } from './organiser-seed';
import { PYTHON, localInput, qrPayloadsOfPdf, shot, ticketCodesOfPdf } from './support';

// The gate scanner end to end: an organiser sets up an event and sells two tickets through the
// simulated provider; the real ticket QR (decoded from the buyer's PDF) is played to Chromium as a
// fake camera (a Y4M video). The scanner pairs with a code, admits the ticket through the camera
// online, then goes offline: the same ticket again is already_redeemed (decided on the device),
// the second ticket's printed code, typed in, is admitted offline and queued; back online the
// queue drains and the organiser's scan feed has every scan.

const CHROMIUM = process.env.VG_CHROMIUM ?? '/usr/bin/chromium';

/** A 640x480 Y4M video (2 s at 10 fps) showing `text` as a QR code, for Chromium's fake camera. */
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

test('pair, scan through the camera, go offline, scan more, sync every scan', async ({ baseURL }) => {
	test.setTimeout(120_000);
	const { api, org, call, stamp } = await apiOrganiser(baseURL!, 'gate-organiser');

	// --- organiser: venue with a gate, event, ticket type, published; check-in open now ---
	const venue = await call('post', `${org}/venues`, {
		name: 'Oude Libertas Amphitheatre',
		address_line1: 'Adam Tas Road',
		city: 'Stellenbosch',
		province: 'Western Cape',
		capacity: 1200
	});
	const gate = await call('post', `${org}/venues/${venue.id}/gates`, { code: 'N1', name: 'North entrance' });
	await call('post', `${org}/venues/${venue.id}/gates`, { code: 'S1', name: 'South entrance' });
	const event = await call('post', `${org}/events`, {
		name: `Vastrap Nights ${stamp}`,
		venue_id: venue.id,
		starts_at: localInput(30, 19),
		ends_at: localInput(30, 23),
		capacity: 500
	});
	const type = await call('post', `${org}/events/${event.id}/ticket-types`, { name: 'General', price_cents: 25000, quantity: 100 });
	await call('post', `${org}/events/${event.id}/publish`);
	await call('put', `${org}/events/${event.id}/checkin-config`, {
		exit_allowed: true,
		reentry_allowed: false,
		valid_from: new Date(Date.now() - 3600_000).toISOString(),
		valid_until: new Date(Date.now() + 40 * 86_400_000).toISOString(),
		gates: []
	});

	// --- a buyer: two tickets, paid with the simulated provider ---
	const buyer = await playwrightRequest.newContext({ baseURL });
	const held = await buyer.post(`/api/public/events/${event.slug}/reservations`, {
		data: { items: [{ ticket_type_id: type.id, quantity: 2 }] }
	});
	expect(held.status(), await held.text()).toBe(201);
	const pdfPath = await payAndSavePdf(buyer, baseURL!, await held.json(), stamp, 'scanner-');

	// --- the real ticket QR codes, from the buyer's PDF ---
	const work = path.dirname(pdfPath);
	const payloads = qrPayloadsOfPdf(pdfPath);
	expect(payloads).toHaveLength(2);
	expect(payloads[0]).toMatch(/^VG1:[A-Z2-7]+$/);
	const codes = ticketCodesOfPdf(pdfPath); // printed under each QR, for typing in by hand
	expect(codes).toHaveLength(2);
	const video = path.join(work, 'ticket.y4m');
	qrVideo(payloads[0], video);

	const pairing = await call('post', `${org}/devices/pairing-codes`, { event_ids: [event.id], gate_id: null, device_name: 'North phone' });

	// --- the scanner, in Chromium with the QR video as its camera ---
	const browser = await chromium.launch({
		executablePath: CHROMIUM,
		args: [
			'--no-sandbox',
			'--disable-gpu',
			'--disable-background-networking',
			'--disable-dev-shm-usage',
			'--use-fake-ui-for-media-stream',
			'--use-fake-device-for-media-stream',
			`--use-file-for-fake-video-capture=${video}`,
			'--autoplay-policy=no-user-gesture-required'
		]
	});
	const context = await browser.newContext({
		baseURL,
		permissions: ['camera'],
		viewport: { width: 390, height: 844 },
		isMobile: true,
		hasTouch: true,
		deviceScaleFactor: 1
	});
	const page = await context.newPage();
	try {
		await page.goto('/scanner/');
		await expect(page.getByRole('heading', { name: 'Pair this scanner' })).toBeVisible();
		await page.getByLabel('Pairing code').fill(pairing.code.toLowerCase().replace(/-/g, ' '));
		await shot(page, 'scanner-pair.png');
		await page.getByRole('button', { name: 'Pair device' }).click();

		// The device may use any gate of the venue: pick one. Then the camera reads the ticket: admitted online.
		await expect(page.getByRole('heading', { name: 'Which gate are you at?' })).toBeVisible();
		await shot(page, 'scanner-gates.png');
		await page.getByRole('button', { name: /North entrance/ }).click();
		const verdict = page.getByTestId('verdict');
		await expect(verdict).toHaveAttribute('data-result', 'ok', { timeout: 20_000 });
		await expect(verdict).toHaveAttribute('data-offline', 'false');
		await expect(verdict).toContainText('General');
		await shot(page, 'scanner-verdict-ok.png');
		await expect(verdict).toBeHidden({ timeout: 5_000 }); // back to scanning by itself
		await expect(page.getByTestId('gate')).toContainText('North entrance');
		await expect(page.getByTestId('decoder')).toHaveText('Bundled decoder'); // no native detector here
		await expect(page.getByTestId('net-status')).toHaveText('Online');
		await shot(page, 'scanner-scan.png');
		// The snapshot is on the device (2 sealed records) before the network goes.
		await expect(page.getByText('2 tickets offline')).toBeVisible({ timeout: 15_000 });
		await page.evaluate(() => navigator.serviceWorker?.ready);

		// --- offline ---
		await context.setOffline(true);
		await expect(page.getByTestId('net-status')).toHaveText('Offline');
		await page.getByRole('button', { name: 'Read again' }).click();
		await expect(verdict).toHaveAttribute('data-result', 'already_redeemed', { timeout: 10_000 });
		await expect(verdict).toHaveAttribute('data-offline', 'true');
		await expect(page.getByTestId('admitted')).toBeVisible();
		await shot(page, 'scanner-verdict-redeemed.png');
		await verdict.click();
		await expect(verdict).toBeHidden();

		// The second ticket's printed code, typed in by hand (lower case, spaces): admitted offline
		// from the snapshot alone, its details opened locally.
		await page.getByLabel('Ticket code').fill(codes[1].toLowerCase().replace(/-/g, ' '));
		await shot(page, 'scanner-typed-code.png');
		await page.getByRole('button', { name: 'Check' }).click();
		await expect(verdict).toHaveAttribute('data-result', 'ok');
		await expect(verdict).toHaveAttribute('data-offline', 'true');
		await expect(verdict).toContainText('General');
		await verdict.click();
		await expect(page.getByTestId('queue-count')).toHaveText('2 unsynced');
		await shot(page, 'scanner-offline-queue.png');

		// Still offline, the app reloads from its service worker cache with its state from IndexedDB;
		// the camera (bundled wasm decoder, also from the cache) reads the first ticket again.
		await page.reload();
		await page.waitForLoadState();
		await expect(page.getByTestId('net-status')).toHaveText('Offline');
		await expect(verdict).toHaveAttribute('data-result', 'already_redeemed', { timeout: 15_000 });
		await expect(verdict).toHaveAttribute('data-offline', 'true');
		await verdict.click();
		await expect(page.getByTestId('queue-count')).toHaveText('3 unsynced');

		// --- back online: the queue drains ---
		await context.setOffline(false);
		await expect(page.getByTestId('net-status')).toHaveText('Online');
		await expect(page.getByTestId('queue-count')).toHaveText('All synced', { timeout: 20_000 });

		// --- the server has every scan ---
		const feed = await call('get', `${org}/events/${event.id}/scans?after=0&limit=100`);
		const scans = [...feed.items].sort((a: { seq: number }, b: { seq: number }) => a.seq - b.seq);
		expect(scans.map((s: { offline: boolean }) => s.offline)).toEqual([false, true, true, true]);
		expect(scans.map((s: { local_verdict: string | null }) => s.local_verdict)).toEqual([null, 'already_redeemed', 'ok', 'already_redeemed']);
		expect(scans.map((s: { manual: boolean }) => s.manual)).toEqual([false, false, true, false]);
		// The server's own verdicts: both admissions ok. (The refused re-scan is stored with the
		// server's precheck result and no admission claim; the counts below show it admitted nobody.)
		expect([scans[0].result, scans[2].result]).toEqual(['ok', 'ok']);
		expect(scans.every((s: { gate_id: string; device_name: string }) => s.gate_id === gate.id && s.device_name === 'North phone')).toBe(true);
		expect(scans.some((s: { offline_duplicate: boolean }) => s.offline_duplicate)).toBe(false);
		const counts = await call('get', `${org}/events/${event.id}/checkin-counts`);
		expect(counts.total.entries).toBe(2);
		expect(counts.admitted_tickets).toBe(2);
	} finally {
		await browser.close();
		await buyer.dispose();
		await api.dispose();
	}
});
