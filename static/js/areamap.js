// Maps for areas (templates/areamap.templ): a Leaflet map in place of the
// SVG outline, drawing tools for the studio's area editor, a place picker
// for followers. Every form works without this script: the editor's
// shapes are GeoJSON in a textarea, a place is two number inputs.
//
// The markup is described in templates/areamap.templ. In short, an element
// with data-areamap="show" | "edit" | "pick" holds a
// <script type="application/geo+json" class="areamap-data"> (districts
// with kind "district", id, name, chosen; the area's shapes with kind
// "area"; circles are Points with a "radius" in metres) and an
// svg.areamap-outline. "show" without data-tiles keeps the SVG.
(function () {
  "use strict";
  if (window.plazaAreaMap) return; // loaded twice: once is enough
  window.plazaAreaMap = true;

  var EMPTY = { type: "FeatureCollection", features: [] };
  var STYLE = {
    district: { color: "#6b7681", weight: 1, fillColor: "#ffffff", fillOpacity: 0.3 },
    chosen: { color: "#0b5cad", weight: 2, fillColor: "#0b5cad", fillOpacity: 0.25 },
    area: { color: "#b3261e", weight: 3, dashArray: "6 3", fillColor: "#b3261e", fillOpacity: 0.15, interactive: false },
    draft: { color: "#b3261e", weight: 2, dashArray: "2 4", interactive: false },
    vertex: { radius: 5, color: "#b3261e", weight: 2, fillColor: "#ffffff", fillOpacity: 1, interactive: false },
    // Stops show their names on hover; a click goes on to the map (and
    // draws there).
    stop: { radius: 6, color: "#1d1f21", weight: 2, fillColor: "#f2b705", fillOpacity: 1, bubblingMouseEvents: true },
    selected: { color: "#7a1a14", weight: 4, fillColor: "#b3261e", fillOpacity: 0.3, interactive: false }
  };
  var uid = 0;

  function ready(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }

  // fmt replaces %d and %s in order, as the server's printf would.
  function fmt(s) {
    var args = Array.prototype.slice.call(arguments, 1), i = 0;
    return String(s || "").replace(/%[ds]/g, function () { return i < args.length ? String(args[i++]) : ""; });
  }
  function round(x, d) { var k = Math.pow(10, d); return Math.round(x * k) / k; }
  function escapeHTML(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  function fire(el, type) { el.dispatchEvent(new Event(type, { bubbles: true })); }

  function readData(root) {
    var el = root.querySelector("script.areamap-data");
    if (!el) return EMPTY;
    try {
      var fc = JSON.parse(el.textContent);
      return fc && Array.isArray(fc.features) ? fc : EMPTY;
    } catch (e) {
      return EMPTY;
    }
  }

  // shapesOf reads GeoJSON (a FeatureCollection, a Feature or a geometry)
  // into shapes: {polygon: rings of [lon, lat]} or {center: [lon, lat],
  // radius, props}. It throws on text that is not JSON.
  function shapesOf(obj) {
    var feats = [];
    if (!obj || typeof obj !== "object") return [];
    if (obj.type === "FeatureCollection") feats = obj.features || [];
    else if (obj.type === "Feature") feats = [obj];
    else feats = [{ type: "Feature", geometry: obj, properties: {} }];
    var out = [];
    feats.forEach(function (f) {
      var g = f && f.geometry, p = (f && f.properties) || {};
      if (!g || !Array.isArray(g.coordinates)) return;
      if (g.type === "Polygon") out.push({ polygon: g.coordinates, props: p });
      else if (g.type === "MultiPolygon") g.coordinates.forEach(function (c) { out.push({ polygon: c, props: p }); });
      else if (g.type === "Point" && Number(p.radius) > 0) out.push({ center: g.coordinates, radius: Number(p.radius), props: p });
    });
    return out;
  }

  function layerOf(s, style) {
    if (s.center) {
      return L.circle([s.center[1], s.center[0]], Object.assign({ radius: s.radius }, style));
    }
    return L.polygon(L.GeoJSON.coordsToLatLngs(s.polygon, 1), style);
  }

  // makeMap puts a map before the SVG outline of figure and hides the SVG.
  function makeMap(root, figure) {
    var svg = figure.querySelector(".areamap-outline");
    var canvas = document.createElement("div");
    canvas.className = "areamap-canvas";
    canvas.setAttribute("role", "region");
    canvas.setAttribute("aria-label", root.getAttribute("data-label-map") || "");
    var before = svg || figure.querySelector("figcaption");
    if (before && before.parentNode === figure) figure.insertBefore(canvas, before);
    else figure.appendChild(canvas);
    root.classList.add("areamap-js");
    var map = L.map(canvas, { keyboard: true, zoomSnap: 0.5, worldCopyJump: true });
    var tiles = root.getAttribute("data-tiles");
    if (tiles) {
      L.tileLayer(tiles, { attribution: escapeHTML(root.getAttribute("data-attribution") || ""), maxZoom: 19 }).addTo(map);
    }
    map.setView([0, 0], 1);
    if (window.ResizeObserver) new ResizeObserver(function () { map.invalidateSize(); }).observe(canvas);
    return map;
  }

  function fit(map, layers) {
    var b = L.latLngBounds([]);
    layers.forEach(function (l) { if (l.getBounds) b.extend(l.getBounds()); else if (l.getLatLng) b.extend(l.getLatLng()); });
    if (b.isValid()) map.fitBounds(b, { padding: [16, 16], maxZoom: 16 });
  }

  // districtLayers draws the districts; chosen(id, p) says which are chosen.
  function districtLayers(map, fc, interactive) {
    var out = [];
    fc.features.forEach(function (f) {
      var p = f.properties || {};
      if (p.kind !== "district" || !f.geometry) return;
      var l = L.geoJSON(f, { style: p.chosen ? STYLE.chosen : STYLE.district, interactive: interactive }).addTo(map);
      if (p.name && interactive) l.bindTooltip(escapeHTML(p.name), { sticky: true });
      l.plaza = { id: String(p.id), name: String(p.name || ""), chosen: !!p.chosen };
      out.push(l);
    });
    return out;
  }

  // stopLayers marks a transit notice's stops (kind "stop" Points, named),
  // so the editor sees where the ids it typed are.
  function stopLayers(map, fc) {
    var out = [];
    fc.features.forEach(function (f) {
      var p = f.properties || {};
      if (p.kind !== "stop" || !f.geometry || f.geometry.type !== "Point") return;
      var c = f.geometry.coordinates;
      var l = L.circleMarker([c[1], c[0]], STYLE.stop).addTo(map);
      if (p.name) l.bindTooltip(escapeHTML(String(p.name)), { permanent: false });
      out.push(l);
    });
    return out;
  }

  function areaShapes(fc) {
    return shapesOf({ type: "FeatureCollection", features: fc.features.filter(function (f) { return (f.properties || {}).kind === "area"; }) });
  }

  function show(root) {
    if (!root.getAttribute("data-tiles")) return; // without tiles the SVG says as much
    var map = makeMap(root, root);
    var fc = readData(root);
    var ds = districtLayers(map, fc, true);
    var shapes = areaShapes(fc).map(function (s) { return layerOf(s, STYLE.area).addTo(map); });
    var stops = stopLayers(map, fc);
    var focus = shapes.concat(stops, ds.filter(function (l) { return l.plaza.chosen; }));
    fit(map, focus.length ? focus : ds);
  }

  function edit(root) {
    var D = function (k) { return root.getAttribute("data-" + k) || ""; };
    var figure = root.querySelector(".areamap-figure") || root;
    var ta = root.querySelector('textarea[name="area_geojson"]');
    var status = root.querySelector(".areamap-status");
    var scope = root.closest("form") || document;
    if (!ta) return;
    var map = makeMap(root, figure);
    var canvas = map.getContainer();
    var cross = document.createElement("div");
    cross.className = "areamap-crosshair";
    cross.setAttribute("aria-hidden", "true");
    canvas.appendChild(cross);
    var say = function (s) { if (status) status.textContent = s; };

    var fc = readData(root);
    var districts = districtLayers(map, fc, true);
    var stops = stopLayers(map, fc);
    var shapes = [], draft = [], mode = "", current = -1, writing = false;
    var shapeGroup = L.featureGroup().addTo(map);
    var draftGroup = L.featureGroup().addTo(map);
    // handles are the draggable corners and centres of "edit" mode.
    var handles = L.featureGroup().addTo(map);
    var handleIcon = L.divIcon({ className: "areamap-handle", iconSize: [14, 14] });

    function box(id) { return scope.querySelector('input[name="area_district"][value="' + (window.CSS && CSS.escape ? CSS.escape(id) : id) + '"]'); }
    function restyle() {
      districts.forEach(function (l) {
        var b = box(l.plaza.id);
        if (b) l.plaza.chosen = b.checked;
        l.setStyle(l.plaza.chosen ? STYLE.chosen : STYLE.district);
      });
    }

    // The toolbar: real buttons, labelled by the server.
    var bar = document.createElement("div");
    bar.className = "areamap-toolbar";
    bar.setAttribute("role", "group");
    bar.setAttribute("aria-label", D("label-toolbar"));
    figure.insertBefore(bar, canvas);
    // action names the button for scripts and tests; label is what people read.
    function button(action, label, fn) {
      var b = document.createElement("button");
      b.type = "button";
      b.className = "secondary";
      b.setAttribute("data-action", action);
      b.textContent = label;
      b.addEventListener("click", function () { if (b.getAttribute("aria-disabled") !== "true") fn(); });
      bar.appendChild(b);
      return b;
    }
    var bPolygon = button("polygon", D("label-polygon"), function () { setMode(mode === "polygon" ? "" : "polygon"); });
    var bUndo = button("undo", D("label-undo"), undo);
    var bFinish = button("finish", D("label-finish"), finish);
    var bCircle = button("circle", D("label-circle"), function () { setMode(mode === "circle" ? "" : "circle"); });
    var rField = document.createElement("div");
    rField.className = "field";
    var rId = "areamap-radius-" + (++uid);
    var rLabel = document.createElement("label");
    rLabel.htmlFor = rId;
    rLabel.textContent = D("label-radius");
    var rInput = document.createElement("input");
    rInput.type = "number";
    rInput.id = rId;
    rInput.min = "10";
    rInput.max = "500000";
    rInput.step = "any";
    rInput.value = "500";
    rInput.inputMode = "numeric";
    rField.appendChild(rLabel);
    rField.appendChild(rInput);
    bar.appendChild(rField);
    var bCenter = button("center", D("label-center"), function () { addPoint(map.getCenter()); });
    var bEdit = button("edit", D("label-edit"), function () { setMode(mode === "edit" ? "" : "edit"); if (mode === "edit") say(D("msg-edit")); });
    var bDelete = button("delete", D("label-delete"), removeSelected);
    button("clear", D("label-clear"), clear);

    function radius() {
      var r = Number(rInput.value);
      return r > 0 ? Math.min(Math.max(r, 10), 500000) : 500;
    }
    function enable(b, on) { b.setAttribute("aria-disabled", on ? "false" : "true"); }
    function refresh() {
      bPolygon.setAttribute("aria-pressed", mode === "polygon" ? "true" : "false");
      bCircle.setAttribute("aria-pressed", mode === "circle" ? "true" : "false");
      enable(bUndo, mode === "polygon" && draft.length > 0);
      enable(bFinish, mode === "polygon" && draft.length >= 3);
      enable(bCenter, mode === "polygon" || mode === "circle");
      bEdit.setAttribute("aria-pressed", mode === "edit" ? "true" : "false");
      enable(bEdit, shapes.length > 0 || mode === "edit");
      enable(bDelete, mode === "edit" && current >= 0 && !!shapes[current]);
      canvas.classList.toggle("areamap-drawing", mode === "polygon" || mode === "circle");
      draftGroup.clearLayers();
      if (draft.length) {
        L.polyline(draft, STYLE.draft).addTo(draftGroup);
        draft.forEach(function (ll) { L.circleMarker(ll, STYLE.vertex).addTo(draftGroup); });
      }
    }
    function draw() {
      shapeGroup.clearLayers();
      shapes.forEach(function (s, i) { layerOf(s, mode === "edit" && i === current ? STYLE.selected : STYLE.area).addTo(shapeGroup); });
      drawHandles();
    }
    // drawHandles puts a draggable handle on every corner and circle
    // centre in "edit" mode; a handle's click selects its shape (the
    // radius field then sets a circle's radius, Delete removes it).
    function drawHandles() {
      handles.clearLayers();
      if (mode !== "edit") return;
      shapes.forEach(function (s, i) {
        function handle(lon, lat, moved) {
          var m = L.marker([lat, lon], { draggable: true, icon: handleIcon, keyboard: false });
          m.on("dragend", function (e) {
            var ll = e.target.getLatLng().wrap();
            current = i;
            moved(round(ll.lng, 6), round(ll.lat, 6));
            write();
            refresh();
          });
          m.on("click", function () { select(i); });
          m.addTo(handles);
        }
        if (s.center) {
          handle(s.center[0], s.center[1], function (lon, lat) { s.center = [lon, lat]; });
          return;
        }
        s.polygon.forEach(function (ring) {
          for (var k = 0; k < ring.length - 1; k++) {
            (function (k) {
              handle(ring[k][0], ring[k][1], function (lon, lat) {
                ring[k] = [lon, lat];
                if (k === 0) ring[ring.length - 1] = [lon, lat]; // the ring stays closed
              });
            })(k);
          }
        });
      });
    }
    function select(i) {
      current = i;
      if (shapes[i] && shapes[i].center) rInput.value = String(Math.round(shapes[i].radius));
      draw();
      refresh();
      say(fmt(D("msg-selected"), i + 1));
    }
    function removeSelected() {
      if (mode !== "edit" || current < 0 || !shapes[current]) return;
      shapes.splice(current, 1);
      current = -1;
      write();
      refresh();
      say(fmt(D("msg-shapes"), shapes.length));
    }
    // write keeps the textarea in step with the drawing and tells the form.
    function write() {
      draw();
      var feats = shapes.map(function (s) {
        if (s.center) {
          var p = Object.assign({}, s.props, { radius: s.radius });
          return { type: "Feature", geometry: { type: "Point", coordinates: s.center }, properties: p };
        }
        return { type: "Feature", geometry: { type: "Polygon", coordinates: s.polygon }, properties: s.props || {} };
      });
      ta.value = feats.length ? JSON.stringify({ type: "FeatureCollection", features: feats }) : "";
      // The caption said the area as the page came; the drawing has moved
      // on (the status line says what changed).
      var cap = root.querySelector("figcaption");
      if (cap) cap.hidden = true;
      writing = true;
      fire(ta, "input");
      fire(ta, "change");
      writing = false;
    }
    function setMode(m) {
      if (mode === "polygon" && m !== "polygon" && draft.length) { draft = []; say(D("msg-cancelled")); }
      mode = m;
      current = -1;
      if (mode) map.doubleClickZoom.disable(); else map.doubleClickZoom.enable();
      draw();
      refresh();
    }
    function addPoint(ll) {
      ll = ll.wrap();
      if (mode === "polygon") {
        draft.push(ll);
        refresh();
        say(fmt(D("msg-points"), draft.length));
      } else if (mode === "circle") {
        shapes.push({ center: [round(ll.lng, 6), round(ll.lat, 6)], radius: radius(), props: {} });
        current = shapes.length - 1;
        write();
        say(fmt(D("msg-circle"), Math.round(radius())));
      }
    }
    function undo() {
      if (mode !== "polygon" || !draft.length) return;
      draft.pop();
      refresh();
      say(fmt(D("msg-points"), draft.length));
    }
    function finish() {
      if (mode !== "polygon" || draft.length < 3) return;
      var ring = draft.map(function (ll) { return [round(ll.lng, 6), round(ll.lat, 6)]; });
      ring.push(ring[0].slice());
      shapes.push({ polygon: [ring], props: {} });
      draft = [];
      setMode("");
      write();
      say(fmt(D("msg-polygon"), shapes.length));
    }
    function clear() {
      shapes = [];
      draft = [];
      setMode("");
      write();
      say(D("msg-cleared"));
    }
    function readTextarea(announce) {
      var text = ta.value.trim(), got;
      try {
        got = text ? shapesOf(JSON.parse(text)) : [];
      } catch (e) {
        if (announce) say(D("msg-bad"));
        return false;
      }
      shapes = got;
      draw();
      if (announce) say(fmt(D("msg-shapes"), shapes.length));
      return true;
    }

    map.on("click", function (e) { if (mode) addPoint(e.latlng); });
    districts.forEach(function (l) {
      l.on("click", function () {
        if (mode) return; // the map's click draws
        var b = box(l.plaza.id);
        if (!b) return;
        b.checked = !b.checked;
        fire(b, "change");
        say(fmt(D(b.checked ? "msg-chosen" : "msg-unchosen"), l.plaza.name));
      });
    });
    scope.addEventListener("change", function (e) {
      if (e.target && e.target.name === "area_district") restyle();
    });
    ta.addEventListener("change", function () {
      if (writing) return;
      if (readTextarea(true) && shapes.length) fit(map, shapeGroup.getLayers());
    });
    rInput.addEventListener("keydown", function (e) { if (e.key === "Enter") e.preventDefault(); });
    rInput.addEventListener("change", function () {
      if ((mode === "circle" || mode === "edit") && current >= 0 && shapes[current] && shapes[current].center) {
        shapes[current].radius = radius();
        write();
        say(fmt(D("msg-circle"), Math.round(radius())));
      }
    });
    // On the focused map, Enter adds a point where the crosshair is, as
    // the toolbar's button does.
    canvas.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && mode && e.target === canvas) {
        e.preventDefault();
        addPoint(map.getCenter());
      }
    });
    root.addEventListener("keydown", function (e) {
      if (e.key === "Escape" && mode) {
        e.preventDefault();
        draft = [];
        setMode("");
        say(D("msg-cancelled"));
      }
    });

    if (!readTextarea(false)) { shapes = areaShapes(fc); draw(); }
    restyle();
    refresh();
    var focus = shapeGroup.getLayers().concat(stops, districts.filter(function (l) { return l.plaza.chosen; }));
    fit(map, focus.length ? focus : districts);
  }

  function pick(root) {
    var D = function (k) { return root.getAttribute("data-" + k) || ""; };
    var figure = root.querySelector(".areamap-figure") || root;
    var scope = root.closest("form") || root;
    var latIn = scope.querySelector('input[name="' + D("lat-name") + '"]');
    var lonIn = scope.querySelector('input[name="' + D("lon-name") + '"]');
    var status = root.querySelector(".areamap-status");
    if (!latIn || !lonIn) return;
    var map = makeMap(root, figure);
    var say = function (s) { if (status) status.textContent = s; };
    var districts = districtLayers(map, readData(root), false);
    var marker = null;

    function mark(lat, lon) {
      if (!marker) marker = L.marker([lat, lon], { keyboard: false, interactive: false }).addTo(map);
      else marker.setLatLng([lat, lon]);
    }
    // place puts a point, rounded to about 100 m, in the inputs.
    function place(lat, lon) {
      lat = round(lat, 3);
      lon = round(lon, 3);
      latIn.value = lat.toFixed(3);
      lonIn.value = lon.toFixed(3);
      [latIn, lonIn].forEach(function (el) { fire(el, "input"); fire(el, "change"); });
      // Picking a place is choosing "around one place" where the form
      // offers that choice.
      var mode = scope.querySelector('input[name="area_mode"][value="place"]');
      if (mode && !mode.checked) { mode.checked = true; fire(mode, "change"); }
      mark(lat, lon);
      say(fmt(D("msg-place"), latIn.value, lonIn.value));
    }
    function typed() {
      var lat = parseFloat(latIn.value), lon = parseFloat(lonIn.value);
      if (isFinite(lat) && isFinite(lon) && Math.abs(lat) <= 90 && Math.abs(lon) <= 180) { mark(lat, lon); return true; }
      return false;
    }

    map.on("click", function (e) { var ll = e.latlng.wrap(); place(ll.lat, ll.lng); });
    latIn.addEventListener("change", typed);
    lonIn.addEventListener("change", typed);

    if (navigator.geolocation) {
      var bar = document.createElement("div");
      bar.className = "areamap-toolbar";
      var b = document.createElement("button");
      b.type = "button";
      b.className = "secondary";
      b.textContent = D("label-locate");
      b.addEventListener("click", function () {
        navigator.geolocation.getCurrentPosition(function (pos) {
          var lat = round(pos.coords.latitude, 3), lon = round(pos.coords.longitude, 3);
          place(lat, lon);
          map.setView([lat, lon], Math.max(map.getZoom(), 14));
        }, function () {
          say(D("msg-locate-error"));
        }, { enableHighAccuracy: false, maximumAge: 600000, timeout: 20000 });
      });
      bar.appendChild(b);
      figure.insertBefore(bar, map.getContainer());
    }

    var focus = districts.filter(function (l) { return l.plaza.chosen; });
    fit(map, focus.length ? focus : districts);
    if (typed() && !focus.length) map.setView(marker.getLatLng(), Math.max(map.getZoom(), 13));
  }

  ready(function () {
    if (!window.L) return; // Leaflet did not load: the outline and the fields stay
    document.querySelectorAll("[data-areamap]").forEach(function (root) {
      if (root.plazaAreaMap) return;
      root.plazaAreaMap = true;
      try {
        var kind = root.getAttribute("data-areamap");
        if (kind === "show") show(root);
        else if (kind === "edit") edit(root);
        else if (kind === "pick") pick(root);
      } catch (e) {
        // A map that fails leaves the page as it works without script.
        if (window.console) console.error("areamap:", e);
      }
    });
  });
})();
