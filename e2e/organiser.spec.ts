import { expect, test } from '@playwright/test';
import { shot } from './support';

/** A datetime-local value `days` from now at `hour`:00 (wall clock; the server applies the zone). */
function localInput(days: number, hour: number): string {
	const d = new Date(Date.now() + days * 86_400_000);
	const pad = (n: number) => String(n).padStart(2, '0');
	return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(hour)}:00`;
}

test('an organiser signs up, adds a venue, creates and publishes an event', async ({ page }) => {
	const stamp = Date.now().toString(36);
	const email = `organiser-${stamp}@example.test`;
	const orgName = `Karoo Sounds ${stamp}`;
	const eventName = `Boereqanniedans Festival ${stamp}`;

	// An empty form: the server reports every missing field and each one is marked.
	await page.goto('/app/sign-up');
	await page.getByRole('button', { name: 'Create account' }).click();
	for (const label of ['Your name', 'E-mail', 'Password']) {
		await expect(page.getByLabel(label, { exact: true })).toHaveAttribute('aria-invalid', 'true');
	}
	await expect(page.getByLabel('Organisation name', { exact: true })).not.toHaveAttribute('aria-invalid', 'true');

	// Sign up: a new account with its own organisation lands on the (empty) events list.
	await page.getByLabel('Your name', { exact: true }).fill('Thandi Mokoena');
	await page.getByLabel('E-mail', { exact: true }).fill(email);
	await page.getByLabel('Password', { exact: true }).fill('a-long-and-unguessable-passphrase');
	await page.getByLabel('Organisation name', { exact: true }).fill(orgName);
	await page.getByRole('button', { name: 'Create account' }).click();
	await expect(page).toHaveURL(/\/app\/orgs\/[^/]+\/events$/);
	await expect(page.getByRole('heading', { name: 'Events' })).toBeVisible();
	await expect(page.getByLabel('Organisation', { exact: true }).locator('option:checked')).toHaveText(orgName);
	await expect(page.getByText('No events yet')).toBeVisible();

	// A venue with a gate.
	await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Venues' }).click();
	await page.getByRole('link', { name: 'New venue' }).click();
	await page.getByRole('textbox', { name: 'Name', exact: true }).fill('Oude Libertas Amphitheatre');
	await page.getByLabel('Address line 1', { exact: true }).fill('Adam Tas Road');
	await page.getByLabel('City', { exact: true }).fill('Stellenbosch');
	await page.getByLabel('Province', { exact: true }).fill('Western Cape');
	await page.getByLabel('Capacity', { exact: true }).fill('1200');
	await page.getByRole('button', { name: 'Create venue' }).click();
	await expect(page.getByRole('heading', { name: 'Oude Libertas Amphitheatre' })).toBeVisible();
	await page.getByLabel('Gate code', { exact: true }).fill('N1');
	await page.getByLabel('Gate name', { exact: true }).fill('North entrance');
	await page.getByRole('button', { name: 'Add gate' }).click();
	await expect(page.getByText('North entrance')).toBeVisible();

	// An event: first with its end before its start, which the server refuses at the field.
	await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Events' }).click();
	await page.getByRole('link', { name: 'New event' }).click();
	await page.getByLabel('Event name', { exact: true }).fill(eventName);
	await page.getByLabel('Venue', { exact: true }).selectOption({ label: 'Oude Libertas Amphitheatre' });
	await page.getByLabel('Starts', { exact: true }).fill(localInput(30, 19));
	await page.getByLabel('Ends', { exact: true }).fill(localInput(30, 17));
	await page.getByRole('button', { name: 'Create event' }).click();
	await expect(page.getByLabel('Ends', { exact: true })).toHaveAttribute('aria-invalid', 'true');
	await page.getByLabel('Ends', { exact: true }).fill(localInput(30, 23));
	await page.getByRole('button', { name: 'Create event' }).click();

	await expect(page.getByRole('heading', { name: eventName })).toBeVisible();
	await expect(page.getByTestId('status').first()).toHaveText('draft');
	await expect(page.getByRole('button', { name: 'Publish' })).toBeVisible();
	await page.getByRole('button', { name: 'Publish' }).click();
	await expect(page.getByTestId('banner-success')).toContainText('published');
	await expect(page.getByTestId('status').first()).toHaveText('published');
	// Transitions follow the server: a published event can be closed or cancelled, not published.
	await expect(page.getByRole('button', { name: 'Publish' })).toHaveCount(0);
	await expect(page.getByRole('button', { name: 'Close event' })).toBeVisible();
	await expect(page.getByRole('button', { name: 'Cancel event' })).toBeVisible();
	await shot(page, 'organiser-event-edit.png');

	// Listed as published, shown in the event's own time zone.
	await page.getByRole('link', { name: '‹ Events' }).click();
	const row = page.getByTestId('event-row').filter({ hasText: eventName });
	await expect(row).toBeVisible();
	await expect(row.getByTestId('status')).toHaveText('published');
	await expect(row).toContainText('19:00');
	await expect(row).toContainText('Africa/Johannesburg');
	await page.getByLabel('Status', { exact: true }).selectOption('published');
	await expect(row).toBeVisible();
	await page.getByLabel('Status', { exact: true }).selectOption('draft');
	await expect(page.getByText('No events match these filters.')).toBeVisible();
	await page.getByLabel('Status', { exact: true }).selectOption('');
	await expect(row).toBeVisible();
	await shot(page, 'organiser-events.png');

	// The audit log shows who did what, filterable by kind.
	await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit log' }).click();
	const published = page.getByRole('row').filter({ hasText: 'event.publish' });
	await expect(published).toContainText(email);
	await page.getByLabel('Show', { exact: true }).selectOption('venue');
	await expect(page.getByRole('row').filter({ hasText: 'venue.created' })).toBeVisible();
	await expect(published).toHaveCount(0);
	await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Events' }).click();
	await expect(row).toBeVisible();

	// On a phone the navigation collapses behind a Menu button.
	await page.setViewportSize({ width: 390, height: 844 });
	await expect(page.getByRole('navigation', { name: 'Main' })).toBeHidden();
	await shot(page, 'organiser-phone.png');
	await page.getByRole('button', { name: 'Menu' }).click();
	await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Venues' })).toBeVisible();
});

test('members and invitations', async ({ page }) => {
	const stamp = Date.now().toString(36);
	const email = `owner-${stamp}@example.test`;
	await page.goto('/app/sign-up');
	await page.getByLabel('Your name', { exact: true }).fill('Pieter van Wyk');
	await page.getByLabel('E-mail', { exact: true }).fill(email);
	await page.getByLabel('Password', { exact: true }).fill('a-long-and-unguessable-passphrase');
	await page.getByLabel('Organisation name', { exact: true }).fill(`Bosveld Events ${stamp}`);
	await page.getByRole('button', { name: 'Create account' }).click();
	await expect(page).toHaveURL(/\/app\/orgs\/[^/]+\/events$/);

	await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Members' }).click();
	await expect(page.getByRole('row').filter({ hasText: email })).toContainText('(you)');

	// A malformed address is refused by the server at the field.
	await page.getByLabel('E-mail', { exact: true }).fill('not-an-address');
	await page.getByRole('button', { name: 'Send invitation' }).click();
	await expect(page.getByTestId('banner-success')).toHaveCount(0);
	await expect(page.getByLabel('E-mail', { exact: true })).toHaveAttribute('aria-invalid', 'true');
	const invitee = `staff-${stamp}@example.test`;
	await page.getByLabel('E-mail', { exact: true }).fill(invitee);
	await page.getByLabel('Role', { exact: true }).selectOption('staff');
	await page.getByRole('button', { name: 'Send invitation' }).click();
	await expect(page.getByTestId('banner-success')).toContainText(invitee);
	const invitationRow = page.getByRole('row').filter({ hasText: invitee });
	await expect(invitationRow).toContainText('pending');
	page.once('dialog', (d) => d.accept());
	await invitationRow.getByRole('button', { name: /Revoke/ }).click();
	await expect(invitationRow).toContainText('revoked');
});

test('signed-out visitors are sent to sign in', async ({ page }) => {
	await page.goto('/app/orgs/00000000-0000-0000-0000-000000000000/events');
	await expect(page).toHaveURL(/\/app\/sign-in\?next=/);
	await page.getByLabel('E-mail', { exact: true }).fill('nobody@example.test');
	await page.getByLabel('Password', { exact: true }).fill('wrong-password');
	await page.getByRole('button', { name: 'Sign in' }).click();
	await expect(page.getByRole('alert')).toBeVisible();
});

test.describe('with the browser in New York', () => {
	test.use({ timezoneId: 'America/New_York' });

	test("the audit log shows times in the organisation's zone, labelled", async ({ page }) => {
		const stamp = Date.now().toString(36);
		const signUp = await page.request.post('/api/auth/sign-up', {
			data: { email: `zone-${stamp}@example.test`, password: 'a-long-and-unguessable-passphrase', name: 'Lerato Dlamini', organization_name: `Zone ${stamp}` }
		});
		expect(signUp.status(), await signUp.text()).toBe(201);
		const me = await signUp.json();
		const org = `/api/organizations/${me.memberships[0].organization_id}`;
		const venue = await page.request.post(`${org}/venues`, {
			data: { name: 'Baxter Theatre', address_line1: 'Main Road', city: 'Cape Town' },
			headers: { 'X-CSRF-Token': me.csrf_token }
		});
		expect(venue.ok(), await venue.text()).toBeTruthy();
		const [entry] = (await (await page.request.get(`${org}/audit-log`)).json()).items;
		// The same instant on a Johannesburg and on a New York wall clock (7 or 6 hours apart).
		const clock = (timeZone: string) =>
			new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(entry.created_at));
		expect(await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone)).toBe('America/New_York');

		await page.goto(`/app/orgs/${me.memberships[0].organization_id}/audit-log`);
		await expect(page.getByRole('columnheader', { name: /When/ })).toContainText('Africa/Johannesburg');
		const when = page.getByRole('row').filter({ hasText: 'venue.created' }).getByTestId('audit-when');
		await expect(when).toContainText(`${clock('Africa/Johannesburg')} SAST`);
		await expect(when).not.toContainText(clock('America/New_York'));
	});
});
