/** QR detection: the browser's BarcodeDetector when it reads QR codes, else the bundled decoder. */

export interface QrDetector {
	detect(source: HTMLVideoElement | ImageBitmap | HTMLCanvasElement): Promise<Array<{ rawValue: string }>>;
}

export interface DetectorInfo {
	detector: QrDetector;
	native: boolean;
}

let cached: Promise<DetectorInfo> | null = null;

async function make(): Promise<DetectorInfo> {
	const g = globalThis as unknown as {
		BarcodeDetector?: { new (o: { formats: string[] }): QrDetector; getSupportedFormats(): Promise<string[]> };
	};
	if (g.BarcodeDetector) {
		try {
			const formats = await g.BarcodeDetector.getSupportedFormats();
			if (formats.includes('qr_code')) return { detector: new g.BarcodeDetector({ formats: ['qr_code'] }), native: true };
		} catch {
			/* fall through to the bundled decoder */
		}
	}
	const { createPonyfill } = await import('./zxing');
	return { detector: createPonyfill() as unknown as QrDetector, native: false };
}

export function getDetector(): Promise<DetectorInfo> {
	if (!cached)
		cached = make().catch((e) => {
			cached = null;
			throw e;
		});
	return cached;
}
