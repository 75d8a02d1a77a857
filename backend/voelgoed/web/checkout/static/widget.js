/* VoelgoedEvents ticket widget (docs/widget.md). Pasted on an organiser's own site:
 *   <div data-voelgoed-event="SLUG"></div>
 *   <script src="https://TICKETS-HOST/widget.js" async></script>
 * Shows the event's ticket types, prices and availability from the public event API, and opens the
 * checkout site in a new tab to buy: payment never happens inside another site's page. No
 * dependencies, no cookies; rendered in a shadow root so the host page's CSS cannot break it. */
(function () {
	'use strict';
	var script = document.currentScript;
	var origin = script && script.src ? new URL(script.src).origin : '';

	function el(tag, attrs, text) {
		var node = document.createElement(tag);
		for (var k in attrs || {}) node.setAttribute(k, attrs[k]);
		if (text != null) node.textContent = text;
		return node;
	}

	/** 25000 -> "R 250.00"; 125050 -> "R 1 250.50" (as the checkout site writes rand). */
	function rand(cents) {
		var whole = Math.floor(cents / 100).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ' ');
		return 'R ' + whole + '.' + String(cents % 100).padStart(2, '0');
	}

	var MONTHS = 'Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec'.split(' ');
	var DAYS = 'Sun Mon Tue Wed Thu Fri Sat'.split(' ');
	/** The event's own wall-clock time from its *_local ISO string, never the visitor's zone. */
	function when(local) {
		var m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(local || '');
		if (!m) return '';
		var day = DAYS[new Date(Date.UTC(+m[1], +m[2] - 1, +m[3])).getUTCDay()];
		return day + ' ' + +m[3] + ' ' + MONTHS[+m[2] - 1] + ' ' + m[1] + ', ' + m[4] + ':' + m[5];
	}

	function state(t) {
		if (t.sold_out) return 'Sold out';
		if (!t.on_sale) return 'Not on sale';
		if (t.available != null && t.available <= 20) return t.available + ' left';
		return 'Available';
	}

	var CSS =
		':host{all:initial;display:block;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;color:#18201d}' +
		'.w{border:1px solid #cfd6d2;border-radius:10px;padding:14px 16px;background:#fff;max-width:34rem}' +
		'h2{font-size:18px;margin:0 0 2px}p{margin:0 0 10px;color:#4f5b56}' +
		'ul{list-style:none;margin:0;padding:0}li{display:flex;flex-wrap:wrap;gap:4px 12px;align-items:center;padding:8px 0;border-top:1px solid #e3e7e5}' +
		'.n{flex:1 1 10rem;font-weight:600}.p{font-variant-numeric:tabular-nums}.s{color:#4f5b56;font-size:13px;min-width:6rem}' +
		'a.b{display:inline-block;padding:6px 14px;border-radius:6px;background:#0f5c4d;color:#fff;font-weight:600;text-decoration:none}' +
		'a.b:focus-visible{outline:3px solid #1a5fd0;outline-offset:2px}a.b[aria-disabled=true]{background:#8c9892;pointer-events:none}' +
		'.f{margin-top:10px;font-size:12px;color:#4f5b56}.f a{color:#0f5c4d}';

	function render(root, slug, ev) {
		var page = origin + '/events/' + encodeURIComponent(slug) + '?utm_source=widget&utm_medium=embed';
		var box = el('div', { class: 'w', part: 'widget' });
		box.appendChild(el('h2', {}, ev.name));
		var where = [when(ev.starts_at_local), ev.venue_name, ev.venue_city].filter(Boolean).join(' · ');
		box.appendChild(el('p', {}, where));
		var list = el('ul', { 'aria-label': 'Tickets' });
		ev.ticket_types.forEach(function (t) {
			var row = el('li', { 'data-type': t.id });
			row.appendChild(el('span', { class: 'n' }, t.name));
			row.appendChild(el('span', { class: 'p' }, t.price_cents ? rand(t.price_cents) : 'Free'));
			row.appendChild(el('span', { class: 's' }, state(t)));
			var buyable = t.on_sale && !t.sold_out;
			var buy = el('a', { class: 'b', href: page, target: '_blank', rel: 'noopener', 'aria-label': 'Buy ' + t.name + ' tickets (opens a new tab)' }, 'Buy');
			if (!buyable) buy.setAttribute('aria-disabled', 'true');
			row.appendChild(buy);
			list.appendChild(row);
		});
		if (!ev.ticket_types.length) list.appendChild(el('li', {}, 'No tickets on sale yet.'));
		box.appendChild(list);
		var foot = el('p', { class: 'f' });
		foot.appendChild(document.createTextNode('Tickets by '));
		foot.appendChild(el('a', { href: page, target: '_blank', rel: 'noopener' }, 'VoelgoedEvents'));
		box.appendChild(foot);
		root.replaceChildren(box);
	}

	function fallback(root, slug) {
		var box = el('div', { class: 'w' });
		var a = el('a', { class: 'b', href: origin + '/events/' + encodeURIComponent(slug), target: '_blank', rel: 'noopener' }, 'Buy tickets');
		box.appendChild(a);
		root.replaceChildren(box);
	}

	function mount(host) {
		if (host.getAttribute('data-voelgoed-mounted')) return;
		host.setAttribute('data-voelgoed-mounted', '1');
		var slug = host.getAttribute('data-voelgoed-event');
		var shadow = host.attachShadow ? host.attachShadow({ mode: 'open' }) : host;
		var style = el('style', {}, CSS);
		var root = el('div', { 'aria-live': 'polite' }, 'Loading tickets…');
		shadow.appendChild(style);
		shadow.appendChild(root);
		fetch(origin + '/api/public/events/' + encodeURIComponent(slug), { credentials: 'omit', headers: { Accept: 'application/json' } })
			.then(function (r) {
				if (!r.ok) throw new Error(String(r.status));
				return r.json();
			})
			.then(function (ev) {
				render(root, slug, ev);
			})
			.catch(function () {
				fallback(root, slug);
			});
	}

	function start() {
		var hosts = document.querySelectorAll('[data-voelgoed-event]');
		for (var i = 0; i < hosts.length; i++) mount(hosts[i]);
	}
	if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
	else start();
})();
