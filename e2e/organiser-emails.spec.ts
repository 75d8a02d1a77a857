import { expect, test, type Page } from '@playwright/test';
import { shot } from './support';

// E-mails at phone width (390 px): the organiser rewords the order confirmation with a
// placeholder, sees the preview follow, is stopped at an unknown placeholder, saves, sends
// themselves a test (it lands in the local mailbox, to them only), and resets to the default.
async function noSidewaysScroll(page: Page) {
	const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
	expect(overflow).toBeLessThanOrEqual(0);
}

test('e-mails at 390 px: edit the order confirmation, preview, send a test, reset', async ({ page }) => {
	test.setTimeout(120_000);
	const stamp = Date.now().toString(36);
	const email = `emails-${stamp}@example.test`;
	await page.setViewportSize({ width: 390, height: 844 });
	const signUp = await page.request.post('/api/auth/sign-up', {
		data: { email, password: 'a-long-and-unguessable-passphrase', name: 'Pieter Botha', organization_name: `Karoo Sounds ${stamp}` }
	});
	expect(signUp.status(), await signUp.text()).toBe(201);
	const orgId: string = (await signUp.json()).memberships[0].organization_id;

	await page.goto(`/app/orgs/${orgId}`);
	await page.getByRole('button', { name: 'Menu' }).click();
	await page.getByRole('link', { name: 'E-mails' }).click();
	await expect(page.getByRole('heading', { name: 'E-mails', exact: true })).toBeVisible();
	await expect(page.getByTestId('kind-order_confirmation')).toHaveAttribute('aria-pressed', 'true');
	const subjectShown = page.getByTestId('preview-subject');
	await expect(subjectShown).toHaveText('Your tickets: Summer Sunset Concert (VG-SAMPLE1)');
	const frame = page.frameLocator('[data-testid="preview-frame"]');
	await expect(frame.getByText(`Karoo Sounds ${stamp}`).first()).toBeVisible();

	const form = page.getByTestId('email-form');
	await form.getByLabel('Subject', { exact: true }).fill('Kaartjies vir {event_name}');
	await expect(subjectShown).toHaveText('Kaartjies vir Summer Sunset Concert');
	const opening = form.getByLabel('Opening', { exact: true });
	await opening.fill('Baie dankie, ');
	await form.getByTestId('placeholder-buyer_name').click(); // inserted at the cursor
	await expect(opening).toHaveValue('Baie dankie, {buyer_name}');
	await expect(frame.getByText('Baie dankie, Thandiwe Mokoena')).toBeVisible();

	await opening.fill('Baie dankie, {buyer_name}. Total {ticket_price}');
	await expect(form.getByText('Unknown placeholder {ticket_price}')).toBeVisible();
	await form.getByRole('button', { name: 'Save' }).click();
	await expect(form.getByText('Unknown placeholder {ticket_price}')).toBeVisible();
	await opening.fill('Baie dankie, {buyer_name}! Sien jou by {event_name}.');
	await expect(frame.getByText('Baie dankie, Thandiwe Mokoena! Sien jou by Summer Sunset Concert.')).toBeVisible();
	await form.getByRole('button', { name: 'Save' }).click();
	await expect(form.getByTestId('banner-success')).toContainText('Saved');
	await expect(page.getByTestId('kind-order_confirmation')).toContainText('Custom');
	await noSidewaysScroll(page);
	await shot(page, 'organiser-emails-390.png');
	await page.getByTestId('preview-frame').scrollIntoViewIfNeeded();
	await shot(page, 'organiser-emails-preview-390.png');

	await form.getByRole('button', { name: 'Send me a test' }).click();
	await expect(form.getByTestId('banner-success')).toContainText(`Test e-mail sent to ${email}`);
	await expect
		.poll(
			async () => {
				const messages: { to: string; subject: string; text: string }[] = await (await page.request.get('/dev/mail/messages')).json();
				const tests = messages.filter((m) => m.subject.startsWith('[Test]') && m.text.includes('Baie dankie, Thandiwe Mokoena!'));
				return tests.map((m) => [m.to, m.subject]);
			},
			{ timeout: 30_000 }
		)
		.toEqual([[email, '[Test] Kaartjies vir Summer Sunset Concert']]);

	await page.setViewportSize({ width: 1280, height: 900 });
	await shot(page, 'organiser-emails.png');

	await form.getByRole('button', { name: 'Reset to default' }).click();
	await expect(form.getByTestId('banner-success')).toContainText('default');
	await expect(subjectShown).toHaveText('Your tickets: Summer Sunset Concert (VG-SAMPLE1)');
	await expect(page.getByTestId('kind-order_confirmation')).not.toContainText('Custom');
	await page.reload();
	await expect(page.getByTestId('email-form').getByLabel('Subject', { exact: true })).toHaveValue('Your tickets: {event_name} ({order_reference})');
});
