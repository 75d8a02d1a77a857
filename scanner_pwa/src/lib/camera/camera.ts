/** The camera loop: preview in a <video>, detect a QR every ~120 ms, report each new code once. */
import { getDetector } from './detector';

export interface CameraOptions {
	onCode: (text: string) => void;
	onError?: (message: string) => void;
	/** The same code is not reported again within this time. */
	repeatMs?: number;
}

export class CameraScanner {
	private stream: MediaStream | null = null;
	private timer: ReturnType<typeof setTimeout> | null = null;
	private running = false;
	private paused = false;
	private last = { text: '', at: 0 };
	native: boolean | null = null;

	constructor(
		private video: HTMLVideoElement,
		private opts: CameraOptions
	) {}

	async start(): Promise<void> {
		this.running = true;
		try {
			if (!navigator.mediaDevices?.getUserMedia) throw new Error('This browser gives no camera access (use https).');
			this.stream = await navigator.mediaDevices.getUserMedia({
				video: { facingMode: { ideal: 'environment' }, width: { ideal: 1280 }, height: { ideal: 720 } },
				audio: false
			});
			if (!this.running) return this.stop();
			this.video.srcObject = this.stream;
			this.video.muted = true;
			this.video.setAttribute('playsinline', '');
			await this.video.play().catch(() => undefined);
			const { detector, native } = await getDetector();
			this.native = native;
			const tick = async () => {
				if (!this.running) return;
				if (!this.paused && this.video.readyState >= 2) {
					try {
						const codes = await detector.detect(this.video);
						const text = codes[0]?.rawValue;
						const now = Date.now();
						if (text && (text !== this.last.text || now - this.last.at > (this.opts.repeatMs ?? 3000))) {
							this.last = { text, at: now };
							this.opts.onCode(text);
						} else if (text) {
							this.last.at = now;
						}
					} catch {
						/* a frame that cannot be read */
					}
				}
				this.timer = setTimeout(tick, 120);
			};
			void tick();
		} catch (e) {
			this.running = false;
			this.opts.onError?.((e as Error)?.message ?? String(e));
		}
	}

	/** Hold detection (while a verdict shows) without closing the camera. */
	pause(paused: boolean, forget = false) {
		this.paused = paused;
		if (forget) this.last = { text: '', at: 0 };
	}

	stop(): void {
		this.running = false;
		if (this.timer) clearTimeout(this.timer);
		this.timer = null;
		for (const t of this.stream?.getTracks() ?? []) t.stop();
		this.stream = null;
		this.video.srcObject = null;
	}
}
