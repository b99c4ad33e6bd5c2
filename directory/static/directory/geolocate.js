/*
 * "Autour de moi" on the directory's search form and on the camping-car's calendar: fills the form's hidden
 * .js-lat/.js-lon fields from the browser's position, empties the place field and submits the form (htmx takes
 * the submission over where the form has it). The box (directory/includes/geolocate.html) names the place field
 * and carries the status messages in data- attributes. Without JavaScript or geolocation the button stays hidden.
 * ES5, no build step, no inline script (CSP).
 */
(function () {
  "use strict";

  function submit(form) {
    if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
  }

  function formOf(el) {
    while (el && el.tagName !== "FORM") { el = el.parentElement; }
    return el;
  }

  function init(box) {
    var form = formOf(box);
    if (!form || !("geolocation" in navigator)) { return; }
    var button = box.querySelector(".js-geolocate-button");
    var status = box.querySelector(".js-geolocate-status");
    var place = form.querySelector('[name="' + box.getAttribute("data-place-field") + '"]');
    var lat = form.querySelector(".js-lat");
    var lon = form.querySelector(".js-lon");
    if (!button || !status || !place || !lat || !lon) { return; }
    box.hidden = false;
    // Busy, not disabled: a disabled button loses the focus, which falls to <body> and stays there.
    function busy(on) {
      if (on) {
        button.setAttribute("aria-disabled", "true");
        button.setAttribute("aria-busy", "true");
      } else {
        button.removeAttribute("aria-disabled");
        button.removeAttribute("aria-busy");
      }
    }
    button.addEventListener("click", function () {
      if (button.getAttribute("aria-disabled") === "true") { return; }
      status.textContent = box.getAttribute("data-searching") || "";
      busy(true);
      navigator.geolocation.getCurrentPosition(function (position) {
        busy(false);
        // About 100 m: enough to find the nearest help, not enough to pinpoint a home in a shared link.
        lat.value = position.coords.latitude.toFixed(3);
        lon.value = position.coords.longitude.toFixed(3);
        place.value = "";
        status.textContent = box.getAttribute("data-found") || "";
        submit(form);
      }, function () {
        busy(false);
        status.textContent = box.getAttribute("data-failed") || "";
        place.focus();
      }, { enableHighAccuracy: false, timeout: 15000, maximumAge: 600000 });
    });
    // A typed place replaces a position found earlier.
    place.addEventListener("input", function () { lat.value = ""; lon.value = ""; });
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll(".js-geolocate"), init);
  }

  if (document.readyState !== "loading") { start(); } else { document.addEventListener("DOMContentLoaded", start); }
}());
