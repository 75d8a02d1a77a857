// Small pure helpers of the payment settings page (routes/orgs/[orgId]/payments). The server
// checks every value; these only decide what the page sends.
import type { PaymentProviderField } from '@voelgoed/api-client';

/** `names` with the item at `index` moved one place up (-1) or down (+1); unchanged at the ends. */
export function moved<T>(names: readonly T[], index: number, delta: -1 | 1): T[] {
	const to = index + delta;
	const out = [...names];
	if (index < 0 || index >= out.length || to < 0 || to >= out.length) return out;
	[out[index], out[to]] = [out[to], out[index]];
	return out;
}

/** The `credentials` map to send: a typed secret is sent, an empty secret input keeps the stored one
 * (it is never pre-filled), a secret marked for removal is sent as "", a plain field is sent when it
 * differs from the stored value ("" clears it). Undefined when nothing changed. */
export function credentialChanges(
	fields: readonly PaymentProviderField[],
	typed: Record<string, string>,
	cleared: readonly string[] = []
): Record<string, string> | undefined {
	const out: Record<string, string> = {};
	for (const f of fields) {
		const value = (typed[f.name] ?? '').trim();
		if (f.secret) {
			if (value) out[f.name] = value;
			else if (cleared.includes(f.name) && f.set) out[f.name] = '';
		} else if (value !== (f.value ?? '')) {
			out[f.name] = value;
		}
	}
	return Object.keys(out).length ? out : undefined;
}

/** What a secret input shows in place of its value: "•••• 1234" when set, "Set" for a short one. */
export function secretPlaceholder(field: PaymentProviderField): string {
	if (!field.set) return 'Not set';
	return field.last4 ? `•••• ${field.last4}` : '•••• (set)';
}
