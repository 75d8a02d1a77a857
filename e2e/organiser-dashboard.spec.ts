import { expect, request as playwrightRequest, test, type APIRequestContext } from '@playwright/test';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { localInput, qrPayloadsOfPdf } from './support';

// The event dashboard updates live (Server-Sent Events, no reload) while a buyer pays and a
// scanner admits one of the bought tickets; charts have their table fallback; the organisation
// overview lists the event; the check-in page's scan feed is live too; on a phone the page does
// not scroll sideways.

test('the event dashboard updates live after a sale and a scan', async ({ page, baseURL }) => {
	test.setTimeout(120_000);
	const stamp = Date.now().toString(36);
	const signUp = await page.request.post('/api/auth/sign-up', {
		data: { email: `dash-${stamp}@example.test`, password: 'a-long-and-unguessable-passphrase', name: 'Thabo Mokoena', organization_name: `Dash ${stamp}` }
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
	const venue = await call('post', `${org}/venues`, { name: 'Market Theatre', address_line1: '56 Margaret Mcingana St', city: 'Johannesburg' });
	const gate = await call('post', `${org}/venues/${venue.id}/gates`, { code: 'N', name: 'North gate' });
	const event = await call('post', `${org}/events`, {
		name: `Township Jazz ${stamp}`,
		venue_id: venue.id,
		starts_at: localInput(10, 19),
		ends_at: localInput(10, 23),
		capacity: 200
	});
	const type = await call('post', `${org}/events/${event.id}/ticket-types`, { name: 'General', price_cents: 25000, quantity: 150 });
	await call('post', `${org}/events/${event.id}/publish`);
	await call('put', `${org}/events/${event.id}/checkin-config`, {
		exit_allowed: true,
		reentry_allowed: false,
		valid_from: new Date(Date.now() - 3600_000).toISOString(),
		valid_until: new Date(Date.now() + 30 * 86_400_000).toISOString(),
		gates: []
	});
	const code = await call('post', `${org}/devices/pairing-codes`, { event_ids: [event.id], gate_id: gate.id });
	const scanner: APIRequestContext = await playwrightRequest.newContext({ baseURL });
	const device = await (await scanner.post('/api/devices/pair', { data: { code: code.code } })).json();

	// --- the dashboard, before anything is sold ---
	await page.goto(`/app/orgs/${orgId}/events/${event.id}/dashboard`);
	await expect(page.getByRole('heading', { name: 'Dashboard' })).toBeVisible();
	await expect(page.getByTestId('dashboard-mode')).toContainText('Live');
	await expect(page.getByTestId('dash-sold')).toContainText('0');
	await expect(page.getByTestId('dash-sold')).toContainText('of 200 capacity');
	await expect(page.getByTestId('dash-inside-total')).toHaveText('0');

	// --- a buyer pays (public API, simulated provider): the page updates without a reload ---
	const buyer = await playwrightRequest.newContext({ baseURL });
	const reservation = await (
		await buyer.post(`/api/public/events/${event.slug}/reservations`, { data: { items: [{ ticket_type_id: type.id, quantity: 2 }] } })
	).json();
	const started = await buyer.post(`/api/public/orders/${reservation.reference}/checkout`, {
		data: { buyer_name: 'Naledi Sithole', buyer_email: `naledi-${stamp}@example.test`, provider: 'simulated' },
		headers: { 'X-Order-Token': reservation.access_token }
	});
	expect(started.status(), await started.text()).toBe(200);
	const payUrl = new URL((await started.json()).payment.url, baseURL);
	const payPage = await (await buyer.get(payUrl.pathname + payUrl.search)).text();
	const payForm = Object.fromEntries([...payPage.matchAll(/<input type=hidden name=(\w+) value='([^']*)'>/g)].map((m) => [m[1], m[2]]));
	expect((await buyer.post(payUrl.pathname, { form: { ...payForm, outcome: 'pay' }, maxRedirects: 0 })).status()).toBe(303);

	await expect(page.getByTestId('dash-sold')).toContainText('2', { timeout: 15_000 });
	await expect(page.getByTestId('dash-gross')).toContainText('R 500.00');
	await expect(page.getByTestId('dash-gross')).toContainText('1 paid order, VAT incl.');
	await expect(page.getByTestId('dashboard-types')).toContainText('General');
	const sales = page.getByTestId('chart-sales');
	await expect(sales.getByRole('img')).toHaveAttribute('aria-label', /Orders total 1/);
	await sales.getByText('Show as table').click();
	await expect(sales.getByRole('table')).toContainText('1');

	// --- a scanner admits one of the bought tickets: "inside now" goes to 1, live ---
	let pdf = await buyer.get(`/orders/${reservation.reference}/tickets.pdf?token=${encodeURIComponent(reservation.access_token)}`);
	for (let i = 0; i < 40 && pdf.status() !== 200; i++) {
		await page.waitForTimeout(500); // the PDF is rendered by a background job
		pdf = await buyer.get(`/orders/${reservation.reference}/tickets.pdf?token=${encodeURIComponent(reservation.access_token)}`);
	}
	expect(pdf.status()).toBe(200);
	const work = fs.mkdtempSync(path.join(process.env.VG_E2E_DATA_DIR ?? '/tmp', 'dash-'));
	fs.writeFileSync(path.join(work, 'tickets.pdf'), await pdf.body());
	const payloads = qrPayloadsOfPdf(path.join(work, 'tickets.pdf'));
	const scan = await scanner.post('/api/checkin/scans', {
		data: { payload: payloads[0], gate_id: gate.id, direction: 'entry', client_scan_id: randomUUID(), client_time: new Date().toISOString() },
		headers: { Authorization: `Bearer ${device.token}` }
	});
	expect((await scan.json()).result).toBe('ok');
	await expect(page.getByTestId('dash-inside-total')).toHaveText('1', { timeout: 15_000 });
	await expect(page.getByTestId('dashboard-gates')).toContainText('North gate');
	await expect(page.getByTestId('dashboard-mode')).toContainText('Live');

	// --- the check-in page's scan feed goes live (Server-Sent Events, not polling) even with
	// nothing new to send: the browser asks for gzip, and an event stream must not wait for a
	// compressor. A second scan then arrives over the stream. ---
	await page.goto(`/app/orgs/${orgId}/events/${event.id}/check-in`);
	await expect(page.getByTestId('scan-row')).toHaveCount(1);
	await expect(page.getByTestId('feed-mode')).toHaveText('Live');
	const second = await scanner.post('/api/checkin/scans', {
		data: { payload: payloads[1], gate_id: gate.id, direction: 'entry', client_scan_id: randomUUID(), client_time: new Date().toISOString() },
		headers: { Authorization: `Bearer ${device.token}` }
	});
	expect((await second.json()).result).toBe('ok');
	await expect(page.getByTestId('scan-row')).toHaveCount(2);
	await expect(page.getByTestId('feed-mode')).toHaveText('Live');

	// --- the organisation overview ---
	await page.goto(`/app/orgs/${orgId}/dashboard`);
	const row = page.getByTestId('overview-table').getByRole('row').filter({ hasText: event.name });
	await expect(row).toContainText('R 500.00');
	await expect(row).toContainText('200');
	await expect(page.getByTestId('overview-totals')).toContainText(/^\s*1 event · 2 tickets sold · R 500.00 gross/);

	// --- on a phone: readable, no sideways scrolling ---
	await page.setViewportSize({ width: 390, height: 844 });
	await page.goto(`/app/orgs/${orgId}/events/${event.id}/dashboard`);
	await expect(page.getByTestId('dash-inside-total')).toHaveText('2'); // both bought tickets were scanned in;
	const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
	expect(overflow).toBeLessThanOrEqual(1);
});
