import { expect, request as playwrightRequest, test, type APIRequestContext } from '@playwright/test';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { localInput, qrPayloadsOfPdf, shot } from './support';

// The organiser's selling and check-in screens against the real product: ticket types (one
// hidden) and a coupon made in the app; a buyer pays through the public API with the simulated
// provider; the order shows in the orders list, its detail and the sales summary; a scanner is
// paired with a code from the Devices tab, admits one real ticket, and the scan shows in the
// live check-in feed and the gate counts; the device is then revoked.

test('ticket types, coupon, an order paid through the public API, sales, devices and the check-in feed', async ({ page, baseURL }) => {
	test.setTimeout(150_000);
	const stamp = Date.now().toString(36);

	// --- an organiser signed in in the browser (the page's request context shares its cookies) ---
	const signUp = await page.request.post('/api/auth/sign-up', {
		data: {
			email: `sales-${stamp}@example.test`,
			password: 'a-long-and-unguessable-passphrase',
			name: 'Lerato Dlamini',
			organization_name: `Highveld Live ${stamp}`
		}
	});
	expect(signUp.status(), await signUp.text()).toBe(201);
	const me = await signUp.json();
	const orgId: string = me.memberships[0].organization_id;
	const csrf: string = me.csrf_token;
	const org = `/api/organizations/${orgId}`;
	const call = async (method: 'post' | 'put' | 'get' | 'patch', url: string, data?: unknown) => {
		const r = await page.request[method](url, { data, headers: { 'X-CSRF-Token': csrf } });
		expect(r.ok(), `${method} ${url}: ${r.status()} ${await r.text()}`).toBeTruthy();
		return r.json();
	};
	// A VAT vendor (organisations start not registered, and then show no VAT)
	await call('patch', `${org}/tax-settings`, { vat_registered: true, vat_number: '4123456789' });
	const venue = await call('post', `${org}/venues`, {
		name: 'Lyric Theatre',
		address_line1: '1 Main Street',
		city: 'Johannesburg',
		province: 'Gauteng',
		capacity: 1100
	});
	const gate = await call('post', `${org}/venues/${venue.id}/gates`, { code: 'E1', name: 'East doors' });
	const eventName = `Jazz on the Reef ${stamp}`;
	const event = await call('post', `${org}/events`, {
		name: eventName,
		venue_id: venue.id,
		starts_at: localInput(20, 19),
		ends_at: localInput(20, 23),
		capacity: 500
	});

	// --- ticket types in the app: one on sale, one hidden and free ---
	await page.goto(`/app/orgs/${orgId}/events/${event.id}`);
	await expect(page.getByRole('heading', { name: eventName })).toBeVisible();
	const tabs = page.getByRole('navigation', { name: 'Event' });
	await tabs.getByRole('link', { name: 'Ticket types' }).click();
	await expect(page.getByRole('heading', { name: 'Ticket types' })).toBeVisible();
	await expect(page.getByText('No ticket types yet')).toBeVisible();

	await page.getByRole('button', { name: 'Add ticket type' }).click();
	let form = page.getByTestId('ticket-type-form');
	await form.getByLabel('Name', { exact: true }).fill('General admission');
	// A price the app cannot read is refused before anything is sent.
	await form.getByLabel('Price (R)', { exact: true }).fill('12.345');
	await form.getByLabel('Quantity', { exact: true }).fill('300');
	await form.getByRole('button', { name: 'Add ticket type' }).click();
	await expect(form.getByLabel('Price (R)', { exact: true })).toHaveAttribute('aria-invalid', 'true');
	await form.getByLabel('Price (R)', { exact: true }).fill('R 1 250.50');
	await expect(form.getByText('R 1 250.50, VAT included.')).toBeVisible();
	await form.getByLabel('Maximum per order', { exact: true }).fill('6');
	await form.getByRole('button', { name: 'Add ticket type' }).click();
	await expect(page.getByTestId('banner-success')).toContainText('General admission');

	await page.getByRole('button', { name: 'Add ticket type' }).click();
	form = page.getByTestId('ticket-type-form');
	await form.getByLabel('Name', { exact: true }).fill('Crew and guests');
	await form.getByLabel('Price (R)', { exact: true }).fill('0');
	await form.getByLabel('Quantity', { exact: true }).fill('40');
	await form.getByLabel('Hidden (not listed on the public event page)', { exact: true }).check();
	await form.getByRole('button', { name: 'Add ticket type' }).click();
	await expect(page.getByTestId('banner-success')).toContainText('Crew and guests');

	const general = page.getByTestId('ticket-type-row').filter({ hasText: 'General admission' });
	const crew = page.getByTestId('ticket-type-row').filter({ hasText: 'Crew and guests' });
	await expect(general).toContainText('R 1 250.50');
	await expect(general).toContainText('incl. VAT R 163.11'); // the server's VAT: 15/115 of the price
	await expect(general).toContainText('1–6');
	await expect(general.getByTestId('hidden-tag')).toHaveCount(0);
	await expect(crew).toContainText('Free');
	await expect(crew.getByTestId('hidden-tag')).toBeVisible();
	// A hidden type shows its access code and the secret link that sells it.
	await expect(crew.getByTestId('access-code')).toHaveText(/^[A-Z2-9]{12}$/);
	const crewCode = await crew.getByTestId('access-code').textContent();
	await expect(crew.getByTestId('access-link')).toHaveValue(new RegExp(`/events/${event.slug}\\?access=${crewCode}$`));
	await expect(crew.getByRole('button', { name: 'Copy the secret link for Crew and guests' })).toBeVisible();
	await expect(general.getByTestId('access')).toHaveCount(0);
	await expect(page.getByTestId('capacity-note')).toContainText("340 tickets across 2 types; the event's capacity is 500");
	await shot(page, 'organiser-ticket-types.png');

	// The API agrees to the cent.
	const types = await call('get', `${org}/events/${event.id}/ticket-types`);
	const generalType = types.find((t: { name: string }) => t.name === 'General admission');
	expect(generalType.price_cents).toBe(125050);
	expect(types.find((t: { name: string }) => t.name === 'Crew and guests').hidden).toBe(true);

	// --- a coupon limited to General admission ---
	await tabs.getByRole('link', { name: 'Coupons' }).click();
	await expect(page.getByText('No coupons yet.')).toBeVisible();
	await page.getByRole('button', { name: 'Add coupon' }).click();
	const couponForm = page.getByTestId('coupon-form');
	await couponForm.getByLabel('Code', { exact: true }).fill('JAZZ20');
	await couponForm.getByLabel('Discount', { exact: true }).selectOption('percent');
	await couponForm.getByLabel('Percentage', { exact: true }).fill('20');
	await couponForm.getByLabel('Usage limit', { exact: true }).fill('50');
	await couponForm.getByLabel('General admission', { exact: true }).check();
	await couponForm.getByRole('button', { name: 'Add coupon' }).click();
	const couponRow = page.getByTestId('coupon-row').filter({ hasText: 'JAZZ20' });
	await expect(couponRow).toContainText('20% off');
	await expect(couponRow).toContainText('General admission');
	await expect(couponRow).toContainText('0 of 50');

	// --- a buyer pays through the public API (reserve, checkout, simulated pay form) ---
	await call('post', `${org}/events/${event.id}/publish`);
	await call('put', `${org}/events/${event.id}/checkin-config`, {
		exit_allowed: true,
		reentry_allowed: false,
		valid_from: new Date(Date.now() - 3600_000).toISOString(),
		valid_until: new Date(Date.now() + 30 * 86_400_000).toISOString(),
		gates: []
	});
	const buyer: APIRequestContext = await playwrightRequest.newContext({ baseURL });
	const buyerEmail = `nomsa-${stamp}@example.test`;
	const held = await buyer.post(`/api/public/events/${event.slug}/reservations`, {
		data: { items: [{ ticket_type_id: generalType.id, quantity: 2 }], coupon_code: 'JAZZ20' }
	});
	expect(held.status(), await held.text()).toBe(201);
	const reservation = await held.json();
	const expectedTotal = 2 * 125050 - Math.round(2 * 125050 * 0.2); // 200 080 cents
	expect(reservation.total_cents).toBe(expectedTotal);
	const started = await buyer.post(`/api/public/orders/${reservation.reference}/checkout`, {
		data: { buyer_name: 'Nomsa Khumalo', buyer_email: buyerEmail, provider: 'simulated' },
		headers: { 'X-Order-Token': reservation.access_token }
	});
	expect(started.status(), await started.text()).toBe(200);
	const payUrl = new URL((await started.json()).payment.url, baseURL);
	const payPage = await (await buyer.get(payUrl.pathname + payUrl.search)).text();
	const payForm = Object.fromEntries([...payPage.matchAll(/<input type=hidden name=(\w+) value='([^']*)'>/g)].map((m) => [m[1], m[2]]));
	expect(Object.keys(payForm).length).toBeGreaterThan(0);
	const paid = await buyer.post(payUrl.pathname, { form: { ...payForm, outcome: 'pay' }, maxRedirects: 0 });
	expect(paid.status()).toBe(303);

	// --- the order in the orders list (search, status filter) and its detail ---
	await tabs.getByRole('link', { name: 'Orders' }).click();
	const orderRow = page.getByTestId('order-row').filter({ hasText: reservation.reference });
	await expect(orderRow).toContainText('Nomsa Khumalo');
	await expect(orderRow).toContainText('R 2 000.80');
	await expect(orderRow.getByTestId('tag')).toHaveText('paid');
	await page.getByLabel('Status', { exact: true }).selectOption('cancelled');
	await expect(page.getByText('No orders match these filters.')).toBeVisible();
	await page.getByLabel('Status', { exact: true }).selectOption('paid');
	await expect(orderRow).toBeVisible();
	await page.getByLabel('Search orders', { exact: true }).fill('nobody-like-this');
	await expect(page.getByText('No orders match these filters.')).toBeVisible();
	await page.getByLabel('Search orders', { exact: true }).fill(buyerEmail);
	await expect(orderRow).toBeVisible();
	await shot(page, 'organiser-orders.png');

	await orderRow.getByRole('link', { name: reservation.reference }).click();
	await expect(page.getByRole('heading', { name: `Order ${reservation.reference}` })).toBeVisible();
	await expect(page.getByTestId('order-total')).toHaveText('R 2 000.80');
	// The amounts as the API computed them (one summary for every view): qty x price, the discount once.
	await expect(page.getByTestId('line-subtotal')).toHaveText('R 2 501.00');
	await expect(page.getByTestId('order-subtotal')).toHaveText('R 2 501.00');
	await expect(page.getByTestId('order-discount')).toHaveText('-R 500.20');
	await expect(page.getByText(/^Placed /)).toContainText(/\d\d:\d\d · paid \w{3} \d+ \w{3} \d{4}, \d\d:\d\d · times in /);
	await expect(page.getByTestId('order-discount-label')).toHaveText('Discount (JAZZ20)');
	await expect(page.getByTestId('payments-table')).toContainText('simulated');
	await expect(page.getByTestId('payments-table')).toContainText('succeeded');
	await expect(page.getByTestId('ticket-row')).toHaveCount(2, { timeout: 20_000 });
	await expect(page.getByTestId('ticket-row').first()).toContainText(/[A-Z2-7]{5}-[A-Z2-7]{5}-[A-Z2-7]{5}-[A-Z2-7]{5}/);
	await expect(page.getByTestId('ticket-row').first()).toContainText('General admission');
	await page.getByRole('button', { name: 'Resend tickets' }).click();
	await expect(page.getByTestId('banner-success')).toContainText(buyerEmail);

	// --- the sales summary ---
	await tabs.getByRole('link', { name: 'Sales' }).click();
	await expect(page.getByTestId('stat-sold')).toContainText('2');
	await expect(page.getByTestId('stat-sold')).toContainText('of 500 capacity');
	await expect(page.getByTestId('stat-orders')).toContainText('1');
	await expect(page.getByTestId('stat-revenue')).toContainText('R 2 000.80');
	await expect(page.getByTestId('stat-discounts')).toContainText('R 500.20');
	const salesRow = page.getByTestId('sales-type-row').filter({ hasText: 'General admission' });
	await expect(salesRow).toContainText('2 of 300');
	await expect(salesRow).toContainText('R 2 000.80');

	// --- devices: a pairing code as QR and text; a scanner pairs with it ---
	await tabs.getByRole('link', { name: 'Devices' }).click();
	await expect(page.getByText('No devices are paired for this event yet.')).toBeVisible();
	// Paired for any gate: the gate is chosen on the device, and the list shows the one it scans at.
	await expect(page.getByLabel('Gate', { exact: true })).toHaveValue('');
	await page.getByLabel('Device name', { exact: true }).fill('East doors phone');
	await page.getByRole('button', { name: 'Create pairing code' }).click();
	await expect(page.getByTestId('pairing-qr').locator('svg')).toBeVisible();
	const code = (await page.getByTestId('pairing-code').textContent())?.trim() ?? '';
	expect(code).toMatch(/^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$/);
	await expect(page.getByTestId('pairing-expiry')).toContainText('Any gate.');

	const scanner = await playwrightRequest.newContext({ baseURL });
	const paired = await scanner.post('/api/devices/pair', { data: { code } });
	expect(paired.status(), await paired.text()).toBe(201);
	const device = await paired.json();
	expect(device.gate_id).toBeNull();
	await page.reload();
	const deviceRow = page.getByTestId('device-row').filter({ hasText: 'East doors phone' });
	await expect(deviceRow.getByTestId('device-gate')).toHaveText('Any gate (not chosen yet)');
	await expect(deviceRow.getByTestId('tag')).toHaveText('active');
	// The person picks a gate on the scanner, which reports it: the list shows it before any scan.
	const picked = await scanner.post('/api/checkin/device/gate', {
		data: { gate_id: gate.id },
		headers: { Authorization: `Bearer ${device.token}` }
	});
	expect(picked.status(), await picked.text()).toBe(200);
	await page.reload();
	await expect(deviceRow.getByTestId('device-gate')).toHaveText('East doors (E1), chosen on the device');

	// --- the live check-in feed: the scanner admits one real ticket from the buyer's PDF ---
	await tabs.getByRole('link', { name: 'Check-in' }).click();
	await expect(page.getByTestId('stat-entries')).toContainText('0');
	await expect(page.getByText('No scans yet.')).toBeVisible();
	const pdf = await buyer.get(`/orders/${reservation.reference}/tickets.pdf?token=${encodeURIComponent(reservation.access_token)}`);
	expect(pdf.status()).toBe(200);
	const work = fs.mkdtempSync(path.join(process.env.VG_E2E_DATA_DIR ?? '/tmp', 'sales-'));
	const pdfPath = path.join(work, 'tickets.pdf');
	fs.writeFileSync(pdfPath, await pdf.body());
	const payloads = qrPayloadsOfPdf(pdfPath);
	expect(payloads).toHaveLength(2);
	// This phone's clock runs 10 minutes slow: the verdict is the same, the Devices tab says so.
	const slowClock = new Date(Date.now() - 10 * 60_000).toISOString();
	const scan = await scanner.post('/api/checkin/scans', {
		data: { payload: payloads[0], gate_id: gate.id, direction: 'entry', client_scan_id: randomUUID(), client_time: slowClock },
		headers: { Authorization: `Bearer ${device.token}` }
	});
	expect(scan.status(), await scan.text()).toBeLessThan(300);
	expect((await scan.json()).result).toBe('ok');

	// Live: the page was not reloaded (Server-Sent Events, or polling while the stream is not up).
	const scanRow = page.getByTestId('scan-row').first();
	await expect(scanRow).toContainText('Admitted', { timeout: 15_000 });
	await expect(scanRow).toContainText('East doors');
	await expect(scanRow).toContainText('East doors phone');
	await expect(page.getByTestId('feed-mode')).toHaveText('Live'); // the Server-Sent Events stream delivered it too
	const gateRow = page.getByTestId('gate-row').filter({ hasText: 'East doors' });
	await expect(gateRow).toContainText('1', { timeout: 15_000 });
	await expect(page.getByTestId('stat-inside')).toContainText('1');
	await expect(page.getByTestId('stat-admitted')).toContainText('1');
	await shot(page, 'organiser-checkin.png');

	// --- revoke the device ---
	await tabs.getByRole('link', { name: 'Devices' }).click();
	await expect(deviceRow).toContainText('clock 10 min behind');
	await expect(deviceRow.getByTestId('device-gate')).toHaveText('East doors (E1), chosen on the device');
	page.once('dialog', (d) => d.accept());
	await deviceRow.getByRole('button', { name: 'Revoke East doors phone' }).click();
	await expect(deviceRow.getByTestId('tag')).toHaveText('revoked');
	const refused = await scanner.post('/api/checkin/scans', {
		data: { payload: payloads[1], gate_id: gate.id, direction: 'entry', client_scan_id: randomUUID(), client_time: new Date().toISOString() },
		headers: { Authorization: `Bearer ${device.token}` }
	});
	expect(refused.status()).toBe(401);

	await buyer.dispose();
	await scanner.dispose();
});
