import { expect, test } from '@playwright/test';
import { buyTickets, pairedScanner, seedEvent, signedInOrganiser } from './organiser-seed';
import { shot } from './support';

// The check-in rules screen: a tester's scan says "Too early" (the event is weeks away, so the
// default window is closed); the organiser opens Check-in > Rules, reads the gate summary, moves
// "Doors open" to an hour ago in the event's zone, limits the South gate to VIP and saves; the
// same ticket is then admitted at the North gate, and a General ticket at the South gate is refused.

/** "YYYY-MM-DDTHH:MM" wall-clock time in `tz`, `ms` from now: what a datetime-local input takes. */
function wallClockIn(tz: string, ms: number): string {
	const parts = Object.fromEntries(
		new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
			.formatToParts(new Date(Date.now() + ms))
			.map((p) => [p.type, p.value])
	);
	return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}`;
}

test('an organiser opens the entry window on the rules screen and a too-early ticket is admitted', async ({ page, baseURL }) => {
	test.setTimeout(120_000);
	const o = await signedInOrganiser(page, 'rules');
	const { event, gates, types } = await seedEvent(o, { days: 20 });
	const [north, south] = gates;
	const [ticket, second] = await buyTickets(baseURL!, event.slug, types[0].id, 2, o.stamp);
	const scan = await pairedScanner(o, baseURL!, event.id);

	const early = await scan(ticket, north.id);
	expect([early.result, early.reason]).toEqual(['outside_window', 'too_early']);

	await page.goto(`/app/orgs/${o.orgId}/events/${event.id}/check-in`);
	await expect(page.getByTestId('checkin-rules-summary').locator('li').first()).toContainText('North entrance (N1): admits every ticket type');
	await page.getByTestId('checkin-rules-link').click();
	await expect(page.getByRole('heading', { name: 'Check-in rules' })).toBeVisible();
	const summary = page.getByTestId('gate-summary').locator('li');
	await expect(summary).toHaveCount(2);
	// Default window: 3 hours before the 19:00 start to the 23:00 end, in the event's zone.
	await expect(summary.first()).toHaveText(/^North entrance \(N1\): admits every ticket type from \w{3} \d+ \w{3} 16:00 to 23:00 SAST; a ticket gets in once/);

	const tz = 'Africa/Johannesburg';
	await page.getByLabel('Doors open', { exact: true }).fill(wallClockIn(tz, -3600_000));
	await page.getByLabel('A ticket can come back in after leaving', { exact: true }).check();
	const southRule = page.getByTestId('gate-rule').filter({ hasText: 'South entrance (S1)' });
	await southRule.getByLabel('Every ticket type', { exact: true }).uncheck();
	await southRule.getByLabel('VIP', { exact: true }).check();
	// The summary follows the form before it is saved.
	await expect(summary.nth(1)).toContainText('South entrance (S1): admits VIP from');
	await expect(summary.nth(1)).toContainText('a ticket can come back in after leaving.');
	await page.getByRole('button', { name: 'Save rules' }).click();
	await expect(page.getByTestId('banner-success')).toContainText('Check-in rules saved');
	await page.evaluate(() => window.scrollTo(0, 0));
	await shot(page, 'organiser-checkin-rules.png');

	// The server has the rules: the window opened an hour ago, South admits VIP only.
	const config = await o.call('get', `${o.org}/events/${event.id}/checkin-config`);
	expect(Math.abs(new Date(config.valid_from).getTime() - (Date.now() - 3600_000))).toBeLessThan(120_000);
	expect(config.reentry_allowed).toBe(true);
	expect(config.gates.find((g: { gate_id: string }) => g.gate_id === south.id).ticket_type_ids).toEqual([types[1].id]);

	const admitted = await scan(ticket, north.id);
	expect(admitted.result).toBe('ok');
	const wrongType = await scan(second, south.id);
	expect(wrongType.result).toBe('wrong_ticket_type');

	// The Check-in page says the same at the top, for the people watching the gates.
	await page.getByRole('link', { name: '‹ Check-in' }).click();
	const atGates = page.getByTestId('checkin-rules-summary').locator('li');
	await expect(atGates.nth(1)).toContainText('South entrance (S1): admits VIP from');
	await page.getByTestId('checkin-rules-link').click();
	await expect(page.getByRole('heading', { name: 'Check-in rules' })).toBeVisible();

	// After a reload the form shows what was saved, in the event's zone.
	await page.reload();
	await expect(page.getByLabel('Doors open', { exact: true })).toHaveValue(wallClockIn(tz, new Date(config.valid_from).getTime() - Date.now()));
	await expect(page.getByLabel('A ticket can come back in after leaving', { exact: true })).toBeChecked();
});
