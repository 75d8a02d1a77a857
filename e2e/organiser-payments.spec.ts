import { expect, test } from '@playwright/test';
import { shot } from './support';

// The Payments settings page at phone width against the real product: PayFast credentials saved
// (the key shows only as its last 4 characters, never in the input), the simulated provider's
// connection test, and the checkout order changed with the arrow buttons.

test('payment settings: credentials, connection test and checkout order at 390 px', async ({ page }) => {
	await page.setViewportSize({ width: 390, height: 844 });
	const stamp = Date.now().toString(36);
	const signUp = await page.request.post('/api/auth/sign-up', {
		data: {
			email: `payments-${stamp}@example.test`,
			password: 'a-long-and-unguessable-passphrase',
			name: 'Sipho Ndlovu',
			organization_name: `Karoo Gigs ${stamp}`
		}
	});
	expect(signUp.status(), await signUp.text()).toBe(201);
	const orgId: string = (await signUp.json()).memberships[0].organization_id;

	await page.goto(`/app/orgs/${orgId}/payments`);
	const cards = page.locator('ol.providers > li');
	// Every implemented provider, in the default checkout order (providers/__init__.py PROVIDER_NAMES).
	await expect(cards.getByRole('heading')).toHaveText([/Simulated/, /PayFast/, /Yoco/, /Paystack/, /Ozow/]);
	await expect(cards.nth(0).getByRole('heading')).toContainText('Simulated');
	const payfast = cards.nth(1);
	await expect(payfast.getByRole('heading')).toContainText('PayFast');

	await payfast.getByLabel('Merchant ID').fill('10012345');
	await payfast.getByLabel('Merchant key').fill('Zq81mK3xTpWd9');
	await payfast.getByLabel('Passphrase').fill('Jozi salt phrase 2026');
	await payfast.getByRole('button', { name: 'Save' }).click();
	await expect(page.getByTestId('banner-success')).toContainText('PayFast saved');
	await expect(payfast.getByLabel('Merchant key')).toHaveValue('');
	await expect(payfast.getByLabel('Merchant key')).toHaveAttribute('placeholder', '•••• pWd9');
	expect(await page.content()).not.toContain('Zq81mK3x');
	await expect(payfast.locator('code')).toContainText('/api/payments/payfast/itn');
	await payfast.scrollIntoViewIfNeeded();
	await shot(page, 'organiser-payments.png');

	await payfast.getByLabel('Merchant ID').fill('abc');
	await payfast.getByRole('button', { name: 'Save' }).click();
	await expect(payfast.locator('.error')).toContainText('does not look like');

	const simulated = cards.nth(0);
	await simulated.getByRole('button', { name: 'Test connection' }).click();
	await expect(simulated.locator('.test-result')).toContainText('Connected');

	await page.getByRole('button', { name: 'Move PayFast up in the checkout order' }).click();
	await expect(cards.nth(0).getByRole('heading')).toContainText('PayFast');
	const width = await page.evaluate(() => document.documentElement.scrollWidth);
	expect(width).toBeLessThanOrEqual(390);
});
