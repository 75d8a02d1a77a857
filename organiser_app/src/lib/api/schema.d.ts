/**
 * TEMPORARY hand-written stand-in for the file openapi-typescript generates from
 * ../shared_schemas/openapi.json (npm run gen:api). Written from docs/api.md; replace it
 * by running gen:api once the spec exists.
 */
export interface paths {
  "/api/auth/sign-up": {
    parameters: { query?: never; header?: never; path?: never; cookie?: never };
    get?: never;
    put?: never;
    post: operations["signUp"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/api/auth/sign-in": {
    parameters: { query?: never; header?: never; path?: never; cookie?: never };
    get?: never;
    put?: never;
    post: operations["signIn"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/api/auth/sign-out": {
    parameters: { query?: never; header?: never; path?: never; cookie?: never };
    get?: never;
    put?: never;
    post: operations["signOut"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/api/auth/me": {
    parameters: { query?: never; header?: never; path?: never; cookie?: never };
    get: operations["getMe"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/api/auth/password-reset": {
    parameters: { query?: never; header?: never; path?: never; cookie?: never };
    get?: never;
    put?: never;
    post: operations["requestPasswordReset"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/api/auth/password-reset/confirm": {
    parameters: { query?: never; header?: never; path?: never; cookie?: never };
    get?: never;
    put?: never;
    post: operations["confirmPasswordReset"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/api/organizations": {
    parameters: { query?: never; header?: never; path?: never; cookie?: never };
    get: operations["listMyOrganizations"];
    put?: never;
    post: operations["createOrganization"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/api/organizations/{organization_id}": {
    parameters: { query?: never; header?: never; path?: { organization_id: string }; cookie?: never };
    get: operations["getOrganization"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch: operations["updateOrganization"];
    trace?: never;
  };
  "/api/organizations/{organization_id}/members": {
    parameters: { query?: never; header?: never; path?: { organization_id: string }; cookie?: never };
    get: operations["listMembers"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/api/organizations/{organization_id}/members/{user_id}": {
    parameters: { query?: never; header?: never; path?: { organization_id: string; user_id: string }; cookie?: never };
    get?: never;
    put?: never;
    post?: never;
    delete: operations["removeMember"];
    options?: never;
    head?: never;
    patch: operations["updateMember"];
    trace?: never;
  };
  "/api/organizations/{organization_id}/invitations": {
    parameters: { query?: never; header?: never; path?: { organization_id: string }; cookie?: never };
    get: operations["listInvitations"];
    put?: never;
    post: operations["createInvitation"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/api/organizations/{organization_id}/invitations/{invitation_id}": {
    parameters: { query?: never; header?: never; path?: { organization_id: string; invitation_id: string }; cookie?: never };
    get?: never;
    put?: never;
    post?: never;
    delete: operations["revokeInvitation"];
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/api/invitations/{token}": {
    parameters: { query?: never; header?: never; path?: { token: string }; cookie?: never };
    get: operations["getInvitation"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/api/invitations/{token}/accept": {
    parameters: { query?: never; header?: never; path?: { token: string }; cookie?: never };
    get?: never;
    put?: never;
    post: operations["acceptInvitation"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/api/organizations/{organization_id}/venues": {
    parameters: { query?: never; header?: never; path?: { organization_id: string }; cookie?: never };
    get: operations["listVenues"];
    put?: never;
    post: operations["createVenue"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/api/organizations/{organization_id}/venues/{venue_id}": {
    parameters: { query?: never; header?: never; path?: { organization_id: string; venue_id: string }; cookie?: never };
    get: operations["getVenue"];
    put?: never;
    post?: never;
    delete: operations["deleteVenue"];
    options?: never;
    head?: never;
    patch: operations["updateVenue"];
    trace?: never;
  };
  "/api/organizations/{organization_id}/venues/{venue_id}/gates": {
    parameters: { query?: never; header?: never; path?: { organization_id: string; venue_id: string }; cookie?: never };
    get?: never;
    put?: never;
    post: operations["createGate"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/api/organizations/{organization_id}/venues/{venue_id}/gates/{gate_id}": {
    parameters: { query?: never; header?: never; path?: { organization_id: string; venue_id: string; gate_id: string }; cookie?: never };
    get?: never;
    put?: never;
    post?: never;
    delete: operations["deleteGate"];
    options?: never;
    head?: never;
    patch: operations["updateGate"];
    trace?: never;
  };
  "/api/organizations/{organization_id}/events": {
    parameters: { query?: never; header?: never; path?: { organization_id: string }; cookie?: never };
    get: operations["listEvents"];
    put?: never;
    post: operations["createEvent"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/api/organizations/{organization_id}/events/{event_id}": {
    parameters: { query?: never; header?: never; path?: { organization_id: string; event_id: string }; cookie?: never };
    get: operations["getEvent"];
    put?: never;
    post?: never;
    delete: operations["deleteEvent"];
    options?: never;
    head?: never;
    patch: operations["updateEvent"];
    trace?: never;
  };
  "/api/organizations/{organization_id}/events/{event_id}/publish": {
    parameters: { query?: never; header?: never; path?: { organization_id: string; event_id: string }; cookie?: never };
    get?: never;
    put?: never;
    post: operations["publishEvent"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/api/organizations/{organization_id}/events/{event_id}/close": {
    parameters: { query?: never; header?: never; path?: { organization_id: string; event_id: string }; cookie?: never };
    get?: never;
    put?: never;
    post: operations["closeEvent"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/api/organizations/{organization_id}/events/{event_id}/cancel": {
    parameters: { query?: never; header?: never; path?: { organization_id: string; event_id: string }; cookie?: never };
    get?: never;
    put?: never;
    post: operations["cancelEvent"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/api/organizations/{organization_id}/audit-log": {
    parameters: { query?: never; header?: never; path?: { organization_id: string }; cookie?: never };
    get: operations["listAuditLog"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
}
export type webhooks = Record<string, never>;
export interface components {
  schemas: {
    Problem: { type: string; title: string; status: number; detail?: string; errors?: { field: string; message: string }[] };
    User: { id: string; email: string; name: string };
    Membership: { organization_id: string; organization_name: string; organization_slug: string; role: components["schemas"]["Role"] };
    Role: "owner" | "admin" | "staff" | "viewer" | "scanner_only";
    Me: { user: components["schemas"]["User"]; memberships: components["schemas"]["Membership"][]; csrf_token: string };
    SignUpRequest: { email: string; password: string; name: string; organization_name?: string | null };
    SignInRequest: { email: string; password: string };
    PasswordResetRequest: { email: string };
    PasswordResetConfirm: { token: string; password: string };
    Organization: { id: string; name: string; slug: string; role: components["schemas"]["Role"]; created_at: string };
    OrganizationCreate: { name: string };
    OrganizationUpdate: { name?: string };
    Member: { user_id: string; email: string; name: string; role: components["schemas"]["Role"]; joined_at: string };
    MemberUpdate: { role: components["schemas"]["Role"] };
    Invitation: { id: string; email: string; role: components["schemas"]["Role"]; status: "pending" | "accepted" | "revoked" | "expired"; expires_at: string; created_at: string };
    InvitationCreate: { email: string; role: components["schemas"]["Role"] };
    InvitationPublic: { email: string; role: components["schemas"]["Role"]; status: "pending" | "accepted" | "revoked" | "expired"; organization_name: string; expires_at: string };
    Gate: { id: string; code: string; name: string };
    GateCreate: { code: string; name: string };
    GateUpdate: { code?: string; name?: string };
    Venue: { id: string; name: string; address_line1: string | null; address_line2: string | null; city: string | null; province: string | null; postal_code: string | null; country: string | null; capacity: number | null; timezone: string; gates: components["schemas"]["Gate"][]; created_at: string; updated_at: string };
    VenueCreate: { name: string; address_line1?: string | null; address_line2?: string | null; city?: string | null; province?: string | null; postal_code?: string | null; country?: string | null; capacity?: number | null; timezone?: string };
    VenueUpdate: { name?: string; address_line1?: string | null; address_line2?: string | null; city?: string | null; province?: string | null; postal_code?: string | null; country?: string | null; capacity?: number | null; timezone?: string };
    VenuePage: { items: components["schemas"]["Venue"][]; total: number; page: number; page_size: number };
    EventStatus: "draft" | "published" | "closed" | "cancelled";
    Event: { id: string; name: string; slug: string; description: string | null; venue_id: string | null; venue_name: string | null; starts_at: string; ends_at: string; starts_at_local: string; ends_at_local: string; timezone: string; capacity: number | null; status: components["schemas"]["EventStatus"]; allowed_transitions: string[]; created_at: string; updated_at: string };
    EventCreate: { name: string; slug?: string | null; description?: string | null; venue_id?: string | null; starts_at: string; ends_at: string; timezone?: string | null; capacity?: number | null };
    EventUpdate: { name?: string; slug?: string; description?: string | null; venue_id?: string | null; starts_at?: string; ends_at?: string; timezone?: string; capacity?: number | null };
    EventPage: { items: components["schemas"]["Event"][]; total: number; page: number; page_size: number };
    AuditEntry: { id: string; actor_user_id: string | null; actor_email: string | null; action: string; entity_type: string; entity_id: string | null; changes: { [key: string]: unknown } | null; created_at: string };
    AuditPage: { items: components["schemas"]["AuditEntry"][]; total: number; page: number; page_size: number };
  };
  responses: never;
  parameters: never;
  requestBodies: never;
  headers: never;
  pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
  signUp: {
    parameters: { query?: never; header?: never; path?: never; cookie?: never };
    requestBody: { content: { "application/json": components["schemas"]["SignUpRequest"] } };
    responses: {
      201: { headers: { [name: string]: unknown }; content: { "application/json": components["schemas"]["Me"] } };
      "4XX": { headers: { [name: string]: unknown }; content: { "application/problem+json": components["schemas"]["Problem"] } };
    };
  };
  signIn: {
    parameters: { query?: never; header?: never; path?: never; cookie?: never };
    requestBody: { content: { "application/json": components["schemas"]["SignInRequest"] } };
    responses: {
      200: { headers: { [name: string]: unknown }; content: { "application/json": components["schemas"]["Me"] } };
      "4XX": { headers: { [name: string]: unknown }; content: { "application/problem+json": components["schemas"]["Problem"] } };
    };
  };
  signOut: {
    parameters: { query?: never; header?: never; path?: never; cookie?: never };
    requestBody?: never;
    responses: {
      204: { headers: { [name: string]: unknown }; content?: never };
      "4XX": { headers: { [name: string]: unknown }; content: { "application/problem+json": components["schemas"]["Problem"] } };
    };
  };
  getMe: {
    parameters: { query?: never; header?: never; path?: never; cookie?: never };
    requestBody?: never;
    responses: {
      200: { headers: { [name: string]: unknown }; content: { "application/json": components["schemas"]["Me"] } };
      "4XX": { headers: { [name: string]: unknown }; content: { "application/problem+json": components["schemas"]["Problem"] } };
    };
  };
  requestPasswordReset: {
    parameters: { query?: never; header?: never; path?: never; cookie?: never };
    requestBody: { content: { "application/json": components["schemas"]["PasswordResetRequest"] } };
    responses: {
      202: { headers: { [name: string]: unknown }; content?: never };
      "4XX": { headers: { [name: string]: unknown }; content: { "application/problem+json": components["schemas"]["Problem"] } };
    };
  };
  confirmPasswordReset: {
    parameters: { query?: never; header?: never; path?: never; cookie?: never };
    requestBody: { content: { "application/json": components["schemas"]["PasswordResetConfirm"] } };
    responses: {
      204: { headers: { [name: string]: unknown }; content?: never };
      "4XX": { headers: { [name: string]: unknown }; content: { "application/problem+json": components["schemas"]["Problem"] } };
    };
  };
  listMyOrganizations: {
    parameters: { query?: never; header?: never; path?: never; cookie?: never };
    requestBody?: never;
    responses: {
      200: { headers: { [name: string]: unknown }; content: { "application/json": components["schemas"]["Organization"][] } };
      "4XX": { headers: { [name: string]: unknown }; content: { "application/problem+json": components["schemas"]["Problem"] } };
    };
  };
  createOrganization: {
    parameters: { query?: never; header?: never; path?: never; cookie?: never };
    requestBody: { content: { "application/json": components["schemas"]["OrganizationCreate"] } };
    responses: {
      201: { headers: { [name: string]: unknown }; content: { "application/json": components["schemas"]["Organization"] } };
      "4XX": { headers: { [name: string]: unknown }; content: { "application/problem+json": components["schemas"]["Problem"] } };
    };
  };
  getOrganization: {
    parameters: { query?: never; header?: never; path: { organization_id: string }; cookie?: never };
    requestBody?: never;
    responses: {
      200: { headers: { [name: string]: unknown }; content: { "application/json": components["schemas"]["Organization"] } };
      "4XX": { headers: { [name: string]: unknown }; content: { "application/problem+json": components["schemas"]["Problem"] } };
    };
  };
  updateOrganization: {
    parameters: { query?: never; header?: never; path: { organization_id: string }; cookie?: never };
    requestBody: { content: { "application/json": components["schemas"]["OrganizationUpdate"] } };
    responses: {
      200: { headers: { [name: string]: unknown }; content: { "application/json": components["schemas"]["Organization"] } };
      "4XX": { headers: { [name: string]: unknown }; content: { "application/problem+json": components["schemas"]["Problem"] } };
    };
  };
  listMembers: {
    parameters: { query?: never; header?: never; path: { organization_id: string }; cookie?: never };
    requestBody?: never;
    responses: {
      200: { headers: { [name: string]: unknown }; content: { "application/json": components["schemas"]["Member"][] } };
      "4XX": { headers: { [name: string]: unknown }; content: { "application/problem+json": components["schemas"]["Problem"] } };
    };
  };
  updateMember: {
    parameters: { query?: never; header?: never; path: { organization_id: string; user_id: string }; cookie?: never };
    requestBody: { content: { "application/json": components["schemas"]["MemberUpdate"] } };
    responses: {
      200: { headers: { [name: string]: unknown }; content: { "application/json": components["schemas"]["Member"] } };
      "4XX": { headers: { [name: string]: unknown }; content: { "application/problem+json": components["schemas"]["Problem"] } };
    };
  };
  removeMember: {
    parameters: { query?: never; header?: never; path: { organization_id: string; user_id: string }; cookie?: never };
    requestBody?: never;
    responses: {
      204: { headers: { [name: string]: unknown }; content?: never };
      "4XX": { headers: { [name: string]: unknown }; content: { "application/problem+json": components["schemas"]["Problem"] } };
    };
  };
  listInvitations: {
    parameters: { query?: never; header?: never; path: { organization_id: string }; cookie?: never };
    requestBody?: never;
    responses: {
      200: { headers: { [name: string]: unknown }; content: { "application/json": components["schemas"]["Invitation"][] } };
      "4XX": { headers: { [name: string]: unknown }; content: { "application/problem+json": components["schemas"]["Problem"] } };
    };
  };
  createInvitation: {
    parameters: { query?: never; header?: never; path: { organization_id: string }; cookie?: never };
    requestBody: { content: { "application/json": components["schemas"]["InvitationCreate"] } };
    responses: {
      201: { headers: { [name: string]: unknown }; content: { "application/json": components["schemas"]["Invitation"] } };
      "4XX": { headers: { [name: string]: unknown }; content: { "application/problem+json": components["schemas"]["Problem"] } };
    };
  };
  revokeInvitation: {
    parameters: { query?: never; header?: never; path: { organization_id: string; invitation_id: string }; cookie?: never };
    requestBody?: never;
    responses: {
      204: { headers: { [name: string]: unknown }; content?: never };
      "4XX": { headers: { [name: string]: unknown }; content: { "application/problem+json": components["schemas"]["Problem"] } };
    };
  };
  getInvitation: {
    parameters: { query?: never; header?: never; path: { token: string }; cookie?: never };
    requestBody?: never;
    responses: {
      200: { headers: { [name: string]: unknown }; content: { "application/json": components["schemas"]["InvitationPublic"] } };
      "4XX": { headers: { [name: string]: unknown }; content: { "application/problem+json": components["schemas"]["Problem"] } };
    };
  };
  acceptInvitation: {
    parameters: { query?: never; header?: never; path: { token: string }; cookie?: never };
    requestBody?: never;
    responses: {
      200: { headers: { [name: string]: unknown }; content: { "application/json": components["schemas"]["Me"] } };
      "4XX": { headers: { [name: string]: unknown }; content: { "application/problem+json": components["schemas"]["Problem"] } };
    };
  };
  listVenues: {
    parameters: { query?: { page?: number; page_size?: number; q?: string; sort?: string }; header?: never; path: { organization_id: string }; cookie?: never };
    requestBody?: never;
    responses: {
      200: { headers: { [name: string]: unknown }; content: { "application/json": components["schemas"]["VenuePage"] } };
      "4XX": { headers: { [name: string]: unknown }; content: { "application/problem+json": components["schemas"]["Problem"] } };
    };
  };
  createVenue: {
    parameters: { query?: never; header?: never; path: { organization_id: string }; cookie?: never };
    requestBody: { content: { "application/json": components["schemas"]["VenueCreate"] } };
    responses: {
      201: { headers: { [name: string]: unknown }; content: { "application/json": components["schemas"]["Venue"] } };
      "4XX": { headers: { [name: string]: unknown }; content: { "application/problem+json": components["schemas"]["Problem"] } };
    };
  };
  getVenue: {
    parameters: { query?: never; header?: never; path: { organization_id: string; venue_id: string }; cookie?: never };
    requestBody?: never;
    responses: {
      200: { headers: { [name: string]: unknown }; content: { "application/json": components["schemas"]["Venue"] } };
      "4XX": { headers: { [name: string]: unknown }; content: { "application/problem+json": components["schemas"]["Problem"] } };
    };
  };
  updateVenue: {
    parameters: { query?: never; header?: never; path: { organization_id: string; venue_id: string }; cookie?: never };
    requestBody: { content: { "application/json": components["schemas"]["VenueUpdate"] } };
    responses: {
      200: { headers: { [name: string]: unknown }; content: { "application/json": components["schemas"]["Venue"] } };
      "4XX": { headers: { [name: string]: unknown }; content: { "application/problem+json": components["schemas"]["Problem"] } };
    };
  };
  deleteVenue: {
    parameters: { query?: never; header?: never; path: { organization_id: string; venue_id: string }; cookie?: never };
    requestBody?: never;
    responses: {
      204: { headers: { [name: string]: unknown }; content?: never };
      "4XX": { headers: { [name: string]: unknown }; content: { "application/problem+json": components["schemas"]["Problem"] } };
    };
  };
  createGate: {
    parameters: { query?: never; header?: never; path: { organization_id: string; venue_id: string }; cookie?: never };
    requestBody: { content: { "application/json": components["schemas"]["GateCreate"] } };
    responses: {
      201: { headers: { [name: string]: unknown }; content: { "application/json": components["schemas"]["Gate"] } };
      "4XX": { headers: { [name: string]: unknown }; content: { "application/problem+json": components["schemas"]["Problem"] } };
    };
  };
  updateGate: {
    parameters: { query?: never; header?: never; path: { organization_id: string; venue_id: string; gate_id: string }; cookie?: never };
    requestBody: { content: { "application/json": components["schemas"]["GateUpdate"] } };
    responses: {
      200: { headers: { [name: string]: unknown }; content: { "application/json": components["schemas"]["Gate"] } };
      "4XX": { headers: { [name: string]: unknown }; content: { "application/problem+json": components["schemas"]["Problem"] } };
    };
  };
  deleteGate: {
    parameters: { query?: never; header?: never; path: { organization_id: string; venue_id: string; gate_id: string }; cookie?: never };
    requestBody?: never;
    responses: {
      204: { headers: { [name: string]: unknown }; content?: never };
      "4XX": { headers: { [name: string]: unknown }; content: { "application/problem+json": components["schemas"]["Problem"] } };
    };
  };
  listEvents: {
    parameters: { query?: { page?: number; page_size?: number; q?: string; status?: string; venue_id?: string; sort?: string }; header?: never; path: { organization_id: string }; cookie?: never };
    requestBody?: never;
    responses: {
      200: { headers: { [name: string]: unknown }; content: { "application/json": components["schemas"]["EventPage"] } };
      "4XX": { headers: { [name: string]: unknown }; content: { "application/problem+json": components["schemas"]["Problem"] } };
    };
  };
  createEvent: {
    parameters: { query?: never; header?: never; path: { organization_id: string }; cookie?: never };
    requestBody: { content: { "application/json": components["schemas"]["EventCreate"] } };
    responses: {
      201: { headers: { [name: string]: unknown }; content: { "application/json": components["schemas"]["Event"] } };
      "4XX": { headers: { [name: string]: unknown }; content: { "application/problem+json": components["schemas"]["Problem"] } };
    };
  };
  getEvent: {
    parameters: { query?: never; header?: never; path: { organization_id: string; event_id: string }; cookie?: never };
    requestBody?: never;
    responses: {
      200: { headers: { [name: string]: unknown }; content: { "application/json": components["schemas"]["Event"] } };
      "4XX": { headers: { [name: string]: unknown }; content: { "application/problem+json": components["schemas"]["Problem"] } };
    };
  };
  updateEvent: {
    parameters: { query?: never; header?: never; path: { organization_id: string; event_id: string }; cookie?: never };
    requestBody: { content: { "application/json": components["schemas"]["EventUpdate"] } };
    responses: {
      200: { headers: { [name: string]: unknown }; content: { "application/json": components["schemas"]["Event"] } };
      "4XX": { headers: { [name: string]: unknown }; content: { "application/problem+json": components["schemas"]["Problem"] } };
    };
  };
  deleteEvent: {
    parameters: { query?: never; header?: never; path: { organization_id: string; event_id: string }; cookie?: never };
    requestBody?: never;
    responses: {
      204: { headers: { [name: string]: unknown }; content?: never };
      "4XX": { headers: { [name: string]: unknown }; content: { "application/problem+json": components["schemas"]["Problem"] } };
    };
  };
  publishEvent: {
    parameters: { query?: never; header?: never; path: { organization_id: string; event_id: string }; cookie?: never };
    requestBody?: never;
    responses: {
      200: { headers: { [name: string]: unknown }; content: { "application/json": components["schemas"]["Event"] } };
      "4XX": { headers: { [name: string]: unknown }; content: { "application/problem+json": components["schemas"]["Problem"] } };
    };
  };
  closeEvent: {
    parameters: { query?: never; header?: never; path: { organization_id: string; event_id: string }; cookie?: never };
    requestBody?: never;
    responses: {
      200: { headers: { [name: string]: unknown }; content: { "application/json": components["schemas"]["Event"] } };
      "4XX": { headers: { [name: string]: unknown }; content: { "application/problem+json": components["schemas"]["Problem"] } };
    };
  };
  cancelEvent: {
    parameters: { query?: never; header?: never; path: { organization_id: string; event_id: string }; cookie?: never };
    requestBody?: never;
    responses: {
      200: { headers: { [name: string]: unknown }; content: { "application/json": components["schemas"]["Event"] } };
      "4XX": { headers: { [name: string]: unknown }; content: { "application/problem+json": components["schemas"]["Problem"] } };
    };
  };
  listAuditLog: {
    parameters: { query?: { entity_type?: string; entity_id?: string; page?: number; page_size?: number }; header?: never; path: { organization_id: string }; cookie?: never };
    requestBody?: never;
    responses: {
      200: { headers: { [name: string]: unknown }; content: { "application/json": components["schemas"]["AuditPage"] } };
      "4XX": { headers: { [name: string]: unknown }; content: { "application/problem+json": components["schemas"]["Problem"] } };
    };
  };
}
