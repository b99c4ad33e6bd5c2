/*
 * Observatoire: the services maps. Everything works without this file (the table lists the same services);
 * it draws the selection's GeoJSON (same origin, the page's own export link) on a Leaflet map with clusters.
 * No build step, ES5 syntax.
 */
(function () {
  "use strict";

  var GERS = [43.65, 0.45];
  var FOCUSABLE = "a, button, input, select, textarea, [tabindex]";
  // The popup's words come from the page (data-stale-label): scripts have no translations.
  var staleLabel = "";

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

  /* The legend's shape for this kind (templates: observatory/includes/marker_shape.html): the map and its legend
     always agree, and the kind is told by the shape, not by the colour alone (RGAA 3.1). */
  function shapeMarkup(kind) {
    var shapes = document.querySelectorAll(".js-marker-shape");
    var fallback = "";
    for (var i = 0; i < shapes.length; i++) {
      if (shapes[i].getAttribute("data-kind") === kind) { return shapes[i].outerHTML; }
      fallback = fallback || shapes[i].outerHTML;
    }
    return fallback;
  }

  function icon(kind) {
    var safe = String(kind || "").replace(/[^a-z_]/g, "");
    return window.L.divIcon({
      className: "observatory-marker observatory-marker--" + safe,
      html: shapeMarkup(safe),
      iconSize: [24, 24],
      iconAnchor: [12, 12],
      popupAnchor: [0, -12]
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
    if (properties.a_verifier && staleLabel) {
      var stale = document.createElement("p");
      stale.className = "observatory-popup__stale";
      stale.textContent = staleLabel;
      box.appendChild(stale);
    }
    return box;
  }

  function initMap(el) {
    if (!window.L) { return; }
    var url = el.getAttribute("data-geojson-url");
    staleLabel = el.getAttribute("data-stale-label") || "";
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
