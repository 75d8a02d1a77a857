import type { CapacitorConfig } from '@capacitor/cli';

// Native shells (Android/iOS) around the same build; see docs/scanner.md for the steps.
const config: CapacitorConfig = {
	appId: 'events.voelgoed.scanner',
	appName: 'VG Scanner',
	webDir: 'dist',
	android: { allowMixedContent: false },
	server: { androidScheme: 'https' }
};

export default config;
