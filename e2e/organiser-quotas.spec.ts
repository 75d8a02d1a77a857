import { expect, test } from '@playwright/test';
import { buyTickets, seedEvent, signedInOrganiser } from './organiser-seed';
import { shot } from './support';

// Shared quotas in the organiser app, on a 390 px phone: the organiser pools General and VIP in
// a quota of 2 on the Ticket types page; a buyer buys 2 General through the public API; VIP then
// shows sold out on the public event page and the quota row shows 2 sold. The server's 409s
// (a type already in another quota, a capacity below what is sold) show at their fields.

test.use({ viewport: { width: 390, height: 844 } });

test('an organiser shares a quota of 2 between two ticket types', async ({ page, baseURL }) => {
	test.setTimeout(150_000);
	const o = await signedInOrganiser(page, 'quotas');
	const { event, types } = await seedEvent(o); // General (300) and VIP (40), published
	const [general, vip] = types;

	await page.goto(`/app/orgs/${o.orgId}/events/${event.id}/ticket-types`);
	const section = page.getByTestId('shared-quotas');
	await expect(section.getByTestId('no-quotas')).toBeVisible();

	// --- create the pool in the app ---
	await section.getByRole('button', { name: 'Add shared quota' }).click();
	let form = section.getByTestId('quota-form');
	await form.getByLabel('Quota name').fill('Main floor');
	await form.getByLabel('Capacity').fill('2');
	await form.getByLabel('General', { exact: true }).check();
	await form.getByLabel('VIP', { exact: true }).check();
	await form.getByRole('button', { name: 'Add shared quota' }).click();
	await expect(section.getByTestId('banner-success')).toContainText('Shared quota “Main floor” added.');
	const row = section.getByTestId('quota-row');
	await expect(row).toHaveCount(1);
	await expect(row.getByTestId('quota-types')).toHaveText('General, VIP');
	await expect(row.getByTestId('quota-capacity')).toHaveText('2');
	await expect(row.getByTestId('quota-sold')).toHaveText('0');
	await expect(row.getByTestId('quota-left')).toHaveText('2');
	const typeRows = page.getByTestId('ticket-type-row');
	await expect(typeRows.filter({ hasText: 'General' }).getByTestId('type-quota')).toHaveText('Draws from “Main floor”');
	await expect(typeRows.filter({ hasText: 'VIP' }).getByTestId('type-quota')).toHaveText('Draws from “Main floor”');

	// --- a second quota may not take General: the 409 at the ticket types ---
	await section.getByRole('button', { name: 'Add shared quota' }).click();
	form = section.getByTestId('quota-form');
	await form.getByLabel('Quota name').fill('Balcony');
	await form.getByLabel('Capacity').fill('5');
	await form.getByLabel('General (now in “Main floor”)').check();
	await form.getByRole('button', { name: 'Add shared quota' }).click();
	await expect(form.getByTestId('ticket-types-error')).toContainText('General already draws from another quota');
	await form.getByRole('button', { name: 'Cancel' }).click();
	await expect(row).toHaveCount(1);
	const listed = await o.call('get', `${o.org}/events/${event.id}/quotas`);
	expect(listed.map((q: { name: string }) => q.name)).toEqual(['Main floor']);

	// --- a buyer buys 2 General: the pool is spent ---
	await buyTickets(baseURL!, event.slug, general.id, 2, o.stamp);

	await page.goto(`/events/${event.slug}`);
	await expect(page.locator(`#type-${vip.id}`)).toContainText('Sold out');
	await expect(page.locator(`#type-${general.id}`)).toContainText('Sold out');
	const held = await page.request.post(`/api/public/events/${event.slug}/reservations`, {
		data: { items: [{ ticket_type_id: vip.id, quantity: 1 }] }
	});
	expect(held.status()).toBe(409);

	// --- the organiser sees 2 sold in the pool ---
	await page.goto(`/app/orgs/${o.orgId}/events/${event.id}/ticket-types`);
	await expect(row.getByTestId('quota-sold')).toHaveText('2');
	await expect(row.getByTestId('quota-held')).toHaveText('0');
	await expect(row.getByTestId('quota-left')).toContainText('0');
	await expect(row.getByTestId('quota-left')).toContainText('Sold out');
	await expect(typeRows.filter({ hasText: 'VIP' })).toContainText('0 / 0 / 0');

	// --- a capacity below what is sold: the 409 at the capacity field; then a larger pool ---
	await row.getByRole('button', { name: 'Edit quota Main floor' }).click();
	form = section.getByTestId('quota-form');
	await form.getByLabel('Capacity').fill('1');
	await form.getByRole('button', { name: 'Save shared quota' }).click();
	await expect(form.getByLabel('Capacity')).toHaveAttribute('aria-invalid', 'true');
	await expect(form).toContainText('2 tickets of this quota are held or sold; its capacity cannot go below that.');
	await form.getByLabel('Quota name').fill('Whole venue');
	await form.getByLabel('Capacity').fill('3');
	await form.getByRole('button', { name: 'Save shared quota' }).click();
	await expect(section.getByTestId('banner-success')).toContainText('Shared quota “Whole venue” saved.');
	await expect(row.getByTestId('quota-name')).toHaveText('Whole venue');
	await expect(row.getByTestId('quota-left')).toHaveText('1');
	await expect(typeRows.filter({ hasText: 'VIP' })).toContainText('0 / 0 / 1');

	// --- the page fits the phone ---
	expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
	await section.scrollIntoViewIfNeeded();
	await shot(page, 'organiser-quotas.png');

	// --- deleting the pool: the types sell from their own quantity again ---
	page.once('dialog', (d) => d.accept());
	await row.getByRole('button', { name: 'Delete quota Whole venue' }).click();
	await expect(section.getByTestId('no-quotas')).toBeVisible();
	await expect(page.getByTestId('type-quota')).toHaveCount(0);
	await expect(typeRows.filter({ hasText: 'VIP' })).toContainText('0 / 0 / 40');
});

test('a viewer sees the shared quotas but nothing to change them with', async ({ page, browser, baseURL }) => {
	const o = await signedInOrganiser(page, 'quotas-owner');
	const { event, types } = await seedEvent(o, { publish: false });
	await o.call('post', `${o.org}/events/${event.id}/quotas`, { name: 'Main floor', capacity: 100, ticket_type_ids: types.map((t) => t.id) });
	const email = `quotas-viewer-${o.stamp}@example.test`;
	await o.call('post', `${o.org}/invitations`, { email, role: 'viewer' });
	let token = '';
	await expect
		.poll(async () => {
			const messages: { to: string; text: string }[] = await (await page.request.get('/dev/mail/messages')).json();
			token = messages.find((m) => m.to.includes(email))?.text.match(/\/app\/invitations\/([A-Za-z0-9_-]+)/)?.[1] ?? '';
			return token !== '';
		})
		.toBe(true);

	const viewer = await browser.newContext({ baseURL, viewport: { width: 390, height: 844 } });
	const signUp = await viewer.request.post('/api/auth/sign-up', { data: { email, password: 'a-long-and-unguessable-passphrase', name: 'Anele Zulu' } });
	expect(signUp.status(), await signUp.text()).toBe(201);
	const accepted = await viewer.request.post(`/api/invitations/${token}/accept`, { headers: { 'X-CSRF-Token': (await signUp.json()).csrf_token } });
	expect(accepted.status(), await accepted.text()).toBe(200);

	const view = await viewer.newPage();
	await view.goto(`/app/orgs/${o.orgId}/events/${event.id}/ticket-types`);
	const section = view.getByTestId('shared-quotas');
	const row = section.getByTestId('quota-row');
	await expect(row).toHaveCount(1);
	await expect(row.getByTestId('quota-types')).toHaveText('General, VIP');
	await expect(row.getByTestId('quota-left')).toHaveText('100');
	await expect(view.getByTestId('type-quota')).toHaveCount(2);
	await expect(section.getByRole('button')).toHaveCount(0);
	await viewer.close();
});
