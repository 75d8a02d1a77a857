// What will happen at each gate, in plain sentences, from the event's check-in rules (the same
// rules the server and the offline scanner decide by: backend/voelgoed/domain/check_in/rules.py).
import { wallClock, zoneAbbreviation } from './zoned';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

export interface GateRuleView {
	gate_id: string;
	gate_code: string;
	gate_name: string;
	entry: boolean;
	exit: boolean;
	ticket_type_ids: string[] | null;
	/** Seated events: the plan's section keys whose seats pass here; null/absent: every section. */
	sections?: string[] | null;
}

export interface RulesView {
	exit_allowed: boolean;
	reentry_allowed: boolean;
	/** The window actually applied (the defaults filled in). */
	from: string;
	until: string;
	gates: GateRuleView[];
}

/** "General", "General and VIP", "General, VIP and Student". */
export function listOf(names: string[]): string {
	if (names.length <= 1) return names.join('');
	return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

function day(local: string): string {
	const [y, m, d] = local.slice(0, 10).split('-').map(Number);
	return `${DAYS[new Date(Date.UTC(y, m - 1, d)).getUTCDay()]} ${d} ${MONTHS[m - 1]}`;
}

/** "from Sat 12 Dec 17:00 to 23:30 SAST" (the day again only when the window crosses midnight). */
export function windowPhrase(fromIso: string, untilIso: string, tz: string): string {
	const from = wallClock(fromIso, tz);
	const until = wallClock(untilIso, tz);
	if (!from || !until) return '';
	const zone = zoneAbbreviation(fromIso, tz);
	const end = from.slice(0, 10) === until.slice(0, 10) ? until.slice(11, 16) : `${day(until)} ${until.slice(11, 16)}`;
	return `from ${day(from)} ${from.slice(11, 16)} to ${end} ${zone}`;
}

/** The gate as people know it: "North entrance (N1)". */
export function gateLabel(g: Pick<GateRuleView, 'gate_code' | 'gate_name'>): string {
	return g.gate_name && g.gate_name !== g.gate_code ? `${g.gate_name} (${g.gate_code})` : g.gate_code;
}

/** One sentence per gate, e.g. "North entrance (N1): admits General and VIP from Sat 12 Dec 17:00
 * to 23:30 SAST; a ticket can come back in after leaving." */
export function gateSentence(
	rules: RulesView,
	gate: GateRuleView,
	typeNames: Map<string, string>,
	tz: string,
	sectionNames: Map<string, string> = new Map()
): string {
	const label = gateLabel(gate);
	const canExit = gate.exit && rules.exit_allowed;
	if (!gate.entry) return canExit ? `${label}: exit only; nobody is let in here.` : `${label}: closed; every scan here is refused.`;
	let who: string;
	if (gate.ticket_type_ids === null) who = 'admits every ticket type';
	else if (gate.ticket_type_ids.length === 0) who = 'admits no ticket type';
	else who = `admits ${listOf(gate.ticket_type_ids.map((id) => typeNames.get(id) ?? 'a removed type'))}`;
	// Sections limit only tickets with a reserved seat (rules.py): general admission is not affected.
	if (gate.sections != null) {
		const names = gate.sections.map((k) => sectionNames.get(k) ?? k);
		who += names.length === 0 ? ', but no reserved seat' : `, reserved seats only in ${listOf(names)}`;
	}
	const when = windowPhrase(rules.from, rules.until, tz);
	let after: string;
	if (!canExit) after = 'people cannot scan out here';
	else if (rules.reentry_allowed) after = 'a ticket can come back in after leaving';
	else after = 'a ticket gets in once and cannot come back in after leaving';
	return `${label}: ${who}${when ? ` ${when}` : ''}; ${after}.`;
}

export function summary(rules: RulesView, typeNames: Map<string, string>, tz: string, sectionNames: Map<string, string> = new Map()): string[] {
	return rules.gates.map((g) => gateSentence(rules, g, typeNames, tz, sectionNames));
}
