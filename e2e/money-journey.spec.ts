import { chromium, expect, request as playwrightRequest, test, type APIRequestContext } from '@playwright/test';
import { FAKE_PAYSTACK_KEY, FAKE_PAYSTACK_URL, localInput, shot } from './support';

// The money journey of issue #11 against the real product and the fake Paystack that
// playwright.config.ts starts (backend/tests/fakes/serve.py; its account's webhook URL is our notify
// URL, as a merchant pastes it into Paystack's dashboard):
// the organiser connects Paystack on the Payments page with the test secret key and switches the
// simulated provider off; a buyer on a phone buys two tickets, chooses Paystack, pays on the fake's
// hosted page and comes back to the order page, paid (the signed charge.success webhook decided it:
// the fake sent it, and our notify URL accepted it, before redirecting the buyer); the organiser
// refunds ONE ticket in the refund dialog, Paystack queues it (pending) and its refund.processed
// webhook finishes it; the buyer's order page shows the refund and one revoked ticket; a paired
// scanner refuses the refunded ticket's typed code as revoked and admits the other.

const CHROMIUM = process.env.VG_CHROMIUM ?? '/usr/bin/chromium';
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 1 };

type Delivery = { url: string; event: string; body: string; status_code: number };

test('connect Paystack, a buyer pays through it, refund one ticket: order page and scanner show it', async ({ page, baseURL }) => {
	test.setTimeout(180_000);
	const stamp = Date.now().toString(36);
	const fake: APIRequestContext = await playwrightRequest.newContext({ baseURL: FAKE_PAYSTACK_URL });

	// --- set-up through the API (other specs cover these screens): organiser, venue with a gate, event ---
	const signUp = await page.request.post('/api/auth/sign-up', {
		data: {
			email: `money-${stamp}@example.test`,
			password: 'a-long-and-unguessable-passphrase',
			name: 'Naledi Khumalo',
			organization_name: `Highveld Live ${stamp}`
		}
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
	const venue = await call('post', `${org}/venues`, { name: 'Bassline Hall', address_line1: '10 Henry Nxumalo St', city: 'Johannesburg' });
	await call('post', `${org}/venues/${venue.id}/gates`, { code: 'M1', name: 'Main door' });
	await call('post', `${org}/venues/${venue.id}/gates`, { code: 'S1', name: 'Side door' }); // so the scanner asks
	const event = await call('post', `${org}/events`, {
		name: `Jazz on the Reef ${stamp}`,
		venue_id: venue.id,
		starts_at: localInput(25, 19),
		ends_at: localInput(25, 23),
		capacity: 200
	});
	await call('post', `${org}/events/${event.id}/ticket-types`, { name: 'General', price_cents: 20000, quantity: 100 });
	await call('post', `${org}/events/${event.id}/publish`);
	await call('put', `${org}/events/${event.id}/checkin-config`, {
		exit_allowed: false,
		reentry_allowed: false,
		valid_from: new Date(Date.now() - 3600_000).toISOString(),
		valid_until: new Date(Date.now() + 40 * 86_400_000).toISOString(),
		gates: []
	});

	// --- the organiser connects Paystack and switches the simulated provider off ---
	await page.goto(`/app/orgs/${orgId}/payments`);
	const cards = page.locator('ol.providers > li');
	const paystack = cards.filter({ has: page.getByRole('heading', { name: /Paystack/ }) });
	const simulated = cards.filter({ has: page.getByRole('heading', { name: /Simulated/ }) });
	await expect(paystack).toHaveCount(1);
	await paystack.getByLabel('Secret key').fill(FAKE_PAYSTACK_KEY);
	await paystack.getByRole('button', { name: 'Connect Paystack' }).click();
	await expect(page.getByTestId('banner-success')).toContainText('Connected to Paystack (test mode)');
	await expect(paystack.getByLabel('Secret key')).toHaveValue(''); // never sent back, only its last 4
	await expect(paystack.getByLabel('Secret key')).toHaveAttribute('placeholder', `•••• ${FAKE_PAYSTACK_KEY.slice(-4)}`);
	await expect(paystack.locator('code')).toContainText('/api/payments/paystack/webhook');
	await expect(paystack.getByLabel('Switched on (offered at checkout)')).toBeChecked();
	await expect(paystack.locator('.badge').first()).toHaveText('Offered at checkout'); // set up: offered
	await simulated.getByLabel('Switched on (offered at checkout)').uncheck();
	await simulated.getByRole('button', { name: 'Save' }).click();
	await expect(simulated.locator('.badge').first()).toHaveText('Not offered');
	await paystack.scrollIntoViewIfNeeded();
	await shot(page, 'money-connect-paystack.png');

	// --- a buyer on a phone buys two tickets and pays with Paystack (the fake's hosted page) ---
	const buyerBrowser = await page
		.context()
		.browser()!
		.newContext({ baseURL, ...PHONE });
	const buyer = await buyerBrowser.newPage();
	await buyer.goto(`/events/${event.slug}`);
	await buyer.getByLabel('Quantity of General', { exact: true }).selectOption('2');
	await buyer.getByRole('button', { name: 'Reserve tickets' }).click();
	await expect(buyer).toHaveURL(/\/checkout\/VG-[A-Z0-9]+$/);
	const reference = buyer.url().split('/').pop()!;
	await buyer.getByLabel('Full name', { exact: true }).fill('Sipho Ndlovu');
	await buyer.getByLabel('E-mail address', { exact: true }).fill(`sipho-${stamp}@example.test`);
	await expect(buyer.getByRole('radio', { name: /Test payment/ })).toHaveCount(0); // switched off
	await buyer.getByRole('radio', { name: /Paystack/ }).check();
	await shot(buyer, 'money-checkout-paystack.png');
	await buyer.getByRole('button', { name: 'Continue to payment' }).click();

	await expect(buyer).toHaveURL(new RegExp(`^${FAKE_PAYSTACK_URL}/checkout/`));
	await expect(buyer.getByRole('heading', { name: 'Fake Paystack' })).toBeVisible();
	await expect(buyer.getByText('R 400.00')).toBeVisible();
	await shot(buyer, 'money-paystack-pay-page.png');
	await buyer.getByRole('button', { name: 'Pay', exact: true }).click();

	await expect(buyer).toHaveURL(new RegExp(`/orders/${reference}\\?`));
	await expect(buyer.getByText('Paid. Thank you!')).toBeVisible();
	await shot(buyer, 'money-order-paid.png');
	// The webhook decided it: the fake sent charge.success for this order before the redirect, and
	// our notify URL accepted it (the redirect's ?reference= alone marks nothing paid).
	const paystackReference = new URL(buyer.url()).searchParams.get('reference') ?? 'none in the redirect';
	const deliveries: Delivery[] = await (await fake.get('/_fake/deliveries')).json();
	const charge = deliveries.filter((d) => d.event === 'charge.success' && d.body.includes(paystackReference));
	expect(charge.map((d) => d.status_code)).toEqual([200]);
	expect(charge[0].url).toContain('/api/payments/paystack/webhook');
	const ticketCodes = buyer.locator('li', { hasText: '(code' }).locator('code');
	await expect(ticketCodes).toHaveCount(2);
	const [refundedCode, keptCode] = await ticketCodes.allTextContents();

	// --- the organiser finds the order and refunds ONE ticket ---
	await page.goto(`/app/orgs/${orgId}/events/${event.id}`);
	await page.getByRole('navigation', { name: 'Event' }).getByRole('link', { name: 'Orders' }).click();
	await page.getByRole('link', { name: reference }).click();
	await expect(page.getByTestId('ticket-row')).toHaveCount(2, { timeout: 20_000 });
	await expect(page.getByTestId('payments-table')).toContainText('paystack');
	await expect(page.getByTestId('left-to-refund')).toHaveText('R 400.00');
	await page.getByRole('button', { name: 'Refund', exact: true }).click();
	const dialog = page.getByRole('dialog', { name: /Refund order/ });
	await expect(dialog).toContainText('Left to refund: R 400.00');
	await dialog.getByLabel('Chosen tickets').check();
	await dialog.getByLabel(new RegExp(refundedCode)).check();
	await dialog.getByLabel('Reason (the buyer reads it)').fill('Cannot make it to Johannesburg');
	await shot(page, 'money-refund-dialog.png');
	await dialog.getByRole('button', { name: 'Refund', exact: true }).click();
	await expect(page.getByTestId('banner-success')).toContainText('Refund of R 200.00');
	await expect(page.getByTestId('refund-row').first()).toContainText('Cannot make it to Johannesburg');

	// Paystack queues a refund ("pending"); it finishes with its refund.processed webhook. The
	// fake sends that once it has the refund (our refund job asks Paystack shortly after the click).
	let finished: { refund_id: string; status_code: number }[] = [];
	await expect(async () => {
		finished = [...finished, ...(await (await fake.post('/_fake/refund-outcomes', { data: { succeeded: true } })).json())];
		expect(finished).toHaveLength(1);
	}).toPass({ timeout: 30_000 });
	expect(finished[0].status_code).toBe(200);
	await expect(async () => {
		await page.reload();
		await expect(page.getByTestId('refund-row').first().getByTestId('tag')).toHaveText('succeeded', { timeout: 1000 });
	}).toPass({ timeout: 20_000 });
	await expect(page.getByTestId('refunded')).toHaveText('R 200.00');
	await expect(page.getByTestId('ticket-row').filter({ hasText: refundedCode }).getByTestId('tag')).toHaveText('void');
	await expect(page.getByTestId('ticket-row').filter({ hasText: keptCode }).getByTestId('tag')).not.toHaveText('void');
	await page.getByTestId('refunds').scrollIntoViewIfNeeded();
	await shot(page, 'money-order-refunded.png');

	// --- the buyer's order page: the refund, and one ticket revoked ---
	await buyer.reload();
	await expect(buyer.getByRole('heading', { name: 'Refunds' })).toBeVisible();
	await expect(buyer.getByText(/R 200\.00: refunded/)).toBeVisible();
	await expect(buyer.getByText('Cannot make it to Johannesburg')).toBeVisible();
	await expect(buyer.locator('li', { hasText: refundedCode })).toContainText('revoked');
	await expect(buyer.locator('li', { hasText: keptCode })).not.toContainText('revoked');
	await buyer.getByRole('heading', { name: 'Refunds' }).scrollIntoViewIfNeeded();
	await shot(buyer, 'money-buyer-refund.png');
	await buyerBrowser.close();

	// --- a scanner paired for the event: the refunded ticket is refused, the other admitted ---
	const pairing = await call('post', `${org}/devices/pairing-codes`, { event_ids: [event.id], gate_id: null, device_name: 'Main door phone' });
	const browser = await chromium.launch({
		executablePath: CHROMIUM,
		args: [
			'--no-sandbox',
			'--disable-gpu',
			'--disable-background-networking',
			'--disable-dev-shm-usage',
			'--use-fake-ui-for-media-stream',
			'--use-fake-device-for-media-stream'
		]
	});
	try {
		const scanner = await (await browser.newContext({ baseURL, permissions: ['camera'], ...PHONE })).newPage();
		await scanner.goto('/scanner/');
		await scanner.getByLabel('Pairing code').fill(pairing.code);
		await scanner.getByRole('button', { name: 'Pair device' }).click();
		await expect(scanner.getByRole('heading', { name: 'Which gate are you at?' })).toBeVisible();
		await scanner.getByRole('button', { name: /Main door/ }).click();
		await expect(scanner.getByTestId('gate')).toContainText('Main door');
		await expect(scanner.getByTestId('net-status')).toHaveText('Online');
		const verdict = scanner.getByTestId('verdict');

		await scanner.getByLabel('Ticket code').fill(refundedCode);
		await scanner.getByRole('button', { name: 'Check' }).click();
		await expect(verdict).toHaveAttribute('data-result', 'revoked', { timeout: 15_000 });
		await expect(verdict).toContainText('Ticket revoked');
		await shot(scanner, 'money-scanner-revoked.png');
		await verdict.click();
		await expect(verdict).toBeHidden();

		await scanner.getByLabel('Ticket code').fill(keptCode);
		await scanner.getByRole('button', { name: 'Check' }).click();
		await expect(verdict).toHaveAttribute('data-result', 'ok', { timeout: 15_000 });
		await expect(verdict).toContainText('General');
	} finally {
		await browser.close();
		await fake.dispose();
	}
});
