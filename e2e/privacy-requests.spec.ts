import { expect, request as playwrightRequest, test, type APIRequestContext } from '@playwright/test';
import { localInput, shot } from './support';

// POPIA on a 390 px phone: a buyer asks on the checkout site for the erasure of their personal
// data, confirms from the e-mailed link (read from the local mailbox), and the organiser sees the
// request in the app and completes it; the buyer is told, and the order keeps its amounts.

test.use({ viewport: { width: 390, height: 844 } });

type Mail = { to: string; subject: string; text: string };

async function mailTo(api: APIRequestContext, to: string, subject: string): Promise<Mail> {
	let found: Mail | undefined;
	await expect(async () => {
		const r = await api.get('/dev/mail/messages');
		const all = (await r.json()) as Mail[];
		found = all.find((m) => m.to.includes(to) && m.subject.includes(subject));
		expect(found, `no mail to ${to} about ${subject}`).toBeTruthy();
	}).toPass({ timeout: 30_000 });
	return found as Mail;
}

async function noHorizontalScroll(page: import('@playwright/test').Page) {
	const width = await page.evaluate(() => document.documentElement.scrollWidth);
	expect(width).toBeLessThanOrEqual(390);
}

test('a buyer asks for erasure on the site, confirms by e-mail, the organiser completes it', async ({ page, baseURL }) => {
	test.setTimeout(150_000);
	const stamp = Date.now().toString(36);
	const buyerEmail = `thandi-${stamp}@example.test`;

	// The organiser's event, and a paid order of the buyer's (the real checkout path).
	const signUp = await page.request.post('/api/auth/sign-up', {
		data: {
			email: `privacy-${stamp}@example.test`,
			password: 'a-long-and-unguessable-passphrase',
			name: 'Naledi Dlamini',
			organization_name: `Soweto Sounds ${stamp}`
		}
	});
	expect(signUp.status(), await signUp.text()).toBe(201);
	const me = await signUp.json();
	const orgId: string = me.memberships[0].organization_id;
	const org = `/api/organizations/${orgId}`;
	const call = async (url: string, data?: unknown) => {
		const r = await page.request.post(url, { data, headers: { 'X-CSRF-Token': me.csrf_token } });
		expect(r.ok(), `${url}: ${r.status()} ${await r.text()}`).toBeTruthy();
		return r.json();
	};
	const venue = await call(`${org}/venues`, { name: 'Orlando Hall', address_line1: '1 Vilakazi St', city: 'Soweto' });
	const event = await call(`${org}/events`, {
		name: `Privacy Night ${stamp}`,
		venue_id: venue.id,
		starts_at: localInput(20, 19),
		ends_at: localInput(20, 23)
	});
	const type = await call(`${org}/events/${event.id}/ticket-types`, { name: 'General', price_cents: 12000, quantity: 50 });
	await call(`${org}/events/${event.id}/publish`);

	const buyer: APIRequestContext = await playwrightRequest.newContext({ baseURL });
	const held = await buyer.post(`/api/public/events/${event.slug}/reservations`, {
		data: { items: [{ ticket_type_id: type.id, quantity: 2 }] }
	});
	expect(held.status(), await held.text()).toBe(201);
	const reservation = await held.json();
	const started = await buyer.post(`/api/public/orders/${reservation.reference}/checkout`, {
		data: { buyer_name: 'Thandi Nkosi', buyer_email: buyerEmail, buyer_phone: '082 555 1234', provider: 'simulated' },
		headers: { 'X-Order-Token': reservation.access_token }
	});
	expect(started.status(), await started.text()).toBe(200);
	const payUrl = new URL((await started.json()).payment.url, baseURL);
	const payPage = await (await buyer.get(payUrl.pathname + payUrl.search)).text();
	const payForm = Object.fromEntries([...payPage.matchAll(/<input type=hidden name=(\w+) value='([^']*)'>/g)].map((m) => [m[1], m[2]]));
	expect((await buyer.post(payUrl.pathname, { form: { ...payForm, outcome: 'pay' }, maxRedirects: 0 })).status()).toBe(303);
	await mailTo(page.request, buyerEmail, 'Your tickets'); // delivered before the buyer changes their mind

	// The buyer, on the checkout site: the footer's "Your personal data" link, the form.
	await page.goto('/privacy');
	await page.getByRole('link', { name: 'Your personal data' }).first().click();
	await expect(page.getByRole('heading', { name: 'Your personal data' })).toBeVisible();
	await page.getByLabel('E-mail address').fill(buyerEmail);
	await page.getByLabel('Erase my personal data').check();
	await shot(page, 'privacy-request-form.png');
	await page.getByRole('button', { name: 'Send me the confirmation link' }).click();
	await expect(page.getByRole('status')).toContainText('If we hold data for this address, you will get an e-mail');
	await noHorizontalScroll(page);

	const confirmMail = await mailTo(page.request, buyerEmail, 'Confirm your personal data request');
	expect(confirmMail.text).toContain(`Soweto Sounds ${stamp}`);
	const link = /\/privacy\/confirm\?token=[A-Za-z0-9_-]+/.exec(confirmMail.text);
	expect(link, confirmMail.text).toBeTruthy();
	await page.goto(link![0]);
	await expect(page.getByRole('heading', { name: 'Confirm your request' })).toBeVisible();
	await expect(page.getByRole('main')).toContainText(buyerEmail);
	await shot(page, 'privacy-request-confirm.png');
	await page.getByRole('button', { name: 'Confirm my request' }).click();
	await expect(page.getByRole('heading', { name: 'Request confirmed' })).toBeVisible();

	// The organiser: the nav's "Privacy requests", the list, the request, complete it.
	await page.goto(`/app/orgs/${orgId}/events`);
	await page.getByRole('button', { name: 'Menu' }).click();
	await page.getByRole('link', { name: 'Privacy requests' }).click();
	await expect(page.getByRole('heading', { name: 'Privacy requests' })).toBeVisible();
	const row = page.getByTestId('privacy-requests').getByRole('row').filter({ hasText: buyerEmail });
	await expect(row).toContainText('Erasure');
	await expect(row.getByTestId('status')).toHaveText('open');
	await expect(page.getByTestId('open-count')).toHaveText('1 open');
	await noHorizontalScroll(page);
	await shot(page, 'organiser-privacy-requests.png');

	await row.getByRole('link').click();
	await expect(page.getByRole('heading', { name: 'Request to erase personal data' })).toBeVisible();
	await expect(page.getByTestId('held')).toContainText('Orders');
	await expect(page.getByTestId('held')).toContainText('Tickets (holder names)');
	await expect(page.getByRole('main')).toContainText('Kept on erasure, as the law requires');
	await noHorizontalScroll(page);
	await shot(page, 'organiser-privacy-request.png');
	await page.getByRole('button', { name: 'Complete: erase the data' }).click();
	await expect(page.getByTestId('confirm-text')).toContainText('This cannot be undone');
	await page.getByRole('button', { name: 'Yes, erase' }).click();
	await expect(page.getByTestId('banner-success')).toContainText('the personal data was erased');
	await expect(page.getByTestId('status')).toHaveText('completed');
	await expect(page.getByTestId('request-email')).toContainText('Erased');
	await expect(page.getByTestId('summary')).toContainText('Orders');
	await noHorizontalScroll(page);
	await shot(page, 'organiser-privacy-request-done.png');

	// The buyer is told; the order keeps its amounts but no longer names them.
	const told = await mailTo(page.request, buyerEmail, 'erased your personal data');
	expect(told.text).toContain('Tax invoices');
	const detail = await page.request.get(`${org}/orders/${reservation.order_id}`);
	expect(detail.ok(), await detail.text()).toBeTruthy();
	const order = await detail.json();
	expect(order.buyer_name).toBe('Erased');
	expect(order.buyer_email).toBeNull();
	expect(order.total_cents).toBe(24000);
	await buyer.dispose();
});
