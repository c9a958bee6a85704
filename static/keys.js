/* Onestop keyboard shortcuts.
 *
 * One of our two scripts besides htmx (static/zone.js is the other). htmx cannot filter key events without eval, which the CSP and
 * htmx's allowEval:false forbid, so this file does it. It only moves focus and clicks controls
 * that are on the page anyway: each shortcut belongs to an element that declares it with
 * aria-keyshortcuts, so the markup, screen readers and this file agree, and without
 * JavaScript every action is still a visible link, button or field.
 *
 *   j / k     next / previous row of the queue (rows carry data-queue-row)
 *   Enter     open the focused row (the browser follows the focused link)
 *   any other key: the visible element with aria-keyshortcuts="<key>"
 *   Escape    leave a field or close the shortcuts list
 *
 * Single-key shortcuts are off until the person turns them on in the shortcuts list (WCAG
 * 2.1.4); the page loads this file only then. A shortcut that would act on the request
 * (assign, resolve) waits while a reply or note is being written, so no draft is lost to a
 * stray key.
 */
(function () {
  "use strict";

  var KEYS = "jkrnae/?";

  function unsentDraft() {
    var boxes = document.querySelectorAll("#request-detail textarea");
    for (var i = 0; i < boxes.length; i++) {
      if (boxes[i].value.trim() !== "") return boxes[i];
    }
    return null;
  }

  function isField(element) {
    if (!element) return false;
    if (element.isContentEditable) return true;
    return element.tagName === "INPUT" || element.tagName === "TEXTAREA" || element.tagName === "SELECT";
  }

  function visible(element) {
    return element.offsetParent !== null || element.getClientRects().length > 0;
  }

  function rows() {
    return Array.prototype.filter.call(document.querySelectorAll("[data-queue-row]"), visible);
  }

  function move(step) {
    var list = rows();
    if (!list.length) return false;
    var current = -1;
    list.forEach(function (row, index) {
      if (row.classList.contains("is-current") || row.contains(document.activeElement)) current = index;
    });
    var next = current === -1 ? 0 : Math.min(Math.max(current + step, 0), list.length - 1);
    list.forEach(function (row) { row.classList.remove("is-current"); });
    list[next].classList.add("is-current");
    var link = list[next].querySelector("[data-queue-link]");
    if (link) link.focus();
    return true;
  }

  function declared(key) {
    var matches = document.querySelectorAll('[aria-keyshortcuts="' + CSS.escape(key) + '"]');
    for (var i = 0; i < matches.length; i++) {
      if (visible(matches[i]) && !matches[i].disabled) return matches[i];
    }
    return null;
  }

  // While htmx fetches or swaps a region, the controls on screen may be the old request's, or
  // new ones htmx has not wired up yet (a click would then submit the whole page). A key
  // pressed then waits for the swap to settle; one not served within 3 s is dropped.
  function busy() {
    return document.querySelector(".htmx-request, .htmx-swapping, .htmx-settling") !== null;
  }

  function whenCalm(action) {
    if (!busy()) return action();
    var started = Date.now();
    function retry() {
      if (!busy()) {
        stop();
        action();
      } else if (Date.now() - started > 3000) {
        stop();
      }
    }
    function stop() {
      document.removeEventListener("htmx:afterSettle", later);
      document.removeEventListener("htmx:afterRequest", later);
      clearInterval(timer);
    }
    function later() { setTimeout(retry, 0); }
    document.addEventListener("htmx:afterSettle", later);
    document.addEventListener("htmx:afterRequest", later);
    var timer = setInterval(retry, 100);
  }

  function toggleHelp() {
    var help = document.getElementById("shortcuts");
    if (!help) return false;
    help.open = !help.open;
    if (help.open) help.querySelector("summary").focus();
    return true;
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
    var key = event.key;
    if (key === "Escape") {
      var help = document.getElementById("shortcuts");
      if (help && help.open) help.open = false;
      if (isField(event.target)) event.target.blur();
      return;
    }
    if (isField(event.target) || KEYS.indexOf(key) === -1) return;
    var done = false;
    if (key === "j") done = move(1);
    else if (key === "k") done = move(-1);
    else if (key === "?") done = toggleHelp();
    else if (busy() || declared(key)) {
      whenCalm(function () {
        var target = declared(key);  // looked up again: the region may have been replaced
        if (!target) return;
        if (isField(target)) return target.focus();
        var draft = unsentDraft();
        if (draft) return draft.focus();  // send or clear it first; nothing is thrown away
        target.click();
      });
      done = true;
    }
    if (done) event.preventDefault();
  });
})();
