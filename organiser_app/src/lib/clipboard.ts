// Copying to the clipboard. There may be none (an insecure origin, a denied permission): the
// caller then says so, or selects the text for the organiser to copy by hand.

/** Copy text to the clipboard; false when there is no clipboard. */
export async function copyText(text: string): Promise<boolean> {
	try {
		await navigator.clipboard.writeText(text);
		return true;
	} catch {
		return false;
	}
}

/** Copy text; without a clipboard, focus and select the field `fieldId` shows it in. True when copied. */
export async function copyOrSelect(text: string, fieldId: string): Promise<boolean> {
	if (await copyText(text)) return true;
	const field = document.getElementById(fieldId) as HTMLInputElement | HTMLTextAreaElement | null;
	field?.focus();
	field?.select();
	return false;
}
