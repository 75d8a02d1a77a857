import { describe, expect, it } from 'vitest';
import type { PaymentProviderField } from '@voelgoed/api-client';
import { credentialChanges, moved, secretPlaceholder } from './payments';

const field = (over: Partial<PaymentProviderField>): PaymentProviderField => ({
	name: 'merchant_key',
	label: 'Merchant key',
	secret: true,
	help: '',
	required: true,
	set: false,
	last4: null,
	value: null,
	...over
});

describe('moved', () => {
	it('swaps with the neighbour and stays put at the ends', () => {
		expect(moved(['a', 'b', 'c'], 1, -1)).toEqual(['b', 'a', 'c']);
		expect(moved(['a', 'b', 'c'], 1, 1)).toEqual(['a', 'c', 'b']);
		expect(moved(['a', 'b', 'c'], 0, -1)).toEqual(['a', 'b', 'c']);
		expect(moved(['a', 'b', 'c'], 2, 1)).toEqual(['a', 'b', 'c']);
	});
});

describe('credentialChanges', () => {
	const id = field({ name: 'merchant_id', secret: false, value: '10000100', set: true });
	const key = field({ set: true, last4: '581a' });
	it('keeps an untouched secret and an unchanged plain value', () => {
		expect(credentialChanges([id, key], { merchant_id: '10000100', merchant_key: '' })).toBeUndefined();
	});
	it('sends typed secrets and changed plain values, trimmed', () => {
		expect(credentialChanges([id, key], { merchant_id: ' 10000200 ', merchant_key: 'abc123' })).toEqual({
			merchant_id: '10000200',
			merchant_key: 'abc123'
		});
	});
	it('clears a secret marked for removal, and a plain value emptied', () => {
		expect(credentialChanges([id, key], { merchant_id: '' }, ['merchant_key'])).toEqual({ merchant_id: '', merchant_key: '' });
	});
});

describe('secretPlaceholder', () => {
	it('shows only the last four characters', () => {
		expect(secretPlaceholder(field({ set: true, last4: '1234' }))).toBe('•••• 1234');
		expect(secretPlaceholder(field({ set: true }))).toBe('•••• (set)');
		expect(secretPlaceholder(field({}))).toBe('Not set');
	});
});
