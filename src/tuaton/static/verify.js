// The verifier page: scan the card's QR code (jsQR) or paste it, and show what the citizen chose to show.
(function () {
  const th = document.body.dataset.lang === "th";
  const t = (a, b) => (th ? a : b);
  const result = document.getElementById("verify-result");
  const field = document.getElementById("presentation");
  const LABELS = { name: t("ชื่อ", "Name (Thai)"), name_en: t("ชื่อ (อังกฤษ)", "Name (English)"), pid: t("เลขประจำตัวประชาชน", "Citizen ID"),
    birthdate: t("วันเกิด", "Born"), gender: t("เพศ", "Sex"), address: t("ที่อยู่", "Address"), date_of_issuance: t("วันออกบัตร", "Card issued"),
    date_of_expiry: t("วันบัตรหมดอายุ", "Card expires"), age_over_18: t("อายุ 18 ปีขึ้นไป", "18 or older"), age_over_20: t("อายุ 20 ปีขึ้นไป", "20 or older") };

  function show(ok, rows, message) {
    result.replaceChildren();
    result.className = ok ? "verdict-ok" : "verdict-bad";
    result.dataset.valid = ok ? "true" : "false";
    const head = document.createElement("h2");
    head.textContent = ok ? t("บัตรถูกต้อง", "Valid") : t("ตรวจสอบไม่ผ่าน", "Not valid");
    result.append(head);
    if (message) { const p = document.createElement("p"); p.id = "verify-reason"; p.textContent = message; result.append(p); }
    for (const [key, value] of rows) {
      if (key === "picture") { const img = document.createElement("img"); img.src = value; img.alt = t("รูปถ่าย", "Photo"); img.id = "verified-photo"; result.append(img); continue; }
      const p = document.createElement("p"); p.dataset.claim = key;
      p.textContent = `${LABELS[key] || key}: ${value === true ? t("ใช่", "yes") : value === false ? t("ไม่ใช่", "no") : value}`;
      result.append(p);
    }
  }
  async function verify(text) {
    const response = await fetch("/api/card/v1/verifications", { method: "POST", headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({ presentation: text.trim() }) });
    const body = await response.json().catch(() => ({}));
    if (response.ok) show(true, Object.entries(body.claims), `IAL ${body.ial || "?"}`);
    else show(false, [], (th ? body.detail_th : body.detail) || body.title || String(response.status));
  }
  document.getElementById("verify").addEventListener("click", () => field.value && verify(field.value));

  const video = document.getElementById("camera"), canvas = document.getElementById("frame");
  const status = document.getElementById("scan-status");
  let last = "";
  function tick() {
    if (video.readyState >= 2 && video.videoWidth) {
      canvas.width = video.videoWidth; canvas.height = video.videoHeight;
      const ctx = canvas.getContext("2d", { willReadFrequently: true });
      ctx.drawImage(video, 0, 0);
      const found = window.jsQR(ctx.getImageData(0, 0, canvas.width, canvas.height).data, canvas.width, canvas.height);
      if (found && found.data && found.data !== last) { last = found.data; field.value = found.data; verify(found.data); }
    }
    setTimeout(tick, 150);
  }
  if (navigator.mediaDevices) {
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } })
      .then((s) => { video.srcObject = s; status.textContent = t("เล็งกล้องไปที่คิวอาร์โค้ด", "Point the camera at the QR code"); tick(); })
      .catch(() => { video.remove(); status.textContent = t("ใช้กล้องไม่ได้ วางข้อมูลแทน", "No camera: paste instead"); });
  }
})();
