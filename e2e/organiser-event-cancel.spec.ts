import { expect, request as playwrightRequest, test, type APIRequestContext } from '@playwright/test';
import { localInput, shot } from './support';

// Cancelling an event with sold tickets, on a phone (390 px): the dialog shows the paid orders and
// the money at stake, asks what happens to them, a reason and a message, and is confirmed by typing
// the event's name; the page then shows the progress and the summary (docs/event-cancellation.md).

test('an organiser cancels an event with paid orders on a phone and sees the summary', async ({ page, baseURL }) => {
	test.setTimeout(120_000);
	await page.setViewportSize({ width: 390, height: 844 });
	const stamp = Date.now().toString(36);
	const signUp = await page.request.post('/api/auth/sign-up', {
		data: {
			email: `cancel-${stamp}@example.test`,
			password: 'a-long-and-unguessable-passphrase',
			name: 'Sipho Ndlovu',
			organization_name: `Karoo Sounds ${stamp}`
		}
	});
	expect(signUp.status(), await signUp.text()).toBe(201);
	const me = await signUp.json();
	const org = `/api/organizations/${me.memberships[0].organization_id}`;
	const call = async (method: 'post' | 'get', url: string, data?: unknown) => {
		const r = await page.request[method](url, { data, headers: { 'X-CSRF-Token': me.csrf_token } });
		expect(r.ok(), `${method} ${url}: ${r.status()} ${await r.text()}`).toBeTruthy();
		return r.json();
	};
	const venue = await call('post', `${org}/venues`, { name: 'Town Hall', address_line1: '2 Church St', city: 'Graaff-Reinet' });
	const eventName = `Karoo Folk Night ${stamp}`;
	const event = await call('post', `${org}/events`, {
		name: eventName,
		venue_id: venue.id,
		starts_at: localInput(15, 19),
		ends_at: localInput(15, 23)
	});
	const type = await call('post', `${org}/events/${event.id}/ticket-types`, { name: 'General', price_cents: 25000, quantity: 50 });
	await call('post', `${org}/events/${event.id}/publish`);

	// Two buyers pay through the public API and the simulated provider.
	const buyer: APIRequestContext = await playwrightRequest.newContext({ baseURL });
	for (const [i, quantity] of [1, 2].entries()) {
		const held = await buyer.post(`/api/public/events/${event.slug}/reservations`, {
			data: { items: [{ ticket_type_id: type.id, quantity }] }
		});
		expect(held.status(), await held.text()).toBe(201);
		const reservation = await held.json();
		const started = await buyer.post(`/api/public/orders/${reservation.reference}/checkout`, {
			data: { buyer_name: `Buyer ${i}`, buyer_email: `buyer${i}-${stamp}@example.test`, provider: 'simulated' },
			headers: { 'X-Order-Token': reservation.access_token }
		});
		expect(started.status(), await started.text()).toBe(200);
		const payUrl = new URL((await started.json()).payment.url, baseURL);
		const payPage = await (await buyer.get(payUrl.pathname + payUrl.search)).text();
		const form = Object.fromEntries([...payPage.matchAll(/<input type=hidden name=(\w+) value='([^']*)'>/g)].map((m) => [m[1], m[2]]));
		const paid = await buyer.post(payUrl.pathname, { form: { ...form, outcome: 'pay' }, maxRedirects: 0 });
		expect(paid.status()).toBe(303);
	}

	await page.goto(`/app/orgs/${me.memberships[0].organization_id}/events/${event.id}`);
	await expect(page.getByRole('heading', { name: eventName })).toBeVisible();
	await page.getByRole('button', { name: 'Cancel event' }).click();
	const dialog = page.getByRole('dialog', { name: `Cancel “${eventName}”?` });
	await expect(dialog).toContainText('2 paid orders');
	await expect(dialog).toContainText('R 750.00');
	const confirm = dialog.getByRole('button', { name: 'Cancel event' });
	await dialog.getByLabel('Reason (for your records)').fill('The hall roof collapsed');
	await dialog.getByLabel('Message to buyers (optional)').fill('We will announce a new date soon.');
	await expect(confirm).toBeDisabled(); // not before the event's name is typed
	await dialog.getByLabel("Type the event's name to confirm").fill('Karoo');
	await expect(dialog.getByText('The name does not match.')).toBeVisible();
	await dialog.getByLabel("Type the event's name to confirm").fill(eventName);
	await expect(confirm).toBeEnabled();
	// Nothing wider than the phone's screen.
	expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
	await shot(page, 'organiser-event-cancel-dialog.png');
	await confirm.click();

	const summary = page.getByTestId('event-cancellation');
	await expect(summary.getByRole('heading', { name: 'Event cancelled' })).toBeVisible({ timeout: 30_000 });
	await expect(summary).toContainText('Paid orders are refunded in full.');
	await expect(summary.getByText('Refunds requested').locator('..')).toContainText('2');
	await expect(summary.getByText('Amount to refund').locator('..')).toContainText('R 750.00');
	await expect(page.getByRole('heading', { name: eventName })).toContainText('cancelled');
	expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
	await shot(page, 'organiser-event-cancel-summary.png');
	const state = await call('get', `${org}/events/${event.id}/cancellation`);
	expect([state.status, state.orders_done, state.refund_cents]).toEqual(['finished', 2, 75000]);
	await buyer.dispose();
});
