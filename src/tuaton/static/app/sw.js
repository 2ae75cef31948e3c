// The service worker of the app (/app) and of the verifier page (/verify): their shell (page,
// script, vendored libraries) works offline, so a citizen can show the digital ID card cached in
// IndexedDB, and a verifier check it with the keys cached in the page, with no connection. API
// calls always go to the network: nothing personal is cached here.
const VERIFIER = new URL(self.registration.scope).pathname.startsWith("/verify");
const SHELL = VERIFIER ? "tuaton-verify-v1" : "tuaton-app-v1";
const COMMON = ["/static/tuaton.css", "/static/vendor/jsQR.js", "/static/vendor/jose-subset.js"];
const FILES = VERIFIER ? ["/verify", "/static/verify.js", ...COMMON]
  : ["/app", "/static/app/app.js", "/static/vendor/qrcode.js", "/app/manifest.webmanifest", ...COMMON];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(SHELL).then((cache) => cache.addAll(FILES)).then(() => self.skipWaiting()));
});
self.addEventListener("activate", (event) => {
  // Only this worker's older caches: the app's and the verifier's workers share the origin's storage.
  const family = SHELL.slice(0, SHELL.lastIndexOf("-v"));
  event.waitUntil(caches.keys().then((keys) => Promise.all(keys.filter((k) => k.startsWith(family) && k !== SHELL)
    .map((k) => caches.delete(k))))
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
  }).catch(() => caches.match(event.request, { ignoreSearch: true })));
});
