// The signed-in user and their memberships, shared by every page.
import { api, call, send, ApiError } from './api/client';
import type { Me, Membership, Role } from '@voelgoed/api-client';

class Session {
	me = $state<Me | null>(null);
	loaded = $state(false);

	/** Load the session once (or again when forced); null when signed out. */
	async load(force = false): Promise<Me | null> {
		if (this.loaded && !force) return this.me;
		try {
			this.me = await call(api.GET('/api/auth/me'));
		} catch (e) {
			if (e instanceof ApiError && e.status === 401) this.me = null;
			else throw e;
		}
		this.loaded = true;
		return this.me;
	}

	set(me: Me | null) {
		this.me = me;
		this.loaded = true;
	}

	membership(orgId: string): Membership | undefined {
		return this.me?.memberships.find((m) => m.organization_id === orgId);
	}

	async signOut() {
		try {
			await send(api.POST('/api/auth/sign-out'));
		} finally {
			this.set(null);
		}
	}
}

export const session = new Session();

const RANK = { owner: 4, admin: 3, staff: 2, viewer: 1, scanner_only: 0 } satisfies Record<Role, number>;

/** UX pre-check only: the server decides. */
export function atLeast(role: Role | undefined, wanted: Exclude<Role, 'scanner_only'>): boolean {
	return role !== undefined && RANK[role] >= RANK[wanted];
}
