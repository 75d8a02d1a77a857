import { expect, request as playwrightRequest, test } from '@playwright/test';
import { localInput, shot } from './support';

// Settings at phone width (390 px): business details, VAT registration (the server checks the VAT
// number), the time zone; then a paid order's tax invoice on the organiser's order page.
test('settings at 390 px: business details and VAT, then the invoice on the order page', async ({ page, baseURL }) => {
	test.setTimeout(120_000);
	const stamp = Date.now().toString(36);
	await page.setViewportSize({ width: 390, height: 844 });
	const signUp = await page.request.post('/api/auth/sign-up', {
		data: {
			email: `tax-${stamp}@example.test`,
			password: 'a-long-and-unguessable-passphrase',
			name: 'Pieter Botha',
			organization_name: `Karoo Sounds ${stamp}`
		}
	});
	expect(signUp.status(), await signUp.text()).toBe(201);
	const me = await signUp.json();
	const orgId: string = me.memberships[0].organization_id;
	const csrf: string = me.csrf_token;
	const org = `/api/organizations/${orgId}`;

	await page.goto(`/app/orgs/${orgId}/settings`);
	await expect(page.getByRole('heading', { name: 'Settings', exact: true })).toBeVisible();
	const tax = page.getByTestId('tax-form');
	await expect(tax.getByTestId('vat-rule')).toContainText('New orders carry no VAT.');
	await tax.getByLabel('Legal name').fill(`Karoo Sounds ${stamp} (Pty) Ltd`);
	await tax.getByLabel('Physical address').fill('12 Long Street\nCape Town\n8001');
	await tax.getByLabel('Registered for VAT').check();
	await tax.getByLabel('VAT number').fill('123');
	await tax.getByRole('button', { name: 'Save business and tax details' }).click();
	await expect(tax.getByText('10 digits and starts with 4')).toBeVisible();
	await tax.getByLabel('VAT number').fill('4123456789');
	await tax.getByRole('button', { name: 'Save business and tax details' }).click();
	await expect(tax.getByTestId('banner-success')).toContainText('saved');
	await expect(tax.getByTestId('vat-rule')).toContainText('New orders include 15% VAT.');
	await page.getByLabel('Time zone').fill('Africa/Windhoek');
	await page.getByRole('button', { name: 'Save organisation' }).click();
	await expect(page.getByText('Organisation saved.')).toBeVisible();
	// Nothing wider than the phone: no sideways scrolling.
	const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
	expect(overflow).toBeLessThanOrEqual(0);
	await shot(page, 'organiser-settings-390.png');

	const saved = await (await page.request.get(`${org}/tax-settings`)).json();
	expect([saved.vat_registered, saved.vat_number, saved.legal_name]).toEqual([true, '4123456789', `Karoo Sounds ${stamp} (Pty) Ltd`]);
	expect((await (await page.request.get(org)).json()).time_zone).toBe('Africa/Windhoek');

	// --- a paid order: its tax invoice on the order page, downloadable ---
	const call = async (url: string, data: unknown) => {
		const r = await page.request.post(url, { data, headers: { 'X-CSRF-Token': csrf } });
		expect(r.ok(), `${url}: ${r.status()} ${await r.text()}`).toBeTruthy();
		return r.json();
	};
	const venue = await call(`${org}/venues`, { name: 'Baxter', address_line1: 'Main Rd', city: 'Cape Town' });
	const event = await call(`${org}/events`, { name: `Tax Night ${stamp}`, venue_id: venue.id, starts_at: localInput(20, 19), ends_at: localInput(20, 23) });
	const type = await call(`${org}/events/${event.id}/ticket-types`, { name: 'General', price_cents: 20000, quantity: 10 });
	const published = await call(`${org}/events/${event.id}/publish`, {});
	const buyer = await playwrightRequest.newContext({ baseURL });
	const held = await (
		await buyer.post(`/api/public/events/${published.slug}/reservations`, { data: { items: [{ ticket_type_id: type.id, quantity: 2 }] } })
	).json();
	expect(held.vat_cents).toBe(5217);
	const started = await buyer.post(`/api/public/orders/${held.reference}/checkout`, {
		data: { buyer_name: 'Thandi Nkosi', buyer_email: `thandi-${stamp}@example.test`, provider: 'simulated' },
		headers: { 'X-Order-Token': held.access_token }
	});
	const payUrl = new URL((await started.json()).payment.url, baseURL);
	const payPage = await (await buyer.get(payUrl.pathname + payUrl.search)).text();
	const payForm = Object.fromEntries([...payPage.matchAll(/<input type=hidden name=(\w+) value='([^']*)'>/g)].map((m) => [m[1], m[2]]));
	expect((await buyer.post(payUrl.pathname, { form: { ...payForm, outcome: 'pay' }, maxRedirects: 0 })).status()).toBe(303);

	await page.goto(`/app/orgs/${orgId}/events/${event.id}/orders/${held.order_id}`);
	const documents = page.getByTestId('documents-table');
	await expect(documents).toContainText('Tax Invoice');
	await expect(documents).toContainText('INV-000001');
	const href = await documents.getByRole('link', { name: 'Download' }).getAttribute('href');
	const pdf = await page.request.get(href ?? '');
	expect(pdf.status()).toBe(200);
	expect(pdf.headers()['content-type']).toContain('application/pdf');
	await buyer.dispose();
});
