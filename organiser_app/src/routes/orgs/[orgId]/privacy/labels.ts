// Words for the privacy request pages: what a buyer asked for, and the personal data holders'
// sections (backend/voelgoed/workflows/personal_data_holders.py); an unknown holder shows its key.
export const KIND_LABELS: Record<string, string> = {
	export: 'Copy of their data',
	erasure: 'Erasure'
};

export const HOLDER_LABELS: Record<string, string> = {
	orders: 'Orders',
	tickets: 'Tickets (holder names)',
	ticket_documents: 'Rendered ticket PDFs',
	billing_details: 'Billing details',
	tax_documents: 'Tax invoices and credit notes',
	refunds: 'Refunds',
	payments: 'Payments',
	check_ins: 'Check-in scans',
	audit_entries: 'Audit log entries',
	question_answers: 'Answers to checkout questions',
	attendee_names: 'Names given per ticket',
	waiting_list: 'Waiting-list places'
};

export const holderLabel = (key: string) => HOLDER_LABELS[key] ?? key.replaceAll('_', ' ');
