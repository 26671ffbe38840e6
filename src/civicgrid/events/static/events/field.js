// The field report page: a pin map and "use my position", and an outbox that keeps reports on
// the phone (IndexedDB) until the network takes them. Each report carries a key made on the
// phone; the server makes one case per key, so sending again is always safe.
(function () {
  "use strict";
  const form = document.getElementById("report-form");
  if (!form || !window.fetch || !window.indexedDB || !window.FormData) return; // plain form post

  const cfg = form.dataset;
  const text = JSON.parse(document.getElementById("field-text").textContent);
  const fieldOf = JSON.parse(document.getElementById("field-of-code").textContent);
  const $ = (selector) => document.querySelector(selector);
  const KEPT = ["category", "description", "priority", "lng", "lat", "address"];
  const RETRY = new Set(["waiting", "auth"]); // states the outbox sends again by itself
  const busy = new Set(); // keys being sent right now

  // --- A small IndexedDB wrapper: one store of reports, keyed by their idempotency key. ------
  const outbox = {
    db: null,
    open() {
      this.db = this.db || new Promise((resolve, reject) => {
        const req = indexedDB.open("civicgrid-field", 1);
        req.onupgradeneeded = () => req.result.createObjectStore("outbox", { keyPath: "key" });
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => reject(req.error);
      });
      return this.db;
    },
    async run(mode, work) {
      const db = await this.open();
      return new Promise((resolve, reject) => {
        const tx = db.transaction("outbox", mode);
        const req = work(tx.objectStore("outbox"));
        tx.oncomplete = () => resolve(req.result);
        tx.onerror = tx.onabort = () => reject(tx.error);
      });
    },
    async mine() {
      const all = await this.run("readonly", (store) => store.getAll());
      return all.filter((item) => item.user === cfg.user);
    },
    put(item) { return this.run("readwrite", (store) => store.put(item)); },
    remove(key) { return this.run("readwrite", (store) => store.delete(key)); },
  };

  function newKey() {
    if (crypto.randomUUID) return crypto.randomUUID();
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function csrfToken() {
    const cookie = document.cookie.split("; ").find((c) => c.startsWith("csrftoken="));
    return cookie ? decodeURIComponent(cookie.slice(10)) : form.csrfmiddlewaretoken.value;
  }

  // --- Reports: made from the form, sent to the API, kept with their state. -------------------
  function itemFromForm() {
    const data = new FormData(form);
    const select = form.category;
    const label = select.selectedIndex > 0 ? select.options[select.selectedIndex].text : "";
    return {
      key: newKey(),
      user: cfg.user,
      created: new Date().toISOString(),
      state: "waiting",
      fields: KEPT.flatMap((name) => data.getAll(name).map((value) => [name, value]))
        .filter(([, value]) => value !== ""), // an empty number is "not given", not an error
      photos: data.getAll("photos").filter((f) => f.size > 0)
        .map((f) => ({ name: f.name, type: f.type, blob: f })),
      summary: label.split(" · ")[0] + " — " + form.description.value.trim().slice(0, 60),
    };
  }

  async function send(item) {
    const body = new FormData();
    item.fields.forEach(([name, value]) => body.append(name, value));
    item.photos.forEach((p) => body.append("photos", p.blob, p.name || "photo.jpg"));
    busy.add(item.key);
    render();
    let response;
    try {
      response = await fetch(cfg.apiUrl, {
        method: "POST", body, credentials: "same-origin",
        headers: { "Idempotency-Key": item.key, "X-CSRFToken": csrfToken(), Accept: "application/json" },
      });
    } catch (networkError) {
      return settle(item, "waiting");
    } finally {
      busy.delete(item.key);
    }
    const answer = await response.json().catch(() => ({}));
    // 201 made the case; 200 is a replay of one made earlier: both mean it arrived.
    if (response.ok) return settle(item, "sent", { result: answer, photos: [], error: null });
    if (response.status >= 500 || [408, 429].includes(response.status)) return settle(item, "waiting");
    if (response.status === 401 || response.status === 403) return settle(item, "auth");
    return settle(item, "error", { error: answer }); // 4xx: the user must fix or discard it
  }

  async function settle(item, state, changes) {
    Object.assign(item, changes || {}, { state, tried: new Date().toISOString() });
    await outbox.put(item);
    return item;
  }

  let syncing = false;
  async function sync() {
    if (syncing) return;
    syncing = true;
    try {
      for (const item of await outbox.mine()) {
        if (!RETRY.has(item.state) || busy.has(item.key)) continue;
        await send(item);
        if (item.state === "waiting") break; // still no network: try the rest later
      }
      await prune();
    } catch (storageError) {
      // The outbox could not be read; the next "online" or "send now" tries again.
    } finally {
      syncing = false;
      render();
    }
  }

  async function prune() {
    // Sent reports stay listed for a while as a receipt; the five latest are enough.
    const sent = (await outbox.mine()).filter((i) => i.state === "sent")
      .sort((a, b) => b.created.localeCompare(a.created));
    for (const item of sent.slice(5)) await outbox.remove(item.key);
  }

  // --- The outbox list. --------------------------------------------------------------------
  function button(action, onClick) {
    const b = document.createElement("button");
    b.type = "button";
    b.dataset.action = action;
    b.className = "outline";
    b.textContent = text[action];
    b.addEventListener("click", onClick);
    return b;
  }

  function stateText(item) {
    if (busy.has(item.key)) return text.sending;
    if (item.state === "sent") return text.sent.replace("%(number)s", item.result.number);
    return text[item.state] || item.state;
  }

  function line(tag, className, content) {
    const el = document.createElement(tag);
    el.className = className;
    el.textContent = content;
    return el;
  }

  function row(item) {
    const li = document.createElement("li");
    li.dataset.state = busy.has(item.key) ? "sending" : item.state;
    li.dataset.testid = "outbox-item";
    li.append(line("span", "state", stateText(item)), line("span", "", item.summary));
    if (busy.has(item.key)) return li;
    if (item.state === "sent") {
      const r = item.result;
      const where = r.location_confirmed ? [r.area, r.responsible_worker].filter(Boolean).join(" · ") : text.unplaced;
      li.append(line("small", "muted block", where), button("dismiss", () => forget(item)));
    } else if (item.state === "error") {
      const error = item.error || {};
      const number = (error.details || {}).number; // the case an earlier send already made
      const why = (error.message || error.detail || error.code || "") + (number ? " (" + number + ")" : "");
      li.append(line("small", "error block", why), button("edit", () => edit(item)));
      li.append(button("discard", () => forget(item, true)));
    } else {
      li.append(button("discard", () => forget(item, true)));
    }
    return li;
  }

  async function render() {
    let items = [];
    try { items = await outbox.mine(); } catch (storageError) { /* nothing to show */ }
    items.sort((a, b) => b.created.localeCompare(a.created));
    $("#outbox-list").replaceChildren(...items.map(row));
    $("#outbox").hidden = items.length === 0;
  }

  async function forget(item, ask) {
    if (ask && !window.confirm(text.confirm_discard)) return;
    await outbox.remove(item.key);
    render();
  }

  async function edit(item) {
    // Back into the form to fix; sending it again makes a new key (nothing was made with it).
    clearErrors();
    form.reset();
    item.fields.forEach(([name, value]) => {
      const input = form.elements[name];
      if (input && input.type === "checkbox") input.checked = true;
      else if (input) input.value = value;
    });
    if (item.photos.length && window.DataTransfer) {
      const files = new DataTransfer();
      item.photos.forEach((p) => files.items.add(new File([p.blob], p.name || "photo.jpg", { type: p.type })));
      $("#id_photos_chosen").files = files.files;
    }
    placePin();
    showErrors(item.error || {});
    notice(text.edited);
    form.scrollIntoView();
    await outbox.remove(item.key);
    render();
  }

  // --- Errors beside the fields, as the server-rendered page shows them. ---------------------
  function fieldFor(error) {
    const named = (error.details || {}).field;
    if (named && form.querySelector(`[data-error-for="${named}"]`)) return named;
    const code = error.code || "";
    return fieldOf[code] || fieldOf[code.split(".")[0] + "."] || "form";
  }

  function showErrors(error) {
    const found = (error.details || {}).errors; // the API's schema errors: one per field
    const list = Array.isArray(found)
      ? found.map((e) => ({ field: (e.loc || []).slice(-1)[0], message: e.msg }))
      : [{ field: fieldFor(error), message: error.message || error.detail || "" }];
    list.forEach(({ field, message }) => {
      const name = ["lng", "lat"].includes(field) ? "position" : field;
      const slot = form.parentElement.querySelector(`[data-error-for="${name}"]`) ||
        $('[data-error-for="form"]');
      slot.textContent = message;
    });
  }

  function clearErrors() {
    document.querySelectorAll("[data-error-for]").forEach((slot) => { slot.textContent = ""; });
    $("#form-notice").hidden = true;
  }

  function notice(message) {
    const el = $("#form-notice");
    el.textContent = message;
    el.hidden = false;
  }

  function needsPhoto() {
    const option = form.category.selectedOptions[0];
    const photos = new FormData(form).getAll("photos").filter((f) => f.size > 0);
    return option && option.dataset.photo === "1" && photos.length === 0;
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors();
    if (needsPhoto()) {
      showErrors({ code: "events.photo_required", message: text.photo_required });
      return;
    }
    const submit = form.querySelector('[type="submit"]');
    submit.disabled = true;
    submit.setAttribute("aria-busy", "true");
    const item = itemFromForm();
    try {
      await outbox.put(item); // kept before sending: nothing is lost if the tab dies meanwhile
    } catch (storageError) {
      form.submit(); // no storage on this phone: the plain post still works
      return;
    }
    await send(item);
    submit.disabled = false;
    submit.removeAttribute("aria-busy");
    if (item.state === "sent") {
      await outbox.remove(item.key);
      window.location.assign(cfg.doneUrl.replace("NUMBER", item.result.number));
      return;
    }
    if (item.state === "error") {
      await outbox.remove(item.key); // fixed in the form, not in the outbox
      showErrors(item.error || {});
    } else {
      form.reset();
      placePin();
      notice(item.state === "auth" ? text.queued_auth : text.queued);
    }
    render();
  });

  // --- The pin: the map of the user's area, and the phone's own position. -------------------
  let map = null;
  let pin = null;

  function placePin() {
    const lng = parseFloat(form.lng.value);
    const lat = parseFloat(form.lat.value);
    if (!map) return;
    if (Number.isNaN(lng) || Number.isNaN(lat)) {
      if (pin) pin.remove();
      pin = null;
      return;
    }
    if (!pin) pin = L.circleMarker([lat, lng], { radius: 9, color: "#b91c1c", fillOpacity: 0.7 }).addTo(map);
    pin.setLatLng([lat, lng]);
  }

  function setPosition(lng, lat) {
    form.lng.value = lng.toFixed(6);
    form.lat.value = lat.toFixed(6);
    $('[data-error-for="position"]').textContent = "";
    placePin();
  }

  function setUpMap() {
    const el = $("#pin-map");
    if (typeof L === "undefined" || !el.dataset.mapUrl) return;
    el.hidden = false;
    $("#map-hint").hidden = false;
    map = L.map(el, { zoomSnap: 0.25, attributionControl: false });
    if (el.dataset.tileUrl) L.tileLayer(el.dataset.tileUrl, { maxZoom: 19 }).addTo(map);
    map.on("click", (e) => setPosition(e.latlng.lng, e.latlng.lat));
    fetch(el.dataset.mapUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((r) => (r.ok ? r.json() : Promise.reject(r.status)))
      .then((data) => {
        const style = { interactive: false };
        const outline = L.geoJSON(data.region.geometry ? data.region : [], {
          ...style, style: { color: "#1d4ed8", weight: 3, fill: false },
        }).addTo(map);
        const children = L.geoJSON(data.children, {
          ...style, filter: (f) => f.geometry !== null,
          style: { color: "#0f766e", weight: 1.5, fillColor: "#14b8a6", fillOpacity: 0.15 },
        }).addTo(map);
        const bounds = outline.getBounds().isValid() ? outline.getBounds() : children.getBounds();
        if (!bounds.isValid()) throw new Error("no boundary");
        map.fitBounds(bounds, { padding: [8, 8] });
        placePin();
        el.dataset.ready = "1";
      })
      .catch(() => {
        el.hidden = true;
        $("#map-hint").hidden = true;
        $('[data-error-for="position"]').textContent = text.no_map;
      });
  }

  function setUpLocate() {
    if (!navigator.geolocation) return;
    const locate = $("#locate-me");
    locate.hidden = false;
    locate.addEventListener("click", () => {
      locate.setAttribute("aria-busy", "true");
      navigator.geolocation.getCurrentPosition(
        (where) => {
          locate.removeAttribute("aria-busy");
          setPosition(where.coords.longitude, where.coords.latitude);
          if (map) map.setView([where.coords.latitude, where.coords.longitude], Math.max(map.getZoom(), 15));
        },
        () => {
          locate.removeAttribute("aria-busy");
          $('[data-error-for="position"]').textContent = text.no_position;
        },
        { enableHighAccuracy: true, timeout: 20000, maximumAge: 60000 },
      );
    });
  }

  form.lng.addEventListener("change", placePin);
  form.lat.addEventListener("change", placePin);
  $("#send-now").addEventListener("click", sync);
  window.addEventListener("online", sync);
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(cfg.swUrl, { scope: cfg.swScope }).catch(() => {});
  }
  setUpLocate();
  setUpMap();
  render().then(sync);
})();
