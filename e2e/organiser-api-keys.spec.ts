import { expect, test, type Page } from '@playwright/test';
import { seedEvent, signedInOrganiser } from './organiser-seed';
import { shot } from './support';

// API keys at phone width (390 px): an owner creates a key with one scope, sees it once (with a
// copy button and a warning), uses it as an integration would (Authorization: Bearer) to list the
// events, revokes it in the app after confirming, and the same call then answers 401. The browser's
// own session cookie travels with page.request too: a key request never falls back to it.
async function noSidewaysScroll(page: Page) {
	const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
	expect(overflow).toBeLessThanOrEqual(0);
}

test('API keys at 390 px: create, shown once, list events with the key, revoke, then 401', async ({ page, context }) => {
	test.setTimeout(120_000);
	await page.setViewportSize({ width: 390, height: 844 });
	await context.grantPermissions(['clipboard-read', 'clipboard-write']);
	const o = await signedInOrganiser(page, 'apikeys');
	const { event } = await seedEvent(o, { name: 'Keyed Nights' });

	await page.goto(`/app/orgs/${o.orgId}/events`);
	await expect(page.getByRole('heading', { name: 'Events', exact: true })).toBeVisible();
	await page.getByRole('button', { name: 'Menu' }).click();
	await page.getByRole('link', { name: 'API keys' }).click();
	await expect(page.getByRole('heading', { name: 'API keys', exact: true })).toBeVisible();
	await expect(page.getByText('No API keys yet.')).toBeVisible();

	// No scope chosen: stopped before the server is asked.
	await page.getByLabel('Name', { exact: true }).fill('Ticket sync');
	await page.getByRole('button', { name: 'Create key' }).click();
	await expect(page.getByText('Choose at least one scope.')).toBeVisible();

	await page.getByLabel('Read events and venues (events:read)').check();
	await page.getByRole('button', { name: 'Create key' }).click();
	const shown = page.getByTestId('new-key');
	await expect(shown).toBeVisible();
	await expect(shown.getByRole('alert')).toContainText('shown this once');
	const key = await page.getByTestId('new-key-value').inputValue();
	expect(key).toMatch(/^vg_[a-z2-9]{8}_[A-Za-z0-9_-]{40,}$/);
	await shown.getByRole('button', { name: 'Copy' }).click();
	await expect(shown.getByRole('button', { name: 'Copied' })).toBeVisible();
	expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(key);

	const row = page.getByTestId('api-key-row');
	await expect(row).toHaveCount(1);
	await expect(row).toContainText('Ticket sync');
	await expect(row).toContainText(`vg_${key.slice(3, 11)}_`);
	await expect(row).toContainText('events:read');
	await expect(row.getByTestId('api-key-status')).toHaveText('active');
	await noSidewaysScroll(page);
	await shot(page, 'organiser-api-keys-390.png');

	// The integration: the key, no CSRF header.
	const listed = await page.request.get(`${o.org}/events`, { headers: { Authorization: `Bearer ${key}` } });
	expect(listed.status(), await listed.text()).toBe(200);
	expect(listed.headers()['ratelimit-limit']).toBeTruthy();
	expect(((await listed.json()).items as { id: string }[]).map((e) => e.id)).toContain(event.id);
	const outOfScope = await page.request.get(`${o.org}/orders`, { headers: { Authorization: `Bearer ${key}` } });
	expect(outOfScope.status()).toBe(403);

	// Once dismissed, the key is gone from the page for good; the list shows its last use.
	await shown.getByRole('button', { name: 'I have stored it' }).click();
	await expect(page.getByTestId('new-key')).toHaveCount(0);
	await page.reload();
	await expect(row.getByTestId('api-key-last-used')).not.toHaveText('Never'); // a time now
	expect(await page.content()).not.toContain(key);

	page.once('dialog', (d) => void d.accept());
	await row.getByRole('button', { name: 'Revoke Ticket sync' }).click();
	await expect(row.getByTestId('api-key-status')).toHaveText('revoked');
	await expect(page.getByText('“Ticket sync” was revoked.')).toBeVisible();
	await noSidewaysScroll(page);

	const refused = await page.request.get(`${o.org}/events`, { headers: { Authorization: `Bearer ${key}` } });
	expect(refused.status()).toBe(401);
	expect((await refused.json()).detail).toContain('revoked');
});
