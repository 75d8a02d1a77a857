/** Shapes of the scanning protocol (docs/scanning-protocol.md), as the scanner uses them. */
import type { Schemas } from '@voelgoed/api-client';

// The closed sets come from the backend's OpenAPI spec (`npm run gen:api`, made from
// domain/check_in/rules.py and the event state machine): the offline verifier can only give
// verdicts and reasons the server can give, and a new one fails the type check until handled.
export type Direction = Schemas['Direction'];
/** A verdict word: what the gate shows (`ok`, `already_redeemed`, `wrong_gate`, ...). */
export type Result = Schemas['ScanResult'];
/** Why, beside the verdict (null when the verdict says it all). */
export type Reason = Schemas['ScanReason'];
export type EventStatus = Schemas['EventStatus'];

export interface Gate {
	id: string;
	code: string;
	name: string;
}

export interface SessionEvent {
	id: string;
	name: string;
	starts_at: string;
	ends_at: string;
	timezone: string;
	status: EventStatus;
	venue_id: string | null;
	gates: Gate[];
}

export interface DeviceSession {
	device_id: string;
	organization_id: string;
	name: string | null;
	gate_id: string | null;
	events: SessionEvent[];
	server_time?: string;
}

export interface GateRule {
	gate_id: string;
	gate_code?: string;
	gate_name?: string;
	entry: boolean;
	exit: boolean;
	ticket_type_ids: string[] | null;
	type_refs?: string[] | null;
	/** Seated events: only seats in these sections (plan section keys) pass; null: every section. */
	sections?: string[] | null;
}

export interface Rules {
	event_id?: string;
	exit_allowed: boolean;
	reentry_allowed: boolean;
	valid_from?: string | null;
	valid_until?: string | null;
	effective_valid_from?: string | null;
	effective_valid_until?: string | null;
	gates: GateRule[];
}

export interface PublicKey {
	key_id: string;
	public_key: string; // base64url of 32 raw bytes
	alg: string;
}

export interface TicketRecord {
	h: string;
	s: 'v' | 'r' | 'c' | 'u' | string;
	a: 0 | 1 | 2 | number;
	e: string;
	/** The event it belongs to: added by the device's store, not sent by the server. */
	ev?: string;
}

export interface SnapshotEvent {
	id: string;
	name: string;
	status: EventStatus;
	starts_at: string;
	ends_at: string;
	timezone: string;
}

export interface Snapshot {
	format: number;
	event_id: string;
	cursor: number;
	server_time: string;
	event: SnapshotEvent;
	keys: PublicKey[];
	rules: Rules | null;
	revoked: string[];
	tickets: TicketRecord[];
}

export interface Changes {
	cursor: number;
	more: boolean;
	server_time: string;
	tickets: TicketRecord[];
	rules: Rules | null;
	keys: PublicKey[] | null;
	event?: SnapshotEvent | null;
}

export interface Admitted {
	at: string;
	gate_id: string | null;
	gate_name: string | null;
	device_id?: string | null;
	device_name?: string | null;
}

export interface TicketInfo {
	serial_hash: string;
	ticket_type_id?: string | null;
	ticket_type_name?: string | null;
	holder_name?: string | null;
	/** A reserved seat (the server's verdict, or the sealed record / the QR offline). */
	seat?: SeatInfo | null;
}

export interface SeatInfo {
	section: string;
	row: string;
	seat: string;
	section_key: string;
}

export interface Verdict {
	result: Result;
	reason: Reason | null;
	ticket: TicketInfo | null;
	admitted: Admitted | null;
	direction: Direction;
	client_scan_id: string;
	/** Decided on this device (no answer from the server in time). */
	offline: boolean;
	/** The server's verdict replayed an earlier identical scan. */
	replayed?: boolean;
}

/** What this device knows about a ticket on top of the server's `a` (its own scans). */
export interface LocalState {
	h: string;
	event_id: string;
	inside: boolean;
	entries: number;
	admitted: Admitted | null;
	updated_at: string;
	/** Set once the server has acknowledged every scan behind this state. */
	acked: boolean;
}
