// The webhook screens' types, derived from the generated schema by operationId (one import to
// change if the generated client moves).
import type { BodyOf, OkOf } from './api/types';
import type { components } from './api/schema';

type Schemas = components['schemas'];

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
