/*
 * France Contact: enhancements of the directory pages. Everything works without this file (GET form,
 * server-rendered results, links to OpenStreetMap); it adds the maps and the in-place update of the results
 * through htmx ("Autour de moi" is geolocate.js, shared with the camping-car's calendar). Written for old phones:
 * no build step, no modules, ES5 syntax.
 */
(function () {
  "use strict";

  var GERS = [43.65, 0.45];
  var FOCUSABLE = "a, button, input, select, textarea, [tabindex]";

  function ready(fn) {
    if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); }
  }

  function each(list, fn) { Array.prototype.forEach.call(list, fn); }

  function closest(el, selector) {
    while (el && el.nodeType === 1) {
      if (el.matches(selector)) { return el; }
      el = el.parentElement;
    }
    return null;
  }

  /* The maps repeat the list, which stays the accessible equivalent: they are hidden from assistive
     technologies, so nothing inside them may take the keyboard focus either. */
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

  function createMap(el, options) {
    var map = window.L.map(el, {
      keyboard: false,
      zoomControl: false,
      scrollWheelZoom: false,
      attributionControl: true,
      maxZoom: 18
    });
    window.L.control.zoom({ zoomInTitle: "Zoom avant", zoomOutTitle: "Zoom arrière" }).addTo(map);
    map.attributionControl.setPrefix("Leaflet");
    var tiles = el.getAttribute("data-tile-url");
    if (tiles) {
      window.L.tileLayer(tiles, {
        attribution: el.getAttribute("data-tile-attribution") || "",
        maxZoom: 19,
        crossOrigin: true
      }).addTo(map);
    }
    map.setView(options.center || GERS, options.zoom || 9);
    keepOutOfTabOrder(el);
    return map;
  }

  function markerIcon(extraClass) {
    return window.L.divIcon({
      className: "directory-marker" + (extraClass ? " " + extraClass : ""),
      html: '<span class="directory-marker__pin"></span>',
      iconSize: [28, 28],
      iconAnchor: [14, 28],
      popupAnchor: [0, -26]
    });
  }

  /* ---- Search page: map of the results, kept in sync with the list ---- */

  function ResultsMap(el) {
    this.el = el;
    el.hidden = false;
    if (el.parentElement) { el.parentElement.classList.add("directory-layout--with-map"); }
    this.map = createMap(el, {});
    this.markers = {};
    this.highlighted = null;
    this.cluster = window.L.markerClusterGroup ? window.L.markerClusterGroup({
      showCoverageOnHover: false,
      maxClusterRadius: 40,
      spiderfyOnMaxZoom: true
    }) : window.L.featureGroup();
    this.map.addLayer(this.cluster);
    this.centre = window.L.layerGroup().addTo(this.map);
    var self = this;
    // Clusters opening or closing change which element stands for a marker: keep the highlight on it.
    function reapply() { if (self.highlighted) { self.highlight(self.highlighted, true); } }
    this.reapply = reapply;
    this.map.on("zoomend moveend", reapply);
    if (this.cluster.on) { this.cluster.on("animationend", reapply); }
  }

  ResultsMap.prototype.update = function (data, list) {
    var self = this;
    this.cluster.clearLayers();
    this.centre.clearLayers();
    this.markers = {};
    this.highlighted = null;
    var bounds = [];
    (data.services || []).forEach(function (service) {
      var marker = window.L.marker([service.lat, service.lon], {
        icon: markerIcon(),
        keyboard: false,
        title: service.title,
        alt: ""
      });
      var popup = document.createElement("div");
      var link = document.createElement("a");
      link.href = service.url;
      link.textContent = service.title;
      link.className = "directory-popup__link";
      popup.appendChild(link);
      if (service.stale && data.stale_label) {
        var stale = document.createElement("p");
        stale.className = "directory-popup__stale";
        stale.textContent = data.stale_label;
        popup.appendChild(stale);
      }
      marker.bindPopup(popup);
      marker.serviceId = String(service.id);
      marker.on("mouseover", function () { self.sync(marker.serviceId, true, list); });
      marker.on("mouseout", function () { self.sync(marker.serviceId, false, list); });
      marker.on("popupopen", function () { self.sync(marker.serviceId, true, list); });
      // A marker leaving a cluster gets a new element: give it the highlight if it is the current one.
      marker.on("add", function () { window.setTimeout(self.reapply, 0); });
      self.cluster.addLayer(marker);
      self.markers[marker.serviceId] = marker;
      bounds.push([service.lat, service.lon]);
    });
    var area = null;
    if (data.centre) {
      var centre = [data.centre.lat, data.centre.lon];
      if (data.centre.radius_km) {
        area = window.L.circle(centre, {
          radius: data.centre.radius_km * 1000,
          color: "#1b3a6b", weight: 2, fill: false, dashArray: "6 6", interactive: false
        }).addTo(this.centre);
      }
      window.L.circleMarker(centre, {
        radius: 6, color: "#0f2547", weight: 3, fillColor: "#f5b700", fillOpacity: 1, interactive: false
      }).addTo(this.centre);
      bounds.push(centre);
    }
    this.el.setAttribute("data-marker-count", String(Object.keys(this.markers).length));
    // No animation: the list has already changed, the map follows at once.
    if (bounds.length > 1) {
      this.map.fitBounds(bounds, { padding: [30, 30], maxZoom: 14, animate: false });
    } else if (area) {
      // Nothing found: show the area that was searched.
      this.map.fitBounds(area.getBounds(), { padding: [10, 10], animate: false });
    } else if (bounds.length === 1) {
      this.map.setView(bounds[0], 13, { animate: false });
    } else {
      this.map.setView(GERS, 9, { animate: false });
    }
  };

  /* The element showing a marker now: the marker itself, or the cluster that holds it. */
  ResultsMap.prototype.elementFor = function (id) {
    var marker = this.markers[id];
    if (!marker) { return null; }
    var shown = this.cluster.getVisibleParent ? this.cluster.getVisibleParent(marker) : marker;
    return shown && shown.getElement ? shown.getElement() : null;
  };

  ResultsMap.prototype.highlight = function (id, on) {
    each(this.el.querySelectorAll(".is-highlighted"), function (el) { el.classList.remove("is-highlighted"); });
    var marker = this.markers[id];
    this.highlighted = on ? id : null;
    if (!marker) { return; }
    marker.setZIndexOffset(on ? 1000 : 0);
    var el = this.elementFor(id);
    if (el && on) { el.classList.add("is-highlighted"); }
  };

  ResultsMap.prototype.sync = function (id, on, list) {
    this.highlight(id, on);
    if (!list) { return; }
    each(list.querySelectorAll(".js-result.is-highlighted"), function (li) { li.classList.remove("is-highlighted"); });
    if (on) {
      var item = list.querySelector('.js-result[data-service-id="' + id + '"]');
      if (item) { item.classList.add("is-highlighted"); }
    }
  };

  function readMapData(root) {
    var block = root.querySelector("#directory-map-data");
    if (!block) { return { centre: null, services: [] }; }
    try { return JSON.parse(block.textContent); } catch (e) { return { centre: null, services: [] }; }
  }

  function bindList(region, resultsMap) {
    each(region.querySelectorAll(".js-result"), function (item) {
      var id = item.getAttribute("data-service-id");
      function on() { resultsMap.sync(id, true, region); }
      function off() { resultsMap.sync(id, false, region); }
      item.addEventListener("mouseenter", on);
      item.addEventListener("mouseleave", off);
      item.addEventListener("focusin", on);
      item.addEventListener("focusout", off);
    });
  }

  /* ---- Search page: the form (its "Autour de moi" is geolocate.js) ---- */

  function updateInvalidState(form) {
    each(form.querySelectorAll(".field-error"), function (slot) {
      var invalid = slot.textContent.trim() !== "";
      each(form.querySelectorAll('[aria-describedby~="' + slot.id + '"]'), function (field) {
        if (field.tagName === "FIELDSET") { return; }
        if (invalid) { field.setAttribute("aria-invalid", "true"); } else { field.removeAttribute("aria-invalid"); }
      });
    });
  }

  function announce(status, text) {
    // Emptied first so that the same count read twice in a row is still announced.
    status.textContent = "";
    window.setTimeout(function () { status.textContent = text; }, 100);
  }

  function initSearchPage() {
    var form = document.getElementById("directory-search");
    var region = document.getElementById("resultats");
    if (!form || !region) { return; }
    var status = document.getElementById("results-status");
    var mapEl = document.getElementById("directory-map");
    var resultsMap = null;
    if (mapEl && window.L) {
      resultsMap = new ResultsMap(mapEl);
      resultsMap.update(readMapData(region), region);
      bindList(region, resultsMap);
    }

    var fromPagination = false;
    document.body.addEventListener("htmx:configRequest", function (event) {
      if (event.detail.elt !== form && !closest(event.detail.elt, "#resultats")) { return; }
      // Shorter, shareable URLs: leave out the empty fields.
      var params = event.detail.parameters;
      var names = [];
      if (params && typeof params.keys === "function") {
        var it = params.keys();
        for (var step = it.next(); !step.done; step = it.next()) { names.push(step.value); }
        names.forEach(function (name) {
          var values = params.getAll(name).filter(function (v) { return v !== ""; });
          params.delete(name);
          values.forEach(function (v) { params.append(name, v); });
        });
      }
    });
    document.body.addEventListener("htmx:beforeRequest", function (event) {
      fromPagination = !!closest(event.detail.elt, ".js-page-link");
      region.setAttribute("aria-busy", "true");
    });
    document.body.addEventListener("htmx:afterRequest", function () {
      region.removeAttribute("aria-busy");
    });
    document.body.addEventListener("htmx:afterSwap", function (event) {
      if (event.detail.target !== region) { return; }
      var results = region.querySelector(".js-results");
      if (resultsMap) {
        resultsMap.update(readMapData(region), region);
        bindList(region, resultsMap);
      }
      updateInvalidState(form);
      if (status && results) { announce(status, results.getAttribute("data-announce") || ""); }
      if (fromPagination) {
        // The link that was followed is gone: bring keyboard and screen-reader users to the new page's top.
        var heading = document.getElementById("results-heading");
        if (heading) {
          heading.focus();
          if (heading.scrollIntoView) { heading.scrollIntoView({ block: "start" }); }
        }
      }
    });
    // The server or the network failed: fall back to loading the page the ordinary way.
    function fallback(event) {
      var path = event.detail && event.detail.pathInfo && event.detail.pathInfo.finalRequestPath;
      if (path) { window.location.href = path; }
    }
    document.body.addEventListener("htmx:responseError", fallback);
    document.body.addEventListener("htmx:sendError", fallback);
  }

  /* ---- Service page: where it is ---- */

  function initServiceMap() {
    var el = document.querySelector(".js-service-map");
    if (!el || !window.L) { return; }
    var lat = parseFloat(el.getAttribute("data-lat"));
    var lon = parseFloat(el.getAttribute("data-lon"));
    if (isNaN(lat) || isNaN(lon)) { return; }
    el.hidden = false;
    var map = createMap(el, { center: [lat, lon], zoom: 15 });
    window.L.marker([lat, lon], { icon: markerIcon(), keyboard: false, title: el.getAttribute("data-title") || "" })
      .addTo(map);
  }

  ready(function () {
    initSearchPage();
    initServiceMap();
  });
}());
