import { expect, test } from '@playwright/test';
import { seedEvent, signedInOrganiser } from './organiser-seed';
import { localInput, shot } from './support';

// Event copies on a phone (390 px): the organiser duplicates an event to a new date (landing on
// the draft copy, with its ticket types), then makes a weekly series from it; a series that is too
// long is refused at the field and makes nothing.

test.use({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true, deviceScaleFactor: 1 });

test('duplicate an event and create a weekly series of it', async ({ page }) => {
	test.setTimeout(120_000);
	const o = await signedInOrganiser(page, 'copies');
	const { event } = await seedEvent(o, { days: 20 });

	await page.goto(`/app/orgs/${o.orgId}/events/${event.id}`);
	await page.getByRole('button', { name: 'Duplicate', exact: true }).tap();
	const copyDialog = page.getByTestId('copy-dialog');
	await expect(copyDialog.getByLabel('New start', { exact: true })).toHaveValue(localInput(27, 19).slice(0, 16));
	await copyDialog.getByLabel('New start', { exact: true }).fill(localInput(34, 20).slice(0, 16));
	await copyDialog.getByLabel('Name', { exact: true }).fill(`${event.name} (encore)`);
	await copyDialog.getByLabel('Copy the coupons too', { exact: true }).check();
	await shot(page, 'organiser-event-duplicate.png');
	await copyDialog.getByRole('button', { name: 'Create the copy' }).click();

	await expect(page.getByRole('heading', { level: 1, name: `${event.name} (encore)` })).toBeVisible();
	await expect(page.getByTestId('banner-success')).toContainText('Copy created as a draft');
	expect(page.url()).not.toContain(event.id + '?');
	const copyId = page.url().split('/events/')[1].split('?')[0];
	expect(copyId).not.toBe(event.id);
	await expect(page.getByText(/20:00 – /)).toBeVisible();
	await page.getByTestId('event-tabs').getByRole('link', { name: 'Ticket types' }).tap();
	await expect(page.getByTestId('ticket-type-row')).toHaveCount(2);
	await page.getByTestId('event-tabs').getByRole('link', { name: 'Coupons' }).tap();
	await expect(page.getByTestId('coupon-row').filter({ hasText: 'VASTRAP10' })).toBeVisible();

	// A series from the original: too many dates first (refused at the field, nothing made).
	await page.goto(`/app/orgs/${o.orgId}/events/${event.id}`);
	await page.getByRole('button', { name: 'Create series', exact: true }).tap();
	const seriesDialog = page.getByTestId('series-dialog');
	await expect(seriesDialog.getByLabel('How many dates', { exact: true })).toHaveValue('4');
	await shot(page, 'organiser-event-series.png');
	await seriesDialog.getByLabel('How many dates', { exact: true }).fill('60');
	await seriesDialog.getByRole('button', { name: 'Create the dates' }).click();
	await expect(seriesDialog.getByLabel('How many dates', { exact: true })).toHaveAttribute('aria-invalid', 'true');
	await expect(seriesDialog).toContainText('at most 52 dates');
	await seriesDialog.getByLabel('How many dates', { exact: true }).fill('3');
	await seriesDialog.getByRole('button', { name: 'Create the dates' }).click();
	await expect(seriesDialog.getByTestId('series-made').getByRole('link')).toHaveCount(3);
	const box = (await seriesDialog.boundingBox())!;
	expect(box.x + box.width).toBeLessThanOrEqual(390);

	const listed = await o.call('get', `${o.org}/events?page_size=50`);
	expect(listed.total).toBe(5); // the event, its copy and three weekly dates
});
