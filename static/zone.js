/* Onestop: offer this device's time zone after a first sign-in.
 *
 * Loaded only while the offer shows (templates/auth/_zone_offer.html). The browser knows its
 * zone and the server does not, so this reveals the "Use <zone>" form, filled in, when the
 * device's zone differs from the one the person's times start in. Without JavaScript the
 * offer still has "Keep" and "Choose another"; the server checks any zone it is sent.
 */
(function () {
  "use strict";

  function offer(root) {
    var zone;
    try {
      zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    } catch (error) {
      return;
    }
    root.querySelectorAll("form[data-zone-device]").forEach(function (form) {
      if (!zone || zone === form.getAttribute("data-zone-current")) {
        return;
      }
      form.querySelector("input[name=timezone]").value = zone;
      // One text node: a button lays its children out as flex items, which would split
      // its accessible name.
      form.querySelector("button").textContent = "Use " + zone + ", this device's zone";
      form.hidden = false;
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    offer(document);
  });
  // Boosted navigation swaps the body: offer again in what it brought.
  document.addEventListener("htmx:load", function (event) {
    offer(event.target);
  });
})();
