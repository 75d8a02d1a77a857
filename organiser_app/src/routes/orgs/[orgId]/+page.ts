import { redirect } from '@sveltejs/kit';
import { base } from '$app/paths';
import type { PageLoad } from './$types';

// The organisation's front door is its events list. Redirecting in load (before anything renders)
// rather than with goto() after mount: a tap on Menu during the second navigation was undone by it,
// the menu closing under the finger (a CI run failed on exactly that).
export const load: PageLoad = ({ params }) => {
	redirect(307, `${base}/orgs/${params.orgId}/events`);
};
