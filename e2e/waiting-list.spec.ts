import { expect, request as playwrightRequest, test, type APIRequestContext } from '@playwright/test';
import { localInput, shot } from './support';

// The waiting list offers a freed ticket to the next buyer, on a 390 px phone: the only ticket
// sells, a buyer joins the waiting list on the event page, the organiser cancels (and refunds)
// the paid order, the buyer opens the offer link from the local mailbox and buys the held ticket;
// the link works once. The organiser's waiting-list tab shows the entry.

test.use({ viewport: { width: 390, height: 844 } });

test('the waiting list offers a freed ticket to the next buyer', async ({ page, baseURL }) => {
	test.setTimeout(150_000);
	const stamp = Date.now().toString(36);
	const signUp = await page.request.post('/api/auth/sign-up', {
		data: {
			email: `waitlist-${stamp}@example.test`,
			password: 'a-long-and-unguessable-passphrase',
			name: 'Naledi Khumalo',
			organization_name: `Highveld Live ${stamp}`
		}
	});
	expect(signUp.status(), await signUp.text()).toBe(201);
	const me = await signUp.json();
	const orgId: string = me.memberships[0].organization_id;
	const org = `/api/organizations/${orgId}`;
	const call = async (method: 'post' | 'get' | 'put', url: string, data?: unknown) => {
		const r = await page.request[method](url, { data, headers: { 'X-CSRF-Token': me.csrf_token } });
		expect(r.ok(), `${method} ${url}: ${r.status()} ${await r.text()}`).toBeTruthy();
		return r.json();
	};
	const venue = await call('post', `${org}/venues`, { name: 'Market Theatre', address_line1: '56 Margaret Mcingana St', city: 'Johannesburg' });
	const event = await call('post', `${org}/events`, {
		name: `Sold Out Night ${stamp}`,
		venue_id: venue.id,
		starts_at: localInput(20, 19),
		ends_at: localInput(20, 23),
		capacity: 100
	});
	const type = await call('post', `${org}/events/${event.id}/ticket-types`, { name: 'General', price_cents: 18000, quantity: 1 });
	await call('post', `${org}/events/${event.id}/publish`);
	await call('put', `${org}/events/${event.id}/waiting-list/settings`, { enabled: true, offer_hours: 24 });

	// --- the only ticket sells ---
	const first: APIRequestContext = await playwrightRequest.newContext({ baseURL });
	const held = await first.post(`/api/public/events/${event.slug}/reservations`, {
		data: { items: [{ ticket_type_id: type.id, quantity: 1 }] }
	});
	expect(held.status(), await held.text()).toBe(201);
	const reservation = await held.json();
	const started = await first.post(`/api/public/orders/${reservation.reference}/checkout`, {
		data: { buyer_name: 'Thabo Mokoena', buyer_email: `thabo-${stamp}@example.test`, provider: 'simulated' },
		headers: { 'X-Order-Token': reservation.access_token }
	});
	expect(started.status(), await started.text()).toBe(200);
	const payUrl = new URL((await started.json()).payment.url, baseURL);
	const payPage = await (await first.get(payUrl.pathname + payUrl.search)).text();
	const payForm = Object.fromEntries([...payPage.matchAll(/<input type=hidden name=(\w+) value='([^']*)'>/g)].map((m) => [m[1], m[2]]));
	expect((await first.post(payUrl.pathname, { form: { ...payForm, outcome: 'pay' }, maxRedirects: 0 })).status()).toBe(303);

	// --- a buyer joins the waiting list on the event page ---
	const waiterEmail = `lindiwe-${stamp}@example.test`;
	await page.goto(`/events/${event.slug}`);
	await expect(page.getByText('Sold out', { exact: true })).toBeVisible();
	await expect(page.getByRole('heading', { name: 'Join the waiting list' })).toBeVisible();
	await page.getByLabel('Your name').fill('Lindiwe Dube');
	await page.getByLabel('E-mail').fill(waiterEmail);
	await page.getByRole('heading', { name: 'Join the waiting list' }).scrollIntoViewIfNeeded();
	await shot(page, 'checkout-waiting-list-join.png');
	await page.getByRole('button', { name: 'Join the waiting list' }).click();
	await expect(page.getByRole('heading', { name: 'You are on the waiting list' })).toBeVisible();

	// --- the organiser cancels the paid order (with a refund): its ticket comes back ---
	await call('post', `${org}/orders/${reservation.order_id}/cancel`, { refund: true, reason: 'Cannot come any more' });

	// --- the offer e-mail in the local mailbox ---
	let link = '';
	await expect
		.poll(
			async () => {
				const r = await page.request.get('/dev/mail/messages');
				const messages: { to: string; subject: string; text: string }[] = await r.json();
				const offer = messages.find((m) => m.to.includes(waiterEmail) && m.subject.includes('held for you'));
				link = offer?.text.match(/https?:\/\/\S+\/waiting-list\/offers\/[A-Za-z0-9_-]+/)?.[0] ?? '';
				return link !== '';
			},
			{ timeout: 60_000 }
		)
		.toBe(true);
	const offerPath = new URL(link).pathname;

	// --- the buyer opens the link and buys the held ticket ---
	await page.goto(offerPath);
	await expect(page.getByRole('heading', { name: 'Tickets are held for you' })).toBeVisible();
	await shot(page, 'checkout-waiting-list-offer.png');
	await page.getByRole('button', { name: 'Continue to checkout' }).click();
	await expect(page).toHaveURL(/\/checkout\/VG-[A-Z0-9]+$/);
	await page.getByLabel('Full name', { exact: true }).fill('Lindiwe Dube');
	await page.getByLabel('E-mail address', { exact: true }).fill(waiterEmail);
	await page.getByRole('button', { name: 'Continue to payment' }).click();
	await expect(page).toHaveURL(/\/pay\/simulated\//);
	await page.getByRole('button', { name: 'Pay', exact: true }).click();
	await expect(page.getByText('Paid. Thank you!')).toBeVisible();

	// --- the link works once ---
	const again = await page.goto(offerPath);
	expect(again?.status()).toBe(409);
	await expect(page.getByRole('heading', { name: 'Offer already used' })).toBeVisible();

	// --- the organiser's waiting-list tab, on the phone ---
	await page.goto(`/app/orgs/${orgId}/events/${event.id}/waiting-list`);
	const row = page.getByTestId('waiting-list-row');
	await expect(row).toHaveCount(1);
	await expect(row).toContainText(waiterEmail);
	await expect(row.getByTestId('status')).toHaveText(/offered|converted/);
	await expect(page.getByLabel('Take a waiting list when a ticket type is sold out')).toBeChecked();
	expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
	await shot(page, 'organiser-waiting-list.png');
	await first.dispose();
});
