import { expect, request as playwrightRequest, type APIRequestContext, type Page } from '@playwright/test';
import fs from 'node:fs';
import path from 'node:path';
import { localInput, qrPayloadsOfPdf } from './support';

// Set-up shared by the organiser specs that need content on every screen: an organiser signed in
// in the browser (the page's request context shares its cookies), a venue with gates, a published
// event with two ticket types, a coupon, and a paid order through the simulated provider.

export type Call = (method: 'post' | 'put' | 'get' | 'patch', url: string, data?: unknown, headers?: Record<string, string>) => Promise<any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface Organiser {
	orgId: string;
	org: string;
	call: Call;
	stamp: string;
}

/** An organiser signed up through `request`, whose `call` sends the session's CSRF token. */
async function signUp(request: APIRequestContext, who: string): Promise<Organiser> {
	const stamp = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
	const signUp = await request.post('/api/auth/sign-up', {
		data: {
			email: `${who}-${stamp}@example.test`,
			password: 'a-long-and-unguessable-passphrase',
			name: 'Lerato Dlamini',
			organization_name: `Karoo Live ${stamp}`
		}
	});
	expect(signUp.status(), await signUp.text()).toBe(201);
	const me = await signUp.json();
	const orgId: string = me.memberships[0].organization_id;
	const csrf: string = me.csrf_token;
	const call: Call = async (method, url, data, headers) => {
		const r = await request[method](url, { data, headers: { 'X-CSRF-Token': csrf, ...headers } });
		expect(r.ok(), `${method} ${url}: ${r.status()} ${await r.text()}`).toBeTruthy();
		return r.json();
	};
	return { orgId, org: `/api/organizations/${orgId}`, call, stamp };
}

/** An organiser signed in in the browser: the page's request context shares its cookies. */
export async function signedInOrganiser(page: Page, who: string): Promise<Organiser> {
	return signUp(page.request, who);
}

/** An organiser in a request context of its own (no browser), which the caller disposes of. */
export async function apiOrganiser(baseURL: string, who: string): Promise<Organiser & { api: APIRequestContext }> {
	const api = await playwrightRequest.newContext({ baseURL });
	return { ...(await signUp(api, who)), api };
}

export interface SeededEvent {
	venue: { id: string };
	gates: { id: string; code: string; name: string }[];
	event: { id: string; slug: string; name: string };
	types: { id: string; name: string }[];
}

/** A venue with two gates and an event `days` ahead at 19:00 with General and VIP; published when asked. */
export async function seedEvent(o: Organiser, opts: { days?: number; publish?: boolean; name?: string } = {}): Promise<SeededEvent> {
	const { call, org, stamp } = o;
	const venue = await call('post', `${org}/venues`, {
		name: 'Oude Libertas Amphitheatre',
		address_line1: 'Adam Tas Road',
		city: 'Stellenbosch',
		province: 'Western Cape',
		capacity: 1200
	});
	const gates = [
		await call('post', `${org}/venues/${venue.id}/gates`, { code: 'N1', name: 'North entrance' }),
		await call('post', `${org}/venues/${venue.id}/gates`, { code: 'S1', name: 'South entrance' })
	];
	const days = opts.days ?? 20;
	const event = await call('post', `${org}/events`, {
		name: opts.name ?? `Vastrap Nights ${stamp}`,
		venue_id: venue.id,
		starts_at: localInput(days, 19),
		ends_at: localInput(days, 23),
		capacity: 500,
		description: 'An evening of boeremusiek under the stars.'
	});
	const types = [
		await call('post', `${org}/events/${event.id}/ticket-types`, { name: 'General', price_cents: 25000, quantity: 300 }),
		await call('post', `${org}/events/${event.id}/ticket-types`, { name: 'VIP', price_cents: 65000, quantity: 40 })
	];
	await call('post', `${org}/events/${event.id}/coupons`, { code: 'VASTRAP10', kind: 'percent', value: 10 });
	if (opts.publish !== false) await call('post', `${org}/events/${event.id}/publish`);
	return { venue, gates, event, types };
}

/** A paid order of `quantity` tickets of one type through the public API; its tickets' QR texts. */
export async function buyTickets(baseURL: string, slug: string, typeId: string, quantity: number, stamp: string): Promise<string[]> {
	const buyer: APIRequestContext = await playwrightRequest.newContext({ baseURL });
	const held = await buyer.post(`/api/public/events/${slug}/reservations`, { data: { items: [{ ticket_type_id: typeId, quantity }] } });
	expect(held.status(), await held.text()).toBe(201);
	const pdfPath = await payAndSavePdf(buyer, baseURL, await held.json(), stamp);
	await buyer.dispose();
	return qrPayloadsOfPdf(pdfPath);
}

/** Pays a held order with the simulated provider and saves its tickets' PDF in a new folder named
 * `folder`…; the PDF's path. `buyer` is the context that holds the order. */
export async function payAndSavePdf(
	buyer: APIRequestContext,
	baseURL: string,
	order: { reference: string; access_token: string },
	stamp: string,
	folder = 'tickets-'
): Promise<string> {
	const started = await buyer.post(`/api/public/orders/${order.reference}/checkout`, {
		data: { buyer_name: 'Sipho Ndlovu', buyer_email: `sipho-${stamp}@example.test`, provider: 'simulated' },
		headers: { 'X-Order-Token': order.access_token }
	});
	expect(started.status(), await started.text()).toBe(200);
	const payUrl = new URL((await started.json()).payment.url, baseURL);
	const payPage = await (await buyer.get(payUrl.pathname + payUrl.search)).text();
	const form = Object.fromEntries([...payPage.matchAll(/<input type=hidden name=(\w+) value='([^']*)'>/g)].map((m) => [m[1], m[2]]));
	const paid = await buyer.post(payUrl.pathname, { form: { ...form, outcome: 'pay' }, maxRedirects: 0 });
	expect(paid.status()).toBe(303);
	const pdf = await buyer.get(`/orders/${order.reference}/tickets.pdf?token=${encodeURIComponent(order.access_token)}`);
	expect(pdf.status()).toBe(200);
	const work = fs.mkdtempSync(path.join(process.env.VG_E2E_DATA_DIR ?? '/tmp', folder));
	const pdfPath = path.join(work, 'tickets.pdf');
	fs.writeFileSync(pdfPath, await pdf.body());
	return pdfPath;
}

/** A scanner paired over the API for the event (any gate); returns a function that scans a payload. */
export async function pairedScanner(o: Organiser, baseURL: string, eventId: string) {
	const code = await o.call('post', `${o.org}/devices/pairing-codes`, { event_ids: [eventId], gate_id: null, device_name: 'Gate phone' });
	const device = await playwrightRequest.newContext({ baseURL });
	const paired = await device.post('/api/devices/pair', { data: { code: code.qr_text, device_name: 'Gate phone' } });
	expect(paired.status(), await paired.text()).toBe(201);
	const token: string = (await paired.json()).token;
	return async (payload: string, gateId: string): Promise<{ result: string; reason: string | null }> => {
		const r = await device.post('/api/checkin/scans', {
			data: { payload, gate_id: gateId, direction: 'entry', client_scan_id: crypto.randomUUID(), client_time: new Date().toISOString() },
			headers: { Authorization: `Bearer ${token}` }
		});
		expect(r.status(), await r.text()).toBe(200);
		return r.json();
	};
}
