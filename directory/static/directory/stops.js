/*
 * The camping-car's stops: a map drawn from the list (each .js-stop carries data-lat/data-lon); the calendar's
 * "Autour de moi" is geolocate.js, shared with the directory's search. Everything works without this file: the
 * list is the page, the map only repeats it.
 * ES5, no build step, no inline script (CSP).
 */
(function () {
  "use strict";

  var GERS = [43.65, 0.45];

  function each(list, fn) { Array.prototype.forEach.call(list, fn); }

  function ready(fn) {
    if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); }
  }

  /* A cancelled stop is told by its glyph (a cross), not by its colour alone (RGAA 3.1); the legend shows both. */
  function markerHtml() {
    // The glyph itself is drawn by tours.css (::before), per the marker's class.
    return '<span class="stop-marker__pin"><span class="stop-marker__glyph"></span></span>';
  }

  function icon(cancelled) {
    return window.L.divIcon({
      className: "stop-marker" + (cancelled ? " stop-marker--cancelled" : ""),
      html: markerHtml(),
      iconSize: [28, 28],
      iconAnchor: [14, 28],
      popupAnchor: [0, -26]
    });
  }

  function legendEntry(cancelled, label) {
    var row = document.createElement("li");
    var marker = document.createElement("span");
    marker.className = "stop-marker stop-marker--legend" + (cancelled ? " stop-marker--cancelled" : "");
    marker.innerHTML = markerHtml();
    var text = document.createElement("span");
    text.textContent = label;
    row.appendChild(marker);
    row.appendChild(text);
    return row;
  }

  function addLegend(map, el) {
    var Legend = window.L.Control.extend({
      options: { position: "bottomleft" },
      onAdd: function () {
        var box = window.L.DomUtil.create("div", "stops-legend");
        var title = document.createElement("p");
        title.className = "stops-legend__title";
        title.textContent = el.getAttribute("data-legend-title") || "";
        var list = document.createElement("ul");
        list.appendChild(legendEntry(false, el.getAttribute("data-legend-scheduled") || ""));
        list.appendChild(legendEntry(true, el.getAttribute("data-legend-cancelled") || ""));
        box.appendChild(title);
        box.appendChild(list);
        return box;
      }
    });
    new Legend().addTo(map);
  }

  function popup(item) {
    var box = document.createElement("div");
    var title = document.createElement("strong");
    title.textContent = item.getAttribute("data-title") || "";
    var when = document.createElement("div");
    when.textContent = item.getAttribute("data-when") || "";
    box.appendChild(title);
    box.appendChild(when);
    return box;
  }

  function initMap(el) {
    var list = document.getElementById(el.getAttribute("data-list"));
    if (!list || !window.L) { return; }
    var items = list.querySelectorAll(".js-stop[data-lat]");
    if (!items.length) { return; }
    el.hidden = false;
    if (el.parentElement) { el.parentElement.classList.add("directory-layout--with-map"); }
    var map = window.L.map(el, { keyboard: false, scrollWheelZoom: false, zoomControl: false, maxZoom: 18 });
    window.L.control.zoom({ zoomInTitle: "Zoom avant", zoomOutTitle: "Zoom arrière" }).addTo(map);
    map.attributionControl.setPrefix("Leaflet");
    var tiles = el.getAttribute("data-tile-url");
    if (tiles) {
      window.L.tileLayer(tiles, { attribution: el.getAttribute("data-tile-attribution") || "", maxZoom: 19 }).addTo(map);
    }
    var bounds = [];
    var markers = {};
    var anyCancelled = false;
    each(items, function (item) {
      var lat = parseFloat(item.getAttribute("data-lat"));
      var lon = parseFloat(item.getAttribute("data-lon"));
      if (isNaN(lat) || isNaN(lon)) { return; }
      var cancelled = item.classList.contains("stop--cancelled");
      anyCancelled = anyCancelled || cancelled;
      var marker = window.L.marker([lat, lon], { icon: icon(cancelled), keyboard: false, title: item.getAttribute("data-title") || "", alt: "" });
      marker.bindPopup(popup(item));
      marker.addTo(map);
      markers[item.id] = marker;
      bounds.push([lat, lon]);
      function highlight(on) {
        var shown = marker.getElement && marker.getElement();
        if (shown) { shown.classList.toggle("is-highlighted", on); }
        item.classList.toggle("is-highlighted", on);
      }
      marker.on("mouseover popupopen", function () { highlight(true); });
      marker.on("mouseout popupclose", function () { highlight(false); });
      item.addEventListener("mouseenter", function () { highlight(true); });
      item.addEventListener("mouseleave", function () { highlight(false); });
      item.addEventListener("focusin", function () { highlight(true); });
      item.addEventListener("focusout", function () { highlight(false); });
    });
    // Only a map with cancelled stops has two kinds of marker to tell apart.
    if (anyCancelled) { addLegend(map, el); }
    if (bounds.length > 1) {
      map.fitBounds(bounds, { padding: [30, 30], maxZoom: 13 });
    } else if (bounds.length === 1) {
      map.setView(bounds[0], 13);
    } else {
      map.setView(GERS, 9);
    }
    // The map repeats the list: nothing in it takes the keyboard focus.
    each(el.querySelectorAll("a, button, [tabindex]"), function (node) { node.setAttribute("tabindex", "-1"); });
  }

  ready(function () {
    each(document.querySelectorAll(".js-stops-map"), initMap);
  });
}());
