// The region map: draws the current area and its children from our own API; a click on a
// child opens it. No tiles unless the operator configured a tile server (MAP_TILE_URL).
(function () {
  const el = document.getElementById("map");
  if (!el || typeof L === "undefined") return;
  const map = L.map(el, { zoomSnap: 0.25, attributionControl: false });
  if (el.dataset.tileUrl) L.tileLayer(el.dataset.tileUrl, { maxZoom: 19 }).addTo(map);
  const browseUrl = (code) => el.dataset.browseUrl.replace("000000", code);

  fetch(el.dataset.mapUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then((r) => (r.ok ? r.json() : Promise.reject(r.status)))
    .then((data) => {
      const outline = L.geoJSON(data.region.geometry ? data.region : [], {
        style: { color: "#1d4ed8", weight: 3, fill: false, interactive: false },
      }).addTo(map);
      const children = L.geoJSON(data.children, {
        filter: (f) => f.geometry !== null,
        style: (f) => ({
          color: "#0f766e", weight: 1.5, fillColor: "#14b8a6", fillOpacity: 0.18,
          className: "region-shape code-" + f.properties.code,
        }),
        onEachFeature: (f, layer) => {
          layer.bindTooltip(f.properties.name, { sticky: true });
          layer.on("click", () => { window.location.href = browseUrl(f.properties.code); });
          layer.on("mouseover", () => layer.setStyle({ fillOpacity: 0.4 }));
          layer.on("mouseout", () => layer.setStyle({ fillOpacity: 0.18 }));
        },
      }).addTo(map);
      const bounds = outline.getBounds().isValid() ? outline.getBounds() : children.getBounds();
      if (bounds.isValid()) {
        map.fitBounds(bounds, { padding: [12, 12] });
        el.dataset.ready = "1";
      } else {
        el.textContent = el.dataset.emptyText;
        el.dataset.ready = "empty";
      }
    })
    .catch(() => { el.textContent = el.dataset.emptyText; el.dataset.ready = "error"; });
})();
