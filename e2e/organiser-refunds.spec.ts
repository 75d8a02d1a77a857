import { expect, request as playwrightRequest, test, type APIRequestContext } from '@playwright/test';
import { localInput, shot } from './support';

// The organiser refunds one ticket of a paid order from the order page on a 390 px phone: the
// dialog shows what is left to refund, the refund succeeds through the simulated provider, the
// ticket is revoked, and the buyer's order page shows the refund and the revoked ticket.

test.use({ viewport: { width: 390, height: 844 } });

test('refund one ticket from the order page on a phone', async ({ page, baseURL }) => {
	test.setTimeout(120_000);
	const stamp = Date.now().toString(36);
	const signUp = await page.request.post('/api/auth/sign-up', {
		data: {
			email: `refunds-${stamp}@example.test`,
			password: 'a-long-and-unguessable-passphrase',
			name: 'Refilwe Mokoena',
			organization_name: `Karoo Sounds ${stamp}`
		}
	});
	expect(signUp.status(), await signUp.text()).toBe(201);
	const me = await signUp.json();
	const orgId: string = me.memberships[0].organization_id;
	const org = `/api/organizations/${orgId}`;
	const call = async (method: 'post' | 'get', url: string, data?: unknown) => {
		const r = await page.request[method](url, { data, headers: { 'X-CSRF-Token': me.csrf_token } });
		expect(r.ok(), `${method} ${url}: ${r.status()} ${await r.text()}`).toBeTruthy();
		return r.json();
	};
	const venue = await call('post', `${org}/venues`, { name: 'Opera House', address_line1: '1 Main', city: 'Gqeberha' });
	const event = await call('post', `${org}/events`, {
		name: `Refund Night ${stamp}`,
		venue_id: venue.id,
		starts_at: localInput(20, 19),
		ends_at: localInput(20, 23),
		capacity: 100
	});
	const type = await call('post', `${org}/events/${event.id}/ticket-types`, { name: 'General', price_cents: 20000, quantity: 50 });
	await call('post', `${org}/events/${event.id}/publish`);

	const buyer: APIRequestContext = await playwrightRequest.newContext({ baseURL });
	const held = await buyer.post(`/api/public/events/${event.slug}/reservations`, {
		data: { items: [{ ticket_type_id: type.id, quantity: 2 }] }
	});
	expect(held.status(), await held.text()).toBe(201);
	const reservation = await held.json();
	const started = await buyer.post(`/api/public/orders/${reservation.reference}/checkout`, {
		data: { buyer_name: 'Sipho Ndlovu', buyer_email: `sipho-${stamp}@example.test`, provider: 'simulated' },
		headers: { 'X-Order-Token': reservation.access_token }
	});
	expect(started.status(), await started.text()).toBe(200);
	const payUrl = new URL((await started.json()).payment.url, baseURL);
	const payPage = await (await buyer.get(payUrl.pathname + payUrl.search)).text();
	const payForm = Object.fromEntries([...payPage.matchAll(/<input type=hidden name=(\w+) value='([^']*)'>/g)].map((m) => [m[1], m[2]]));
	expect((await buyer.post(payUrl.pathname, { form: { ...payForm, outcome: 'pay' }, maxRedirects: 0 })).status()).toBe(303);

	await page.goto(`/app/orgs/${orgId}/events/${event.id}/orders/${reservation.order_id}`);
	await expect(page.getByTestId('ticket-row')).toHaveCount(2, { timeout: 20_000 });
	await expect(page.getByTestId('left-to-refund')).toHaveText('R 400.00');
	const code = (await page.getByTestId('ticket-row').first().locator('code').textContent()) ?? '';

	await page.getByRole('button', { name: 'Refund', exact: true }).click();
	const dialog = page.getByRole('dialog', { name: /Refund order/ });
	await expect(dialog).toContainText('Left to refund: R 400.00');
	await dialog.getByLabel('Chosen tickets').check();
	await dialog.getByLabel(new RegExp(code)).check();
	await dialog.getByLabel('Reason (the buyer reads it)').fill('Cannot travel');
	await shot(page, 'organiser-refund-dialog.png');
	const box = await dialog.boundingBox();
	expect(box && box.x >= 0 && box.x + box.width <= 390).toBeTruthy(); // fits the phone's width
	await dialog.getByRole('button', { name: 'Refund', exact: true }).click();
	await expect(page.getByTestId('banner-success')).toContainText('Refund of R 200.00');

	const row = page.getByTestId('refund-row').first();
	await expect(row).toContainText('Cannot travel');
	await expect(async () => {
		await page.reload();
		await expect(page.getByTestId('refund-row').first().getByTestId('tag')).toHaveText('succeeded', { timeout: 1000 });
	}).toPass({ timeout: 20_000 });
	await expect(page.getByTestId('refunded')).toHaveText('R 200.00');
	await page.getByTestId('refunds').scrollIntoViewIfNeeded();
	await shot(page, 'organiser-order-refunds.png');
	await expect(page.getByTestId('ticket-row').filter({ hasText: code }).getByTestId('tag')).toHaveText('void');

	const orderPage = await buyer.get(`/orders/${reservation.reference}?token=${reservation.access_token}`);
	const html = await orderPage.text();
	expect(html).toContain('Refunds');
	expect(html).toContain('Cannot travel');
	expect(html).toContain('revoked');
});
