// One map: our own boundaries (drawn deeper as one zooms in), cases clustered by the server,
// grid workers' last positions and emergency resources; a click on a case opens "who is nearest".
(function () {
  const el = document.getElementById("cmap");
  if (!el || typeof L === "undefined") return;
  const T = JSON.parse(document.getElementById("map-texts").textContent);
  const form = document.getElementById("map-filters");
  const panel = document.getElementById("panel");
  const status = document.getElementById("map-status");
  const map = L.map(el, { zoomSnap: 1, attributionControl: false });
  if (el.dataset.tileUrl) L.tileLayer(el.dataset.tileUrl, { maxZoom: 19 }).addTo(map);

  // Cases lie above workers and resources: opening a case is what the map is for.
  map.createPane("cases").style.zIndex = 620;
  const bounds = L.layerGroup().addTo(map);
  const cases = L.layerGroup().addTo(map);
  const workers = L.layerGroup().addTo(map);
  const resources = L.layerGroup().addTo(map);
  const lines = L.layerGroup().addTo(map);
  const expanded = new Set();
  const drawn = []; // [feature, layer bounds] of areas that may be drawn deeper
  const colours = {};
  document.querySelectorAll(".legend .dot").forEach((dot) => {
    const state = [...dot.classList].find((c) => c.startsWith("state-"));
    if (state) colours[state.slice(6)] = getComputedStyle(dot).backgroundColor;
  });
  const GLYPH = { shelter: "⌂", aed: "♥", fire_station: "F", micro_fire_station: "f",
                  materials_depot: "▣", medical_point: "+" };

  const getJSON = (url) =>
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((r) => r.json().then((body) => (r.ok ? body : Promise.reject(body))));
  const metres = (m) => (m == null ? "–" : m >= 1000 ? (m / 1000).toFixed(1) + " km" : Math.round(m) + " m");
  // Tooltips get elements, never HTML strings: names come from users.
  const tip = (...rows) => {
    const box = document.createElement("div");
    rows.forEach((row) => box.append(text("div", row)));
    return box;
  };
  const text = (tag, value, cls) => {
    const node = document.createElement(tag);
    node.textContent = value == null ? "" : String(value);
    if (cls) node.className = cls;
    return node;
  };

  // Lines thinner the deeper the level: town, community, grid, micro-grid.
  const WEIGHT = { 3: 2.5, 4: 2, 5: 1.5, 6: 1, 7: 0.6 };
  // The zoom from which an area in view is drawn one level deeper.
  const EXPAND_AT = { 3: 10, 4: 12, 5: 14, 6: 15 };
  const areaStyle = (f) => ({
    color: "#0f766e", weight: WEIGHT[f.properties.level] || 1, fill: false, interactive: false,
    dashArray: f.properties.level === 7 ? "3 3" : null,
  });

  function drawAreas(data, outline) {
    if (outline && data.region.geometry) {
      L.geoJSON(data.region, { style: { color: "#1d4ed8", weight: 3, fill: false, interactive: false } }).addTo(bounds);
    }
    const layer = L.geoJSON(data.children, { filter: (f) => f.geometry !== null, style: areaStyle }).addTo(bounds);
    layer.eachLayer((l) => drawn.push([l.feature, l.getBounds()]));
    return layer;
  }

  // Zoomed in, the areas in view are drawn down to their grids and micro-grids (a few per move).
  function drawDeeper() {
    const zoom = map.getZoom();
    const view = map.getBounds();
    const todo = drawn.filter(([f, b]) => zoom >= (EXPAND_AT[f.properties.level] || 99)
      && !expanded.has(f.properties.code) && view.intersects(b)).slice(0, 4);
    todo.forEach(([f]) => {
      expanded.add(f.properties.code);
      getJSON(el.dataset.regionMapTemplate.replace("000000", f.properties.code))
        .then((data) => drawAreas(data, false)).catch(() => {});
    });
  }

  function params() {
    const data = new FormData(form);
    const b = map.getBounds();
    const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));
    const q = new URLSearchParams({
      bbox: [clamp(b.getWest(), -180, 180), clamp(b.getSouth(), -90, 90),
             clamp(b.getEast(), -180, 180), clamp(b.getNorth(), -90, 90)].map((v) => v.toFixed(6)).join(","),
      zoom: String(Math.round(map.getZoom())),
      layers: data.getAll("layer").join(","),
    });
    ["state", "category", "kinds"].forEach((k) => data.get(k) && q.set(k, data.get(k)));
    ["emergency", "overdue"].forEach((k) => data.get(k) && q.set(k, "true"));
    return q;
  }

  function drawCases(layer) {
    cases.clearLayers();
    if (!layer) return;
    layer.clusters.forEach((c) => {
      if (c.count === 1 && c.number) return drawPoint({ ...c, state: Object.keys(c.states)[0], priority: c.emergency ? 2 : 0 });
      const size = Math.min(56, 22 + Math.round(Math.log10(c.count) * 10));
      const icon = L.divIcon({ html: "<span></span>", className: "cluster-icon" + (c.emergency ? " has-emergency" : ""), iconSize: [size, size] });
      const marker = L.marker([c.lat, c.lng], { icon, keyboard: false, pane: "cases" }).addTo(cases);
      marker.getElement().firstChild.textContent = c.count;
      const parts = Object.entries(c.states).map(([s, n]) => `${T.states[s] || s}: ${n}`);
      if (c.overdue) parts.push(`${T.overdue}: ${c.overdue}`);
      marker.bindTooltip(tip(...parts));
      marker.on("click", () => map.setView([c.lat, c.lng], Math.min(map.getZoom() + 2, 19)));
    });
    layer.points.forEach(drawPoint);
  }

  function drawPoint(p) {
    const marker = L.circleMarker([p.lat, p.lng], {
      radius: p.priority === 2 ? 9 : 7, weight: p.priority === 2 ? 3 : 1.5,
      color: p.priority === 2 ? "#c62828" : "#ffffff", fillColor: colours[p.state] || "#2563eb", fillOpacity: 0.9,
      className: "case-point case-" + p.number, pane: "cases",
    }).addTo(cases);
    marker.bindTooltip(tip(`${p.number} · ${T.states[p.state] || p.state}`));
    marker.on("click", () => openCase(p.number));
  }

  function drawWorkers(layer) {
    workers.clearLayers();
    if (!layer) return;
    layer.items.forEach((w) => {
      const icon = L.divIcon({ html: "", className: "worker-icon" + (w.fresh ? "" : " stale"), iconSize: [16, 16] });
      L.marker([w.lat, w.lng], { icon }).addTo(workers)
        .bindTooltip(tip(`${w.name} · ${new Date(w.at).toLocaleTimeString()}`));
    });
  }

  function drawResources(layer) {
    resources.clearLayers();
    if (!layer) return;
    layer.items.forEach((r) => {
      const icon = L.divIcon({ html: "<span></span>", className: "resource-icon kind-" + r.kind, iconSize: [18, 18] });
      const marker = L.marker([r.lat, r.lng], { icon }).addTo(resources);
      marker.getElement().firstChild.textContent = GLYPH[r.kind] || "•";
      const cap = r.capacity != null ? ` · ${r.capacity} ${r.capacity_unit}` : "";
      marker.bindTooltip(tip(`${T.kinds[r.kind] || r.kind}: ${r.name}${cap}`));
    });
  }

  let pending = null;
  function load() {
    if (pending) pending.abort = true;
    const me = (pending = { abort: false });
    const q = params();
    if (!q.get("layers")) {
      [cases, workers, resources].forEach((g) => g.clearLayers());
      status.textContent = "";
      return;
    }
    status.textContent = T.loading;
    getJSON(el.dataset.api + "?" + q.toString())
      .then((data) => {
        if (me.abort) return;
        drawCases(data.cases);
        drawWorkers(data.workers);
        drawResources(data.resources);
        const c = data.cases;
        status.textContent = c ? `${T.cases}: ${c.total} (${c.mode === "clusters" ? T.clustered : T.points})` : "";
        if ((data.resources && data.resources.truncated) || (data.workers && data.workers.truncated)) status.textContent += " · " + T.truncated;
        el.dataset.ready = "1";
        el.dataset.mode = c ? c.mode : "";
      })
      .catch((err) => { status.textContent = (err && err.message) || T.failed; el.dataset.ready = "error"; });
  }

  function openCase(number) {
    panel.replaceChildren(text("p", T.loading, "muted"));
    lines.clearLayers();
    getJSON(el.dataset.nearestTemplate.replace("000000", encodeURIComponent(number))).then((data) => {
      const c = data.incident;
      panel.replaceChildren();
      const head = document.createElement("h2");
      head.className = "h5";
      const link = text("a", `${c.number} ${c.category_name}`);
      link.href = c.url;
      link.dataset.testid = "panel-case";
      head.append(link);
      panel.append(head, text("p", `${c.state_label}${c.overdue ? " · " + T.overdue : ""}`),
        text("p", c.address || c.description, "small"), text("p", c.area, "muted small"));
      const go = text("a", T.open_case);
      go.href = c.url;
      go.setAttribute("role", "button");
      go.className = "small";
      panel.append(go);
      const list = (title, rows, label, testid) => {
        if (rows == null) return;
        panel.append(text("h3", title, "h6"));
        const ul = text("ul", "", "near");
        ul.dataset.testid = testid;
        if (!rows.length) ul.append(text("li", T.none, "muted"));
        rows.forEach((r) => ul.append(text("li", label(r))));
        panel.append(ul);
      };
      list(T.nearest_workers, data.workers,
        (w) => `${w.name} · ${metres(w.distance_m)}${w.from_position ? "" : " (" + T.grid_centre + ")"} · ${T.open_orders} ${w.open_orders}`,
        "nearest-workers");
      list(T.nearest_resources, data.resources,
        (r) => `${r.kind_label} · ${r.name} · ${metres(r.distance_m)}${r.contact_phone ? " · " + r.contact_phone : ""}`,
        "nearest-resources");
      if (c.lat != null && data.resources) {
        data.resources.forEach((r) => L.polyline([[c.lat, c.lng], [r.lat, r.lng]],
          { color: "#334155", weight: 1, dashArray: "4 4", interactive: false }).addTo(lines));
      }
    }).catch(() => panel.replaceChildren(text("p", T.failed, "muted")));
  }

  let timer = null;
  map.on("moveend", () => {
    clearTimeout(timer);
    timer = setTimeout(() => { load(); drawDeeper(); }, 200);
  });
  form.addEventListener("change", load);

  getJSON(el.dataset.regionMap)
    .then((data) => {
      const layer = drawAreas(data, true);
      const outline = data.region.geometry ? L.geoJSON(data.region).getBounds() : layer.getBounds();
      if (outline.isValid()) map.fitBounds(outline, { padding: [8, 8] });
      else map.setView([32.06, 118.8], 11);
    })
    .catch(() => map.setView([32.06, 118.8], 11));
})();
