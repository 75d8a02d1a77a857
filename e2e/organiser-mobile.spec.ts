import { expect, test, type Page } from '@playwright/test';
import { buyTickets, seedEvent, signedInOrganiser } from './organiser-seed';
import { shot } from './support';

// The organiser app on a phone (390 x 844): every route of the app, with seeded content, has no
// horizontal page scroll, and every event tab is visible and one tap away. A new route is one
// line in ROUTES (placeholders: {orgId} {eventId} {orderId} {venueId} {webhookId} {planId}); a new event tab needs
// nothing here, the tab check reads the tab bar.

const PHONE = { width: 390, height: 844 };

interface Route {
	path: string; // under /app
	heading: string | RegExp; // the page's h1 once it has loaded
	shot?: string; // docs/img file name when SCREENSHOTS=1
}

/** Every route of organiser_app. Keep it in step with organiser_app/src/routes. */
export const ROUTES: Route[] = [
	{ path: '/orgs/{orgId}/dashboard', heading: 'Overview' },
	{ path: '/orgs/{orgId}/events', heading: 'Events', shot: 'organiser-mobile-events.png' },
	{ path: '/orgs/{orgId}/events/new', heading: 'New event' },
	{ path: '/orgs/{orgId}/events/{eventId}', heading: /Vastrap Nights/, shot: 'organiser-mobile-event.png' },
	{ path: '/orgs/{orgId}/events/{eventId}/dashboard', heading: 'Dashboard' },
	{ path: '/orgs/{orgId}/events/{eventId}/ticket-types', heading: 'Ticket types' },
	{ path: '/orgs/{orgId}/events/{eventId}/seating', heading: 'Seating' },
	{ path: '/orgs/{orgId}/events/{eventId}/coupons', heading: 'Coupons' },
	{ path: '/orgs/{orgId}/events/{eventId}/questions', heading: 'Questions' },
	{ path: '/orgs/{orgId}/events/{eventId}/waiting-list', heading: 'Waiting list' },
	{ path: '/orgs/{orgId}/events/{eventId}/orders', heading: 'Orders', shot: 'organiser-mobile-orders.png' },
	{ path: '/orgs/{orgId}/events/{eventId}/orders/{orderId}', heading: /^Order VG-/ },
	{ path: '/orgs/{orgId}/events/{eventId}/sales', heading: 'Sales' },
	{ path: '/orgs/{orgId}/events/{eventId}/check-in', heading: 'Check-in' },
	{ path: '/orgs/{orgId}/events/{eventId}/check-in/rules', heading: 'Check-in rules', shot: 'organiser-mobile-checkin-rules.png' },
	{ path: '/orgs/{orgId}/events/{eventId}/devices', heading: 'Devices' },
	{ path: '/orgs/{orgId}/venues', heading: 'Venues' },
	{ path: '/orgs/{orgId}/venues/new', heading: 'New venue' },
	{ path: '/orgs/{orgId}/venues/{venueId}', heading: 'Oude Libertas Amphitheatre' },
	{ path: '/orgs/{orgId}/venues/{venueId}/seating', heading: 'Seating plans' },
	{ path: '/orgs/{orgId}/venues/{venueId}/seating/new', heading: 'New seating plan' },
	{ path: '/orgs/{orgId}/venues/{venueId}/seating/{planId}', heading: /^Main hall/ },
	{ path: '/orgs/{orgId}/members', heading: 'Members' },
	{ path: '/orgs/{orgId}/reports', heading: /Reports|Money/ },
	{ path: '/orgs/{orgId}/payments', heading: /Payments/ },
	{ path: '/orgs/{orgId}/settings', heading: /Settings/ },
	{ path: '/orgs/{orgId}/audit-log', heading: 'Audit log' },
	{ path: '/orgs/{orgId}/emails', heading: 'E-mails' },
	{ path: '/orgs/{orgId}/api-keys', heading: 'API keys' },
	{ path: '/orgs/{orgId}/privacy', heading: 'Privacy requests' },
	{ path: '/orgs/{orgId}/webhooks', heading: 'Webhooks' },
	{ path: '/orgs/{orgId}/webhooks/new', heading: 'New webhook endpoint' },
	{ path: '/orgs/{orgId}/webhooks/{webhookId}', heading: 'Webhook endpoint' },
	{ path: '/orgs/new', heading: /organisation/i }
];

/** Dialogs, opened by a button on a route: each must fit the screen (no sideways scroll inside). */
export const DIALOGS: { path: string; button: string }[] = [
	{ path: '/orgs/{orgId}/events/{eventId}', button: 'Cancel event' },
	{ path: '/orgs/{orgId}/events/{eventId}', button: 'Duplicate' },
	{ path: '/orgs/{orgId}/events/{eventId}', button: 'Create series' }
];

/** Pages without a session (visited signed out). */
export const PUBLIC_ROUTES: Route[] = [
	{ path: '/sign-in', heading: /Sign in/ },
	{ path: '/sign-up', heading: /account|Sign up/i },
	{ path: '/forgot-password', heading: /password/i },
	{ path: '/reset-password?token=not-a-real-token', heading: /password/i },
	{ path: '/invitations/not-a-real-token', heading: /invit/i }
];

async function overflow(page: Page): Promise<{ scrollWidth: number; innerWidth: number; culprits: string[] }> {
	return page.evaluate(() => {
		const innerWidth = window.innerWidth;
		// The widest elements that stick out, to say what to fix when this fails.
		const culprits = [...document.querySelectorAll('body *')]
			.filter((el) => el.getBoundingClientRect().right > innerWidth + 1)
			.slice(0, 5)
			.map((el) => `${el.tagName.toLowerCase()}.${[...el.classList].join('.')} (${Math.round(el.getBoundingClientRect().right)}px)`);
		return { scrollWidth: document.documentElement.scrollWidth, innerWidth, culprits };
	});
}

async function visit(page: Page, route: Route, fill: Record<string, string>): Promise<void> {
	const url = '/app' + route.path.replace(/\{(\w+)\}/g, (_, k: string) => fill[k] ?? `{${k}}`);
	await page.goto(url);
	await expect(page.getByRole('heading', { level: 1, name: route.heading }).first(), url).toBeVisible();
	await expect(page.getByText('Loading…', { exact: true })).toHaveCount(0);
	await page.waitForTimeout(300); // late content (charts, lists) lays out
	const o = await overflow(page);
	expect(o.scrollWidth, `${url} scrolls sideways at ${PHONE.width}px: ${o.culprits.join(', ')}`).toBeLessThanOrEqual(o.innerWidth);
	if (route.shot) await shot(page, route.shot);
	// MOBILE_SHOTS_DIR=/tmp/x: a full-page screenshot of every route, to look through by eye.
	if (process.env.MOBILE_SHOTS_DIR)
		await page.screenshot({ path: `${process.env.MOBILE_SHOTS_DIR}/${route.path.replace(/[^a-z]+/gi, '_')}.png`, fullPage: true });
}

test.use({ viewport: PHONE, hasTouch: true, isMobile: true, deviceScaleFactor: 1 });

test('every route of the organiser app fits a 390 px phone, and every event tab is one tap away', async ({ page, baseURL, browser }) => {
	test.setTimeout(180_000);
	const o = await signedInOrganiser(page, 'mobile');
	const seeded = await seedEvent(o, { days: 20 });
	await buyTickets(baseURL!, seeded.event.slug, seeded.types[0].id, 2, o.stamp);
	const orders = await o.call('get', `${o.org}/orders?event_id=${seeded.event.id}`);
	const webhook = await o.call('post', `${o.org}/webhook-endpoints`, {
		url: 'http://127.0.0.1:9/hooks/voelgoed-events-with-a-long-path', // nothing listens: nothing leaves the machine
		description: 'CRM sync',
		event_types: ['order.paid', 'ticket.checked_in']
	});
	await o.call('post', `${o.org}/webhook-endpoints/${webhook.endpoint.id}/test`); // a row in its delivery log
	// A seating plan of 2 rows x 8 seats, sold at the event as VIP (the seat map on the Seating tab).
	const seats = (y: number) => Array.from({ length: 8 }, (_, i) => ({ label: String(i + 1), x: 465 + i * 10, y, category: 'A' }));
	const plan = await o.call('post', `${o.org}/venues/${seeded.venue.id}/seating-plans`, {
		name: 'Main hall',
		categories: [{ key: 'A', name: 'Stalls', color: '#3070c0' }],
		sections: [
			{
				key: 'stalls',
				name: 'Stalls',
				x: 500,
				y: 100,
				rows: [
					{ label: 'A', seats: seats(100) },
					{ label: 'B', seats: seats(112) }
				]
			}
		]
	});
	await o.call('put', `${o.org}/events/${seeded.event.id}/seating`, { plan_id: plan.id, categories: [{ category: 'A', ticket_type_id: seeded.types[1].id }] });
	const fill = {
		orgId: o.orgId,
		eventId: seeded.event.id,
		orderId: orders.items[0].id,
		venueId: seeded.venue.id,
		webhookId: webhook.endpoint.id,
		planId: plan.id
	};

	for (const route of ROUTES) await visit(page, route, fill);

	for (const d of DIALOGS) {
		await page.goto('/app' + d.path.replace(/\{(\w+)\}/g, (_, k: string) => fill[k as keyof typeof fill]));
		await page.getByRole('button', { name: d.button, exact: true }).first().tap();
		const dialog = page.locator('dialog[open]');
		await expect(dialog, d.button).toBeVisible();
		const box = (await dialog.boundingBox())!;
		expect(box.x, d.button).toBeGreaterThanOrEqual(0);
		expect(box.x + box.width, d.button).toBeLessThanOrEqual(PHONE.width);
		expect(await dialog.evaluate((el) => el.scrollWidth <= el.clientWidth), `${d.button} dialog scrolls sideways`).toBe(true);
		await page.keyboard.press('Escape');
	}

	// The event tabs: each visible inside the screen, and a tap opens it.
	await page.goto(`/app/orgs/${o.orgId}/events/${seeded.event.id}`);
	const tabs = page.getByTestId('event-tabs').getByRole('link');
	await expect(tabs.first()).toBeVisible(); // the app shell has loaded the session and the tab bar
	const count = await tabs.count();
	expect(count).toBeGreaterThanOrEqual(8);
	for (let i = 0; i < count; i++) {
		const tab = page.getByTestId('event-tabs').getByRole('link').nth(i);
		const label = (await tab.textContent())?.trim() ?? '';
		await expect(tab, label).toBeInViewport({ ratio: 1 });
		const box = (await tab.boundingBox())!;
		expect(box.x, label).toBeGreaterThanOrEqual(0);
		expect(box.x + box.width, label).toBeLessThanOrEqual(PHONE.width);
		expect(box.height, `${label} is big enough to tap`).toBeGreaterThanOrEqual(32);
		await tab.tap();
		await expect(page.getByTestId('event-tabs').getByRole('link', { name: label, exact: true })).toHaveAttribute('aria-current', 'page');
		const o2 = await overflow(page);
		expect(o2.scrollWidth, `${label} tab: ${o2.culprits.join(', ')}`).toBeLessThanOrEqual(o2.innerWidth);
	}
	await page.goto(`/app/orgs/${o.orgId}/events/${seeded.event.id}`);
	await expect(page.getByRole('heading', { level: 1, name: seeded.event.name })).toBeVisible();
	await shot(page, 'organiser-mobile-tabs.png');

	// Signed out: the public pages.
	const guest = await browser.newContext({ viewport: PHONE, hasTouch: true, isMobile: true, deviceScaleFactor: 1 });
	const guestPage = await guest.newPage();
	for (const route of PUBLIC_ROUTES) await visit(guestPage, route, {});
	await guest.close();
});
