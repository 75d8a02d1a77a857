// The organiser app's languages (docs/i18n.md), with svelte-i18n like the scanner: one JSON file
// of messages per language beside this file, bundled (nothing is fetched). English only for now:
// the app shell (navigation, event tabs, sign-in and sign-up, the events list) reads its words
// from en.json, and a screen moves its words there as it is translated. Adding a language: its
// JSON file (every key of en.json: i18n.test.ts checks) and one line in LOCALES; the language
// switch then appears in the account menu. The choice is kept in localStorage, else the
// browser's language, else English.
import { addMessages, format, init, locale, unwrapFunctionStore } from 'svelte-i18n';
import en from './en.json';

type Dictionary = Parameters<typeof addMessages>[1];
export const LOCALES: Record<string, string> = { en: 'English' };
export const MESSAGES: Record<string, Dictionary> = { en };
export const DEFAULT_LOCALE = 'en';
const STORAGE_KEY = 'vg-organiser-lang';

for (const [code, messages] of Object.entries(MESSAGES)) addMessages(code, messages);

/** "af-ZA" -> "af" when we have it; else null. */
export function supported(tag: string | null | undefined): string | null {
	if (!tag) return null;
	const code = tag.toLowerCase().split(/[-_]/)[0];
	return code in LOCALES ? code : null;
}

function stored(): string | null {
	try {
		return typeof localStorage === 'undefined' ? null : localStorage.getItem(STORAGE_KEY);
	} catch {
		return null; // storage blocked: the browser's language still applies
	}
}

export function startLocale(): string {
	const browser = typeof navigator === 'undefined' ? [] : [...(navigator.languages ?? []), navigator.language];
	return supported(stored()) ?? browser.map(supported).find((c) => c !== null) ?? DEFAULT_LOCALE;
}

export function setupI18n(initial: string = startLocale()): void {
	init({ fallbackLocale: DEFAULT_LOCALE, initialLocale: initial });
	if (typeof document !== 'undefined') document.documentElement.lang = initial;
}

export function setLanguage(code: string): void {
	try {
		localStorage.setItem(STORAGE_KEY, code);
	} catch {
		// storage blocked: the choice lasts until the page is reloaded
	}
	void locale.set(code);
	if (typeof document !== 'undefined') document.documentElement.lang = code;
}

/** Outside components: the current language's text of `id`. */
export const t = unwrapFunctionStore(format);
export { locale };
