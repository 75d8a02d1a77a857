import { expect, request as playwrightRequest, test, type APIRequestContext } from '@playwright/test';
import { localInput, shot } from './support';

// A buyer whose phone speaks Afrikaans (browser locale af-ZA) buys a ticket end to end: the
// checkout site answers in Afrikaans from the browser's language alone, the order is paid with the
// simulated provider (a test page, English by design), and the tickets e-mail is in Afrikaans.
// Then the footer's language switch turns the same pages into English and back (docs/i18n.md).

test.use({ locale: 'af-ZA', viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 1 });

async function organiserApi(baseURL: string) {
	const api: APIRequestContext = await playwrightRequest.newContext({ baseURL });
	const stamp = Date.now().toString(36);
	const signUp = await api.post('/api/auth/sign-up', {
		data: {
			email: `organiser-af-${stamp}@example.test`,
			password: 'a-long-and-unguessable-passphrase',
			name: 'Marike de Villiers',
			organization_name: `Klein Karoo Fees ${stamp}`
		}
	});
	expect(signUp.status(), await signUp.text()).toBe(201);
	const me = await signUp.json();
	const org = `/api/organizations/${me.memberships[0].organization_id}`;
	const send = async (url: string, data?: unknown) => {
		const r = await api.post(url, { data, headers: { 'X-CSRF-Token': me.csrf_token } });
		expect(r.ok(), `${url}: ${r.status()} ${await r.text()}`).toBeTruthy();
		return r.json();
	};
	return { api, org, send, stamp };
}

test('a buyer with an Afrikaans browser buys a ticket in Afrikaans', async ({ page, baseURL }) => {
	const { api, org, send, stamp } = await organiserApi(baseURL!);
	const venue = await send(`${org}/venues`, { name: 'Die Burger Teater', address_line1: 'Langstraat 12', city: 'Oudtshoorn', province: 'Western Cape' });
	const event = await send(`${org}/events`, {
		name: `Boeremusiek Aand ${stamp}`,
		description: "'n Aand vol musiek onder die sterre.",
		venue_id: venue.id,
		starts_at: localInput(30, 19),
		ends_at: localInput(30, 23),
		capacity: 200
	});
	await send(`${org}/events/${event.id}/ticket-types`, { name: 'Algemeen', price_cents: 125000, quantity: 100 });
	await send(`${org}/events/${event.id}/publish`);

	// --- the listing and the event page, in Afrikaans from the browser's language ---
	await page.goto('/');
	await expect(page.locator('html')).toHaveAttribute('lang', 'af');
	await expect(page.getByRole('heading', { level: 1, name: 'Komende geleenthede' })).toBeVisible();
	await page.getByRole('link', { name: event.name }).click();
	await expect(page.getByRole('heading', { level: 2, name: 'Kaartjies' })).toBeVisible();
	await expect(page.getByText('R 1 250,00')).toBeVisible();
	await expect(page.getByText(/19:00 SAST/)).toBeVisible();
	await expect(page.getByRole('link', { name: 'Vind my bestelling' })).toBeVisible();
	await shot(page, 'i18n-event-af.png');

	// A mistake is explained in Afrikaans, at the top and focused.
	await page.getByRole('button', { name: 'Bespreek kaartjies' }).click();
	await expect(page.getByRole('alert')).toContainText('Kies minstens een kaartjie.');

	await page.getByLabel('Hoeveelheid van Algemeen', { exact: true }).selectOption('1');
	await page.getByRole('button', { name: 'Bespreek kaartjies' }).click();

	// --- buyer details ---
	await expect(page).toHaveURL(/\/checkout\/VG-[A-Z0-9]+$/);
	const reference = page.url().split('/').pop()!;
	await expect(page.getByRole('heading', { name: 'Jou besonderhede' })).toBeVisible();
	await expect(page.getByText('Jou kaartjies word gehou tot')).toBeVisible();
	await page.getByRole('button', { name: 'Gaan voort na betaling' }).click();
	await expect(page.getByRole('alert')).toContainText('Korrigeer asseblief die besonderhede hieronder.');
	await expect(page.getByText('Tik jou volle naam in.').first()).toBeVisible();
	await page.getByLabel('Volle naam', { exact: true }).fill('Anrie Botha');
	const buyerEmail = `anrie-${stamp}@example.test`;
	await page.getByLabel('E-posadres', { exact: true }).fill(buyerEmail);
	await expect(page.getByRole('radio', { name: /Toetsbetaling/ })).toBeChecked();
	await shot(page, 'i18n-details-af.png');
	await page.getByRole('button', { name: 'Gaan voort na betaling' }).click();

	// --- the simulated provider (a test page of its own) ---
	await expect(page).toHaveURL(/\/pay\/simulated\//);
	await page.getByRole('button', { name: 'Pay', exact: true }).click();

	// --- the order page ---
	await expect(page).toHaveURL(new RegExp(`/orders/${reference}\\?token=`));
	await expect(page.getByRole('heading', { level: 1, name: `Bestelling ${reference}` })).toBeVisible();
	await expect(page.getByText('Betaal. Dankie!')).toBeVisible();
	await expect(page.getByRole('link', { name: 'Laai kaartjies af (PDF)' })).toBeVisible();
	await shot(page, 'i18n-confirmation-af.png');

	// --- the tickets e-mail, in the language the order was bought in ---
	await expect
		.poll(
			async () => {
				const r = await api.get('/dev/mail/messages');
				const messages: { to: string; subject: string }[] = await r.json();
				return messages.find((m) => m.to.includes(buyerEmail))?.subject ?? '';
			},
			{ timeout: 30_000 }
		)
		.toBe(`Jou kaartjies: ${event.name} (${reference})`);

	// --- the switch in the footer: English, and the choice sticks ---
	const orderUrl = page.url();
	await page.getByRole('navigation', { name: 'Taal' }).getByRole('link', { name: 'English' }).click();
	await expect(page).toHaveURL(orderUrl);
	await expect(page.locator('html')).toHaveAttribute('lang', 'en');
	await expect(page.getByText('Paid. Thank you!')).toBeVisible();
	// (The provider returned the buyer to PUBLIC_URL's host, where the switch set its cookie.)
	await page.goto(new URL(`/events/${event.slug}`, page.url()).toString());
	await expect(page.getByRole('button', { name: 'Reserve tickets' })).toBeVisible();
	await page.getByRole('navigation', { name: 'Language' }).getByRole('link', { name: 'Afrikaans' }).click();
	await expect(page.getByRole('button', { name: 'Bespreek kaartjies' })).toBeVisible();
	await api.dispose();
});
