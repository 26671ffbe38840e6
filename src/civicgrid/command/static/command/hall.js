// The leader's big screen: draws the numbers the page came with, then fetches them again from
// the API every minute and redraws tiles, lists and map markers in place. When the API does not
// answer, the last numbers stay on the screen, marked stale. No inline script: URLs and words
// come from data-* attributes, the first numbers from a JSON block.
(function () {
  const root = document.getElementById("hall");
  if (!root) return;
  const d = root.dataset;
  const missing = (v) => v === null || v === undefined;
  const formats = {
    pct: (v) => (missing(v) ? "—" : (v * 100).toFixed(2) + "%"),
    num: (v) => (missing(v) ? "—" : Number(v).toFixed(2)),
    int: (v) => (missing(v) ? "—" : String(v)),
  };
  const clock = new Intl.DateTimeFormat("zh-CN", {
    timeZone: "Asia/Shanghai", hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false,
  });

  function el(tag, text, cls) {
    const node = document.createElement(tag);
    if (text !== undefined) node.textContent = text;
    if (cls) node.className = cls;
    return node;
  }

  function change(n) {
    if (n > 0) return el("td", "+" + n, "up");
    if (n < 0) return el("td", "−" + -n, "down");
    return el("td", "0");
  }

  function fill(name, rows, makeRow) {
    const body = root.querySelector('[data-list="' + name + '"]');
    if (!body) return;
    const fresh = rows.map(makeRow);
    if (!fresh.length) {
      const tr = el("tr");
      const td = el("td", d.textNone, "empty");
      td.colSpan = 4;
      tr.appendChild(td);
      fresh.push(tr);
    }
    body.replaceChildren(...fresh);
  }

  function hotRow(row) {
    const tr = el("tr");
    tr.dataset.code = row.code;
    const name = el("td", row.name, "name");
    if (row.community) name.appendChild(el("small", row.community));
    tr.append(name, el("td", String(row.this_week)), el("td", String(row.last_week)), change(row.change));
    return tr;
  }

  function rankRow(row, count, link) {
    const tr = el("tr");
    const name = el("td");
    if (link) {
      const a = el("a", row.name);
      a.href = "?area=" + encodeURIComponent(row.code);
      name.appendChild(a);
    } else {
      name.textContent = row.name;
    }
    tr.append(
      el("td", missing(row.rank) ? "—" : String(row.rank), row.rank === 1 ? "rank-1" : ""),
      name, el("td", String(count)), el("td", formats.num(row.score)),
    );
    return tr;
  }

  function render(data) {
    root.querySelectorAll("[data-kpi]").forEach((tile) => {
      const format = formats[tile.dataset.format || "int"];
      tile.querySelector("strong").textContent = format(data.kpis[tile.dataset.kpi]);
    });
    root.querySelectorAll("[data-kpi-sub]").forEach((node) => {
      node.textContent = formats.int(data.kpis[node.dataset.kpiSub]);
    });
    fill("hot_categories", data.hot_categories, hotRow);
    fill("hot_microgrids", data.hot_microgrids, hotRow);
    fill("ranking_areas", data.ranking_areas, (r) => rankRow(r, r.reports, true));
    fill("ranking_departments", data.ranking_departments, (r) => rankRow(r, r.handled, false));
    const time = root.querySelector("[data-testid=updated-at]");
    time.setAttribute("datetime", data.generated_at);
    time.textContent = clock.format(new Date(data.generated_at));
    markers(data.hot_microgrids);
    root.dataset.rendered = String(Number(root.dataset.rendered || 0) + 1);
  }

  function setStale(stale) {
    root.classList.toggle("is-stale", stale);
    root.querySelector("[data-testid=stale]").hidden = !stale;
    root.dataset.stale = stale ? "1" : "0";
  }

  // --- the map: our own boundaries of the area's children, hot micro-grids as circles ---------
  const mapEl = document.getElementById("hall-map");
  let map = null;
  let hot = null;
  let boundsSet = false;
  if (mapEl && typeof L !== "undefined") {
    // Without tiles the map has no zoom limit of its own: one hot spot alone would zoom it
    // without end.
    map = L.map(mapEl, {
      zoomControl: false, attributionControl: false, zoomSnap: 0.25, minZoom: 3, maxZoom: 18,
    });
    if (d.tileUrl) L.tileLayer(d.tileUrl, { maxZoom: 19 }).addTo(map);
    // Hot spots in a pane of their own, above the boundaries whenever those arrive.
    map.createPane("hot").style.zIndex = 450;
    hot = L.layerGroup().addTo(map);
    fetch(d.mapUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((r) => (r.ok ? r.json() : Promise.reject(r.status)))
      .then((geo) => {
        const outline = L.geoJSON(geo.region.geometry ? geo.region : [], {
          style: { color: "#7dd3fc", weight: 3, fill: false, interactive: false },
        }).addTo(map);
        const few = geo.children.features.length <= 40;
        const children = L.geoJSON(geo.children, {
          filter: (f) => f.geometry !== null,
          style: { color: "#38bdf8", weight: 1.2, fillColor: "#1e3a5f", fillOpacity: 0.35 },
          onEachFeature: (f, layer) => {
            layer.bindTooltip(f.properties.name, few
              ? { permanent: true, direction: "center", className: "area-label" }
              : { sticky: true });
          },
        }).addTo(map);
        const bounds = outline.getBounds().isValid() ? outline.getBounds() : children.getBounds();
        if (bounds.isValid()) {
          map.fitBounds(bounds, { padding: [16, 16] });
          boundsSet = true;
        }
        mapEl.dataset.ready = "1";
      })
      .catch(() => { mapEl.dataset.ready = "error"; });
  }

  function markers(rows) {
    if (!map) return;
    hot.clearLayers();
    const placed = rows.filter((r) => !missing(r.lat) && !missing(r.lng) && r.this_week > 0);
    const most = Math.max(1, ...placed.map((r) => r.this_week));
    placed.forEach((r) => {
      L.circleMarker([r.lat, r.lng], {
        radius: 8 + 24 * Math.sqrt(r.this_week / most),
        color: "#fecaca", weight: 2,
        fillColor: r.change > 0 ? "#ef4444" : "#f59e0b", fillOpacity: 0.65,
        className: "hot-microgrid", pane: "hot",
      })
        .bindTooltip(r.name + (r.community ? " · " + r.community : "") + ": "
          + d.textThisWeek + " " + r.this_week + " / " + d.textLastWeek + " " + r.last_week)
        .addTo(hot);
    });
    mapEl.dataset.markers = String(placed.length);
    if (!boundsSet && placed.length) {
      map.fitBounds(L.latLngBounds(placed.map((r) => [r.lat, r.lng])).pad(0.3), { maxZoom: 14 });
    }
  }

  function refresh() {
    return fetch(d.apiUrl, {
      credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" },
    })
      .then((r) => (r.ok ? r.json() : Promise.reject(r.status)))
      .then((data) => { render(data); setStale(false); })
      .catch(() => setStale(true));
  }

  const first = document.getElementById("hall-data");
  if (first) render(JSON.parse(first.textContent));
  setStale(false);
  setInterval(refresh, Number(d.refreshSeconds || 60) * 1000);
  // For a test or a console: refresh now, without waiting for the minute.
  window.civicgridHall = { refresh: refresh };
})();
