import { expect, request as playwrightRequest, test, type APIRequestContext } from '@playwright/test';
import { localInput } from './support';

// The organiser's Reports page against the real product: a buyer pays two orders through the
// public API (simulated provider), the organiser records a payout, and the page shows the
// server's totals, the per-day chart, the CSV link and the settlement statement; at 390 px wide
// nothing scrolls sideways.

test('reports: totals, chart, CSV and the settlement statement from the ledger', async ({ page, baseURL }) => {
	test.setTimeout(120_000);
	const stamp = Date.now().toString(36);
	const signUp = await page.request.post('/api/auth/sign-up', {
		data: {
			email: `money-${stamp}@example.test`,
			password: 'a-long-and-unguessable-passphrase',
			name: 'Thabo Mokoena',
			organization_name: `Karoo Sounds ${stamp}`
		}
	});
	expect(signUp.status(), await signUp.text()).toBe(201);
	const me = await signUp.json();
	const orgId: string = me.memberships[0].organization_id;
	const org = `/api/organizations/${orgId}`;
	const call = async (url: string, data?: unknown, headers: Record<string, string> = {}) => {
		const r = await page.request.post(url, { data, headers: { 'X-CSRF-Token': me.csrf_token, ...headers } });
		expect(r.ok(), `${url}: ${r.status()} ${await r.text()}`).toBeTruthy();
		return r.json();
	};
	const venue = await call(`${org}/venues`, { name: 'Oude Libertas', address_line1: 'Adam Tas Rd', city: 'Stellenbosch' });
	const event = await call(`${org}/events`, {
		name: `Karoo Nights ${stamp}`,
		venue_id: venue.id,
		starts_at: localInput(20, 19),
		ends_at: localInput(20, 23)
	});
	const type = await call(`${org}/events/${event.id}/ticket-types`, { name: 'General', price_cents: 15000, quantity: 50 });
	await call(`${org}/events/${event.id}/publish`);

	const buyer: APIRequestContext = await playwrightRequest.newContext({ baseURL });
	for (const quantity of [2, 1]) {
		const held = await buyer.post(`/api/public/events/${event.slug}/reservations`, { data: { items: [{ ticket_type_id: type.id, quantity }] } });
		expect(held.status(), await held.text()).toBe(201);
		const order = await held.json();
		const started = await buyer.post(`/api/public/orders/${order.reference}/checkout`, {
			data: { buyer_name: 'Anele Zulu', buyer_email: `anele-${stamp}@example.test`, provider: 'simulated' },
			headers: { 'X-Order-Token': order.access_token }
		});
		expect(started.status(), await started.text()).toBe(200);
		const payUrl = new URL((await started.json()).payment.url, baseURL);
		const payPage = await (await buyer.get(payUrl.pathname + payUrl.search)).text();
		const form = Object.fromEntries([...payPage.matchAll(/<input type=hidden name=(\w+) value='([^']*)'>/g)].map((m) => [m[1], m[2]]));
		expect((await buyer.post(payUrl.pathname, { form: { ...form, outcome: 'pay' }, maxRedirects: 0 })).status()).toBe(303);
	}
	await call(`${org}/ledger/payouts`, { provider: 'simulated', amount_cents: 30000, fee_cents: 500 }, { 'Idempotency-Key': `payout-${stamp}` });

	await page.goto(`/app/orgs/${orgId}/reports`);
	await expect(page.getByRole('heading', { name: 'Reports' })).toBeVisible();
	const totals = page.getByTestId('report-totals');
	await expect(totals).toContainText('R 450.00'); // gross: 3 x R 150.00
	await expect(totals).toContainText('3 tickets');
	await expect(totals).toContainText('R 5.00'); // the payout fee
	await expect(totals).toContainText('R 300.00'); // paid out
	await expect(page.getByTestId('report-chart').getByRole('img')).toBeVisible();
	await expect(page.getByTestId('report-csv')).toHaveAttribute('href', new RegExp(`/api/organizations/${orgId}/reports/sales\\.csv\\?`));
	const csv = await page.request.get((await page.getByTestId('report-csv').getAttribute('href')) ?? '');
	expect(csv.headers()['content-type']).toBe('text/csv; charset=utf-8');
	expect((await csv.text()).trim().split('\r\n').at(-1)).toMatch(/^total,450\.00,/);

	const table = page.getByTestId('settlement-table');
	await expect(table.locator('tbody tr')).toHaveCount(2);
	await expect(page.getByTestId('settlement-summary')).toContainText('2 payments');
	await expect(page.getByTestId('settlement-summary')).toContainText('0 to check');

	await page.getByTestId('report-event').selectOption(event.id);
	await page.getByRole('button', { name: 'Show' }).click();
	await expect(page.getByText('This event,')).toBeVisible();

	await page.setViewportSize({ width: 390, height: 844 });
	expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBeTruthy();
});
