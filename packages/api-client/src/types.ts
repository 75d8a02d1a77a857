// Domain types, derived from the generated schema by operationId, so they follow the spec
// whatever the backend names its components. The apps import these, never schema.d.ts.
import type { components, operations } from './schema';

/** Every component schema of the spec, by name: `Schemas['EventRead']`. */
export type Schemas = components['schemas'];

type JsonOf<R> = R extends { content: { 'application/json': infer T } } ? T : never;
type OkResponses<O> = O extends { responses: infer R } ? R[Extract<keyof R, 200 | 201 | 202>] : never;

/** The JSON body of an operation's success answer. */
export type OkOf<K extends keyof operations> = JsonOf<OkResponses<operations[K]>>;
/** The JSON request body of an operation. */
export type BodyOf<K extends keyof operations> = operations[K] extends {
	requestBody?: { content: { 'application/json': infer B } };
}
	? B
	: never;

export type Me = OkOf<'getMe'>;
export type Membership = Me['memberships'][number];
export type Organization = OkOf<'getOrganization'>;
export type Member = OkOf<'listMembers'>[number];
export type Invitation = OkOf<'listInvitations'>[number];
export type Venue = OkOf<'getVenue'>;
export type Gate = Venue['gates'][number];
export type VenuePage = OkOf<'listVenues'>;
export type EventItem = OkOf<'getEvent'>;
export type EventPage = OkOf<'listEvents'>;
export type AuditEntry = OkOf<'listAuditLog'>['items'][number];
export type VenueCreate = BodyOf<'createVenue'>;
export type EventCreate = BodyOf<'createEvent'>;
export type TicketType = OkOf<'getTicketType'>;
export type TicketTypeCreate = BodyOf<'createTicketType'>;
export type TicketTypeUpdate = BodyOf<'updateTicketType'>;
export type Coupon = OkOf<'getCoupon'>;
export type CouponCreate = BodyOf<'createCoupon'>;
export type CouponUpdate = BodyOf<'updateCoupon'>;
export type Quota = OkOf<'getQuota'>;
export type QuotaCreate = BodyOf<'createQuota'>;
export type WaitingListEntry = OkOf<'listWaitingList'>[number];
export type WaitingListSettings = OkOf<'getWaitingListSettings'>;
export type Question = OkOf<'getQuestion'>;
export type QuestionCreate = BodyOf<'createQuestion'>;
export type AttendeeSettings = OkOf<'getAttendeeSettings'>;
export type OrderAnswer = NonNullable<OkOf<'getOrder'>['answers']>[number];
export type OrderPage = OkOf<'listOrders'>;
export type OrderSummary = OrderPage['items'][number];
export type OrderDetail = OkOf<'getOrder'>;
export type SalesSummary = OkOf<'getEventSales'>;
export type Device = OkOf<'listDevices'>['items'][number];
export type PairingCode = OkOf<'createPairingCode'>;
export type Scan = OkOf<'listScans'>['items'][number];
export type CheckinCounts = OkOf<'getCheckinCounts'>;
export type CheckinConfig = OkOf<'getCheckinConfig'>;
export type OfflineDuplicate = OkOf<'listOfflineDuplicates'>['items'][number];

// Closed sets of words, as the backend declares them (named enums in openapi.json, made from its
// state machines, sort allow-lists and check-in rules). Never copy their words into a list here:
// a map that needs every word is typed `satisfies Record<X, ...>` (see labels.ts), so a word the
// backend adds fails `npm run check` until the app handles it.
export type Role = Schemas['Role'];
export type EventStatus = Schemas['EventStatus'];
export type OrderStatus = Schemas['OrderStatus'];
export type PaymentStatus = Schemas['PaymentStatus'];
export type TicketStatus = Schemas['TicketStatus'];
export type InvitationStatus = Schemas['InvitationStatus'];
export type ExportStatus = Schemas['ExportStatus'];
export type ExportKind = Schemas['ExportKind'];
export type CouponKind = Schemas['CouponKind'];
export type QuestionKind = Schemas['QuestionKind'];
export type QuestionScope = Schemas['QuestionScope'];
export type HolderNameMode = Schemas['HolderNameMode'];
export type EventSort = Schemas['EventSort'];
export type OrderSort = Schemas['OrderSort'];
export type VenueSort = Schemas['VenueSort'];
export type ScanResult = Schemas['ScanResult'];
export type ScanReason = Schemas['ScanReason'];
export type Direction = Schemas['Direction'];
export type PaymentProvider = OkOf<'getPaymentProvider'>;
export type PaymentProviderField = PaymentProvider['fields'][number];
export type PaymentProviderUpdate = BodyOf<'setPaymentProvider'>;
export type Refund = OkOf<'getRefund'>;
export type OrderRefunds = OkOf<'listOrderRefunds'>;
export type RefundCreate = BodyOf<'createRefund'>;

// The scanner's side of the check-in protocol (docs/scanning-protocol.md).
export type DeviceSession = OkOf<'getDeviceSession'>;
export type PairRequest = BodyOf<'pairDevice'>;
export type ScanRequest = BodyOf<'scanTicket'>;
export type ScanVerdict = OkOf<'scanTicket'>;
export type OfflineUpload = BodyOf<'uploadOfflineScans'>;
export type OfflineScan = OfflineUpload['scans'][number];
export type OfflineUploadResult = OkOf<'uploadOfflineScans'>;
export type OfflineResult = OfflineUploadResult['results'][number];

// API keys (organiser app, Settings > API keys).
export type ApiKey = OkOf<'listApiKeys'>['items'][number];
export type ApiKeyCreated = OkOf<'createApiKey'>;
export type ApiKeyScope = ApiKey['scopes'][number];

// Webhooks (organiser app, Webhooks).
export type WebhookEndpoint = OkOf<'getWebhookEndpoint'>;
export type WebhookEndpointCreated = OkOf<'createWebhookEndpoint'>;
export type WebhookEndpointCreate = BodyOf<'createWebhookEndpoint'>;
export type WebhookSecret = OkOf<'revealWebhookEndpointSecret'>;
export type WebhookDeliveryPage = OkOf<'listWebhookDeliveries'>;
export type WebhookDelivery = WebhookDeliveryPage['items'][number];
export type WebhookDeliveryDetail = OkOf<'getWebhookDelivery'>;
export type WebhookEventType = Schemas['WebhookEventType'];
/** The types an endpoint can subscribe to (every type but the test event). */
export type SubscribableEventType = WebhookEndpointCreate['event_types'][number];
export type WebhookEndpointStatus = Schemas['WebhookEndpointStatus'];
export type WebhookDeliveryStatus = Schemas['WebhookDeliveryStatus'];

// Reserved seating (docs/seating.md): the plan document is the one JSON format of plan_format.py.
export type SeatingPlanSummary = OkOf<'listSeatingPlans'>[number];
export type SeatingPlanDocument = Schemas['SeatingPlanDocument'];
export type PlanCategory = SeatingPlanDocument['categories'][number];
export type PlanSection = SeatingPlanDocument['sections'][number];
export type PlanRow = NonNullable<PlanSection['rows']>[number];
export type PlanSeat = PlanRow['seats'][number];
export type EventSeating = OkOf<'getEventSeating'>;
export type EventSeatingAssign = BodyOf<'assignEventSeating'>;
export type EventSeatMap = OkOf<'getEventSeatMap'>;
export type BlockReason = BodyOf<'blockSeats'>['reason'];
