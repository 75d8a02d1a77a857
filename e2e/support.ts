import type { Page } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

// Helpers shared by the browser tests. PDF and QR work runs in the project's virtualenv
// (pypdfium2 renders pages, zxing-cpp reads QR codes: pip wheels from the dev dependencies).

export const REPO = path.resolve(__dirname, '..');
export const PYTHON = path.join(REPO, '.venv/bin/python');
/** The product's port in the browser tests, and the fake Paystack's (started by playwright.config.ts). */
export const E2E_PORT = Number(process.env.VG_E2E_PORT ?? 8765);
export const FAKE_PAYSTACK_PORT = Number(process.env.VG_E2E_PAYSTACK_PORT ?? E2E_PORT + 1);
export const FAKE_PAYSTACK_URL = `http://127.0.0.1:${FAKE_PAYSTACK_PORT}`;
/** The one account of the fake Paystack: the test secret key an organiser enters to connect it. */
export const FAKE_PAYSTACK_KEY = 'sk_test_e2e0money0journey0000000000000000';
const SHOTS = process.env.SCREENSHOTS === '1';
const IMG_DIR = path.join(REPO, 'docs/img');

/** A screenshot for docs/img, only when SCREENSHOTS=1 (`npm run screenshots`). */
export async function shot(page: Page, name: string): Promise<void> {
	if (!SHOTS) return;
	fs.mkdirSync(IMG_DIR, { recursive: true });
	await page.screenshot({ path: path.join(IMG_DIR, name), fullPage: false });
}

/** A naive local date-time `days` from now at `hour`:00 (the server reads it in the event's zone). */
export function localInput(days: number, hour: number): string {
	const d = new Date(Date.now() + days * 86_400_000);
	const pad = (n: number) => String(n).padStart(2, '0');
	return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(hour)}:00:00`;
}

/** Run a Python snippet in the venv with arguments; its stdout. */
export function python(script: string, ...args: string[]): string {
	return execFileSync(PYTHON, ['-c', script, ...args], { encoding: 'utf8' });
}

/** Every QR code on every page of a PDF, as text. */
export function qrPayloadsOfPdf(pdfPath: string): string[] {
	const script = `
import json, sys
import pypdfium2, zxingcpp
pdf = pypdfium2.PdfDocument(sys.argv[1])
found = []
for i in range(len(pdf)):
    image = pdf[i].render(scale=3).to_pil()
    found += [r.text for r in zxingcpp.read_barcodes(image) if r.format == zxingcpp.BarcodeFormat.QRCode]
print(json.dumps(found))
`;
	return JSON.parse(python(script, pdfPath));
}

/** The ticket codes printed under the QR codes ("Ticket code ABCDE-…"), page by page. */
export function ticketCodesOfPdf(pdfPath: string): string[] {
	const script = `
import json, re, sys
import pypdfium2
pdf = pypdfium2.PdfDocument(sys.argv[1])
text = " ".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
print(json.dumps(re.findall(r"Ticket code ([A-Z2-7]{5}(?:-[A-Z2-7]{5}){3})", text)))
`;
	return JSON.parse(python(script, pdfPath));
}
