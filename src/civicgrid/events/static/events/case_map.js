// The case page's small map: the reported point and its micro-grid, drawn from the page's own
// data (no tiles unless MAP_TILE_URL is set). When the user may confirm the place, a click on
// the map moves the pin and fills the relocate form.
(function () {
  const el = document.getElementById("case-map");
  const source = document.getElementById("case-map-data");
  if (!el || !source || typeof L === "undefined") return;
  const data = JSON.parse(source.textContent);
  const map = L.map(el, { zoomSnap: 0.25, attributionControl: false });
  if (el.dataset.tileUrl) L.tileLayer(el.dataset.tileUrl, { maxZoom: 19 }).addTo(map);
  const pinStyle = { radius: 8, color: "#b91c1c", weight: 2, fillColor: "#ef4444", fillOpacity: 0.8 };

  // Layers are added once the view is set: Leaflet cannot place them before.
  const area = data.area
    ? L.geoJSON(data.area, {
        style: { color: "#0f766e", weight: 2, fillColor: "#14b8a6", fillOpacity: 0.15 },
        interactive: false,
      })
    : null;
  let pin = data.lng !== null && data.lat !== null ? L.circleMarker([data.lat, data.lng], pinStyle) : null;
  if (area && area.getBounds().isValid()) {
    map.fitBounds(area.getBounds(), { padding: [12, 12] });
  } else if (pin) {
    map.setView(pin.getLatLng(), 16);
  } else {
    el.textContent = el.dataset.emptyText;
    el.dataset.ready = "empty";
    return;
  }
  if (area) area.addTo(map);
  if (pin) pin.addTo(map);
  el.dataset.ready = "1";

  const form = document.querySelector("form[data-relocate]");
  if (!form) return;
  map.on("click", (event) => {
    form.elements.lng.value = event.latlng.lng.toFixed(6);
    form.elements.lat.value = event.latlng.lat.toFixed(6);
    if (pin) pin.setLatLng(event.latlng);
    else pin = L.circleMarker(event.latlng, pinStyle).addTo(map);
    const details = form.closest("details");
    if (details) details.open = true;
  });
})();
