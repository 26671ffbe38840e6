// The field report page's service worker: keeps the page, its scripts and styles and the map of
// the user's area, so the page opens without a network. Reports wait in the page's own outbox
// (IndexedDB), never here; nothing but GET requests passes through this worker.
"use strict";
const CACHE = "civicgrid-field-{{ version|escapejs }}";
const PAGE = "{{ page_url|escapejs }}";
const STATIC = "{{ static_url|escapejs }}";
const MAPS = "{{ map_prefix|escapejs }}";
// On a weak connection, wait this long for fresh content before using the kept copy.
const PATIENCE_MS = 4000;

self.addEventListener("install", (event) => {
  event.waitUntil(keepPageAndAssets().then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((names) => Promise.all(names
        .filter((name) => name.startsWith("civicgrid-field-") && name !== CACHE)
        .map((name) => caches.delete(name))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname === PAGE) event.respondWith(networkFirst(request, PAGE));
  else if (url.pathname.startsWith(MAPS) && url.pathname.endsWith("/map")) event.respondWith(networkFirst(request));
  else if (url.pathname.startsWith(STATIC)) event.respondWith(networkFirst(request));
});

async function keepPageAndAssets() {
  // The page the user is signed in to, and every script and style sheet it names.
  const cache = await caches.open(CACHE);
  const page = await fetch(PAGE, { credentials: "same-origin", redirect: "manual" }).catch(() => null);
  if (!page || !page.ok) return; // offline or signed out: kept on the next visit instead
  const html = await page.clone().text();
  await cache.put(PAGE, page);
  const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)]
    .map((match) => match[1])
    .filter((url) => url.startsWith(STATIC));
  await Promise.all(assets.map((url) => cache.add(url).catch(() => null)));
}

async function networkFirst(request, key) {
  const cache = await caches.open(CACHE);
  const cached = await cache.match(key || request);
  const network = fetch(request).then((response) => {
    if (response.ok && response.type === "basic" && !response.redirected) {
      cache.put(key || request, response.clone());
    } else if (response.type === "opaqueredirect" || response.redirected) {
      cache.delete(key || request); // signed out: the page is not kept for whoever comes next
    }
    return response;
  });
  if (!cached) return network;
  const patience = new Promise((resolve) => setTimeout(() => resolve(cached), PATIENCE_MS));
  return Promise.race([network.catch(() => cached), patience]);
}
