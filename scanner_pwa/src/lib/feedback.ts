/** Sound (WebAudio beeps) and vibration for verdicts: one high beep = admit, low double = refuse. */
let ctx: AudioContext | null = null;

function beep(freq: number, start: number, dur: number) {
	if (!ctx) return;
	const osc = ctx.createOscillator();
	const gain = ctx.createGain();
	osc.type = 'square';
	osc.frequency.value = freq;
	gain.gain.setValueAtTime(0.0001, ctx.currentTime + start);
	gain.gain.exponentialRampToValueAtTime(0.25, ctx.currentTime + start + 0.01);
	gain.gain.exponentialRampToValueAtTime(0.0001, ctx.currentTime + start + dur);
	osc.connect(gain).connect(ctx.destination);
	osc.start(ctx.currentTime + start);
	osc.stop(ctx.currentTime + start + dur + 0.02);
}

/** Call from a user gesture once so that later beeps may play. */
export function unlockAudio() {
	try {
		const AC = window.AudioContext ?? (window as unknown as { webkitAudioContext?: typeof AudioContext }).webkitAudioContext;
		if (!ctx && AC) ctx = new AC();
		void ctx?.resume();
	} catch {
		ctx = null;
	}
}

export function signal(kind: 'ok' | 'warn' | 'bad') {
	try {
		if (kind === 'ok') beep(1320, 0, 0.15);
		else if (kind === 'warn') {
			beep(660, 0, 0.15);
			beep(660, 0.22, 0.15);
		} else {
			beep(300, 0, 0.25);
			beep(220, 0.3, 0.35);
		}
	} catch {
		/* no audio */
	}
	try {
		navigator.vibrate?.(kind === 'ok' ? 80 : kind === 'warn' ? [120, 80, 120] : [300, 100, 300]);
	} catch {
		/* no vibration */
	}
}
