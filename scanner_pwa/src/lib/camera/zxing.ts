/**
 * The bundled QR decoder for browsers without a native BarcodeDetector (headless Chromium, Firefox,
 * older Safari): the `barcode-detector` ponyfill on zxing-wasm, with the wasm self-hosted (no CDN),
 * so it works offline from the service worker's precache. Loaded lazily: ~1 MB of wasm.
 */
import { BarcodeDetector, prepareZXingModule } from 'barcode-detector/ponyfill';
import wasmUrl from 'zxing-wasm/reader/zxing_reader.wasm?url';

let prepared = false;

export function createPonyfill(): BarcodeDetector {
	if (!prepared) {
		prepareZXingModule({
			overrides: {
				locateFile: (path: string, prefix: string) => (path.endsWith('.wasm') ? new URL(wasmUrl, location.href).href : prefix + path)
			},
			fireImmediately: true
		});
		prepared = true;
	}
	return new BarcodeDetector({ formats: ['qr_code'] });
}
