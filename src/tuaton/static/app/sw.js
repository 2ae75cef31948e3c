// The app's service worker: the shell (page, script, vendored libraries) works offline, so a
// citizen can show the digital ID card cached in IndexedDB with no connection. API calls always
// go to the network: nothing personal is cached here.
const SHELL = "tuaton-app-v1";
const FILES = ["/app", "/static/app/app.js", "/static/tuaton.css", "/static/vendor/jsQR.js",
  "/static/vendor/qrcode.js", "/static/vendor/jose-subset.js", "/app/manifest.webmanifest"];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(SHELL).then((cache) => cache.addAll(FILES)).then(() => self.skipWaiting()));
});
self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys().then((keys) => Promise.all(keys.filter((k) => k !== SHELL).map((k) => caches.delete(k))))
    .then(() => self.clients.claim()));
});
self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== location.origin || !FILES.includes(url.pathname)) return;
  // Network first (fresh when online), the cached shell when offline.
  event.respondWith(fetch(event.request).then((response) => {
    const copy = response.clone();
    caches.open(SHELL).then((cache) => cache.put(event.request, copy));
    return response;
  }).catch(() => caches.match(event.request)));
});
