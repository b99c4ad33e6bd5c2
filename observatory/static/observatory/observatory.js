/*
 * Observatoire: the services maps. Everything works without this file (the table lists the same services);
 * it draws the selection's GeoJSON (same origin, the page's own export link) on a Leaflet map with clusters.
 * No build step, ES5 syntax.
 */
(function () {
  "use strict";

  var GERS = [43.65, 0.45];
  var FOCUSABLE = "a, button, input, select, textarea, [tabindex]";

  function ready(fn) {
    if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); }
  }

  function each(list, fn) { Array.prototype.forEach.call(list, fn); }

  /* The map repeats the table, which is the accessible equivalent: hidden from assistive technologies, so
     nothing inside may take the keyboard focus either. */
  function keepOutOfTabOrder(container) {
    function update() {
      each(container.querySelectorAll(FOCUSABLE), function (el) {
        if (el.getAttribute("tabindex") !== "-1") { el.setAttribute("tabindex", "-1"); }
      });
    }
    update();
    if (window.MutationObserver) {
      new MutationObserver(update).observe(container, {
        childList: true, subtree: true, attributes: true, attributeFilter: ["tabindex", "href"]
      });
    }
  }

  function icon(kind) {
    return window.L.divIcon({
      className: "observatory-marker observatory-marker--" + String(kind || "").replace(/[^a-z_]/g, ""),
      html: '<span class="observatory-marker__pin"></span>',
      iconSize: [20, 20],
      iconAnchor: [10, 10],
      popupAnchor: [0, -10]
    });
  }

  function popup(properties) {
    var box = document.createElement("div");
    var link = document.createElement("a");
    link.href = properties.url;
    link.textContent = properties.nom;
    box.appendChild(link);
    var details = document.createElement("p");
    details.textContent = [properties.type_libelle, properties.commune].filter(Boolean).join(" · ");
    box.appendChild(details);
    return box;
  }

  function initMap(el) {
    if (!window.L) { return; }
    var url = el.getAttribute("data-geojson-url");
    if (!url || !window.fetch) { return; }
    el.hidden = false;
    var map = window.L.map(el, { keyboard: false, scrollWheelZoom: false, zoomControl: false, maxZoom: 18 });
    window.L.control.zoom({ zoomInTitle: "Zoom avant", zoomOutTitle: "Zoom arrière" }).addTo(map);
    map.attributionControl.setPrefix("Leaflet");
    var tiles = el.getAttribute("data-tile-url");
    if (tiles) {
      window.L.tileLayer(tiles, {
        attribution: el.getAttribute("data-tile-attribution") || "", maxZoom: 19, crossOrigin: true
      }).addTo(map);
    }
    map.setView(GERS, 9);
    keepOutOfTabOrder(el);
    var group = window.L.markerClusterGroup
      ? window.L.markerClusterGroup({ showCoverageOnHover: false, maxClusterRadius: 50, chunkedLoading: true })
      : window.L.featureGroup();
    map.addLayer(group);
    window.fetch(url, { headers: { Accept: "application/geo+json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : { features: [] }; })
      .then(function (collection) {
        var markers = [];
        var bounds = [];
        (collection.features || []).forEach(function (feature) {
          var c = feature.geometry && feature.geometry.coordinates;
          if (!c) { return; }
          // GeoJSON is [longitude, latitude]; Leaflet wants [latitude, longitude].
          var marker = window.L.marker([c[1], c[0]], {
            icon: icon(feature.properties.type), keyboard: false, title: feature.properties.nom, alt: ""
          });
          marker.bindPopup(popup(feature.properties));
          markers.push(marker);
          bounds.push([c[1], c[0]]);
        });
        if (group.addLayers) { group.addLayers(markers); } else { markers.forEach(function (m) { group.addLayer(m); }); }
        el.setAttribute("data-marker-count", String(markers.length));
        if (bounds.length > 1) {
          map.fitBounds(bounds, { padding: [30, 30], maxZoom: 14, animate: false });
        } else if (bounds.length === 1) {
          map.setView(bounds[0], 13, { animate: false });
        }
      })
      .catch(function () { el.hidden = true; });
  }

  ready(function () {
    each(document.querySelectorAll(".js-services-map"), initMap);
  });
}());
