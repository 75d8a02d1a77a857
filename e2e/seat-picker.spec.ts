import { expect, test, type Page } from '@playwright/test';
import { apiOrganiser } from './organiser-seed';
import { localInput, shot } from './support';

// The seat picker on a phone (docs/seating.md#seat-picker): an organiser sets up a seated event
// through the API (a plan made with createSeatingPlan, assignEventSeating, publish); a buyer taps
// two seats on the SVG map, continues, pays with the simulated provider and sees the seats on the
// order page. Then the keyboard path through the seats-per-row list, and the map's weight for a
// 5,000-seat theatre (bytes on the wire, the map's data in the page, and time until the map is
// drawn, 4x CPU throttling).

test.use({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 1 });

type Section = { key: string; name: string; kind: 'seated'; rows: { label: string; seats: object[] }[] };

/** `rows` x `perRow` seats, 30 plan units apart; seat 1 of row A accessible; category A in front, B behind. */
function section(key: string, name: string, rows: number, perRow: number, dx = 0): Section {
	const labels = 'ABCDEFGHJKLMNPQRSTUVWXYZ';
	return {
		key,
		name,
		kind: 'seated',
		rows: Array.from({ length: rows }, (_, r) => ({
			label: r < labels.length ? labels[r] : `R${r + 1}`,
			seats: Array.from({ length: perRow }, (_, s) => ({
				label: String(s + 1),
				x: dx + s * 30,
				y: 40 + r * 30,
				category: rows > 2 && r >= rows - 1 ? 'B' : 'A',
				accessible: r === 0 && s === 0
			}))
		}))
	};
}

async function seatedEvent(baseURL: string, sections: Section[], width: number, height: number) {
	const { org, call, stamp } = await apiOrganiser(baseURL, 'seats');
	const venue = await call('post', `${org}/venues`, { name: 'Baxter Theatre', address_line1: 'Main Road', city: 'Rondebosch', capacity: 6000 });
	const event = await call('post', `${org}/events`, {
		name: `Die Storie van ’n Sitplek ${stamp}`,
		venue_id: venue.id,
		starts_at: localInput(20, 19),
		ends_at: localInput(20, 22),
		capacity: 6000
	});
	const all = sections.flatMap((s) => s.rows.flatMap((r) => r.seats as { category: string }[]));
	const inA = all.filter((seat) => seat.category === 'A').length;
	const front = await call('post', `${org}/events/${event.id}/ticket-types`, { name: 'Stalls', price_cents: 25000, quantity: inA, max_per_order: 8 });
	const back = await call('post', `${org}/events/${event.id}/ticket-types`, {
		name: 'Back stalls',
		price_cents: 18000,
		quantity: all.length - inA,
		max_per_order: 8
	});
	const plan = await call('post', `${org}/venues/${venue.id}/seating-plans`, {
		name: 'Main house',
		width,
		height,
		focus: { x: width / 2, y: 0 },
		categories: [
			{ key: 'A', name: 'Stalls', color: '#b8322e' },
			{ key: 'B', name: 'Back stalls', color: '#2d5fa0' }
		],
		sections
	});
	await call('put', `${org}/events/${event.id}/seating`, {
		plan_id: plan.id,
		categories: [
			{ category: 'A', ticket_type_id: front.id },
			{ category: 'B', ticket_type_id: back.id }
		]
	});
	await call('post', `${org}/events/${event.id}/publish`);
	return event;
}

async function payAndSeeSeats(page: Page, seats: string[]) {
	await expect(page).toHaveURL(/\/checkout\/VG-[A-Z0-9]+$/);
	for (const s of seats) await expect(page.getByText(s, { exact: true })).toBeVisible();
	await shot(page, 'seat-picker-details.png');
	await page.getByLabel('Full name', { exact: true }).fill('Sipho Ndlovu');
	await page.getByLabel('E-mail address', { exact: true }).fill(`sipho-${Date.now()}@example.test`);
	await page.getByRole('button', { name: 'Continue to payment' }).click();
	await expect(page).toHaveURL(/\/pay\/simulated\//);
	await page.getByRole('button', { name: 'Pay', exact: true }).click();
	await expect(page.getByText('Paid. Thank you!')).toBeVisible();
	for (const s of seats) await expect(page.getByText(s, { exact: true })).toBeVisible();
}

test('a buyer taps two seats on the map, pays, and the order page shows them', async ({ page, baseURL }) => {
	const event = await seatedEvent(baseURL!, [section('stalls', 'Stalls', 4, 10)], 300, 180);
	await page.goto(`/events/${event.slug}`);
	await page.getByRole('link', { name: 'Choose your seats' }).click();
	await expect(page.getByRole('heading', { level: 1, name: 'Choose your seats' })).toBeVisible();
	const map = page.locator('svg.map');
	await expect(map).toBeVisible();
	await expect(map.locator('circle')).toHaveCount(40);
	// Row B seats 5 and 6 are positions 14 and 15 (row A is 0..9).
	await map.locator('circle[data-p="14"]').tap();
	await map.locator('circle[data-p="15"]').tap();
	await expect(map.locator('circle.on')).toHaveCount(2);
	await expect(page.getByText('Seats chosen: Stalls B5, Stalls B6')).toBeVisible();
	// the map ticks the list's own checkboxes: one choice, one form
	await expect(page.getByRole('group', { name: 'Row B' }).getByRole('checkbox', { name: /^5\b/ })).toBeChecked();
	await map.locator('circle[data-p="3"]').tap(); // a third, let go again
	await map.locator('circle[data-p="3"]').tap();
	await page
		.getByRole('button', { name: '+', exact: true })
		.or(page.getByRole('button', { name: 'Zoom in' }))
		.first()
		.click();
	await shot(page, 'seat-picker.png');
	await page.locator('[data-seat-submit]').click();
	await payAndSeeSeats(page, ['Stalls, row B, seat 5', 'Stalls, row B, seat 6']);
	await shot(page, 'seat-picker-order.png');

	// the seats are taken for the next buyer, on the map and in the list
	await page.goto(`/events/${event.slug}/seats`);
	await expect(page.locator('svg.map circle[data-p="14"][data-x]')).toHaveCount(1);
	await expect(page.getByRole('group', { name: 'Row B' }).getByRole('checkbox', { name: /^5\b/ })).toBeDisabled();
});

test('keyboard and screen-reader path: seats listed per row, ticked with the space bar', async ({ page, baseURL }) => {
	const event = await seatedEvent(baseURL!, [section('stalls', 'Stalls', 3, 6)], 200, 140);
	await page.goto(`/events/${event.slug}/seats`);
	const rowA = page.getByRole('group', { name: 'Row A' });
	await expect(rowA.getByRole('checkbox', { name: /^1\W+Stalls R.250\.00, wheelchair accessible$/ })).toBeVisible();
	const seat2 = rowA.getByRole('checkbox', { name: /^2\b/ });
	const seat3 = rowA.getByRole('checkbox', { name: /^3\b/ });
	await seat2.focus();
	await page.keyboard.press('Space');
	await page.keyboard.press('Tab');
	await expect(seat3).toBeFocused();
	await page.keyboard.press('Space');
	await expect(seat2).toBeChecked();
	await expect(seat3).toBeChecked();
	await expect(page.locator('svg.map circle.on')).toHaveCount(2); // the map follows the list
	await page.locator('#seat-submit').focus();
	await page.keyboard.press('Enter');
	await payAndSeeSeats(page, ['Stalls, row A, seat 2', 'Stalls, row A, seat 3']);
});

test('a 5,000-seat theatre: the map is under 150 KB on the wire and drawn quickly', async ({ page, baseURL, context }) => {
	const sections = Array.from({ length: 5 }, (_, i) => section(`s${i + 1}`, `Section ${i + 1}`, 25, 40, i * 1300));
	const event = await seatedEvent(baseURL!, sections, 6500, 820);
	const bytes: Record<string, number> = {};
	page.on('requestfinished', async (request) => {
		const sizes = await request.sizes();
		bytes[new URL(request.url()).pathname] = sizes.responseBodySize + sizes.responseHeadersSize;
	});
	const cdp = await context.newCDPSession(page);
	await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
	await page.goto(`/events/${event.slug}/seats`);
	await expect(page.locator('svg.map circle')).toHaveCount(5000);
	const drawn = Number(await page.locator('[data-seat-map]').getAttribute('data-drawn')); // ms since navigation start
	await cdp.send('Emulation.setCPUThrottlingRate', { rate: 1 });
	// the map's data comes in the page itself: no map.json request
	await expect.poll(() => Object.keys(bytes).some((k) => k.endsWith(`/events/${event.slug}/seats`))).toBe(true);
	await expect.poll(() => Object.keys(bytes).some((k) => /\/seats\.[0-9a-f]+\.js$/.test(k))).toBe(true);
	expect(Object.keys(bytes).some((k) => k.endsWith('/map.json'))).toBe(false);
	const total = Object.values(bytes).reduce((a, b) => a + b, 0);
	console.log(`seat picker, 5,000 seats: ${total} bytes transferred (with headers), map drawn ${drawn} ms at 4x CPU throttling`, bytes);
	expect(total).toBeLessThan(150 * 1024);
	// sections first: tap a section, its seats fill the view
	await page.locator('svg.map rect[data-zoom]').nth(1).tap();
	await shot(page, 'seat-picker-sections.png');
});
