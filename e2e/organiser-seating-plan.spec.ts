import { expect, test } from '@playwright/test';
import fs from 'node:fs';
import { seedEvent, signedInOrganiser } from './organiser-seed';
import { shot } from './support';

// Reserved seating in the organiser app, on a 390 px phone: the organiser creates a venue plan
// with one generated section (3 rows x 6 seats, odd/even from the centre), marks a seat
// accessible, saves, exports the JSON (it downloads and names the seats), assigns the plan to a
// draft event (a ticket type too small for the seats: the 422 at its field; then General), and
// blocks one seat. Deleting the plan an event sells is a 409 shown in words; editing it makes v2.

test.use({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });

test('an organiser builds a seating plan, exports it, and sells it at an event with a blocked seat', async ({ page }) => {
	test.setTimeout(150_000);
	page.on('dialog', (d) => void d.accept());
	const o = await signedInOrganiser(page, 'seating');
	const { venue, event } = await seedEvent(o, { publish: false }); // General (300) and VIP (40)
	const small = await o.call('post', `${o.org}/events/${event.id}/ticket-types`, { name: 'Balcony', price_cents: 15000, quantity: 5 });

	// --- the plan: one generated section, a seat marked accessible ---
	await page.goto(`/app/orgs/${o.orgId}/venues/${venue.id}`);
	await page.getByRole('link', { name: 'Seating plans' }).last().click();
	await expect(page.getByRole('heading', { level: 1, name: 'Seating plans' })).toBeVisible();
	await expect(page.getByText('No seating plans yet')).toBeVisible();
	await page.getByRole('link', { name: 'New plan' }).click();
	await page.getByLabel('Plan name').fill('Main hall');
	await page.getByLabel('Section name').fill('Stalls');
	await page.getByLabel('Rows', { exact: true }).fill('3');
	await page.getByLabel('Seats per row').fill('6');
	await page.getByLabel('Seat numbering').selectOption({ label: '5 3 1 2 4 6 (odd/even from the centre)' });
	await page.getByRole('button', { name: 'Add seated section' }).click();
	await expect(page.getByTestId('section')).toContainText('18 seats in 3 rows');
	await page.getByRole('button', { name: 'Stalls row A seat 1', exact: true }).tap();
	await expect(page.getByTestId('picked-seats')).toContainText('Stalls, row A, seat 1');
	await page.getByLabel('Accessible (wheelchair)').check();
	if (process.env.SCREENSHOTS === '1') {
		await page.getByRole('button', { name: 'Stalls row A seat 1', exact: true }).evaluate((el) => el.scrollIntoView({ block: 'start' }));
		await page.evaluate(() => window.scrollBy(0, -170)); // the preview's heading and the seat above the fold
	}
	await shot(page, 'organiser-seating-plan-editor.png');
	await page.getByRole('button', { name: 'Create plan' }).click();
	await expect(page.getByTestId('banner-success')).toContainText('Plan created.');
	await expect(page.getByRole('heading', { level: 1, name: 'Main hall (v1)' })).toBeVisible();
	await expect(page.getByRole('button', { name: 'Stalls row A seat 1', exact: true })).toHaveJSProperty('tagName', 'rect'); // accessible: a square

	// --- export: the JSON downloads and names the seats ---
	await page.getByRole('link', { name: '‹ Seating plans' }).click();
	const row = page.getByTestId('seating-plan-row');
	await expect(row).toHaveCount(1);
	await expect(row).toContainText('Main hall');
	await expect(row).toContainText('18');
	const [download] = await Promise.all([page.waitForEvent('download'), row.getByRole('button', { name: 'Export Main hall v1' }).click()]);
	expect(download.suggestedFilename()).toBe('main-hall-v1.seating.json');
	const exportedFile = (await download.path())!;
	const exported = JSON.parse(fs.readFileSync(exportedFile, 'utf8'));
	expect(exported.format).toBe('voelgoed-seating');
	expect(exported.id).toBeNull();
	const rowA = exported.sections[0].rows[0];
	expect(exported.sections[0].rows.map((r: { label: string }) => r.label)).toEqual(['A', 'B', 'C']);
	expect(rowA.seats.map((s: { label: string }) => s.label)).toEqual(['5', '3', '1', '2', '4', '6']);
	expect(rowA.seats[2]).toMatchObject({ label: '1', accessible: true, category: 'STD' });

	// --- the event: a type too small is refused at its field, then General; block one seat ---
	await page.goto(`/app/orgs/${o.orgId}/events/${event.id}/seating`);
	await expect(page.getByRole('heading', { level: 1, name: 'Seating' })).toBeVisible();
	await expect(page.getByText('does not sell reserved seats yet')).toBeVisible();
	const mapTo = page.getByLabel('Standard (STD) sells as');
	await mapTo.selectOption({ label: `${small.name} · R 150.00 · 5 tickets` });
	await page.getByRole('button', { name: 'Save seating' }).click();
	await expect(page.locator('.field', { has: mapTo }).locator('.error')).toContainText('18');
	await mapTo.selectOption({ label: 'General · R 250.00 · 300 tickets' });
	await page.getByRole('button', { name: 'Save seating' }).click();
	await expect(page.getByTestId('seat-counts')).toContainText('Main hall v1: 18 available · 0 held · 0 sold · 0 blocked');
	await page.getByRole('button', { name: 'Stalls row A seat 5', exact: true }).tap();
	await expect(page.getByTestId('block-bar')).toContainText('1 selected');
	await page.getByLabel('Reason').selectOption('cameras');
	await page.getByRole('button', { name: 'Block seats', exact: true }).click();
	await expect(page.getByTestId('banner-success')).toContainText('Blocked 1 seat(s): Cameras.');
	await expect(page.getByTestId('seat-counts')).toContainText('17 available · 0 held · 0 sold · 1 blocked');
	await expect(page.getByRole('button', { name: 'Stalls row A seat 5', exact: true })).toHaveAttribute('fill', '#202020');
	await page.getByTestId('seat-map').scrollIntoViewIfNeeded();
	await shot(page, 'organiser-seating.png');

	// --- the plan is in use: deleting it is refused in words; saving it makes version 2 ---
	await page.goto(`/app/orgs/${o.orgId}/venues/${venue.id}/seating`);
	await expect(row).toContainText('Sold by an event');
	await row.getByRole('button', { name: 'Delete Main hall v1' }).click();
	await expect(page.getByTestId('banner-error')).toContainText('is in use by an event and cannot be deleted');
	await row.getByRole('link', { name: 'Main hall' }).click();
	await page.getByRole('button', { name: 'Stalls row A seat 1', exact: true }).tap();
	await page.getByLabel('Seat label').fill('3'); // row A already has a seat 3: the 422 names the seat
	await page.getByRole('button', { name: 'Save plan' }).click();
	await expect(page.getByTestId('banner-error')).toContainText("“Stalls”, row A, seat 3 (label): Seat '3' is in this row twice.");
	await page.getByLabel('Seat label').fill('1');
	await page.getByLabel('Plan name').fill('Main hall 2027');
	await page.getByRole('button', { name: 'Save plan' }).click();
	await expect(page.getByTestId('banner-success')).toContainText('saved as a new version 2');
	await expect(page.getByRole('heading', { level: 1, name: 'Main hall 2027 (v2)' })).toBeVisible();

	// --- the exported file imports as a new plan ---
	await page.getByRole('link', { name: '‹ Seating plans' }).click();
	await page
		.getByLabel('Import JSON')
		.setInputFiles({ name: 'main-hall-v1.seating.json', mimeType: 'application/json', buffer: fs.readFileSync(exportedFile) });
	await expect(page.getByTestId('banner-success')).toContainText('Imported “Main hall” (18 seats).');
	await expect(row).toHaveCount(3); // v2, v1 and the import
});
