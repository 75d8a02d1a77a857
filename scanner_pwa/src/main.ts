import { mount } from 'svelte';
import App from './App.svelte';
import { setupI18n, startLocale } from './lib/i18n';

// The language before the first paint: the settings' choice, else the browser's, else English.
const lang = startLocale();
setupI18n(lang);
document.documentElement.lang = lang;

const target = document.getElementById('app');
if (!target) throw new Error('#app is missing');

// The service worker makes the scanner work offline after the first load. Not in Capacitor
// (assets are bundled there) nor in the dev server.
if ('serviceWorker' in navigator && location.protocol.startsWith('http') && import.meta.env.PROD) {
	import('virtual:pwa-register').then(({ registerSW }) => registerSW({ immediate: true })).catch(() => undefined);
}

export default mount(App, { target });
