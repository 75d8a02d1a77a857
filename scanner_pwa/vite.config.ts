import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { VitePWA } from 'vite-plugin-pwa';

// Served by the backend under /scanner/. Offline-first: every asset, the zxing wasm included,
// is precached by the service worker.
export default defineConfig({
	base: '/scanner/',
	plugins: [
		svelte(),
		VitePWA({
			injectRegister: false, // registered in src/main.ts
			registerType: 'autoUpdate',
			includeAssets: ['icon.svg'],
			manifest: {
				name: 'VoelgoedEvents Scanner',
				short_name: 'VG Scanner',
				description: 'Gate scanner for VoelgoedEvents tickets, online and offline.',
				start_url: '/scanner/',
				scope: '/scanner/',
				display: 'standalone',
				orientation: 'portrait',
				background_color: '#0e1412',
				theme_color: '#0f5c4d',
				icons: [
					{ src: 'icon.svg', sizes: 'any', type: 'image/svg+xml', purpose: 'any' },
					{ src: 'icon-192.png', sizes: '192x192', type: 'image/png' },
					{ src: 'icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'any maskable' }
				]
			},
			workbox: {
				globPatterns: ['**/*.{js,css,html,svg,png,wasm,webmanifest}'],
				maximumFileSizeToCacheInBytes: 3 * 1024 * 1024,
				clientsClaim: true,
				skipWaiting: true,
				navigateFallback: '/scanner/index.html',
				navigateFallbackAllowlist: [/^\/scanner\//],
				// Never cache the API: verdicts and sync must be live.
				runtimeCaching: []
			}
		})
	],
	build: { outDir: 'dist', emptyOutDir: true, target: 'es2022' },
	// `npm run dev -w scanner_pwa` next to `voelgoed run --port 8000`: same-origin API calls.
	server: { proxy: { '/api': process.env.VG_BACKEND_URL ?? 'http://127.0.0.1:8000' } }
});
