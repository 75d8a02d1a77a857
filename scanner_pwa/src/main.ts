import { mount } from 'svelte';
import App from './App.svelte';

const target = document.getElementById('app');
if (!target) throw new Error('#app is missing');

// The service worker makes the scanner work offline after the first load. Not in Capacitor
// (assets are bundled there) nor in the dev server.
if ('serviceWorker' in navigator && location.protocol.startsWith('http') && import.meta.env.PROD) {
	import('virtual:pwa-register').then(({ registerSW }) => registerSW({ immediate: true })).catch(() => undefined);
}

export default mount(App, { target });
