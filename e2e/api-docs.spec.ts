import { expect, test } from '@playwright/test';

// The API docs work without the internet: Swagger UI's script, styles and icon are served by the
// product itself. Every request that does not go to this machine is aborted (and recorded), as on
// an offline laptop or a locked-down server; the operations list must still render.

test('the API docs render with every non-local request blocked', async ({ page, baseURL }) => {
	const local = new URL(baseURL!).host;
	const blocked: string[] = [];
	await page.context().route('**/*', (route) => {
		const url = new URL(route.request().url());
		if (url.host === local || url.protocol === 'data:' || url.protocol === 'blob:') return route.continue();
		blocked.push(url.href);
		return route.abort('internetdisconnected');
	});

	await page.goto('/schema/swagger');
	await expect(page.getByRole('heading', { name: /VoelgoedEvents API/ })).toBeVisible();
	// Operations are grouped by tag; the health operations are always there.
	await expect(page.locator('.opblock-tag-section').first()).toBeVisible();
	const health = page.locator('.opblock', { hasText: '/health' }).first();
	await expect(health).toBeVisible();
	expect(await page.locator('.opblock').count()).toBeGreaterThan(20);
	// Opening an operation works (Swagger UI's own script runs, not only the server's HTML).
	await health.locator('.opblock-summary').click();
	await expect(health.getByText('Try it out')).toBeVisible();
	expect(blocked, 'the docs page asked the internet for something').toEqual([]);

	// The spec itself and the docs root are local too; no other viewer is exposed.
	expect((await page.request.get('/schema/openapi.json')).status()).toBe(200);
	expect((await page.request.get('/schema')).status()).toBe(200);
	for (const viewer of ['redoc', 'elements', 'rapidoc', 'scalar']) {
		expect((await page.request.get(`/schema/${viewer}`)).status(), viewer).toBe(404);
	}
});
