// Words shown for the API's closed sets. Each map is keyed by the generated type of its set
// (@voelgoed/api-client): `satisfies Record<X, string>` makes svelte-check fail when the backend
// adds a word nobody labelled; `Partial<Record<...>>` where a <select> offers a chosen few.
import type {
	ApiKeyScope,
	CouponKind,
	EventSort,
	HolderNameMode,
	QuestionKind,
	QuestionScope,
	EventStatus,
	ExportKind,
	OrderSort,
	OrderStatus,
	Role,
	ScanResult,
	VenueSort,
	WebhookDeliveryStatus,
	WebhookEndpointStatus,
	WebhookEventType
} from '@voelgoed/api-client';

export type Option = { value: string; label: string };

/** <select> options from a label map, in the map's order, after an optional "any" entry. */
export function options(labels: Partial<Record<string, string>>, any?: string): Option[] {
	const out = Object.entries(labels).map(([value, label]) => ({ value, label: label ?? value }));
	return any === undefined ? out : [{ value: '', label: any }, ...out];
}

/** `word` if it is a key of `labels` (e.g. a filter read from the URL), else ''. */
export function known<K extends string>(labels: Partial<Record<K, string>>, word: string | null | undefined): K | '' {
	return word && Object.hasOwn(labels, word) ? (word as K) : '';
}

export const API_KEY_SCOPE_LABEL = {
	'events:read': 'Read events and venues',
	'events:write': 'Change events and venues (includes read)',
	'orders:read': 'Read orders, sales and exports',
	'orders:write': 'Change orders and refund (includes read)',
	checkin: 'Check-in: scans, counts and devices',
	webhooks: 'Manage webhooks'
} satisfies Record<ApiKeyScope, string>;

export const ORDER_STATUS_LABEL = {
	paid: 'Paid',
	awaiting_payment: 'Awaiting payment',
	reserved: 'Reserved',
	expired: 'Expired',
	cancelled: 'Cancelled',
	refunded: 'Refunded'
} satisfies Record<OrderStatus, string>;

export const EVENT_STATUS_LABEL = {
	draft: 'Draft',
	published: 'Published',
	closed: 'Closed',
	cancelled: 'Cancelled'
} satisfies Record<EventStatus, string>;

export const ROLE_LABEL = {
	owner: 'Owner',
	admin: 'Admin',
	staff: 'Staff',
	viewer: 'Viewer',
	scanner_only: 'Scanner only'
} satisfies Record<Role, string>;

export const COUPON_KIND_LABEL = {
	percent: 'Percentage off',
	fixed: 'Fixed amount off (R)'
} satisfies Record<CouponKind, string>;

export const QUESTION_KIND_LABEL = {
	text: 'Text',
	choice: 'Choice (one of a list)',
	checkbox: 'Checkbox (tick)'
} satisfies Record<QuestionKind, string>;

export const QUESTION_SCOPE_LABEL = {
	order: 'Once per order',
	ticket: 'For each ticket'
} satisfies Record<QuestionScope, string>;

export const HOLDER_NAME_LABEL = {
	off: 'Not asked (tickets carry the buyer’s name)',
	optional: 'Optional',
	required: 'Required for every ticket'
} satisfies Record<HolderNameMode, string>;

export const EXPORT_KIND_LABEL = {
	orders: 'Orders',
	attendees: 'Attendees',
	scans: 'Scans'
} satisfies Record<ExportKind, string>;

export const SCAN_RESULT_LABEL = {
	ok: 'Admitted',
	already_redeemed: 'Already in',
	not_inside: 'Not inside',
	invalid: 'Invalid',
	revoked: 'Revoked',
	cancelled: 'Cancelled',
	unpaid: 'Unpaid',
	wrong_gate: 'Wrong gate',
	wrong_ticket_type: 'Wrong type',
	outside_window: 'Outside hours',
	event_not_live: 'Not live'
} satisfies Record<ScanResult, string>;

export const EVENT_SORT_LABEL = {
	starts_at: 'Soonest first',
	'-starts_at': 'Latest first',
	name: 'Name (A–Z)',
	'-name': 'Name (Z–A)',
	'-created_at': 'Recently created'
} satisfies Partial<Record<EventSort, string>>;

export const ORDER_SORT_LABEL = {
	'-created_at': 'Newest first',
	created_at: 'Oldest first',
	'-total_cents': 'Largest total',
	reference: 'Reference'
} satisfies Partial<Record<OrderSort, string>>;

export const VENUE_SORT_LABEL = {
	name: 'Name (A–Z)',
	'-name': 'Name (Z–A)',
	'-created_at': 'Newest first',
	created_at: 'Oldest first',
	'-capacity': 'Largest capacity',
	capacity: 'Smallest capacity'
} satisfies Partial<Record<VenueSort, string>>;

export const WEBHOOK_EVENT_LABEL = {
	'order.created': 'Order created (checkout started)',
	'order.paid': 'Order paid',
	'order.cancelled': 'Order cancelled',
	'order.expired': 'Order expired (never paid)',
	'order.refunded': 'Order wholly refunded',
	'ticket.issued': 'Ticket issued',
	'ticket.checked_in': 'Ticket checked in',
	'ticket.voided': 'Ticket voided',
	'event.published': 'Event published',
	'event.cancelled': 'Event cancelled',
	'refund.succeeded': 'Refund succeeded',
	'refund.failed': 'Refund failed',
	'webhook.test': 'Test event'
} satisfies Record<WebhookEventType, string>;

export const WEBHOOK_ENDPOINT_STATUS_LABEL = {
	enabled: 'Enabled',
	disabled: 'Disabled'
} satisfies Record<WebhookEndpointStatus, string>;

export const WEBHOOK_DELIVERY_STATUS_LABEL = {
	pending: 'Pending',
	succeeded: 'Delivered',
	failed: 'Failed',
	cancelled: 'Cancelled'
} satisfies Record<WebhookDeliveryStatus, string>;
