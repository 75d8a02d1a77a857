// The brand colour rule of the server (backend/voelgoed/lib/colours.py), for the live preview:
// white text must reach WCAG's 4.5:1 on the colour. The server decides; this only shows it early.
export const MIN_CONTRAST_WITH_WHITE = 4.5;

export function parseHexColour(value: string): string | null {
	const m = /^#?([0-9a-fA-F]{6})$/.exec(value.trim());
	return m ? `#${m[1].toLowerCase()}` : null;
}

function linear(channel: number): number {
	const c = channel / 255;
	return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
}

export function contrastWithWhite(colour: string): number {
	const [r, g, b] = [1, 3, 5].map((i) => parseInt(colour.slice(i, i + 2), 16));
	const luminance = 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);
	return 1.05 / (luminance + 0.05);
}
