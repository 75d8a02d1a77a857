// Progressive enhancement only: the pages work without it.
// 1) data-countdown="<ISO time>": show the minutes left on a hold.
// 2) form[data-autosubmit]: continue to the payment provider without a click.
// 3) [data-error-summary]: the summary carries `autofocus`; browsers that ignore autofocus on a
//    non-control still get focus moved there, so a screen reader reads the errors first.
(function () {
  var summary = document.querySelector('[data-error-summary]');
  if (summary && (document.activeElement === document.body || !document.activeElement)) summary.focus();
  var el = document.querySelector('[data-countdown]');
  if (el) {
    var end = Date.parse(el.getAttribute('data-countdown'));
    var tick = function () {
      var s = Math.max(0, Math.round((end - Date.now()) / 1000));
      el.textContent = s > 0 ? Math.floor(s / 60) + ':' + String(s % 60).padStart(2, '0') + ' left' : 'time is up';
      if (s > 0) setTimeout(tick, 1000);
    };
    tick();
  }
  var f = document.querySelector('form[data-autosubmit]');
  if (f) f.submit();
})();
// 4) [data-copy-link]: the event page's "Copy link" button (hidden without script: the link is the
//    page's own address, which the browser can copy anyway).
(function () {
  var button = document.querySelector('[data-copy-link]');
  if (!button || !navigator.clipboard) return;
  var status = document.querySelector('[data-copy-status]');
  button.hidden = false;
  button.addEventListener('click', function () {
    navigator.clipboard.writeText(button.getAttribute('data-copy-link')).then(function () {
      if (status) status.textContent = button.getAttribute('data-copied');
    });
  });
})();
