import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// Served by the backend under /scanner/.
export default defineConfig({
	base: '/scanner/',
	plugins: [svelte()],
	build: { outDir: 'dist', emptyOutDir: true }
});
