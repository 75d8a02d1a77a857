// The scanner's languages (docs/i18n.md), with svelte-i18n (ICU messages, e.g. "{count} unsynced").
// Messages live in one JSON file per language beside this file, bundled into the app (the scanner
// works offline: nothing is fetched). The language is the one chosen in the scanner's settings
// (kept in localStorage), else the browser's, else English. Adding a language: its JSON file, one
// line in LOCALES and one addMessages call; i18n.test.ts fails until it has every key.
import { addMessages, init, locale, format, unwrapFunctionStore } from 'svelte-i18n';
import en from './en.json';
import af from './af.json';

export const LOCALES = { en: 'English', af: 'Afrikaans' } as const;
export type Locale = keyof typeof LOCALES;
export const DEFAULT_LOCALE: Locale = 'en';
type Dictionary = Parameters<typeof addMessages>[1];
export const MESSAGES: Record<Locale, Dictionary> = { en, af };
const STORAGE_KEY = 'vg-scanner-lang';

for (const [code, messages] of Object.entries(MESSAGES)) addMessages(code, messages);

/** "af-ZA" -> "af"; null when we do not speak it. */
export function supported(tag: string | null | undefined): Locale | null {
	if (!tag) return null;
	const base = tag.toLowerCase().split(/[-_]/)[0];
	return base in LOCALES ? (base as Locale) : null;
}

function stored(): string | null {
	try {
		return typeof localStorage === 'undefined' ? null : localStorage.getItem(STORAGE_KEY);
	} catch {
		return null; // storage blocked: the browser's language still applies
	}
}

/** The language to start in: the switch's choice, else the first of the browser's we speak. */
export function startLocale(): Locale {
	const browser = typeof navigator === 'undefined' ? [] : [...(navigator.languages ?? []), navigator.language];
	return supported(stored()) ?? browser.map(supported).find((l) => l !== null) ?? DEFAULT_LOCALE;
}

export function setupI18n(initial: Locale = startLocale()): void {
	init({ fallbackLocale: DEFAULT_LOCALE, initialLocale: initial });
}

/** The switch in the settings: remembered on this device. */
export function setLanguage(code: Locale): void {
	try {
		localStorage.setItem(STORAGE_KEY, code);
	} catch {
		// storage blocked: the choice lasts until the app is reloaded
	}
	void locale.set(code);
	if (typeof document !== 'undefined') document.documentElement.lang = code;
}

/** Outside components (plain TypeScript): the current language's text of `id`. */
export const t = unwrapFunctionStore(format);
export type Translate = (id: string, options?: { values?: Record<string, string | number | boolean | Date | null | undefined> }) => string;
export { locale };
