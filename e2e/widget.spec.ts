import { expect, test } from '@playwright/test';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { seedEvent, signedInOrganiser } from './organiser-seed';
import { shot } from './support';

// The ticket widget on someone else's site: the organiser copies the snippet from the published
// event's page in the app; a page on another origin (e2e/fixtures/widget-test.html, served here on
// its own port) shows the event's types, prices and availability, and "Buy" opens the checkout
// site's event page in a new tab while the host page stays where it was.

function serveFixture(snippet: string): Promise<{ url: string; close: () => void }> {
	const html = fs.readFileSync(path.join(__dirname, 'fixtures/widget-test.html'), 'utf8').replace('<!-- WIDGET_SNIPPET -->', snippet);
	const server = http.createServer((_req, res) => {
		res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
		res.end(html);
	});
	return new Promise((resolve) =>
		server.listen(0, '127.0.0.1', () => {
			const { port } = server.address() as AddressInfo;
			resolve({ url: `http://127.0.0.1:${port}/`, close: () => server.close() });
		})
	);
}

test('the widget on a foreign site shows the ticket types and opens checkout in a new tab', async ({ page, context }) => {
	test.setTimeout(90_000);
	const o = await signedInOrganiser(page, 'widget');
	const { event } = await seedEvent(o, { days: 20 });

	// The organiser's event page: the public link and the snippet, once published.
	await page.goto(`/app/orgs/${o.orgId}/events/${event.id}`);
	const links = page.getByTestId('public-links');
	await expect(links.getByTestId('public-page-url')).toHaveValue(new RegExp(`/events/${event.slug}$`));
	const snippet = await links.getByTestId('widget-snippet').inputValue();
	expect(snippet).toContain(`data-voelgoed-event="${event.slug}"`);
	expect(snippet).toMatch(/<script src="http:\/\/[^"]+\/widget\.js" async><\/script>/);
	await shot(page, 'organiser-public-links.png');

	const site = await serveFixture(snippet);
	try {
		const host = await context.newPage();
		await host.goto(site.url);
		expect(new URL(site.url).origin).not.toBe(new URL(snippet.match(/src="([^"]+)"/)![1]).origin);
		const rows = host.locator('[data-voelgoed-event] li[data-type]'); // in the widget's (open) shadow root
		await expect(rows).toHaveCount(2);
		await expect(host.getByRole('heading', { name: event.name })).toBeVisible();
		await expect(rows.nth(0)).toContainText('General');
		await expect(rows.nth(0)).toContainText('R 250.00');
		await expect(rows.nth(0)).toContainText('Available');
		await expect(rows.nth(1)).toContainText('VIP');
		await expect(rows.nth(1)).toContainText('R 650.00');
		await shot(host, 'widget.png');

		const popup = context.waitForEvent('page');
		await host.getByRole('link', { name: 'Buy VIP tickets (opens a new tab)' }).click();
		const checkout = await popup;
		await checkout.waitForLoadState();
		expect(checkout.url()).toContain(`/events/${event.slug}`);
		await expect(checkout.getByRole('heading', { level: 1, name: event.name })).toBeVisible();
		expect(host.url()).toBe(site.url); // the host page stays; no payment inside it
	} finally {
		site.close();
	}
});
